//! Authorization by account and inbox membership, over HTTP, for every endpoint.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_domain::*;

/// Every read and write of one conversation, as `(method, path, body)`.
fn conversation_endpoints(inbox: InboxId, conversation: i64) -> Vec<(Method, String, Value)> {
    vec![
        (Method::GET, format!("/api/v1/inboxes/{inbox}"), json!(null)),
        (
            Method::GET,
            format!("/api/v1/inboxes/{inbox}/conversations"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/inboxes/{inbox}/conversations?q=invoice"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{conversation}"),
            json!(null),
        ),
        (
            Method::GET,
            format!("/api/v1/conversations/{conversation}/timeline"),
            json!(null),
        ),
        (
            Method::PATCH,
            format!("/api/v1/conversations/{conversation}"),
            json!({"status": "closed"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/conversations/{conversation}/assignee"),
            json!({}),
        ),
        (
            Method::POST,
            format!("/api/v1/conversations/{conversation}/replies"),
            json!({"body": "sneaky"}),
        ),
        (
            Method::POST,
            "/api/v1/conversations".to_owned(),
            json!({"inbox_id": inbox, "contact": {"email": "x@y.test"}, "body": "sneaky"}),
        ),
    ]
}

async fn assert_all_hidden(
    app: &TestApp,
    session: &Session,
    owner: AccountId,
    inbox: InboxId,
    conversation: i64,
) {
    for (method, path, body) in conversation_endpoints(inbox, conversation) {
        let res = if method == Method::GET {
            session.get(&path).await
        } else {
            session.send(method.clone(), &path, body).await
        };
        assert_eq!(
            res.status(),
            StatusCode::NOT_FOUND,
            "{method} {path} must be hidden"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["code"], "not_found", "{method} {path}");
    }
    // Nothing was written by the refused calls.
    let timeline = app
        .store
        .timeline(ConversationId(conversation))
        .await
        .unwrap();
    assert_eq!(timeline.len(), 1, "a refused write left a trace");
    let conv = app
        .store
        .conversation(owner, ConversationId(conversation))
        .await
        .unwrap();
    assert_eq!(conv.status, Status::Open);
}

#[tokio::test]
async fn a_non_member_agent_gets_404_for_every_read_and_write_of_an_inbox() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let member = app.login(&f.member.email).await;
    let conversation = member
        .create_conversation(f.inbox.id, "c@x.test", "Invoice", "Where is my invoice?")
        .await;
    let outsider = app.login(&f.outsider.email).await;
    assert_all_hidden(
        &app,
        &outsider,
        f.account.id,
        f.inbox.id,
        conversation["id"].as_i64().unwrap(),
    )
    .await;
    let inboxes: Value = outsider.get("/api/v1/inboxes").await.json().await.unwrap();
    assert_eq!(inboxes["items"], json!([]));
}

#[tokio::test]
async fn members_and_admins_see_the_inbox() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let member = app.login(&f.member.email).await;
    let conversation = member
        .create_conversation(f.inbox.id, "c@x.test", "Invoice", "Where is my invoice?")
        .await;
    let id = conversation["id"].as_i64().unwrap();
    for email in [&f.member.email, &f.admin.email] {
        let s = app.login(email).await;
        assert_eq!(
            s.get(&format!("/api/v1/conversations/{id}")).await.status(),
            StatusCode::OK
        );
        let list: Value = s
            .get(&format!("/api/v1/inboxes/{}/conversations", f.inbox.id))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn membership_through_a_team_grants_access() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let admin = app.login(&f.admin.email).await;
    let team: Value = admin
        .post(
            "/api/v1/teams",
            json!({"name": "Tier 2", "member_ids": [f.outsider.id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let inbox: Value = admin
        .post(
            "/api/v1/inboxes",
            json!({"name": "Escalations", "member_user_ids": [], "member_team_ids": [team["id"]]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let olga = app.login(&f.outsider.email).await;
    let res = olga
        .get(&format!("/api/v1/inboxes/{}/conversations", inbox["id"]))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn another_accounts_admin_sees_none_of_the_first_accounts_data() {
    let app = spawn_app().await;
    let acme = app.fixture("Acme", "acme.test").await;
    let globex = app.fixture("Globex", "globex.test").await;
    let ana = app.login(&acme.admin.email).await;
    let conversation = ana
        .create_conversation(acme.inbox.id, "c@x.test", "Invoice", "Where is my invoice?")
        .await;
    let id = conversation["id"].as_i64().unwrap();
    let ticket: Value = ana
        .post(
            "/api/v1/tickets",
            json!({"subject": "Invoice", "conversation_ids": [id]}),
        )
        .await
        .json()
        .await
        .unwrap();

    let other = app.login(&globex.admin.email).await;
    assert_all_hidden(&app, &other, acme.account.id, acme.inbox.id, id).await;
    let contact_id = conversation["contact"]["id"].as_i64().unwrap();
    for path in [
        format!("/api/v1/contacts/{contact_id}"),
        format!("/api/v1/tickets/{}", ticket["id"]),
    ] {
        assert_eq!(
            other.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for (path, own) in [
        ("/api/v1/users", globex.admin.email.as_str()),
        ("/api/v1/contacts", ""),
        ("/api/v1/inboxes", "support@globex.test"),
        ("/api/v1/tickets", ""),
        ("/api/v1/teams", ""),
    ] {
        let text = other.get(path).await.text().await.unwrap();
        assert!(
            !text.contains("acme.test"),
            "{path} leaks the other account: {text}"
        );
        assert!(text.contains(own), "{path}");
    }
    // Ids of the other account are refused as references too.
    let res = other
        .post(
            "/api/v1/teams",
            json!({"name": "Raiders", "member_ids": [acme.member.id]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = other
        .send(
            Method::PUT,
            &format!("/api/v1/conversations/{id}/assignee"),
            json!({"user_id": globex.member.id}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_manage_users_teams_and_inboxes() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    for (path, body) in [
        (
            "/api/v1/users",
            json!({"name": "X", "email": "x@acme.test", "password": PASSWORD, "role": "admin", "seat": "core"}),
        ),
        ("/api/v1/teams", json!({"name": "X", "member_ids": []})),
        (
            "/api/v1/inboxes",
            json!({"name": "X", "member_user_ids": [], "member_team_ids": []}),
        ),
    ] {
        let res = ben.post(path, body).await;
        assert_eq!(
            expect_error(res, StatusCode::FORBIDDEN).await,
            "admin_required",
            "{path}"
        );
    }
    let ana = app.login(&f.admin.email).await;
    let res = ana
        .post("/api/v1/users", json!({"name": "Xena", "email": "xena@acme.test", "password": PASSWORD, "role": "agent", "seat": "core"}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    app.login("xena@acme.test").await;
}
