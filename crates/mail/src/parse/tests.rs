//! Parser tests over literal raw mails, one per encoding or rule.

use super::*;

fn parse(raw: &str) -> InboundMail {
    InboundMail::parse(raw.replace('\n', "\r\n").as_bytes()).unwrap()
}

#[test]
fn simple_mail_fields_are_read() {
    let mail = parse(
        "From: \"Ana Lima\" <Ana.Lima@Example.COM>\n\
         Reply-To: replies@example.com\n\
         To: Support <support@acme.test>, bob@acme.test\n\
         Cc: carol@acme.test\n\
         Subject: Order 42 is late\n\
         Date: Tue, 1 Jul 2003 10:52:37 +0200\n\
         Message-ID: <abc.123@example.com>\n\
         In-Reply-To: <parent@acme.test>\n\
         References: <root@acme.test> <parent@acme.test>\n\
         \n\
         Where is my order?\n",
    );
    assert_eq!(mail.message_id.as_deref(), Some("abc.123@example.com"));
    assert_eq!(mail.in_reply_to, vec!["parent@acme.test"]);
    assert_eq!(mail.references, vec!["root@acme.test", "parent@acme.test"]);
    let from = mail.from.unwrap();
    assert_eq!(from.address, "ana.lima@example.com");
    assert_eq!(from.name.as_deref(), Some("Ana Lima"));
    assert_eq!(mail.reply_to.unwrap().address, "replies@example.com");
    let to: Vec<_> = mail.to.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(to, ["support@acme.test", "bob@acme.test"]);
    assert_eq!(mail.cc[0].address, "carol@acme.test");
    assert_eq!(mail.subject.as_deref(), Some("Order 42 is late"));
    assert_eq!(mail.date, Some(1_057_049_557_000));
    assert_eq!(
        mail.text.as_deref().map(str::trim),
        Some("Where is my order?")
    );
    assert_eq!(mail.html, None);
    assert!(!mail.auto_submitted);
    assert!(!mail.loop_detected);
}

#[test]
fn quoted_printable_body_is_decoded() {
    let mail = parse(
        "From: a@example.com\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: quoted-printable\n\
         \n\
         Caf=C3=A9 cr=C3=A8me, a very long line that was soft-=\n\
         wrapped.\n",
    );
    assert_eq!(
        mail.text.unwrap().trim(),
        "Café crème, a very long line that was soft-wrapped."
    );
}

#[test]
fn base64_body_is_decoded() {
    let mail = parse(
        "From: a@example.com\n\
         Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: base64\n\
         \n\
         SGVsbG8sIHfDtnJsZCE=\n",
    );
    assert_eq!(mail.text.unwrap(), "Hello, wörld!");
}

#[test]
fn iso_8859_1_body_and_subject_are_decoded() {
    let mut raw = b"From: a@example.com\r\n\
        Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=\r\n\
        Content-Type: text/plain; charset=ISO-8859-1\r\n\
        Content-Transfer-Encoding: 8bit\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(b"Gr\xfc\xdfe, J\xfcrgen\r\n");
    let mail = InboundMail::parse(&raw).unwrap();
    assert_eq!(mail.subject.as_deref(), Some("Grüße aus München"));
    assert_eq!(mail.text.unwrap().trim(), "Grüße, Jürgen");
}

#[test]
fn iso_8859_15_euro_sign_is_decoded() {
    let mut raw = b"From: a@example.com\r\n\
        Content-Type: text/plain; charset=iso-8859-15\r\n\r\n"
        .to_vec();
    raw.extend_from_slice(b"Price: 10 \xa4\r\n");
    let mail = InboundMail::parse(&raw).unwrap();
    assert_eq!(mail.text.unwrap().trim(), "Price: 10 €");
}

#[test]
fn utf8_encoded_word_headers_are_decoded() {
    let mail = parse(
        "From: =?UTF-8?B?Sm/Do28gU2lsdmE=?= <joao@example.com>\n\
         Subject: =?UTF-8?Q?Ol=C3=A1,_mundo?= =?UTF-8?B?IOKcqA==?=\n\
         \n\
         body\n",
    );
    assert_eq!(mail.from.unwrap().name.as_deref(), Some("João Silva"));
    assert_eq!(mail.subject.as_deref(), Some("Olá, mundo ✨"));
}

#[test]
fn html_only_mail_gets_a_derived_text_body() {
    let mail = parse(
        "From: a@example.com\n\
         Content-Type: text/html; charset=utf-8\n\
         \n\
         <html><body><p>Hello <b>there</b></p><script>x()</script></body></html>\n",
    );
    assert!(
        mail.html.as_deref().unwrap().contains("<script>"),
        "html stays raw"
    );
    let text = mail.text.unwrap();
    assert!(text.contains("Hello there"), "{text:?}");
    assert!(!text.contains('<'), "{text:?}");
}

#[test]
fn alternative_mail_keeps_both_bodies() {
    let mail = parse(
        "From: a@example.com\n\
         Content-Type: multipart/alternative; boundary=\"b1\"\n\
         \n\
         --b1\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         plain version\n\
         --b1\n\
         Content-Type: text/html; charset=utf-8\n\
         \n\
         <p>html version</p>\n\
         --b1--\n",
    );
    assert_eq!(mail.text.unwrap().trim(), "plain version");
    assert_eq!(mail.html.unwrap().trim(), "<p>html version</p>");
    assert!(mail.attachments.is_empty());
}

const WITH_ATTACHMENTS: &str = "From: a@example.com\n\
    Content-Type: multipart/mixed; boundary=\"outer\"\n\
    \n\
    --outer\n\
    Content-Type: multipart/related; boundary=\"rel\"\n\
    \n\
    --rel\n\
    Content-Type: text/html; charset=utf-8\n\
    \n\
    <p>Logo: <img src=\"cid:logo@x\"></p>\n\
    --rel\n\
    Content-Type: image/PNG\n\
    Content-ID: <logo@x>\n\
    Content-Transfer-Encoding: base64\n\
    \n\
    iVBORw0KGgo=\n\
    --rel--\n\
    --outer\n\
    Content-Type: application/pdf; name=\"../../etc/passwd\"\n\
    Content-Disposition: attachment; filename=\"../../etc/passwd\"\n\
    Content-Transfer-Encoding: base64\n\
    \n\
    JVBERi0=\n\
    --outer\n\
    Content-Type: text/html; name=\"<script>.html\"\n\
    Content-Disposition: attachment; filename=\"<script>.html\"\n\
    \n\
    <script>alert(1)</script>\n\
    --outer--\n";

#[test]
fn attachments_are_decoded_with_safe_names() {
    let mail = parse(WITH_ATTACHMENTS);
    assert_eq!(mail.attachments.len(), 3, "{:#?}", mail.attachments);
    let logo = &mail.attachments[0];
    assert_eq!(logo.content_type, "image/png");
    assert_eq!(logo.content_id.as_deref(), Some("logo@x"));
    assert!(logo.inline);
    assert_eq!(logo.bytes, b"\x89PNG\r\n\x1a\n");
    assert_eq!(logo.filename, "attachment");

    let pdf = &mail.attachments[1];
    assert_eq!(pdf.filename, "passwd");
    assert_eq!(pdf.content_type, "application/pdf");
    assert!(!pdf.inline);
    assert_eq!(pdf.bytes, b"%PDF-");

    let html = &mail.attachments[2];
    assert_eq!(html.filename, "<script>.html");
    assert_eq!(html.content_type, "text/html");
}

#[test]
fn filenames_lose_paths_controls_and_bidi_overrides() {
    assert_eq!(sanitize_filename("../../etc/passwd"), "passwd");
    assert_eq!(sanitize_filename("C:\\temp\\a.txt"), "a.txt");
    assert_eq!(sanitize_filename("in\u{202E}fdp.exe"), "infdp.exe");
    assert_eq!(sanitize_filename("a\r\nb.txt"), "ab.txt");
    assert_eq!(sanitize_filename(".."), "attachment");
    assert_eq!(sanitize_filename("<script>.html"), "<script>.html");
}

#[test]
fn missing_message_id_gets_a_stable_synthetic_one() {
    let raw = "From: a@example.com\nSubject: hi\n\nbody\n";
    let a = parse(raw);
    let b = parse(raw);
    let c = parse("From: a@example.com\nSubject: hi\n\nother body\n");
    assert_eq!(a.message_id, None);
    let id = a.message_id_or_synthetic();
    assert!(id.ends_with("@synthetic.switchboard.invalid"), "{id}");
    assert_eq!(id, b.message_id_or_synthetic());
    assert_ne!(id, c.message_id_or_synthetic());

    let real = parse("Message-ID: <x@y>\nFrom: a@example.com\n\nbody\n");
    assert_eq!(real.message_id_or_synthetic(), "x@y");
}

#[test]
fn automatic_mail_is_recognised() {
    for header in [
        "Auto-Submitted: auto-replied",
        "Auto-Submitted: auto-generated; owner-email=x@y",
        "Precedence: bulk",
        "Precedence: Junk",
        "Precedence: list",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
    ] {
        let mail = parse(&format!("From: a@example.com\n{header}\n\nbody\n"));
        assert!(mail.auto_submitted, "{header}");
    }
    let human = parse("From: a@example.com\nAuto-Submitted: no\nPrecedence: normal\n\nbody\n");
    assert!(!human.auto_submitted);
}

#[test]
fn bounces_are_automatic() {
    let mail = parse(
        "From: MAILER-DAEMON@example.com\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\n\
         \n\
         --r\n\
         Content-Type: text/plain\n\
         \n\
         Delivery failed.\n\
         --r--\n",
    );
    assert!(mail.auto_submitted);
}

#[test]
fn list_mail_from_people_is_not_automatic() {
    let mail = parse("From: a@example.com\nList-Id: <support.acme.test>\n\nhelp\n");
    assert!(!mail.auto_submitted);
    assert_eq!(mail.list_id.as_deref(), Some("<support.acme.test>"));
}

#[test]
fn loops_are_detected() {
    let ours = parse("From: a@example.com\nX-Switchboard-Loop: support@acme.test\n\nx\n");
    assert!(ours.loop_detected);
    let mut hops = String::new();
    for i in 0..31 {
        hops.push_str(&format!(
            "Received: from h{i} by h{} ; Tue, 1 Jul 2003 10:52:37 +0200\n",
            i + 1
        ));
    }
    let circling = parse(&format!("{hops}From: a@example.com\n\nx\n"));
    assert!(circling.loop_detected);
    let fine = parse(&format!(
        "{}From: a@example.com\n\nx\n",
        &hops[..hops.len() / 2]
    ));
    assert!(!fine.loop_detected);
}

#[test]
fn invalid_addresses_and_ids_are_dropped() {
    let mail = parse(
        "From: not an address\n\
         To: ok@acme.test, broken@, <also broken>\n\
         Message-ID: <has space@x>\n\
         \n\
         body\n",
    );
    assert_eq!(mail.from, None);
    assert_eq!(mail.to.len(), 1);
    assert_eq!(mail.message_id, None);
}

#[test]
fn huge_recipient_lists_and_references_are_capped() {
    let to: Vec<String> = (0..10_000).map(|i| format!("u{i}@example.com")).collect();
    let refs: Vec<String> = (0..500).map(|i| format!("<r{i}@x>")).collect();
    let mail = parse(&format!(
        "From: a@example.com\nTo: {}\nReferences: {}\n\nbody\n",
        to.join(", "),
        refs.join(" ")
    ));
    assert_eq!(mail.to.len(), MAX_RECIPIENTS);
    assert_eq!(mail.references.len(), MAX_REFERENCES);
    assert_eq!(mail.references[0], "r0@x", "the thread root is kept");
    assert_eq!(
        mail.references.last().unwrap(),
        "r499@x",
        "the parent is kept"
    );
}

#[test]
fn subject_newlines_and_length_are_cleaned() {
    let long = "x".repeat(2_000);
    let mail = parse(&format!("From: a@example.com\nSubject: {long}\n\nbody\n"));
    assert_eq!(mail.subject.unwrap().chars().count(), MAX_SUBJECT_CHARS);
    let folded = parse("From: a@example.com\nSubject: one\n  two\n\nbody\n");
    assert_eq!(folded.subject.as_deref(), Some("one two"));
}

#[test]
fn garbage_is_rejected_or_read_without_panicking() {
    assert_eq!(InboundMail::parse(b""), Err(ParseError::NotAMessage));
    for raw in [
        &b"\x00\x01\x02\xff\xfe"[..],
        b"no colon here at all",
        b"Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n--x\r\n",
        b"From: =?utf-8?B?####?= <a@b.c>\r\n\r\n",
    ] {
        let _ = InboundMail::parse(raw);
    }
}

#[test]
fn oversized_input_is_rejected_before_parsing() {
    let raw = vec![b'a'; MAX_RAW_BYTES + 1];
    assert!(matches!(
        InboundMail::parse(&raw),
        Err(ParseError::TooLarge { .. })
    ));
}
