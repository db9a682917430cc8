//! Conversations through the API: create, list with filters, search and keyset pages,
//! timeline, reply, close/reopen, assign, tickets and notifications.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

async fn ids(s: &Session, path: &str) -> Vec<i64> {
    let res = s.get(path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let body: Value = res.json().await.unwrap();
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_new_conversation_answers_the_contract_shape_and_starts_its_timeline() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let c = s
        .create_conversation(
            f.inbox.id,
            "Casey@Example.test",
            "Broken blender",
            "It arrived cracked.",
        )
        .await;
    assert_eq!(c["inbox_id"], f.inbox.id.0);
    assert_eq!(c["channel"], "api");
    assert_eq!(c["status"], "open");
    assert_eq!(c["assignee"], Value::Null);
    assert_eq!(c["contact"]["email"], "casey@example.test");
    assert_eq!(c["ticket_ids"], json!([]));
    let timeline: Value = s
        .get(&format!("/api/v1/conversations/{}/timeline", c["id"]))
        .await
        .json()
        .await
        .unwrap();
    let entry = &timeline["items"][0];
    assert_eq!(entry["kind"], "message");
    assert_eq!(entry["direction"], "inbound");
    assert_eq!(entry["body"], "It arrived cracked.");
    assert_eq!(entry["author"]["type"], "contact");
    // The same contact is reused by the next conversation.
    let again = s
        .create_conversation(f.inbox.id, "casey@example.test", "Another", "Me again")
        .await;
    assert_eq!(again["contact"]["id"], c["contact"]["id"]);
}

#[tokio::test]
async fn replying_appends_an_outbound_message_that_becomes_the_preview() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let c = s
        .create_conversation(f.inbox.id, "c@x.test", "Help", "Please help")
        .await;
    let res = s
        .post(
            &format!("/api/v1/conversations/{}/replies", c["id"]),
            json!({"body": "On it!"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["direction"], "outbound");
    assert_eq!(
        entry["author"],
        json!({"type": "user", "id": f.member.id.0})
    );
    let list: Value = s
        .get(&format!("/api/v1/inboxes/{}/conversations", f.inbox.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["preview"], "On it!");
    assert_eq!(list["items"][0]["kind"], "conversation");
}

#[tokio::test]
async fn close_and_reopen_record_events_and_move_between_views() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let c = s
        .create_conversation(f.inbox.id, "c@x.test", "Help", "Please help")
        .await;
    let path = format!("/api/v1/conversations/{}", c["id"]);
    let closed: Value = s
        .send(Method::PATCH, &path, json!({"status": "closed"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"], "closed");
    let inbox = f.inbox.id;
    assert_eq!(
        ids(
            &s,
            &format!("/api/v1/inboxes/{inbox}/conversations?status=open")
        )
        .await,
        Vec::<i64>::new()
    );
    assert_eq!(
        ids(
            &s,
            &format!("/api/v1/inboxes/{inbox}/conversations?status=closed")
        )
        .await
        .len(),
        1
    );
    // Closing again changes nothing and adds no event.
    s.send(Method::PATCH, &path, json!({"status": "closed"}))
        .await;
    s.send(Method::PATCH, &path, json!({"status": "open"}))
        .await;
    let timeline: Value = s
        .get(&format!("{path}/timeline"))
        .await
        .json()
        .await
        .unwrap();
    let events: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "event")
        .map(|e| e["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "Ben Member closed this conversation",
            "Ben Member reopened this conversation"
        ]
    );
}

#[tokio::test]
async fn list_filters_by_assignee_status_and_channel() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let admin = app.login(&f.admin.email).await;
    let team: Value = admin
        .post(
            "/api/v1/teams",
            json!({"name": "Tier 2", "member_ids": [f.member.id]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mine = s
        .create_conversation(f.inbox.id, "a@x.test", "Mine", "1")
        .await["id"]
        .as_i64()
        .unwrap();
    let teams = s
        .create_conversation(f.inbox.id, "b@x.test", "Team", "2")
        .await["id"]
        .as_i64()
        .unwrap();
    let nobody = s
        .create_conversation(f.inbox.id, "c@x.test", "Nobody", "3")
        .await["id"]
        .as_i64()
        .unwrap();
    let chat = s
        .post("/api/v1/conversations", json!({"inbox_id": f.inbox.id, "channel": "chat", "contact": {"email": "d@x.test"}, "body": "4"}))
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let assign = |id: i64, body: Value| {
        let path = format!("/api/v1/conversations/{id}/assignee");
        let s = &s;
        async move { s.send(Method::PUT, &path, body).await }
    };
    let res: Value = assign(mine, json!({"user_id": f.member.id}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        res["assignee"],
        json!({"type": "user", "id": f.member.id.0})
    );
    let res: Value = assign(teams, json!({"team_id": team["id"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["assignee"]["type"], "team");
    assert_eq!(
        assign(chat, json!({"user_id": 1, "team_id": 1}))
            .await
            .status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        assign(chat, json!({"user_id": 987654})).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let inbox = f.inbox.id;
    let list = |q: &str| format!("/api/v1/inboxes/{inbox}/conversations?{q}");
    assert_eq!(ids(&s, &list("assignee=me")).await, vec![mine]);
    assert_eq!(
        ids(&s, &list(&format!("assignee=user:{}", f.member.id))).await,
        vec![mine]
    );
    assert_eq!(
        ids(&s, &list(&format!("assignee=team:{}", team["id"]))).await,
        vec![teams]
    );
    assert_eq!(
        ids(&s, &list("assignee=unassigned")).await,
        vec![chat, nobody]
    );
    assert_eq!(ids(&s, &list("channel=chat")).await, vec![chat]);
    assert_eq!(ids(&s, &list("assignee=any&status=open")).await.len(), 4);
}

#[tokio::test]
async fn search_finds_subject_body_and_contact_and_ignores_operators() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let refund = s
        .create_conversation(
            f.inbox.id,
            "hana@example.test",
            "Refund for order 48213",
            "Jug cracked",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let login = s
        .create_conversation(
            f.inbox.id,
            "tom@example.test",
            "Cannot log in",
            "Password reset loops",
        )
        .await["id"]
        .as_i64()
        .unwrap();
    s.post(
        &format!("/api/v1/conversations/{login}/replies"),
        json!({"body": "Cleared the lockout"}),
    )
    .await;
    let inbox = f.inbox.id;
    let q = |text: &str| {
        format!(
            "/api/v1/inboxes/{inbox}/conversations?q={}",
            text.replace(' ', "%20").replace('&', "%26")
        )
    };
    assert_eq!(ids(&s, &q("refund")).await, vec![refund]);
    assert_eq!(ids(&s, &q("REFU")).await, vec![refund]);
    assert_eq!(ids(&s, &q("jug")).await, vec![refund]);
    assert_eq!(ids(&s, &q("lockout")).await, vec![login]);
    assert_eq!(ids(&s, &q("hana")).await, vec![refund]);
    assert_eq!(ids(&s, &q("password loops")).await, vec![login]);
    assert_eq!(ids(&s, &q("nothing-like-this")).await, Vec::<i64>::new());
    for hostile in ["\"", "refund OR", "(*", "a & !b", "NEAR(x", "col:x"] {
        assert_eq!(
            s.get(&q(hostile)).await.status(),
            StatusCode::OK,
            "{hostile}"
        );
    }
}

#[tokio::test]
async fn keyset_pages_visit_every_conversation_once_newest_first() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let mut created = Vec::new();
    for i in 0..7 {
        created.push(
            s.create_conversation(f.inbox.id, &format!("c{i}@x.test"), "Hi", "Hello")
                .await["id"]
                .as_i64()
                .unwrap(),
        );
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/inboxes/{}/conversations?limit=3", f.inbox.id);
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Value = s.get(&path).await.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn assigning_a_user_notifies_them_with_a_link() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ana = app.login(&f.admin.email).await;
    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Broken jug", "Help")
        .await;
    ana.send(
        Method::PUT,
        &format!("/api/v1/conversations/{}/assignee", c["id"]),
        json!({"user_id": f.member.id}),
    )
    .await;
    let ben = app.login(&f.member.email).await;
    let list: Value = ben.get("/api/v1/notifications").await.json().await.unwrap();
    let n = &list["items"][0];
    assert_eq!(n["kind"], "assignment");
    assert_eq!(n["read"], false);
    assert_eq!(n["conversation_id"], c["id"]);
    assert!(n["text"].as_str().unwrap().contains("Broken jug"));
    assert!(n["link"].as_str().unwrap().contains(&c["id"].to_string()));
    let res = ben
        .post(
            &format!("/api/v1/notifications/{}/read", n["id"]),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let list: Value = ben.get("/api/v1/notifications").await.json().await.unwrap();
    assert_eq!(list["items"][0]["read"], true);
    // Ana cannot read Ben's notification, and has none of her own.
    let res = ana
        .post(
            &format!("/api/v1/notifications/{}/read", n["id"]),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let list: Value = ana.get("/api/v1/notifications").await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn a_ticket_answers_its_inbox_and_shows_on_the_conversation() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.member.email).await;
    let c = s
        .create_conversation(f.inbox.id, "c@x.test", "Broken jug", "Help")
        .await;
    let res = s
        .post(
            "/api/v1/tickets",
            json!({"subject": "Replace jug", "conversation_ids": [c["id"]], "priority": "high"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["inbox_id"], f.inbox.id.0);
    assert_eq!(ticket["stage"], "new");
    assert_eq!(ticket["priority"], "high");
    let conv: Value = s
        .get(&format!("/api/v1/conversations/{}", c["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(conv["ticket_ids"], json!([ticket["id"]]));
    let got: Value = s
        .get(&format!("/api/v1/tickets/{}", ticket["id"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["conversation_ids"], json!([c["id"]]));
    let res = s
        .post(
            "/api/v1/tickets",
            json!({"subject": "Nothing", "conversation_ids": []}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for path in [
        "/api/v1/auth/login",
        "/api/v1/tokens",
        "/api/v1/users",
        "/api/v1/teams",
        "/api/v1/inboxes",
        "/api/v1/contacts",
        "/api/v1/inboxes/{id}/conversations",
        "/api/v1/conversations",
        "/api/v1/conversations/{id}",
        "/api/v1/conversations/{id}/timeline",
        "/api/v1/conversations/{id}/assignee",
        "/api/v1/conversations/{id}/replies",
        "/api/v1/tickets",
        "/api/v1/notifications",
    ] {
        assert!(paths.contains_key(path), "{path} missing from OpenAPI");
    }
    assert!(paths["/api/v1/conversations/{id}"].get("patch").is_some());
}
