//! Relay URL parsing, and real sends to our own SMTP listener on loopback.

use super::*;
use crate::smtp_server::tests::start;
use crate::smtp_server::{DeliverError, SmtpConfig};

#[tokio::test]
async fn urls_are_parsed_with_documented_defaults() {
    let relay = Relay::from_url("smtp://mail.example.com").unwrap();
    assert_eq!((relay.port, relay.tls), (587, RelayTls::StartTls));
    let relay = Relay::from_url("smtps://user:p%40ss@mail.example.com").unwrap();
    assert_eq!((relay.port, relay.tls), (465, RelayTls::Implicit));
    let relay = Relay::from_url("smtp://127.0.0.1:2525?tls=none").unwrap();
    assert_eq!((relay.port, relay.tls), (2525, RelayTls::None));
    let relay = Relay::from_url("smtp://host:25?tls=starttls&helo=app.example").unwrap();
    assert_eq!((relay.port, relay.tls), (25, RelayTls::StartTls));
    assert_eq!(percent_decode("p%40ss%zz"), "p@ss%zz");
}

#[tokio::test]
async fn bad_urls_are_refused_without_echoing_secrets() {
    for (url, expected) in [
        ("http://host", RelayUrlError::Scheme("http".into())),
        ("smtp://host?tls=maybe", RelayUrlError::Tls("maybe".into())),
        ("smtps://host?tls=none", RelayUrlError::Tls("none".into())),
        ("smtp://host?foo=1", RelayUrlError::Parameter("foo".into())),
    ] {
        assert_eq!(Relay::from_url(url).unwrap_err(), expected, "{url}");
    }
    assert!(matches!(
        Relay::from_url("not a url"),
        Err(RelayUrlError::Malformed(_))
    ));
    let relay = Relay::from_url("smtp://user:secret@host").unwrap();
    assert!(!format!("{relay:?}").contains("secret"));
}

#[test]
fn creating_a_relay_outside_a_runtime_is_an_error_not_a_panic() {
    assert_eq!(
        Relay::from_url("smtp://host").unwrap_err(),
        RelayUrlError::NoRuntime
    );
}

fn relay_to(port: u16) -> Relay {
    Relay::from_url(&format!("smtp://127.0.0.1:{port}?tls=none")).unwrap()
}

fn config() -> SmtpConfig {
    SmtpConfig {
        hostname: "mx.acme.test".into(),
        ..SmtpConfig::default()
    }
}

#[tokio::test]
async fn messages_reach_the_listener() {
    let server = start(config()).await;
    let raw = b"From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
    relay_to(server.addr.port())
        .send("a@example.com", &["support@acme.test".into()], raw)
        .await
        .unwrap();
    let delivered = server.sink.delivered.lock().unwrap().clone();
    assert_eq!(delivered[0].0.rcpt_to, ["support@acme.test"]);
    assert!(delivered[0].1.windows(4).any(|w| w == b"body"));
    server.shutdown().await;
}

#[tokio::test]
async fn rejected_recipients_are_permanent_failures() {
    let server = start(config()).await;
    let error = relay_to(server.addr.port())
        .send(
            "a@example.com",
            &["nobody@elsewhere.example".into()],
            b"Subject: x\r\n\r\nx\r\n",
        )
        .await
        .unwrap_err();
    assert!(error.permanent, "{error:?}");
    assert!(error.message.contains("550"), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn temporary_refusals_are_transient_failures() {
    let server = start(config()).await;
    *server.sink.fail_with.lock().unwrap() = Some(DeliverError::Transient("busy".into()));
    let error = relay_to(server.addr.port())
        .send(
            "a@example.com",
            &["support@acme.test".into()],
            b"Subject: x\r\n\r\nx\r\n",
        )
        .await
        .unwrap_err();
    assert!(!error.permanent, "{error:?}");
    assert!(error.message.contains("451"), "{error:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn unreachable_relays_are_transient_failures() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let error = relay_to(port)
        .send("a@example.com", &["x@acme.test".into()], b"x")
        .await
        .unwrap_err();
    assert!(!error.permanent, "{error:?}");
}

#[tokio::test]
async fn invalid_envelopes_are_permanent_failures() {
    let relay = relay_to(9);
    let error = relay
        .send("not an address", &["x@acme.test".into()], b"x")
        .await
        .unwrap_err();
    assert!(error.permanent);
    let error = relay.send("a@example.com", &[], b"x").await.unwrap_err();
    assert!(error.permanent);
}
