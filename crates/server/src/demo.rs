//! The demo account behind `serve --demo`: a believable team (three inboxes, two teams,
//! six users of both seats), forty conversations across channels with timelines, and a
//! library for the Insert menu, so a first run shows the product at work.

use crate::app::{App, NewUserInput};
use crate::error::{ApiError, ApiResult};
use serde_json::json;
use switchboard_domain::*;
use switchboard_store::{
    AssigneeChange, NewContact, NewConversation, NewEntry, NewInbox, NewLibraryItem, NewTeam,
    NewTicket, StatusChange,
};

/// The demo account's name.
pub const ACCOUNT: &str = "Acme";
/// The password of every demo user.
pub const PASSWORD: &str = "switchboard-demo";

/// `(name, email, role, seat)` of the demo users; the first is the admin to log in with.
pub const USERS: [(&str, &str, Role, Seat); 6] = [
    ("Ana Lima", "ana@acme.test", Role::Admin, Seat::Service),
    ("Ben Okafor", "ben@acme.test", Role::Agent, Seat::Service),
    ("Olga Petrova", "olga@acme.test", Role::Agent, Seat::Service),
    ("Chen Wei", "chen@acme.test", Role::Agent, Seat::Core),
    ("Dara Quinn", "dara@acme.test", Role::Agent, Seat::Core),
    ("Eli Romero", "eli@acme.test", Role::Agent, Seat::Service),
];

const CUSTOMERS: [(&str, &str); 16] = [
    ("Hana Sato", "hana.sato@example.com"),
    ("Marco Rossi", "marco@rossi-design.example"),
    ("Priya Nair", "priya.nair@example.org"),
    ("Tom Becker", "tom.becker@example.net"),
    ("Lucía García", "lucia@garcia.example"),
    ("Kofi Mensah", "kofi@mensah.example"),
    ("Sophie Martin", "sophie.martin@example.fr"),
    ("Jonas Berg", "jonas@berg.example"),
    ("Amara Obi", "amara.obi@example.com"),
    ("Noah Smith", "noah@smith-co.example"),
    ("Yuki Tanaka", "yuki.tanaka@example.jp"),
    ("Olivia Brown", "olivia@brownbakery.example"),
    ("Diego Alvarez", "diego@alvarez.example"),
    ("Fatima Haddad", "fatima.haddad@example.com"),
    ("Liam O'Connor", "liam@oconnor.example"),
    ("Mei Chen", "mei.chen@example.com"),
];

/// `(inbox index, channel, subject, first message, agent reply)`.
const THREADS: [(usize, Channel, &str, &str, &str); 20] = [
    (0, Channel::Email, "Refund for order #48213", "Hi, the blender I ordered arrived with a cracked jug. I'd like a refund please — photos attached in my next mail.", "Sorry about that! I've started the refund; you'll see it on your card in 3–5 business days."),
    (0, Channel::Chat, "Can't log in after password reset", "I reset my password twice and still get 'invalid credentials'. Help?", "Thanks for waiting — I've cleared the lockout on your account. Could you try once more?"),
    (0, Channel::Whatsapp, "Where is my parcel?", "Tracking has said 'in transit' for 6 days now.", "The carrier confirms it's at the local depot; delivery is scheduled for tomorrow."),
    (0, Channel::Email, "Refund still not received", "You promised a refund two weeks ago and I still don't see it.", "I checked with finance: the refund was issued on the 12th. Here is the reference: RF-99231."),
    (0, Channel::Messenger, "Wrong size delivered", "Ordered an M, got an XL. Can I swap it?", "Of course — I've emailed you a prepaid return label."),
    (0, Channel::Email, "Export to CSV fails on large reports", "Exporting more than 10k rows times out every time.", "Our engineers reproduced it; a fix ships Thursday. Meanwhile, filtering by month works."),
    (0, Channel::Chat, "Two-factor codes not arriving", "The SMS codes never arrive on my phone.", "I've switched your account to authenticator-app codes; setup steps are in your inbox."),
    (0, Channel::Api, "Webhook deliveries failing with 401", "Since this morning all webhook calls to our endpoint fail with 401.", "The signing secret was rotated on your side; re-copy it from Settings → Webhooks."),
    (0, Channel::Email, "Partial refund for damaged item", "One of the three mugs was broken. Partial refund OK?", "Absolutely, a partial refund of €12.90 is on its way."),
    (0, Channel::Whatsapp, "Change delivery address", "Can you deliver to my office instead? Same city.", "Done — the courier has the new address."),
    (1, Channel::Email, "Pricing for 40 seats", "We're evaluating for a 40-person team. Is there volume pricing?", "Yes: from 25 seats we offer 15% off the annual plan. I've attached a quote."),
    (1, Channel::Chat, "Demo request for next week", "Could we get a product demo on Tuesday or Wednesday?", "Booked for Wednesday 10:00 CET — invite sent."),
    (1, Channel::Email, "Annual vs monthly billing", "What's the difference besides the price?", "Annual adds priority support and a dedicated onboarding session."),
    (1, Channel::Messenger, "Nonprofit discount?", "We're a registered charity — any discount?", "We offer 50% off for nonprofits; please send your registration document."),
    (1, Channel::Email, "Security questionnaire", "Our IT needs the attached questionnaire filled before purchase.", "Our security team will return it by Friday."),
    (1, Channel::Whatsapp, "Upgrade from Starter", "How do I upgrade without losing data?", "Upgrading keeps everything; it takes effect immediately from the billing page."),
    (2, Channel::Email, "Invoice 2026-1142 incorrect", "The VAT number on invoice 2026-1142 is wrong.", "Corrected invoice attached — sorry for the trouble."),
    (2, Channel::Email, "Card declined on renewal", "Our card was declined but it works elsewhere.", "The bank flagged it; a retry tonight should succeed. I've extended your grace period."),
    (2, Channel::Chat, "Need receipts for Q3", "Can I download all Q3 receipts at once?", "Yes — Billing → History → Export lets you pick a date range."),
    (2, Channel::Api, "Duplicate charge", "We were charged twice this month.", "Confirmed — the duplicate charge is refunded; it can take 5 days to show."),
];

/// `(kind, title, body, url)` of the demo library, for the Insert menu.
const LIBRARY: [(LibraryKind, &str, Option<&str>, Option<&str>); 7] = [
    (LibraryKind::Snippet, "Greeting", Some("Hi {{contact.first_name}},\n\nThanks for reaching out — I'm {{agent.first_name}} and I'll take care of this."), None),
    (LibraryKind::Snippet, "Refund issued", Some("Hi {{contact.first_name}}, your refund is on its way: it shows on your statement within 3–5 business days. Reference: conversation #{{conversation.id}}."), None),
    (LibraryKind::Snippet, "Closing", Some("Is there anything else I can help you with? If not, I'll close “{{conversation.subject}}” for now.\n\n— {{agent.name}}"), None),
    (LibraryKind::MeetingLink, "Book a call with support", None, Some("https://meet.acme.test/support")),
    (LibraryKind::KbArticle, "How refunds work", Some("Refunds go back to the original payment method within 3–5 business days."), Some("https://help.acme.test/articles/refunds")),
    (LibraryKind::Quote, "Service promise", Some("We answer every message within one business day."), None),
    (LibraryKind::Video, "Setting up two-factor authentication", None, Some("https://videos.acme.test/2fa-setup")),
];

/// Seeds the demo account unless it exists; returns whether it seeded.
pub async fn seed(app: &App) -> ApiResult<bool> {
    let store = &app.store;
    if store.account_by_name(ACCOUNT).await.is_ok() {
        return Ok(false);
    }
    let now = app.now();
    let account = store
        .create_account(ACCOUNT, Plan::Professional, now)
        .await?;
    let mut users = Vec::new();
    for (name, email, role, seat) in USERS {
        let input = NewUserInput {
            name: name.into(),
            email: email.into(),
            password: PASSWORD.into(),
            role,
            seat,
        };
        users.push(app.create_first_admin(account.id, input).await?);
    }
    let uid = |i: usize| users[i].id;
    let team = |name: &str, members: Vec<UserId>, round_robin: bool| NewTeam {
        account_id: account.id,
        name: name.into(),
        round_robin,
        member_ids: members,
        now,
    };
    let tier2 = store
        .create_team(team("Tier 2", vec![uid(2), uid(5)], true))
        .await?;
    let sales_team = store
        .create_team(team("Sales Team", vec![uid(1), uid(4)], false))
        .await?;
    let inbox = |name: &str, email: &str, members: Vec<UserId>, teams: Vec<TeamId>| NewInbox {
        account_id: account.id,
        name: name.into(),
        email_address: Some(email.into()),
        member_user_ids: members,
        member_team_ids: teams,
        now,
    };
    let inboxes = [
        store
            .create_inbox(inbox(
                "Support",
                "support@acme.test",
                vec![uid(0), uid(1), uid(3)],
                vec![tier2.id],
            ))
            .await?,
        store
            .create_inbox(inbox(
                "Sales",
                "sales@acme.test",
                vec![uid(0), uid(1)],
                vec![sales_team.id],
            ))
            .await?,
        store
            .create_inbox(inbox(
                "Billing",
                "billing@acme.test",
                vec![uid(0), uid(2), uid(3)],
                vec![],
            ))
            .await?,
    ];

    for (kind, title, body, url) in LIBRARY {
        store
            .create_library_item(NewLibraryItem {
                account_id: account.id,
                kind,
                title: title.into(),
                body: body.map(str::to_owned),
                url: url.map(str::to_owned),
                attachment_id: None,
                created_by: uid(0),
                now,
            })
            .await?;
    }

    // Forty conversations: each thread twice with different customers, spread over
    // the last five days, the newest first in the list.
    for i in 0..40usize {
        let (inbox_ix, channel, subject, first, reply) = THREADS[i % THREADS.len()];
        let (cname, cemail) = CUSTOMERS[(i * 7) % CUSTOMERS.len()];
        let started = now - ((40 - i as i64) * 2 * 3600 * 1000) - 5 * 60 * 1000;
        let phone_like = matches!(channel, Channel::Whatsapp);
        let contact = NewContact {
            account_id: account.id,
            name: Some(cname.into()),
            email: (!phone_like).then(|| cemail.to_owned()),
            phone: phone_like.then(|| format!("+1 555 01{:02}", i % 100)),
            owner_id: (i % 3 == 0).then(|| uid(i % 6)),
            now: started,
        };
        let subject = if i >= THREADS.len() {
            format!("{subject} (follow-up)")
        } else {
            subject.to_owned()
        };
        let (conversation, _) = store
            .create_conversation(NewConversation {
                account_id: account.id,
                inbox_id: inboxes[inbox_ix].id,
                channel,
                contact,
                subject: Some(subject),
                body: first.into(),
                meta: json!({}),
                now: started,
            })
            .await?;
        let agent = match inbox_ix {
            0 => [0, 1, 2, 5][i % 4],
            1 => [0, 1, 4][i % 3],
            _ => [0, 2, 3][i % 3],
        };
        let assignee = match i % 5 {
            0 | 4 => None,
            3 if inbox_ix == 0 => Some(Assignee::Team(tier2.id)),
            _ => Some(Assignee::User(uid(agent))),
        };
        if let Some(assignee) = assignee {
            let name = match assignee {
                Assignee::User(_) => users[agent].name.clone(),
                Assignee::Team(_) => tier2.name.clone(),
            };
            store
                .set_assignee(AssigneeChange {
                    conversation_id: conversation.id,
                    assignee: Some(assignee),
                    actor: Some(uid(0)),
                    event_text: format!("{} assigned this to {name}", users[0].name),
                    round_robin: None,
                    notify: Vec::new(),
                    now: started + 60_000,
                })
                .await?;
        }
        if i % 4 == 1 {
            let note = "Checked the order history — this customer had the **same issue in March**. Let's be generous.";
            store
                .append_entry(NewEntry {
                    conversation_id: conversation.id,
                    kind: EntryKind::Comment,
                    direction: None,
                    author_user_id: Some(uid(agent)),
                    author_contact_id: None,
                    body: note.into(),
                    meta: json!({
                        "html": crate::app::markdown::render(note),
                        "mentions": [],
                        "attachments": [],
                    }),
                    now: started + 90_000,
                })
                .await?;
        }
        if i % 5 != 4 {
            store
                .append_entry(NewEntry {
                    conversation_id: conversation.id,
                    kind: EntryKind::Message,
                    direction: Some(Direction::Outbound),
                    author_user_id: Some(uid(agent)),
                    author_contact_id: None,
                    body: reply.into(),
                    meta: json!({"channel": channel}),
                    now: started + 120_000,
                })
                .await?;
        }
        if i % 7 == 2 {
            store
                .set_status(StatusChange {
                    conversation_id: conversation.id,
                    status: Status::Closed,
                    actor: uid(agent),
                    event_text: format!("{} closed this conversation", users[agent].name),
                    now: started + 180_000,
                })
                .await?;
        }
        if i == 0 {
            store
                .create_ticket(NewTicket {
                    account_id: account.id,
                    subject: "Refund: cracked blender jug".into(),
                    stage: TicketStage::WaitingOnUs,
                    priority: Priority::Medium,
                    owner_id: Some(uid(agent)),
                    conversation_ids: vec![conversation.id],
                    now: started + 150_000,
                })
                .await?;
        }
    }
    seed_handoff(app, account.id, inboxes[1].id, &users).await?;
    seed_mail(app, inboxes[0].id).await?;
    Ok(true)
}

/// A real HTML mail with a remote image, a quoted history and a PDF, and the
/// customer's reply to our answer, filed through the inbound mail path: the
/// conversation to try "show images", the folded quote and Forward on.
const DEMO_MAILS: [&str; 2] = [
    "From: Maya Brooks <maya@brooks-bakery.example>\r\n\
To: Acme Support <support@acme.test>\r\n\
Subject: Mixer order #4471 arrived damaged\r\n\
Date: Tue, 24 Nov 2026 09:12:00 +0000\r\n\
Message-ID: <maya-4471-1@brooks-bakery.example>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\
\r\n\
--outer\r\n\
Content-Type: multipart/alternative; boundary=\"alt\"\r\n\
\r\n\
--alt\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Hello Acme team,\r\n\
\r\n\
Our stand mixer (order #4471) arrived with a cracked bowl. Photos and the delivery note are attached.\r\n\
Could you send a replacement bowl before Friday? We bake for a wedding on Saturday.\r\n\
\r\n\
Thanks,\r\n\
Maya\r\n\
--alt\r\n\
Content-Type: text/html; charset=utf-8\r\n\
\r\n\
<html><body><p>Hello Acme team,</p>\
<p>Our <b>stand mixer</b> (order <a href=\"https://shop.acme.test/orders/4471\">#4471</a>) arrived with a <span style=\"color:red\">cracked bowl</span>. \
The delivery note is attached.</p>\
<table border=\"1\" cellpadding=\"4\"><tr><th>Item</th><th>Qty</th><th>State</th></tr>\
<tr><td>Stand mixer Pro 5L</td><td>1</td><td>Bowl cracked</td></tr></table>\
<p><img src=\"https://images.brooks-bakery.example/photos/cracked-bowl.jpg\" alt=\"Photo of the cracked bowl\" width=\"320\"></p>\
<p>Could you send a replacement bowl <i>before Friday</i>? We bake for a wedding on Saturday.</p>\
<p>Thanks,<br>Maya<br>Brooks Bakery</p>\
<script>alert('never runs')</script>\
<blockquote><p>On Mon, Nov 23, 2026, Acme Shop wrote:</p><p>Your order #4471 has shipped and arrives tomorrow.</p></blockquote>\
</body></html>\r\n\
--alt--\r\n\
--outer\r\n\
Content-Type: application/pdf; name=\"delivery-note-4471.pdf\"\r\n\
Content-Disposition: attachment; filename=\"delivery-note-4471.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcgo8PC9Sb290IDEgMCBSPj4KJSVFT0YK\r\n\
--outer--\r\n",
    "From: Maya Brooks <maya@brooks-bakery.example>\r\n\
To: Acme Support <support@acme.test>\r\n\
Subject: Re: Mixer order #4471 arrived damaged\r\n\
Date: Tue, 24 Nov 2026 09:40:00 +0000\r\n\
Message-ID: <maya-4471-2@brooks-bakery.example>\r\n\
In-Reply-To: <maya-4471-1@brooks-bakery.example>\r\n\
References: <maya-4471-1@brooks-bakery.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
One more thing: the bowl's order code on the box is MX-5L-B. Thanks again!\r\n\
\r\n\
On Tue, Nov 24, 2026 at 09:12, Maya Brooks wrote:\r\n\
> Hello Acme team,\r\n\
> Our stand mixer (order #4471) arrived with a cracked bowl.\r\n",
];

async fn seed_mail(app: &App, support: InboxId) -> ApiResult<()> {
    for raw in DEMO_MAILS {
        app.receive_mail_into(raw.as_bytes(), support)
            .await
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("filing a demo mail: {e}")))?;
    }
    Ok(())
}

/// A fresh sale whose contact Olga (Support, through Tier 2) owns, with its onboarding
/// ticket: the conversation Sales hands to Support with "Move to another inbox".
async fn seed_handoff(
    app: &App,
    account: AccountId,
    sales: InboxId,
    users: &[User],
) -> ApiResult<()> {
    let store = &app.store;
    let now = app.now();
    let started = now - 25 * 60 * 1000;
    let (ana, olga) = (users[0].id, users[2].id);
    let (conversation, _) = store
        .create_conversation(NewConversation {
            account_id: account,
            inbox_id: sales,
            channel: Channel::Email,
            contact: NewContact {
                account_id: account,
                name: Some("Rafael Costa".into()),
                email: Some("rafael@costa-studio.example".into()),
                phone: None,
                owner_id: Some(olga),
                now: started,
            },
            subject: Some("Upgrade to the Growth plan".into()),
            body: "We just bought the Growth plan for our 12 designers. Who can help us move our projects over?".into(),
            meta: json!({}),
            now: started,
        })
        .await?;
    store
        .set_assignee(AssigneeChange {
            conversation_id: conversation.id,
            assignee: Some(Assignee::User(ana)),
            actor: Some(ana),
            event_text: format!("{} assigned this to {}", users[0].name, users[0].name),
            round_robin: None,
            notify: Vec::new(),
            now: started + 60_000,
        })
        .await?;
    store
        .append_entry(NewEntry {
            conversation_id: conversation.id,
            kind: EntryKind::Message,
            direction: Some(Direction::Outbound),
            author_user_id: Some(ana),
            author_contact_id: None,
            body: "Welcome aboard, Rafael! Our onboarding specialists will take it from here and get your projects moved this week.".into(),
            meta: json!({"channel": Channel::Email}),
            now: started + 120_000,
        })
        .await?;
    store
        .create_ticket(NewTicket {
            account_id: account,
            subject: "Onboarding after the purchase".into(),
            stage: TicketStage::New,
            priority: Priority::High,
            owner_id: Some(ana),
            conversation_ids: vec![conversation.id],
            now: started + 180_000,
        })
        .await?;
    Ok(())
}
