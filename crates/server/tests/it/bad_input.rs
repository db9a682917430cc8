//! Bad input gets a clear 400/404/413/422 with the contract's error body, never a 500,
//! and writes nothing.

use crate::helpers::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn malformed_json_is_400_and_unknown_fields_are_422() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.admin.email).await;
    let res = s
        .client
        .post(app.url("/api/v1/conversations"))
        .header("x-csrf-token", &s.csrf)
        .header("content-type", "application/json")
        .body("{\"inbox_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await,
        "bad_request"
    );
    let res = s
        .post("/api/v1/conversations", json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": "Hi", "priority": "high"}))
        .await;
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let res = s
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": "one", "contact": {}, "body": "Hi"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn invalid_fields_are_422_naming_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.admin.email).await;
    let cases = [
        json!({"inbox_id": f.inbox.id, "contact": {"email": "not-an-email"}, "body": "Hi"}),
        json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": "   \n "}),
        json!({"inbox_id": f.inbox.id, "contact": {}, "body": "Hi"}),
        json!({"inbox_id": f.inbox.id, "channel": "pigeon", "contact": {"email": "c@x.test"}, "body": "Hi"}),
        json!({"inbox_id": f.inbox.id, "contact": {"phone": "call me maybe"}, "body": "Hi"}),
        json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "subject": "x".repeat(600), "body": "Hi"}),
    ];
    for body in cases {
        let res = s.post("/api/v1/conversations", body.clone()).await;
        assert_eq!(
            expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid",
            "{body}"
        );
    }
    let res = s
        .post("/api/v1/users", json!({"name": "", "email": "x@acme.test", "password": PASSWORD, "role": "agent", "seat": "core"}))
        .await;
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"].as_str().unwrap().contains("name"),
        "{body}"
    );
    let res = s
        .post("/api/v1/users", json!({"name": "X", "email": "x@acme.test", "password": "short", "role": "agent", "seat": "core"}))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let list: Value = s
        .get(&format!("/api/v1/inboxes/{}/conversations", f.inbox.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    assert_eq!(
        app.store
            .contacts(f.account.id, 10, None)
            .await
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn oversized_bodies_are_413_and_long_messages_422() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.admin.email).await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let res = s
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": huge}),
        )
        .await;
    assert_eq!(
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await,
        "too_large"
    );
    let long = "x".repeat(200_000);
    let res = s
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": long}),
        )
        .await;
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
}

#[tokio::test]
async fn unknown_ids_and_bad_paths_are_404_or_400() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.admin.email).await;
    assert_eq!(
        expect_error(
            s.get("/api/v1/conversations/999999").await,
            StatusCode::NOT_FOUND
        )
        .await,
        "not_found"
    );
    assert_eq!(
        expect_error(
            s.get("/api/v1/conversations/abc").await,
            StatusCode::BAD_REQUEST
        )
        .await,
        "bad_request"
    );
    assert_eq!(
        expect_error(s.get("/api/v1/nothing-here").await, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let res = s
        .post(
            "/api/v1/conversations",
            json!({"inbox_id": 424242, "contact": {"email": "c@x.test"}, "body": "Hi"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = s
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?cursor=garbage",
            f.inbox.id
        ))
        .await;
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let res = s
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?status=maybe",
            f.inbox.id
        ))
        .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = s
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?assignee=robot",
            f.inbox.id
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = s
        .get(&format!(
            "/api/v1/inboxes/{}/conversations?limit=0",
            f.inbox.id
        ))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn duplicates_are_409() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login(&f.admin.email).await;
    let res = s
        .post("/api/v1/users", json!({"name": "Ben Again", "email": f.member.email, "password": PASSWORD, "role": "agent", "seat": "core"}))
        .await;
    assert_eq!(expect_error(res, StatusCode::CONFLICT).await, "conflict");
    let res = s
        .send(
            Method::POST,
            "/api/v1/inboxes",
            json!({"name": "Support", "member_user_ids": [], "member_team_ids": []}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
}
