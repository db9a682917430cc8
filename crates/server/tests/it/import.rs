//! `switchboard import-eml`, run as the real binary over .eml and mbox files: counts,
//! threading, attachments, a second run that imports nothing, and clear errors.

use std::path::Path;
use std::process::{Command, Output};
use switchboard_domain::{InboxId, ListItem};
use switchboard_store::{ListQuery, NewInbox, SqlStore, Store};

fn switchboard(args: &[&str], data_dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .env("SWITCHBOARD_ADMIN_PASSWORD", "correct horse battery")
        .env_remove("SWITCHBOARD_DATABASE_URL")
        .env_remove("SWITCHBOARD_LOG")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An account made by `init` and an inbox made in the store (no command makes one).
async fn account_with_inbox(data_dir: &Path) -> (SqlStore, InboxId) {
    let out = switchboard(
        &["init", "--account", "Acme", "--admin-email", "a@acme.test"],
        data_dir,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let store = SqlStore::connect(&format!(
        "sqlite://{}",
        data_dir.join("switchboard.db").display()
    ))
    .await
    .unwrap();
    let account = store.account_by_name("Acme").await.unwrap();
    let inbox = store
        .create_inbox(NewInbox {
            account_id: account.id,
            name: "Support".into(),
            email_address: None,
            member_user_ids: vec![],
            member_team_ids: vec![],
            now: 0,
        })
        .await
        .unwrap();
    (store, inbox.id)
}

fn mail(id: &str, date: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: Customer <customer@example.test>\r\nTo: support@acme.test\r\n\
         Message-ID: <{id}@example.test>\r\nDate: {date}\r\nSubject: {subject}\r\n{extra}\r\n{body}\r\n"
    )
}

fn reply_to(id: &str) -> String {
    format!("In-Reply-To: <{id}@example.test>\r\nReferences: <{id}@example.test>\r\n")
}

/// Four .eml files (plain, HTML with an attachment, a reply, one without From), a
/// reply whose parent is in the mbox but whose file sorts before it, a text file, and
/// an mbox of three (one body line escaped as `>From `).
fn write_mailbox(dir: &Path) {
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    let write = |name: &str, content: &str| std::fs::write(dir.join(name), content).unwrap();
    write(
        "a/first.eml",
        &mail(
            "first",
            "Mon, 1 Jan 2024 09:00:00 +0000",
            "Printer on fire",
            "",
            "It is on fire.",
        ),
    );
    write(
        "a/html.eml",
        &mail(
            "html",
            "Tue, 2 Jan 2024 09:00:00 +0000",
            "Invoice",
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n",
            "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
             <p>See the <b>invoice</b>.</p>\r\n\
             --b1\r\nContent-Type: application/pdf; name=\"invoice.pdf\"\r\n\
             Content-Disposition: attachment; filename=\"invoice.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSBpbXBvcnRlZAo=\r\n--b1--",
        ),
    );
    write(
        "b/reply.eml",
        &mail(
            "reply",
            "Wed, 3 Jan 2024 09:00:00 +0000",
            "Re: Printer on fire",
            &reply_to("first"),
            "Still burning.",
        ),
    );
    write(
        "a/0-early-reply.eml",
        &mail(
            "late",
            "Sun, 7 Jan 2024 09:00:00 +0000",
            "Re: Login",
            &reply_to("m1"),
            "Works now.",
        ),
    );
    write(
        "malformed.eml",
        "Subject: nobody wrote this\r\nMessage-ID: <anon@example.test>\r\n\r\nhello\r\n",
    );
    write("notes.txt", "not mail");
    let mbox: String = [
        mail(
            "m1",
            "Thu, 4 Jan 2024 09:00:00 +0000",
            "Login",
            "",
            "I cannot log in.",
        ),
        mail(
            "m2",
            "Fri, 5 Jan 2024 09:00:00 +0000",
            "Re: Invoice",
            &reply_to("html"),
            "Paid.\r\n>From the bank, with thanks.",
        ),
        mail(
            "m3",
            "Sat, 6 Jan 2024 09:00:00 +0000",
            "Re: Login",
            &reply_to("m1"),
            "Reset it?",
        ),
    ]
    .iter()
    .map(|m| format!("From customer@example.test Thu Jan  4 09:00:00 2024\n{m}\n"))
    .collect();
    write("b/archive.mbox", &mbox);
}

#[tokio::test]
async fn an_import_threads_replies_and_a_second_run_imports_nothing() {
    let data = tempfile::tempdir().unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    write_mailbox(mailbox.path());
    let (store, inbox) = account_with_inbox(data.path()).await;
    let inbox_arg = inbox.to_string();
    let dir = mailbox.path().to_str().unwrap();

    let out = switchboard(&["import-eml", dir, "--inbox", &inbox_arg], data.path());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Read 8 messages"), "{stdout}");
    assert!(
        stdout.contains("imported:        7 (3 new conversations, 4 replies threaded)"),
        "{stdout}"
    );
    assert!(stdout.contains("already present: 0"), "{stdout}");
    assert!(stdout.contains("refused:         1"), "{stdout}");
    assert!(stdout.contains("files skipped:   1"), "{stdout}");
    assert!(
        stderr.contains("malformed.eml") && stderr.contains("no valid From address"),
        "a refused message is named with its reason: {stderr}"
    );

    let page = store
        .list_conversations(&ListQuery::inbox(inbox))
        .await
        .unwrap();
    let mut conversations: Vec<(String, Vec<String>)> = Vec::new();
    for item in &page.items {
        let ListItem::Conversation(c) = item else {
            panic!("no conversation moved")
        };
        let message_ids = store
            .timeline(c.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.meta.get("email").is_some())
            .map(|e| e.meta["email"]["message_id"].as_str().unwrap().to_owned())
            .collect();
        conversations.push((c.subject.clone().unwrap_or_default(), message_ids));
    }
    conversations.sort();
    let ids = |ids: &[&str]| -> Vec<String> {
        ids.iter().map(|id| format!("{id}@example.test")).collect()
    };
    let subjects: Vec<&str> = conversations.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(subjects, ["Invoice", "Login", "Printer on fire"]);
    // Replies joined their parents, each timeline in import order (oldest Date first).
    assert_eq!(conversations[0].1, ids(&["html", "m2"]));
    assert_eq!(conversations[1].1, ids(&["m1", "m3", "late"]));
    assert_eq!(conversations[2].1, ids(&["first", "reply"]));

    // The HTML mail kept its attachment, in the data directory the server reads; the
    // escaped `>From ` line of the mbox is a `From ` line again.
    let invoice = page
        .items
        .iter()
        .find_map(|i| {
            i.conversation()
                .filter(|c| c.subject.as_deref() == Some("Invoice"))
        })
        .unwrap();
    let timeline = store.timeline(invoice.id).await.unwrap();
    let html = &timeline[0].meta["email"];
    assert_eq!(html["attachments"][0]["filename"], "invoice.pdf");
    // Imported mail is dated by its Date header (Tue, 2 Jan 2024 09:00:00 +0000).
    assert_eq!(timeline[0].created_at, 1_704_186_000_000);
    assert!(html["html"].as_str().unwrap().contains("<b>invoice</b>"));
    assert!(count_files(&data.path().join("attachments")) >= 1);
    let paid = timeline.iter().find(|e| e.body.contains("Paid.")).unwrap();
    assert!(
        paid.body.contains("\nFrom the bank"),
        "unescaped: {:?}",
        paid.body
    );

    let out = switchboard(&["import-eml", dir, "--inbox", &inbox_arg], data.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("imported:        0 (0 new conversations, 0 replies threaded)"),
        "{stdout}"
    );
    assert!(stdout.contains("already present: 7"), "{stdout}");
    assert!(stdout.contains("refused:         1"), "{stdout}");
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().path())
                .map(|p| if p.is_dir() { count_files(&p) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn an_unknown_inbox_or_a_missing_directory_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    write_mailbox(mailbox.path());
    let (_store, inbox) = account_with_inbox(data.path()).await;
    let dir = mailbox.path().to_str().unwrap();

    let out = switchboard(&["import-eml", dir, "--inbox", "42"], data.path());
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("no inbox 42"), "{stderr}");
    assert!(!text(&out.stdout).contains("Read"), "nothing was read");

    let missing = mailbox.path().join("missing");
    let out = switchboard(
        &[
            "import-eml",
            missing.to_str().unwrap(),
            "--inbox",
            &inbox.to_string(),
        ],
        data.path(),
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("missing") && stderr.contains("no such file or directory"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_import_that_keeps_failing_stops_and_a_rerun_continues() {
    let data = tempfile::tempdir().unwrap();
    let mailbox = tempfile::tempdir().unwrap();
    write_mailbox(mailbox.path());
    let (_store, inbox) = account_with_inbox(data.path()).await;
    let (dir, inbox) = (mailbox.path().to_str().unwrap(), inbox.to_string());
    // A file where the attachments directory belongs: the HTML mail's attachment
    // cannot be saved, as on a broken disk.
    let attachments = data.path().join("attachments");
    std::fs::write(&attachments, "in the way").unwrap();

    let out = switchboard(&["import-eml", dir, "--inbox", &inbox], data.path());
    assert!(!out.status.success());
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(stderr.contains("html.eml"), "{stderr}");
    assert!(stderr.contains("run the same command again"), "{stderr}");
    assert!(
        stdout.contains("imported:        1 (1 new conversations, 0 replies threaded)"),
        "the summary so far: {stdout}"
    );

    std::fs::remove_file(&attachments).unwrap();
    let out = switchboard(&["import-eml", dir, "--inbox", &inbox], data.path());
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("imported:        6"), "{stdout}");
    assert!(stdout.contains("already present: 1"), "{stdout}");
}
