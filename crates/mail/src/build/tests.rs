//! Built messages parsed back, with mail-parser and with our own parser.

use super::*;
use crate::parse::InboundMail;
use mail_parser::MessageParser;

fn reply() -> OutboundReply {
    OutboundReply {
        from_name: Some("Ana at Acme".into()),
        from_address: "support@acme.test".into(),
        reply_to: Some("support+tok123@acme.test".into()),
        to: vec![(Some("Bob Customer".into()), "bob@example.com".into())],
        subject: "Order 42".into(),
        in_reply_to: Some("parent@example.com".into()),
        references: vec!["root@example.com".into()],
        text: "Hello Bob,\nyour order shipped.".into(),
        html: Some("<p>Hello Bob,</p><p>your order shipped.</p>".into()),
        attachments: vec![OutboundAttachment {
            filename: "../invoice.pdf".into(),
            content_type: "application/pdf".into(),
            bytes: b"%PDF-1.4 fake".to_vec(),
        }],
    }
}

#[test]
fn reply_threads_and_round_trips() {
    let built = reply().build().unwrap();
    assert!(
        built.message_id.ends_with("@acme.test"),
        "{}",
        built.message_id
    );
    let message = MessageParser::default().parse(&built.bytes).unwrap();
    assert_eq!(message.message_id(), Some(built.message_id.as_str()));
    assert_eq!(message.subject(), Some("Re: Order 42"));
    assert_eq!(
        message.header_raw("X-Switchboard-Loop").map(str::trim),
        Some("support@acme.test")
    );
    assert!(
        message.header_raw("Auto-Submitted").is_none(),
        "human replies are not auto-submitted"
    );

    let mail = InboundMail::parse(&built.bytes).unwrap();
    assert_eq!(mail.in_reply_to, ["parent@example.com"]);
    assert_eq!(mail.references, ["root@example.com", "parent@example.com"]);
    assert_eq!(mail.from.unwrap().name.as_deref(), Some("Ana at Acme"));
    assert_eq!(mail.reply_to.unwrap().address, "support+tok123@acme.test");
    assert_eq!(mail.to[0].address, "bob@example.com");
    // Text bodies go out with CRLF line ends.
    assert_eq!(
        mail.text.unwrap().trim(),
        "Hello Bob,\r\nyour order shipped."
    );
    assert!(mail.html.unwrap().contains("<p>Hello Bob,</p>"));
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].filename, "invoice.pdf");
    assert_eq!(mail.attachments[0].bytes, b"%PDF-1.4 fake");
    assert!(mail.loop_detected, "our own mail coming back is recognised");
}

#[test]
fn re_prefix_is_added_once() {
    assert_eq!(reply_subject("Order 42"), "Re: Order 42");
    assert_eq!(reply_subject("Re: Order 42"), "Re: Order 42");
    assert_eq!(reply_subject("RE: Order 42"), "RE: Order 42");
    let built = OutboundReply {
        subject: "re: hello".into(),
        ..reply()
    }
    .build()
    .unwrap();
    let message = MessageParser::default().parse(&built.bytes).unwrap();
    assert_eq!(message.subject(), Some("re: hello"));
}

#[test]
fn crlf_in_subject_or_names_cannot_inject_headers() {
    let built = OutboundReply {
        subject: "hi\r\nBcc: victim@evil.example\r\nX-Injected: yes".into(),
        from_name: Some("Ana\r\nX-Evil: 1".into()),
        to: vec![(
            Some("Bob\nCc: x@evil.example".into()),
            "bob@example.com".into(),
        )],
        ..reply()
    }
    .build()
    .unwrap();
    let message = MessageParser::default().parse(&built.bytes).unwrap();
    for header in ["Bcc", "X-Injected", "X-Evil", "Cc"] {
        assert!(
            message.header_raw(header).is_none(),
            "{header} was injected"
        );
    }
    assert!(message
        .subject()
        .unwrap()
        .contains("Bcc: victim@evil.example"));
}

#[test]
fn invalid_addresses_and_empty_recipients_are_errors() {
    let bad_to = OutboundReply {
        to: vec![(None, "bob@example.com>\r\nBcc: x@y.z".into())],
        ..reply()
    };
    assert!(matches!(bad_to.build(), Err(BuildError::InvalidAddress(_))));
    let no_to = OutboundReply {
        to: vec![],
        ..reply()
    };
    assert!(matches!(no_to.build(), Err(BuildError::NoRecipients)));
    let bad_id = OutboundReply {
        in_reply_to: Some("a>\r\nX-Evil: 1".into()),
        references: vec![],
        ..reply()
    };
    let built = bad_id.build().unwrap();
    let message = MessageParser::default().parse(&built.bytes).unwrap();
    assert!(message.header_raw("X-Evil").is_none());
    assert!(message.header_raw("In-Reply-To").is_none());
}

#[test]
fn forward_carries_note_original_headers_body_and_attachments() {
    let forward = OutboundForward {
        from_name: Some("Ana".into()),
        from_address: "support@acme.test".into(),
        reply_to: None,
        to: vec![(None, "vendor@partner.example".into())],
        cc: vec![(Some("Lead".into()), "lead@acme.test".into())],
        note_text: "Can you check this order?".into(),
        original: ForwardedOriginal {
            from: "Bob <bob@example.com>".into(),
            to: "support@acme.test".into(),
            date: Some(1_057_049_557_000),
            subject: "Order 42 broken".into(),
            text: "It arrived broken.".into(),
            html: Some("<p>It arrived <b>broken</b>.</p>".into()),
            attachments: vec![OutboundAttachment {
                filename: "photo.jpg".into(),
                content_type: "image/jpeg".into(),
                bytes: vec![0xff, 0xd8, 0xff],
            }],
        },
    };
    let built = forward.build().unwrap();
    let mail = InboundMail::parse(&built.bytes).unwrap();
    assert_eq!(mail.subject.as_deref(), Some("Fwd: Order 42 broken"));
    assert_eq!(mail.cc[0].address, "lead@acme.test");
    let text = mail.text.unwrap().replace("\r\n", "\n");
    let expected = "Can you check this order?\n\n---------- Forwarded message ----------\n\
                    From: Bob <bob@example.com>\nDate: Tue, 1 Jul 2003 08:52:37 +0000\n\
                    Subject: Order 42 broken\nTo: support@acme.test\n\nIt arrived broken.";
    assert_eq!(text.trim(), expected);
    let html = mail.html.unwrap();
    assert!(html.contains("From: Bob &lt;bob@example.com&gt;"), "{html}");
    assert!(html.contains("<p>It arrived <b>broken</b>.</p>"));
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(mail.attachments[0].filename, "photo.jpg");
    assert_eq!(mail.attachments[0].bytes, [0xff, 0xd8, 0xff]);
}

#[test]
fn notifications_are_auto_submitted() {
    let built = NotificationEmail {
        from_name: Some("Switchboard".into()),
        from_address: "notifications@acme.test".into(),
        to: (Some("Ana".into()), "ana@acme.test".into()),
        subject: "You were mentioned".into(),
        text: "Bob mentioned you.".into(),
        html: None,
    }
    .build()
    .unwrap();
    let mail = InboundMail::parse(&built.bytes).unwrap();
    assert!(mail.auto_submitted);
    assert!(mail.loop_detected);
    assert_eq!(mail.subject.as_deref(), Some("You were mentioned"));
}
