//! Inbound email over real SMTP on loopback: filing, threading, sanitizing, files,
//! and what the listener refuses.

use crate::helpers::*;
use crate::smtp_client::{text_mail, SmtpClient};
use reqwest::StatusCode;
use serde_json::Value;
use switchboard_domain::*;
use switchboard_mail::token::{plus_address, ReplyToken};
use switchboard_store::ListQuery;

const CUSTOMER: &str = "casey@customer.example";

/// A server with its SMTP listener and the fixture of `domain`.
async fn setup(domain: &str) -> (TestApp, String, Fixture) {
    let app = spawn_app().await;
    let smtp = app.start_smtp().await;
    let fx = app.fixture(&format!("Acme {domain}"), domain).await;
    (app, smtp, fx)
}

/// Sends one mail on a new connection and answers the final code.
async fn send(smtp: &str, to: &str, raw: &[u8]) -> u16 {
    let mut client = SmtpClient::connect(smtp).await.unwrap();
    let outcome = client.send(CUSTOMER, &[to.to_owned()], raw).await.unwrap();
    client.quit().await;
    outcome.code
}

/// The conversations of the inbox, newest activity first.
async fn conversations(app: &TestApp, inbox: InboxId) -> Vec<ConversationId> {
    app.store
        .list_conversations(&ListQuery::inbox(inbox))
        .await
        .unwrap()
        .items
        .iter()
        .filter_map(|i| i.conversation().map(|c| c.id))
        .collect()
}

/// A timeline over HTTP, as the member sees it.
async fn timeline(session: &Session, conversation: i64) -> Vec<Value> {
    let res = session
        .get(&format!("/api/v1/conversations/{conversation}/timeline"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\nnot really a png";

fn rich_mail(to: &str) -> Vec<u8> {
    use base64_free::encode;
    format!(
        "From: \"Casey Customer\" <{CUSTOMER}>\r\nTo: {to}\r\nSubject: Broken parcel\r\n\
Message-ID: <rich-1@customer.example>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
--outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
--rel\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n\
--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe parcel arrived broken.\r\n\r\n\
On Monday, Support wrote:\r\n> How can we help?\r\n\
--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p onclick=\"steal()\">The parcel arrived <b>broken</b>.</p><script>alert(1)</script>\
<img src=\"https://tracker.example/pixel.gif\"><img src=\"cid:logo@customer.example\">\r\n\
--alt--\r\n\
--rel\r\nContent-Type: image/png\r\nContent-ID: <logo@customer.example>\r\n\
Content-Disposition: inline\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--rel--\r\n\
--outer\r\nContent-Type: text/html; name=\"../../etc/passwd\"\r\n\
Content-Disposition: attachment; filename=\"../../etc/passwd\"\r\n\r\n\
<script>alert('attachment')</script>\r\n--outer--\r\n",
        encode(PNG)
    )
    .into_bytes()
}

/// Base64 without a dependency: the tests need it for one small part.
mod base64_free {
    pub fn encode(bytes: &[u8]) -> String {
        const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [
                chunk[0],
                chunk.get(1).copied().unwrap_or(0),
                chunk.get(2).copied().unwrap_or(0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[tokio::test]
async fn inbound_mail_opens_a_conversation_with_sanitized_html_and_safe_files() {
    let (app, smtp, fx) = setup("mail-rich.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    assert_eq!(send(&smtp, &to, &rich_mail(&to)).await, 250);

    let member = app.login(&fx.member.email).await;
    let res = member
        .get(&format!("/api/v1/inboxes/{}/conversations", fx.inbox.id))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let list: Value = res.json().await.unwrap();
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let id = items[0]["id"].as_i64().unwrap();
    let res = member.get(&format!("/api/v1/conversations/{id}")).await;
    let conversation: Value = res.json().await.unwrap();
    assert_eq!(conversation["channel"], "email");
    assert_eq!(conversation["subject"], "Broken parcel");
    assert_eq!(conversation["contact"]["email"], CUSTOMER);
    assert_eq!(conversation["contact"]["name"], "Casey Customer");

    let entries = timeline(&member, id).await;
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["kind"], "message");
    assert_eq!(entry["body"], "The parcel arrived broken.");
    let email = &entry["meta"]["email"];
    assert_eq!(email["message_id"], "rich-1@customer.example");
    assert_eq!(email["auto_submitted"], false);
    assert!(email["quoted_text"]
        .as_str()
        .unwrap()
        .contains("How can we help?"));
    let html = email["html"].as_str().unwrap();
    assert!(!html.contains("<script"), "{html}");
    assert!(!html.contains("onclick"), "{html}");
    assert!(!html.contains("<img src=\"https://tracker"), "{html}");
    assert!(html.contains("data-remote-src"), "{html}");
    assert_eq!(email["remote_images"], 1);
    let cid = switchboard_server::app::cid_url("rich-1@customer.example", "logo@customer.example");
    assert!(html.contains(&format!("src=\"{cid}\"")), "{html}");

    let files = email["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    let passwd = files.iter().find(|f| f["inline"] == false).unwrap();
    assert_eq!(passwd["filename"], "passwd");
    let res = member
        .get(&format!(
            "/api/v1/conversations/{id}/email-attachments/{}",
            passwd["id"]
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let header = |name: &str| {
        res.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(header("content-disposition").starts_with("attachment;"));
    assert!(header("content-disposition").contains("filename=\"passwd\""));
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("content-type"), "application/octet-stream");
    assert!(res.text().await.unwrap().contains("alert('attachment')"));

    // The inline image is served at the URL its HTML names.
    let res = member.get(&cid).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);

    // Someone who cannot see the inbox gets neither.
    let outsider = app.login(&fx.outsider.email).await;
    let res = outsider
        .get(&format!(
            "/api/v1/conversations/{id}/email-attachments/{}",
            passwd["id"]
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(outsider.get(&cid).await.status(), StatusCode::NOT_FOUND);
    // Nor does the file answer under another conversation's id.
    let res = member
        .get(&format!(
            "/api/v1/conversations/{}/email-attachments/{}",
            id + 1,
            passwd["id"]
        ))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn customer_reply_with_in_reply_to_threads_into_the_conversation() {
    let (app, smtp, fx) = setup("mail-thread.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    let first = text_mail("q1@customer.example", CUSTOMER, &to, "Question", "", "Hi");
    assert_eq!(send(&smtp, &to, &first).await, 250);
    let reply = text_mail(
        "q2@customer.example",
        CUSTOMER,
        &to,
        "Re: Question",
        "In-Reply-To: <q1@customer.example>\r\nReferences: <q1@customer.example>\r\n",
        "Any news?",
    );
    assert_eq!(send(&smtp, &to, &reply).await, 250);
    let ids = conversations(&app, fx.inbox.id).await;
    assert_eq!(ids.len(), 1);
    let member = app.login(&fx.member.email).await;
    let entries = timeline(&member, ids[0].0).await;
    let bodies: Vec<&str> = entries.iter().filter_map(|e| e["body"].as_str()).collect();
    assert_eq!(bodies, vec!["Hi", "Any news?"]);
}

#[tokio::test]
async fn mail_to_an_unknown_recipient_is_refused_with_550() {
    let (app, smtp, fx) = setup("mail-unknown.test").await;
    let mut client = SmtpClient::connect(&smtp).await.unwrap();
    for rcpt in ["nobody@mail-unknown.test", "someone@elsewhere.example"] {
        let raw = text_mail("u1@customer.example", CUSTOMER, rcpt, "Hi", "", "Hi");
        let outcome = client
            .send(CUSTOMER, &[rcpt.to_owned()], &raw)
            .await
            .unwrap();
        assert_eq!(outcome.code, 550, "{rcpt}");
        assert_eq!(outcome.accepted, 0);
    }
    client.quit().await;
    assert!(conversations(&app, fx.inbox.id).await.is_empty());
}

#[tokio::test]
async fn the_same_message_id_twice_is_filed_once() {
    let (app, smtp, fx) = setup("mail-dup.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    let raw = text_mail("dup@customer.example", CUSTOMER, &to, "Hi", "", "Once");
    assert_eq!(send(&smtp, &to, &raw).await, 250);
    // The retry of a sender that missed our 250 is acknowledged again.
    assert_eq!(send(&smtp, &to, &raw).await, 250);
    let ids = conversations(&app, fx.inbox.id).await;
    assert_eq!(ids.len(), 1);
    assert_eq!(app.store.timeline(ids[0]).await.unwrap().len(), 1);
}

#[tokio::test]
async fn malformed_bytes_are_refused_with_554_and_nothing_is_stored() {
    let (app, smtp, fx) = setup("mail-garbage.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    // A message of nothing but the blank line that ends headers. (An empty DATA,
    // "." right after 354, is not seen as the end by the listener: it waits for
    // more until its idle timeout.)
    assert_eq!(send(&smtp, &to, b"\r\n").await, 554);
    assert_eq!(send(&smtp, &to, b"\x00\x01\x02\xff\xfe").await, 554);
    assert!(conversations(&app, fx.inbox.id).await.is_empty());
}

#[tokio::test]
async fn mail_to_a_reply_address_threads_by_its_token() {
    let (app, smtp, fx) = setup("mail-token.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    let first = text_mail("tk1@customer.example", CUSTOMER, &to, "Order", "", "Hi");
    assert_eq!(send(&smtp, &to, &first).await, 250);
    let ids = conversations(&app, fx.inbox.id).await;
    let secret = app.app.reply_token_secret().await.unwrap();
    let reply_to = plus_address(&to, &ReplyToken::sign(&secret, ids[0].0));
    // No In-Reply-To: the client dropped it; only the address carries the thread.
    let reply = text_mail(
        "tk2@other-client.example",
        CUSTOMER,
        &reply_to,
        "Order",
        "",
        "Again",
    );
    assert_eq!(send(&smtp, &reply_to, &reply).await, 250);
    assert_eq!(conversations(&app, fx.inbox.id).await, ids);
    assert_eq!(app.store.timeline(ids[0]).await.unwrap().len(), 2);
    // A forged token still reaches the inbox, as a new conversation.
    let forged = plus_address(&to, &ReplyToken::sign(b"not our secret", ids[0].0));
    let raw = text_mail(
        "tk3@customer.example",
        CUSTOMER,
        &forged,
        "Order",
        "",
        "Forged",
    );
    assert_eq!(send(&smtp, &forged, &raw).await, 250);
    assert_eq!(conversations(&app, fx.inbox.id).await.len(), 2);
    assert_eq!(app.store.timeline(ids[0]).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_mail_to_ten_thousand_recipients_is_handled_without_panic() {
    let (app, smtp, fx) = setup("mail-many.test").await;
    let to = fx.inbox.email_address.clone().unwrap();
    let (local, domain) = to.split_once('@').unwrap();
    let recipients: Vec<String> = std::iter::once(to.clone())
        .chain((1..10_000).map(|i| format!("{local}+r{i}@{domain}")))
        .collect();
    let header = recipients.join(", ");
    let raw = text_mail(
        "many@customer.example",
        CUSTOMER,
        &header,
        "Hi all",
        "",
        "Hi",
    );
    let mut client = SmtpClient::connect(&smtp).await.unwrap();
    let outcome = client.send(CUSTOMER, &recipients, &raw).await.unwrap();
    assert_eq!(outcome.code, 250);
    // The listener takes its recipient limit and refuses the rest with 452.
    assert_eq!(outcome.accepted, 100);
    // The session is still usable afterwards.
    assert_eq!(client.command("NOOP").await.unwrap(), 250);
    client.quit().await;
    let ids = conversations(&app, fx.inbox.id).await;
    assert_eq!(ids.len(), 1);
    let entry = &app.store.timeline(ids[0]).await.unwrap()[0];
    let kept = entry.meta["email"]["to"].as_array().unwrap().len();
    assert!(kept <= switchboard_mail::parse::MAX_RECIPIENTS, "{kept}");
}
