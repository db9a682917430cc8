//! Moving a conversation to another inbox over HTTP: every assign mode and fallback,
//! every channel, tickets following, the stub left behind, the plan gate, lost access,
//! bad input and the race between two movers; and both inboxes hearing of it live.

use crate::comments::{next_event, watch};
use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_domain::*;
use switchboard_store::NewInbox;

/// Support (Ana, Ben) and Sales (Olga directly, Cleo through the "Closers" team). Ben
/// is a member of Support only: he can move a conversation to Sales but not follow it.
struct Move {
    f: Fixture,
    sales: Inbox,
    cleo: User,
    closers: Value,
    ana: Session,
    ben: Session,
    olga: Session,
}

async fn setup(app: &TestApp) -> Move {
    let f = app.fixture("Acme", "acme.test").await;
    let cleo = app
        .user(
            f.account.id,
            "Cleo Closer",
            "cleo@acme.test",
            Role::Agent,
            Seat::Service,
        )
        .await;
    let ana = app.login(&f.admin.email).await;
    let res = ana
        .post(
            "/api/v1/teams",
            json!({"name": "Closers", "member_ids": [cleo.id]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let closers: Value = res.json().await.unwrap();
    let sales = app
        .store
        .create_inbox(NewInbox {
            account_id: f.account.id,
            name: "Sales".into(),
            // Replies on email conversations are sent from the inbox's address.
            email_address: Some("sales@acme.test".into()),
            member_user_ids: vec![f.outsider.id],
            member_team_ids: vec![TeamId(closers["id"].as_i64().unwrap())],
            now: 1,
        })
        .await
        .unwrap();
    Move {
        ben: app.login(&f.member.email).await,
        olga: app.login(&f.outsider.email).await,
        ana,
        sales,
        cleo,
        closers,
        f,
    }
}

impl Move {
    /// A new conversation in Support on `channel`, from `email`.
    async fn conversation(&self, channel: &str, email: &str) -> i64 {
        let res = self
            .ana
            .post(
                "/api/v1/conversations",
                json!({"inbox_id": self.f.inbox.id, "channel": channel,
                       "contact": {"email": email, "phone": "+1 555 0100", "name": "Rafael Costa"},
                       "subject": "Upgrade to the Growth plan", "body": "We bought it!"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    /// A contact of `email` owned by `owner`, created before their conversation.
    async fn contact_owned_by(&self, email: &str, owner: Option<UserId>) {
        let res = self
            .ana
            .post(
                "/api/v1/contacts",
                json!({"email": email, "name": "Owned Contact", "owner_id": owner}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }

    async fn move_as(&self, who: &Session, id: i64, body: Value) -> reqwest::Response {
        who.post(&format!("/api/v1/conversations/{id}/move"), body)
            .await
    }

    /// Moves `id` to Sales as Ben with `assign`, expecting success; answers the state.
    async fn move_to_sales(&self, id: i64, assign: Value) -> Value {
        let res = self
            .move_as(
                &self.ben,
                id,
                json!({"inbox_id": self.sales.id, "from_inbox_id": self.f.inbox.id, "assign": assign}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// The timeline as the admin sees it.
    async fn timeline(&self, id: i64) -> Vec<Value> {
        let body: Value = self
            .ana
            .get(&format!("/api/v1/conversations/{id}/timeline"))
            .await
            .json()
            .await
            .unwrap();
        body["items"].as_array().unwrap().clone()
    }

    /// The text of the latest "moved" event.
    async fn moved_event(&self, id: i64) -> String {
        let timeline = self.timeline(id).await;
        let event = timeline
            .iter()
            .rev()
            .find(|e| e["kind"] == "event" && e["body"].as_str().unwrap().starts_with("Moved"))
            .expect("a moved event");
        event["body"].as_str().unwrap().to_owned()
    }

    async fn list(&self, who: &Session, inbox: InboxId) -> Vec<Value> {
        let res = who
            .get(&format!("/api/v1/inboxes/{inbox}/conversations"))
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.unwrap()["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    async fn state(&self, id: i64) -> Value {
        self.ana
            .get(&format!("/api/v1/conversations/{id}"))
            .await
            .json()
            .await
            .unwrap()
    }
}

fn user(id: UserId) -> Value {
    json!({"type": "user", "id": id})
}

#[tokio::test]
async fn a_member_moves_to_a_specific_user_who_is_notified_and_sees_the_comment() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("email", "rafael@costa.example").await;
    let res = m
        .move_as(
            &m.ben,
            id,
            json!({"inbox_id": m.sales.id, "from_inbox_id": m.f.inbox.id,
                   "assign": {"mode": "specific", "user_ids": [m.f.outsider.id], "team_ids": []},
                   "comment": "They bought **12 seats** — please onboard."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let state: Value = res.json().await.unwrap();
    assert_eq!(state["inbox_id"], json!(m.sales.id));
    assert_eq!(state["assignee"], user(m.f.outsider.id));

    // Olga (Sales) sees it with the event and the comment, and was notified.
    let res = m
        .olga
        .get(&format!("/api/v1/conversations/{id}/timeline"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let timeline: Value = res.json().await.unwrap();
    let entries = timeline["items"].as_array().unwrap();
    let n = entries.len();
    assert_eq!(entries[n - 2]["kind"], "event");
    assert_eq!(
        entries[n - 2]["body"],
        "Moved from Support to Sales by Ben Member. Assigned to Olga Outsider."
    );
    assert_eq!(entries[n - 1]["kind"], "comment");
    assert_eq!(
        entries[n - 1]["body"],
        "They bought **12 seats** — please onboard."
    );
    let notes: Value = m
        .olga
        .get("/api/v1/notifications")
        .await
        .json()
        .await
        .unwrap();
    let note = &notes["items"][0];
    assert_eq!(note["kind"], "move");
    assert_eq!(note["conversation_id"], json!(id));
    assert!(note["text"]
        .as_str()
        .unwrap()
        .contains("moved “Upgrade to the Growth plan” to Sales and assigned it to you"));
    assert!(note["link"]
        .as_str()
        .unwrap()
        .contains(&format!("/inboxes/{}", m.sales.id)));

    // The list of Sales shows it; Support's shows the stub in its place.
    let sales = m.list(&m.olga, m.sales.id).await;
    assert_eq!(sales[0]["kind"], "conversation");
    assert_eq!(sales[0]["id"], json!(id));
    let support = m.list(&m.ana, m.f.inbox.id).await;
    assert_eq!(support.len(), 1);
    let stub = &support[0];
    assert_eq!(stub["kind"], "moved");
    assert_eq!(stub["conversation_id"], json!(id));
    assert_eq!(stub["moved_to"], json!({"id": m.sales.id, "name": "Sales"}));
    assert_eq!(
        stub["moved_by"],
        json!({"id": m.f.member.id, "name": "Ben Member"})
    );
    assert_eq!(stub["status"], "open");
    assert_eq!(stub["subject"], "Upgrade to the Growth plan");
}

#[tokio::test]
async fn users_who_lost_access_get_404_and_cannot_write() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("chat", "lost@costa.example").await;
    m.move_to_sales(id, json!({"mode": "unassigned"})).await;
    let path = format!("/api/v1/conversations/{id}");
    for res in [
        m.ben.get(&path).await,
        m.ben.get(&format!("{path}/timeline")).await,
        m.ben
            .post(&format!("{path}/replies"), json!({"body": "still here?"}))
            .await,
        m.ben
            .post(
                &format!("{path}/comments"),
                json!({"body": "note", "mention_user_ids": [], "attachment_ids": []}),
            )
            .await,
        m.ben
            .send(Method::PUT, &format!("{path}/assignee"), json!({}))
            .await,
        m.ben
            .send(Method::PATCH, &path, json!({"status": "closed"}))
            .await,
        m.move_as(
            &m.ben,
            id,
            json!({"inbox_id": m.f.inbox.id, "assign": {"mode": "unassigned"}}),
        )
        .await,
    ] {
        assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");
    }
    // Replies and comments act in the target inbox for its members.
    let res = m
        .olga
        .post(&format!("{path}/replies"), json!({"body": "Hi, Olga here"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let timeline = m.timeline(id).await;
    assert_eq!(timeline.last().unwrap()["body"], "Hi, Olga here");
    assert_eq!(m.state(id).await["status"], "open");
}

#[tokio::test]
async fn tickets_follow_their_conversation() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("email", "tickets@costa.example").await;
    let other = m.conversation("email", "stays@costa.example").await;
    let mut tickets = Vec::new();
    for (subject, conversation) in [("Onboarding", id), ("Unrelated", other)] {
        let res = m
            .ana
            .post(
                "/api/v1/tickets",
                json!({"subject": subject, "conversation_ids": [conversation]}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        tickets.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let state = m
        .move_to_sales(
            id,
            json!({"mode": "specific", "user_ids": [m.f.outsider.id]}),
        )
        .await;
    assert_eq!(state["ticket_ids"], json!([tickets[0]]));
    let moved: Value = m
        .olga
        .get(&format!("/api/v1/tickets/{}", tickets[0]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["inbox_id"], json!(m.sales.id));
    assert_eq!(moved["conversation_ids"], json!([id]));
    let stayed: Value = m
        .ana
        .get(&format!("/api/v1/tickets/{}", tickets[1]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stayed["inbox_id"], json!(m.f.inbox.id));
    // Ben no longer sees the ticket that left with the conversation; Olga only sees it.
    let res = m.ben.get(&format!("/api/v1/tickets/{}", tickets[0])).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let olga: Value = m.olga.get("/api/v1/tickets").await.json().await.unwrap();
    assert_eq!(olga["items"].as_array().unwrap().len(), 1);
    // The new inbox's members edit it.
    let res = m
        .olga
        .send(
            Method::PATCH,
            &format!("/api/v1/tickets/{}", tickets[0]),
            json!({"stage": "waiting_on_us", "owner_id": m.f.outsider.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["stage"], "waiting_on_us");
    assert_eq!(edited["owner_id"], json!(m.f.outsider.id));
}

#[tokio::test]
async fn specific_picks_go_to_one_user_one_team_or_round_robin() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let team_id = m.closers["id"].as_i64().unwrap();

    let id = m.conversation("email", "team@costa.example").await;
    let state = m
        .move_to_sales(id, json!({"mode": "specific", "team_ids": [team_id]}))
        .await;
    assert_eq!(state["assignee"], json!({"type": "team", "id": team_id}));
    assert_eq!(
        m.moved_event(id).await,
        "Moved from Support to Sales by Ben Member. Assigned to Closers."
    );

    // Several picks: the next available of them in turn (Olga, then Cleo, then Olga).
    let several = json!({"mode": "specific", "user_ids": [m.cleo.id, m.f.outsider.id]});
    let mut got = Vec::new();
    for i in 0..3 {
        let id = m
            .conversation("chat", &format!("rr{i}@costa.example"))
            .await;
        got.push(m.move_to_sales(id, several.clone()).await["assignee"].clone());
        assert!(m.moved_event(id).await.ends_with("(round-robin)."));
    }
    assert_eq!(
        got,
        vec![
            user(m.f.outsider.id),
            user(m.cleo.id),
            user(m.f.outsider.id)
        ]
    );

    // Away users are skipped; with nobody available it stays unassigned, and says so.
    for who in [&m.olga, &app.login("cleo@acme.test").await] {
        let res = who
            .send(
                Method::PATCH,
                "/api/v1/users/me",
                json!({"availability": "away"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let id = m.conversation("chat", "nobody@costa.example").await;
    let state = m.move_to_sales(id, several).await;
    assert_eq!(state["assignee"], Value::Null);
    assert!(m
        .moved_event(id)
        .await
        .ends_with("nobody picked is available."));
}

#[tokio::test]
async fn contact_owner_mode_and_its_fallbacks() {
    let app = spawn_app().await;
    let m = setup(&app).await;

    // The owner sees the target: they get it.
    m.contact_owned_by("owned@costa.example", Some(m.f.outsider.id))
        .await;
    let id = m.conversation("email", "owned@costa.example").await;
    let state = m
        .move_to_sales(
            id,
            json!({"mode": "contact_owner", "fallback": {"mode": "unassigned"}}),
        )
        .await;
    assert_eq!(state["assignee"], user(m.f.outsider.id));
    assert_eq!(
        m.moved_event(id).await,
        "Moved from Support to Sales by Ben Member. Assigned to Olga Outsider, the contact owner."
    );

    // The owner cannot see the target: the fallback applies, and the timeline says why.
    m.contact_owned_by("blind@costa.example", Some(m.f.member.id))
        .await;
    let id = m.conversation("whatsapp", "blind@costa.example").await;
    let state = m
        .move_to_sales(
            id,
            json!({"mode": "contact_owner", "fallback": {"mode": "specific", "user_ids": [m.cleo.id]}}),
        )
        .await;
    assert_eq!(state["assignee"], user(m.cleo.id));
    assert_eq!(
        m.moved_event(id).await,
        "Moved from Support to Sales by Ben Member. The contact owner Ben Member cannot see Sales, so it was assigned to Cleo Closer."
    );

    // No owner, fallback "leave unassigned".
    let id = m
        .conversation("messenger", "nobody-owns@costa.example")
        .await;
    let state = m
        .move_to_sales(
            id,
            json!({"mode": "contact_owner", "fallback": {"mode": "unassigned"}}),
        )
        .await;
    assert_eq!(state["assignee"], Value::Null);
    assert_eq!(
        m.moved_event(id).await,
        "Moved from Support to Sales by Ben Member. The contact has no owner, so it was left unassigned."
    );
}

#[tokio::test]
async fn every_channel_moves() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    for channel in ["email", "chat", "whatsapp", "messenger", "api"] {
        let id = m
            .conversation(channel, &format!("{channel}@costa.example"))
            .await;
        let state = m
            .move_to_sales(
                id,
                json!({"mode": "specific", "user_ids": [m.f.outsider.id]}),
            )
            .await;
        assert_eq!(state["channel"], channel);
        assert_eq!(state["inbox_id"], json!(m.sales.id));
        let res = m
            .olga
            .post(
                &format!("/api/v1/conversations/{id}/replies"),
                json!({"body": format!("Reply on {channel}")}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED, "{channel}");
    }
    let stubs = m.list(&m.ana, m.f.inbox.id).await;
    assert_eq!(stubs.len(), 5);
    assert!(stubs.iter().all(|s| s["kind"] == "moved"));
    let chat_only: Value = m
        .ana
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?channel=chat",
            m.f.inbox.id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(chat_only["items"].as_array().unwrap().len(), 1);
    assert_eq!(chat_only["items"][0]["channel"], "chat");
}

#[tokio::test]
async fn the_starter_plan_cannot_move() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("email", "starter@costa.example").await;
    app.store
        .set_plan(m.f.account.id, Plan::Starter)
        .await
        .unwrap();
    for target in [m.sales.id.0, 999_999] {
        let res = m
            .move_as(
                &m.ana,
                id,
                json!({"inbox_id": target, "assign": {"mode": "unassigned"}}),
            )
            .await;
        assert_eq!(
            expect_error(res, StatusCode::FORBIDDEN).await,
            "plan_required"
        );
    }
    assert_eq!(m.state(id).await["inbox_id"], json!(m.f.inbox.id));
    assert_eq!(m.timeline(id).await.len(), 1);
    // The thread offers the upgrade hint instead of the dialog.
    let page = m
        .ana
        .get(&format!("/inboxes/{}?c={id}", m.f.inbox.id))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("available on Professional and Enterprise plans"));
}

#[tokio::test]
async fn bad_moves_are_refused_and_move_nothing() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let other = app.fixture("Other", "other.test").await;
    let id = m.conversation("email", "bad@costa.example").await;
    let to_sales = |assign: Value| json!({"inbox_id": m.sales.id, "assign": assign});
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"inbox_id": m.f.inbox.id, "assign": {"mode": "unassigned"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "already in Support",
        ),
        (
            json!({"inbox_id": other.inbox.id, "assign": {"mode": "unassigned"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not an inbox of this account",
        ),
        (
            to_sales(json!({"mode": "specific", "user_ids": [other.admin.id]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a user of this account",
        ),
        (
            to_sales(json!({"mode": "specific", "team_ids": [424242]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "not a team of this account",
        ),
        (
            to_sales(json!({"mode": "specific", "user_ids": [m.f.member.id]})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Ben Member cannot see the target inbox",
        ),
        (
            to_sales(json!({"mode": "specific", "user_ids": [], "team_ids": []})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "at least one user or team",
        ),
        (
            to_sales(
                json!({"mode": "contact_owner", "fallback": {"mode": "specific", "user_ids": [m.f.member.id]}}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot see the target inbox",
        ),
        (
            to_sales(json!({"mode": "everyone"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
        (
            json!({"inbox_id": m.sales.id, "from_inbox_id": m.sales.id, "assign": {"mode": "unassigned"}}),
            StatusCode::CONFLICT,
            "moved to another inbox meanwhile",
        ),
        (
            json!({"inbox_id": m.sales.id, "assign": {"mode": "unassigned"}, "comment": "x".repeat(100_001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "comment",
        ),
    ];
    for (body, status, says) in cases {
        let res = m.move_as(&m.ana, id, body.clone()).await;
        assert_eq!(res.status(), status, "{body}");
        let error: Value = res.json().await.unwrap();
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message:?} should say {says:?}");
    }
    // Another account's admin does not even see it.
    let res = m
        .move_as(
            &app.login(&other.admin.email).await,
            id,
            json!({"inbox_id": other.inbox.id, "assign": {"mode": "unassigned"}}),
        )
        .await;
    assert_eq!(expect_error(res, StatusCode::NOT_FOUND).await, "not_found");

    // A closed conversation is not moved until reopened.
    let res = m
        .ana
        .send(
            Method::PATCH,
            &format!("/api/v1/conversations/{id}"),
            json!({"status": "closed"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = m
        .move_as(&m.ana, id, to_sales(json!({"mode": "unassigned"})))
        .await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await, "conflict");

    // Nothing was half-moved.
    let state = m.state(id).await;
    assert_eq!(state["inbox_id"], json!(m.f.inbox.id));
    assert_eq!(m.timeline(id).await.len(), 2); // the message and "closed"
    assert!(m.list(&m.olga, m.sales.id).await.is_empty());
    assert!(m
        .list(&m.ana, m.f.inbox.id)
        .await
        .iter()
        .all(|i| i["kind"] == "conversation"));
}

#[tokio::test]
async fn two_movers_at_once_one_wins_the_other_gets_409() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let billing = app
        .store
        .create_inbox(NewInbox {
            account_id: m.f.account.id,
            name: "Billing".into(),
            email_address: None,
            member_user_ids: vec![m.f.admin.id, m.f.member.id],
            member_team_ids: vec![],
            now: 1,
        })
        .await
        .unwrap();
    for round in 0..5 {
        let id = m
            .conversation("email", &format!("race{round}@costa.example"))
            .await;
        let ana = m.move_as(
            &m.ana,
            id,
            json!({"inbox_id": billing.id, "from_inbox_id": m.f.inbox.id, "assign": {"mode": "unassigned"}}),
        );
        // Ben sees Billing too, so the loser always still sees the conversation.
        let ben = m.move_as(
            &m.ben,
            id,
            json!({"inbox_id": billing.id, "from_inbox_id": m.f.inbox.id, "assign": {"mode": "unassigned"}}),
        );
        let (a, b) = tokio::join!(ana, ben);
        let mut statuses = [a.status(), b.status()];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "round {round}"
        );
        let moved_events = m
            .timeline(id)
            .await
            .iter()
            .filter(|e| e["body"].as_str().unwrap().starts_with("Moved"))
            .count();
        assert_eq!(moved_events, 1);
        let stubs = m
            .list(&m.ana, m.f.inbox.id)
            .await
            .iter()
            .filter(|i| i["conversation_id"] == json!(id))
            .count();
        assert_eq!(stubs, 1);
    }
}

#[tokio::test]
async fn the_stub_opens_read_only_with_a_link_only_for_who_can_follow() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("email", "stub@costa.example").await;
    m.move_to_sales(id, json!({"mode": "unassigned"})).await;
    let stub = m.list(&m.ana, m.f.inbox.id).await[0].clone();
    let path = format!("/inboxes/{}?moved={}", m.f.inbox.id, stub["id"]);
    // Ana (admin) sees every inbox: the stub links to the conversation in Sales.
    let ana = m.ana.get(&path).await.text().await.unwrap();
    assert!(ana.contains("data-test=\"moved-stub-pane\""));
    assert!(ana.contains("Moved to Sales by Ben Member"));
    assert!(ana.contains(&format!("href=\"/conversations/{id}\"")));
    assert!(ana.contains("Open in Sales"));
    assert!(!ana.contains("data-test=\"composer\""));
    // Ben cannot follow it: same text, no link.
    let ben = m.ben.get(&path).await.text().await.unwrap();
    assert!(ben.contains("Moved to Sales by Ben Member"));
    assert!(!ben.contains(&format!("href=\"/conversations/{id}\"")));
    assert!(ben.contains("an inbox you are not a member of"));
    // The link itself checks access.
    let res = m.ben.get(&format!("/conversations/{id}")).await;
    assert!(res.url().path().starts_with("/inboxes/") || res.status() == StatusCode::NOT_FOUND);
    assert!(!res.text().await.unwrap().contains("We bought it!"));
    // Olga, who cannot see Support, cannot open its stubs.
    let res = m
        .olga
        .get(&format!("/inboxes/{}?moved={}", m.f.inbox.id, stub["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn watchers_of_both_inboxes_hear_of_the_move() {
    let app = spawn_app().await;
    let m = setup(&app).await;
    let id = m.conversation("email", "live@costa.example").await;
    let mut ben = watch(&app, &m.ben, &[format!("inbox:{}", m.f.inbox.id)]).await;
    let mut olga = watch(&app, &m.olga, &[format!("inbox:{}", m.sales.id)]).await;
    m.move_to_sales(
        id,
        json!({"mode": "specific", "user_ids": [m.f.outsider.id]}),
    )
    .await;
    for (socket, inbox) in [(&mut ben, m.f.inbox.id), (&mut olga, m.sales.id)] {
        let event = next_event(socket, "conversation_updated").await;
        assert_eq!(event["conversation_id"], json!(id));
        assert_eq!(event["inbox_id"], json!(inbox));
    }
}
