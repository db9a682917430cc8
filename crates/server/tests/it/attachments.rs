//! Attachments over HTTP: multipart upload with its own 25 MiB limit, downloads that
//! never render in the browser, names that never become paths, and who may read what.

use crate::helpers::*;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

/// Uploads `bytes` as the multipart part `file`, written by hand so the filename
/// reaches the server exactly as given (no client-side escaping).
pub async fn upload(s: &Session, filename: &str, content_type: &str, bytes: &[u8]) -> Response {
    let boundary = "sbBoundary7MA4YWxkTrZu0gW";
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    s.client
        .post(format!("{}/api/v1/attachments", s.base))
        .header("x-csrf-token", &s.csrf)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads a small PDF-typed file and answers its JSON.
pub async fn upload_ok(s: &Session, filename: &str) -> Value {
    let res = upload(s, filename, "application/pdf", b"%PDF-1.4 test").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_under(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[tokio::test]
async fn an_uploaded_file_is_downloaded_by_its_uploader_as_an_attachment() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let res = upload(&ben, "Jug photo.png", "image/png", b"\x89PNG fake bytes").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let file: Value = res.json().await.unwrap();
    assert_eq!(file["filename"], "Jug photo.png");
    assert_eq!(file["content_type"], "image/png");
    assert_eq!(file["size"], 15);
    assert_eq!(file["url"], format!("/api/v1/attachments/{}", file["id"]));

    let res = ben.get(file["url"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(
        headers["content-disposition"],
        "attachment; filename=\"Jug photo.png\"; filename*=UTF-8''Jug%20photo.png"
    );
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"\x89PNG fake bytes");
}

#[tokio::test]
async fn attachment_named_like_a_path_is_stored_safely() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let res = upload(&ben, "../../etc/passwd", "text/plain", b"root:x:0:0").await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let file: Value = res.json().await.unwrap();
    assert_eq!(file["filename"], "passwd");
    // Stored under its hash inside the attachment directory, and nowhere else.
    let stored = files_under(&app.attachments_dir);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let path = &stored[0];
    let name = path.file_name().unwrap().to_str().unwrap();
    assert_eq!(name.len(), 64, "{path:?}");
    assert!(name.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(
        path.parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap(),
        &name[..2]
    );
    assert!(!app.attachments_dir.parent().unwrap().join("etc").exists());
    let res = ben.get(file["url"].as_str().unwrap()).await;
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    );
    // Windows separators and control characters are cleaned too.
    let res = upload(&ben, "..\\\\..\\\\boot.ini", "text/plain", b"x").await;
    let file: Value = res.json().await.unwrap();
    assert_eq!(file["filename"], "boot.ini");
}

#[tokio::test]
async fn svg_attachments_are_served_as_octet_stream() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    for (name, declared) in [
        ("x.svg", "image/svg+xml"),
        ("x.html", "text/html"),
        ("x.js", "application/javascript"),
    ] {
        let file: Value = upload(&ben, name, declared, svg)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(file["content_type"], "application/octet-stream", "{name}");
        let res = ben.get(file["url"].as_str().unwrap()).await;
        assert_eq!(res.headers()["content-type"], "application/octet-stream");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert!(res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"));
    }
}

#[tokio::test]
async fn files_are_read_by_who_sees_a_conversation_whose_comment_references_them() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let other = app.fixture("Other", "other.test").await;
    let ana = app.login(&f.admin.email).await;
    let ben = app.login(&f.member.email).await;
    let olga = app.login(&f.outsider.email).await;
    let stranger = app.login(&other.admin.email).await;
    let file = upload_ok(&ana, "refund.pdf").await;
    let url = file["url"].as_str().unwrap().to_owned();
    // Not shared yet: only Ana reads it.
    assert_eq!(ben.get(&url).await.status(), StatusCode::NOT_FOUND);

    let c = ana
        .create_conversation(f.inbox.id, "c@x.test", "Refund", "Please")
        .await;
    let res = ana
        .post(
            &format!("/api/v1/conversations/{}/comments", c["id"]),
            json!({"body": "the form", "attachment_ids": [file["id"]]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let comment: Value = res.json().await.unwrap();
    assert_eq!(comment["meta"]["attachments"][0]["filename"], "refund.pdf");
    assert_eq!(ben.get(&url).await.status(), StatusCode::OK);
    // Olga is not in the inbox; the other account's admin is not of the account.
    let code = expect_error(olga.get(&url).await, StatusCode::NOT_FOUND).await;
    assert_eq!(code, "not_found");
    assert_eq!(stranger.get(&url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        stranger.get("/api/v1/attachments/999999").await.status(),
        StatusCode::NOT_FOUND
    );

    // Once the comment is deleted, the file is Ana's alone again.
    let res = ana
        .send(
            Method::DELETE,
            &format!(
                "/api/v1/conversations/{}/comments/{}",
                c["id"], comment["id"]
            ),
            json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(ben.get(&url).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(ana.get(&url).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn uploads_may_exceed_the_api_limit_but_not_25_mib() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let two_mib = vec![b'a'; 2 * 1024 * 1024];
    let res = upload(&ben, "big.txt", "text/plain", &two_mib).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let too_big = vec![b'b'; 25 * 1024 * 1024 + 1];
    let res = upload(&ben, "huge.txt", "text/plain", &too_big).await;
    assert_eq!(
        expect_error(res, StatusCode::PAYLOAD_TOO_LARGE).await,
        "too_large"
    );
    // Nothing of the refused upload is left behind.
    let stored = files_under(&app.attachments_dir);
    assert_eq!(stored.len(), 1, "{stored:?}");
    // Other routes keep the 1 MiB limit.
    let res = ben
        .post(
            "/api/v1/tokens",
            json!({"name": "x".repeat(2 * 1024 * 1024)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn uploads_without_a_file_or_not_multipart_are_refused() {
    let app = spawn_app().await;
    let f = app.fixture("Acme", "acme.test").await;
    let ben = app.login(&f.member.email).await;
    let res = ben.post("/api/v1/attachments", json!({"file": "x"})).await;
    assert_eq!(
        expect_error(res, StatusCode::BAD_REQUEST).await,
        "bad_request"
    );
    let boundary = "b0undary";
    let res = ben
        .client
        .post(app.url("/api/v1/attachments"))
        .header("x-csrf-token", &ben.csrf)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--{boundary}--\r\n"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(res, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid"
    );
    let res = upload(&ben, "empty.txt", "text/plain", b"").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Without a session there is no upload at all.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/attachments"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
