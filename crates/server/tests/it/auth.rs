//! Login, logout, CSRF, bearer tokens and the login rate limit.

use crate::helpers::*;
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use switchboard_server::ServerOptions;

#[tokio::test]
async fn login_sets_an_http_only_same_site_cookie_and_answers_the_csrf_token() {
    let app = spawn_app().await;
    app.fixture("Acme", "acme.test").await;
    let res = Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": "ANA@acme.test", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ana@acme.test");
    assert_eq!(body["csrf_token"].as_str().unwrap().len(), 64);
    assert!(body["user"].get("password_hash").is_none());
}

#[tokio::test]
async fn wrong_password_and_unknown_email_answer_the_same_401() {
    let app = spawn_app().await;
    app.fixture("Acme", "acme.test").await;
    for email in ["ana@acme.test", "nobody@acme.test"] {
        let res = Client::new()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": "wrong password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            expect_error(res, StatusCode::UNAUTHORIZED).await,
            "invalid_credentials"
        );
    }
}

#[tokio::test]
async fn requests_without_a_session_get_401() {
    let app = spawn_app().await;
    let res = Client::new()
        .get(app.url("/api/v1/inboxes"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    let res = Client::new()
        .get(app.url("/api/v1/inboxes"))
        .bearer_auth("sbt_nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login("ana@acme.test").await;
    let body = json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": "Hi"});
    let res = s
        .client
        .post(app.url("/api/v1/conversations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await, "csrf");
    let res = s
        .client
        .post(app.url("/api/v1/conversations"))
        .header("x-csrf-token", "forged")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_error(res, StatusCode::FORBIDDEN).await, "csrf");
    let res = s.post("/api/v1/conversations", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn bearer_tokens_work_without_csrf_and_are_shown_once() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let s = app.login("ana@acme.test").await;
    let res = s.post("/api/v1/tokens", json!({"name": "CI import"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let token: Value = res.json().await.unwrap();
    let secret = token["token"].as_str().unwrap();
    assert!(secret.starts_with("sbt_"));
    let res = Client::new()
        .post(app.url("/api/v1/conversations"))
        .bearer_auth(secret)
        .json(&json!({"inbox_id": f.inbox.id, "contact": {"email": "c@x.test"}, "body": "From a script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let me: Value = Client::new()
        .get(app.url("/api/v1/auth/me"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ana@acme.test");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    app.fixture("Acme", "acme.test").await;
    let s = app.login("ana@acme.test").await;
    assert_eq!(s.get("/api/v1/auth/me").await.status(), StatusCode::OK);
    let res = s.send(Method::POST, "/api/v1/auth/logout", json!({})).await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.get("/api/v1/auth/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn login_attempts_are_rate_limited_per_account() {
    let app = spawn_app_with(ServerOptions {
        login_attempts_per_minute: (3, 100),
        ..ServerOptions::default()
    })
    .await;
    app.fixture("Acme", "acme.test").await;
    let attempt = |password: &'static str| {
        let url = app.url("/api/v1/auth/login");
        async move {
            Client::new()
                .post(url)
                .json(&json!({"email": "ana@acme.test", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..3 {
        assert_eq!(
            attempt("wrong password").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while the limit holds.
    assert_eq!(
        expect_error(attempt(PASSWORD).await, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
}
