//! The IMAP poller against a real dovecot on loopback: filing and threading, restarts,
//! a renumbered folder (UIDVALIDITY), a refused login, TLS with an own CA, and the
//! background poller picking up a source configured while it runs.
//!
//! Each test starts a private dovecot (`dovecot -F -c <tempdir>/dovecot.conf`) with a
//! passwd-file user and a maildir in a temporary directory, on a free port, and fills
//! the mailbox with IMAP APPEND. Where dovecot is not installed the tests skip
//! (`peer_available`); CI installs it.

use crate::helpers::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use switchboard_domain::*;
use switchboard_mail::imap::{ImapSession, ImapSettings, TlsMode};
use switchboard_server::app::App;
use switchboard_server::imap::{
    set_source, ImapPoller, ImapPollerConfig, SourceError, SourceInput,
};
use switchboard_server::ServerOptions;
use switchboard_store::{ImapSource, ImapTls, ListQuery};

const DOVECOT: &str = "/usr/sbin/dovecot";
const USER: &str = "support";
const PASSWORD: &str = "imap secret 42";

/// A private dovecot serving one user, stopped when dropped.
struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
    tls: bool,
}

/// The uid and gid of a user in /etc/passwd.
fn passwd_ids(name: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        if fields.first() != Some(&name) {
            return None;
        }
        Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?))
    })
}

/// The name of the user with `uid`.
fn passwd_name(uid: u32) -> Option<String> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.get(2) == Some(&uid.to_string().as_str())).then(|| fields[0].to_owned())
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Dovecot {
    /// Starts dovecot, plain (`ssl = no`) or IMAPS only (`ssl = required`, with a
    /// certificate for 127.0.0.1 made now); `None` where dovecot is not installed.
    async fn start(tls: bool) -> Option<Dovecot> {
        if !peer_available("dovecot", Path::new(DOVECOT).exists()) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        // Dovecot's unprivileged processes read the user file and the mail below.
        std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(root.join("probe"), "").unwrap();
        let me = std::fs::metadata(root.join("probe")).unwrap();
        // As root, dovecot's own users run it and own the mail; otherwise we do.
        let (internal, login, (uid, gid)) = if me.uid() == 0 {
            let ids = passwd_ids("dovecot").expect("the dovecot user of dovecot-core");
            ("dovecot".to_owned(), "dovenull".to_owned(), ids)
        } else {
            let name = passwd_name(me.uid()).expect("our user in /etc/passwd");
            (name.clone(), name, (me.uid(), me.gid()))
        };
        let home = root.join("home").join(USER);
        std::fs::create_dir_all(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(uid), Some(gid)).unwrap();
        std::fs::write(
            root.join("users"),
            format!(
                "{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{}\n",
                home.display()
            ),
        )
        .unwrap();
        std::fs::write(root.join("password"), format!("{PASSWORD}\n")).unwrap();
        let port = free_port();
        let (plain_port, tls_port, ssl) = if tls {
            let cert = rcgen::generate_simple_self_signed(vec![
                "127.0.0.1".to_owned(),
                "localhost".to_owned(),
            ])
            .unwrap();
            std::fs::write(root.join("cert.pem"), cert.cert.pem()).unwrap();
            std::fs::write(root.join("key.pem"), cert.signing_key.serialize_pem()).unwrap();
            (
                0,
                port,
                format!(
                    "ssl = required\nssl_cert = <{0}/cert.pem\nssl_key = <{0}/key.pem\n",
                    root.display()
                ),
            )
        } else {
            (port, 0, "ssl = no\n".to_owned())
        };
        let config = format!(
            "protocols = imap\n\
             listen = 127.0.0.1\n\
             base_dir = {root}/run\n\
             state_dir = {root}/state\n\
             log_path = {root}/dovecot.log\n\
             default_internal_user = {internal}\n\
             default_internal_group = {internal}\n\
             default_login_user = {login}\n\
             first_valid_uid = 0\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             mail_location = maildir:~/Maildir\n\
             {ssl}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {root}/users\n}}\n\
             userdb {{\n  driver = passwd-file\n  args = username_format=%u {root}/users\n}}\n\
             service imap-login {{\n\
               inet_listener imap {{\n    port = {plain_port}\n  }}\n\
               inet_listener imaps {{\n    port = {tls_port}\n    ssl = yes\n  }}\n\
             }}\n",
            root = root.display(),
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        let child = Command::new(DOVECOT)
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let dovecot = Dovecot {
            child,
            dir,
            port,
            tls,
        };
        assert!(
            wait_for_port(port, Duration::from_secs(10)).await,
            "dovecot did not listen on {port}: {}",
            std::fs::read_to_string(dovecot.dir.path().join("dovecot.log")).unwrap_or_default()
        );
        Some(dovecot)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The source of `inbox` reading `folder`, with the right password.
    fn source(&self, inbox: InboxId, folder: &str) -> SourceInput {
        SourceInput {
            inbox,
            host: "127.0.0.1".into(),
            port: self.port,
            tls: if self.tls {
                ImapTls::Tls
            } else {
                ImapTls::None
            },
            username: USER.into(),
            password_file: self.path("password"),
            folder: folder.into(),
            ca_file: self.tls.then(|| self.path("cert.pem")),
        }
    }

    /// A logged-in session of the test itself, to fill the mailbox.
    async fn session(&self) -> ImapSession {
        let settings = ImapSettings {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: if self.tls {
                TlsMode::Tls
            } else {
                TlsMode::None
            },
            username: USER.into(),
            password_file: self.path("password"),
            folder: "INBOX".into(),
            ca_file: self.tls.then(|| self.path("cert.pem")),
            timeout: Duration::from_secs(10),
        };
        switchboard_mail::imap::login(&settings).await.unwrap()
    }

    /// Appends mails to `folder`, in order.
    async fn append(&self, folder: &str, mails: &[Vec<u8>]) {
        let mut session = self.session().await;
        for raw in mails {
            session.append(folder, None, None, raw).await.unwrap();
        }
        session.logout().await.unwrap();
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children; SIGKILL if that did not work.
        let stopped = Command::new("kill")
            .arg(self.child.id().to_string())
            .status()
            .is_ok_and(|s| s.success());
        if stopped {
            for _ in 0..50 {
                if matches!(self.child.try_wait(), Ok(Some(_))) {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A plain-text mail; `reply_to` names the Message-ID it answers.
fn mail(id: &str, from: &str, subject: &str, reply_to: Option<&str>, body: &str) -> Vec<u8> {
    let threading = reply_to
        .map(|r| format!("In-Reply-To: <{r}>\r\nReferences: <{r}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: support@imap.test\r\nSubject: {subject}\r\n\
         Message-ID: <{id}>\r\n{threading}Date: Mon, 4 Nov 2024 10:00:00 +0000\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
    .into_bytes()
}

fn poller(app: &App) -> ImapPoller {
    ImapPoller::new(
        app.clone(),
        ImapPollerConfig {
            timeout: Duration::from_secs(10),
            ..ImapPollerConfig::default()
        },
    )
}

/// The inbox's conversations by subject, each with its number of messages.
async fn threads(app: &TestApp, inbox: InboxId) -> Vec<(Option<String>, usize)> {
    let page = app
        .store
        .list_conversations(&ListQuery::inbox(inbox))
        .await
        .unwrap();
    let mut out = Vec::new();
    for item in &page.items {
        let Some(c) = item.conversation() else {
            continue;
        };
        let messages = app
            .store
            .timeline(c.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == EntryKind::Message)
            .count();
        out.push((c.subject.clone(), messages));
    }
    out.sort();
    out
}

async fn source_of(app: &TestApp, inbox: InboxId) -> ImapSource {
    app.store.imap_source(inbox).await.unwrap()
}

/// A server, its fixture and a configured source of `folder` on `dovecot`.
async fn setup(dovecot: &Dovecot, domain: &str, folder: &str) -> (TestApp, Fixture) {
    let app = spawn_app().await;
    let fx = app.fixture(&format!("Acme {domain}"), domain).await;
    set_source(
        app.store.as_ref(),
        dovecot.source(fx.inbox.id, folder),
        app.app.now(),
    )
    .await
    .unwrap();
    (app, fx)
}

#[tokio::test]
async fn three_mails_are_filed_threaded_and_their_last_uid_stored() {
    let Some(dovecot) = Dovecot::start(false).await else {
        return;
    };
    dovecot
        .append(
            "INBOX",
            &[
                mail(
                    "a1@customer.example",
                    "casey@customer.example",
                    "Broken parcel",
                    None,
                    "It arrived broken.",
                ),
                mail(
                    "b1@other.example",
                    "dana@other.example",
                    "Invoice",
                    None,
                    "Where is my invoice?",
                ),
                mail(
                    "a2@customer.example",
                    "casey@customer.example",
                    "Re: Broken parcel",
                    Some("a1@customer.example"),
                    "Photos attached.",
                ),
            ],
        )
        .await;
    let (app, fx) = setup(&dovecot, "imap-three.test", "INBOX").await;
    let report = poller(&app.app)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!(report.error, None);
    assert_eq!((report.filed, report.duplicates, report.refused), (3, 0, 0));
    assert_eq!(
        threads(&app, fx.inbox.id).await,
        vec![
            (Some("Broken parcel".to_owned()), 2),
            (Some("Invoice".to_owned()), 1)
        ]
    );
    let source = source_of(&app, fx.inbox.id).await;
    assert_eq!(source.last_uid, 3);
    assert!(source.uid_validity.is_some());
    assert_eq!(source.last_error, None);
    assert!(source.last_polled_at.is_some());
    // Polling again finds nothing new, and the server still has every mail unseen.
    let again = poller(&app.app).poll(&source).await;
    assert_eq!((again.filed, again.duplicates, again.error), (0, 0, None));
    let mut session = dovecot.session().await;
    let inbox = session.examine("INBOX").await.unwrap();
    assert_eq!(inbox.exists, 3);
    assert_eq!(session.search("UNSEEN").await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_restarted_poller_files_nothing_twice_and_new_mail_once() {
    let Some(dovecot) = Dovecot::start(false).await else {
        return;
    };
    dovecot
        .append(
            "INBOX",
            &[
                mail(
                    "r1@customer.example",
                    "casey@customer.example",
                    "First",
                    None,
                    "one",
                ),
                mail(
                    "r2@customer.example",
                    "casey@customer.example",
                    "Second",
                    None,
                    "two",
                ),
            ],
        )
        .await;
    let (app, fx) = setup(&dovecot, "imap-restart.test", "INBOX").await;
    let first = poller(&app.app)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!(first.filed, 2);
    // A restart: a new service layer over the same database, nothing else kept.
    let restarted = App::new(
        app.store.clone(),
        switchboard_realtime::Hub::local(),
        switchboard_server::app::system_clock(),
    )
    .with_attachments_dir(app.attachments_dir.clone());
    let after_restart = poller(&restarted)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!((after_restart.filed, after_restart.duplicates), (0, 0));
    dovecot
        .append(
            "INBOX",
            &[mail(
                "r3@customer.example",
                "casey@customer.example",
                "Third",
                None,
                "three",
            )],
        )
        .await;
    let new_mail = poller(&restarted)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!((new_mail.filed, new_mail.duplicates), (1, 0));
    let again = poller(&restarted)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!((again.filed, again.duplicates), (0, 0));
    assert_eq!(threads(&app, fx.inbox.id).await.len(), 3);
    assert_eq!(source_of(&app, fx.inbox.id).await.last_uid, 3);
}

#[tokio::test]
async fn a_renumbered_folder_is_read_again_without_duplicates() {
    let Some(dovecot) = Dovecot::start(false).await else {
        return;
    };
    let mut session = dovecot.session().await;
    session.create("Support").await.unwrap();
    session.logout().await.unwrap();
    let old = [
        mail(
            "v1@customer.example",
            "casey@customer.example",
            "Old one",
            None,
            "1",
        ),
        mail(
            "v2@customer.example",
            "casey@customer.example",
            "Old two",
            None,
            "2",
        ),
    ];
    dovecot.append("Support", &old).await;
    let (app, fx) = setup(&dovecot, "imap-validity.test", "Support").await;
    assert_eq!(
        poller(&app.app)
            .poll(&source_of(&app, fx.inbox.id).await)
            .await
            .filed,
        2
    );
    let before = source_of(&app, fx.inbox.id).await;
    // The folder is recreated: same mail plus a new one, UIDs from 1 under a new
    // UIDVALIDITY.
    let mut session = dovecot.session().await;
    session.delete("Support").await.unwrap();
    session.create("Support").await.unwrap();
    session.logout().await.unwrap();
    dovecot.append("Support", &old).await;
    dovecot
        .append(
            "Support",
            &[mail(
                "v3@customer.example",
                "casey@customer.example",
                "New",
                None,
                "3",
            )],
        )
        .await;
    let report = poller(&app.app).poll(&before).await;
    assert_eq!(report.error, None);
    assert_eq!((report.filed, report.duplicates), (1, 2));
    let after = source_of(&app, fx.inbox.id).await;
    assert_ne!(after.uid_validity, before.uid_validity);
    assert_eq!(after.last_uid, 3);
    assert_eq!(threads(&app, fx.inbox.id).await.len(), 3);
}

#[tokio::test]
async fn a_refused_login_is_recorded_and_nothing_advances() {
    let Some(dovecot) = Dovecot::start(false).await else {
        return;
    };
    dovecot
        .append(
            "INBOX",
            &[mail(
                "w1@customer.example",
                "casey@customer.example",
                "Hello",
                None,
                "hi",
            )],
        )
        .await;
    let app = spawn_app().await;
    let fx = app.fixture("Acme imap-wrong", "imap-wrong.test").await;
    let wrong = dovecot.path("wrong-password");
    std::fs::write(&wrong, "not the password\n").unwrap();
    let mut input = dovecot.source(fx.inbox.id, "INBOX");
    input.password_file = wrong.clone();
    set_source(app.store.as_ref(), input, app.app.now())
        .await
        .unwrap();
    let report = poller(&app.app)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    let error = report.error.expect("the poll failed");
    assert!(error.contains("login as \"support\" refused"), "{error}");
    assert!(!error.contains("not the password"), "{error}");
    let source = source_of(&app, fx.inbox.id).await;
    assert_eq!(source.last_error.as_deref(), Some(error.as_str()));
    assert_eq!((source.last_uid, source.uid_validity), (0, None));
    assert!(source.last_polled_at.is_some());
    assert!(threads(&app, fx.inbox.id).await.is_empty());
    // Fixing the password file is enough: it is read at each poll.
    std::fs::write(&wrong, format!("{PASSWORD}\n")).unwrap();
    let report = poller(&app.app).poll(&source).await;
    assert_eq!((report.filed, report.error), (1, None));
    assert_eq!(source_of(&app, fx.inbox.id).await.last_error, None);
}

#[tokio::test]
async fn tls_works_with_the_servers_own_ca_and_not_without_it() {
    let Some(dovecot) = Dovecot::start(true).await else {
        return;
    };
    dovecot
        .append(
            "INBOX",
            &[mail(
                "t1@customer.example",
                "casey@customer.example",
                "Over TLS",
                None,
                "secret",
            )],
        )
        .await;
    let app = spawn_app().await;
    let fx = app.fixture("Acme imap-tls", "imap-tls.test").await;
    // Without the CA file the public roots do not know the certificate.
    let mut input = dovecot.source(fx.inbox.id, "INBOX");
    input.ca_file = None;
    set_source(app.store.as_ref(), input, app.app.now())
        .await
        .unwrap();
    let report = poller(&app.app)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    let error = report.error.expect("an unknown certificate is refused");
    assert!(error.contains("TLS handshake"), "{error}");
    // With it, the mail comes in.
    set_source(
        app.store.as_ref(),
        dovecot.source(fx.inbox.id, "INBOX"),
        app.app.now(),
    )
    .await
    .unwrap();
    let report = poller(&app.app)
        .poll(&source_of(&app, fx.inbox.id).await)
        .await;
    assert_eq!((report.filed, report.error), (1, None));
    assert_eq!(
        threads(&app, fx.inbox.id).await,
        vec![(Some("Over TLS".to_owned()), 1)]
    );
}

#[tokio::test]
async fn the_running_poller_picks_up_a_source_configured_after_start() {
    let Some(dovecot) = Dovecot::start(false).await else {
        return;
    };
    let app = spawn_app_with(ServerOptions {
        imap: Some(ImapPollerConfig {
            interval: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
            ..ImapPollerConfig::default()
        }),
        ..ServerOptions::default()
    })
    .await;
    let fx = app.fixture("Acme imap-live", "imap-live.test").await;
    dovecot
        .append(
            "INBOX",
            &[mail(
                "l1@customer.example",
                "casey@customer.example",
                "Live",
                None,
                "hello",
            )],
        )
        .await;
    set_source(
        app.store.as_ref(),
        dovecot.source(fx.inbox.id, "INBOX"),
        app.app.now(),
    )
    .await
    .unwrap();
    let mut waited = 0;
    while source_of(&app, fx.inbox.id).await.last_uid < 1 {
        assert!(waited < 100, "the poller did not file the mail");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    assert_eq!(
        threads(&app, fx.inbox.id).await,
        vec![(Some("Live".to_owned()), 1)]
    );
}

#[tokio::test]
async fn a_source_needs_an_inbox_and_a_readable_password_file() {
    let app = spawn_app().await;
    let fx = app.fixture("Acme imap-check", "imap-check.test").await;
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "pw\n").unwrap();
    let input = |inbox: InboxId, password_file: &Path| SourceInput {
        inbox,
        host: "imap.example".into(),
        port: 993,
        tls: ImapTls::Tls,
        username: "u".into(),
        password_file: password_file.to_owned(),
        folder: "INBOX".into(),
        ca_file: None,
    };
    let store = app.store.as_ref();
    let err = set_source(store, input(InboxId(999_999), &password), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, SourceError::NoInbox(_)), "{err}");
    assert_eq!(err.to_string(), "there is no inbox with id 999999");
    let err = set_source(store, input(fx.inbox.id, &dir.path().join("missing")), 1)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("reading the password file"),
        "{err}"
    );
    let mut with_bad_ca = input(fx.inbox.id, &password);
    with_bad_ca.ca_file = Some(password.clone());
    let err = set_source(store, with_bad_ca, 1).await.unwrap_err();
    assert!(err.to_string().contains("CA file"), "{err}");
    assert!(store.imap_source(fx.inbox.id).await.is_err());
    let stored = set_source(store, input(fx.inbox.id, &password), 1)
        .await
        .unwrap();
    assert!(Path::new(&stored.password_file).is_absolute());
}
