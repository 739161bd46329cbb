#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

//! The mail building blocks against the real SMTP sink: render → build the MIME message → send
//! with lettre over SMTP → parse what the server received (moved in from the scratch crate).

use std::time::Duration;

use crate::smtp_sink::{ReceivedMail, SmtpSink};
use iap_studio::mail::email::{CommentEmail, Email, EmailContent, StageEmail};
use iap_studio::mail::links::PublicUrl;
use iap_studio::mail::message::{MessageFactory, MessageId, Outgoing, Threading};
use iap_studio::mail::templates::{RenderedEmail, Templates};
use iap_studio::mail::transport::{Mailer, SendError};
use mail_parser::MessageParser;

const WAIT: Duration = Duration::from_secs(10);

fn templates() -> Templates {
    Templates::new(PublicUrl::parse("https://iap.example.org").unwrap()).unwrap()
}

fn factory() -> MessageFactory {
    MessageFactory::new("iap-studio <noreply@iap.example.org>").unwrap()
}

fn comment_email(content: fn(CommentEmail) -> EmailContent) -> RenderedEmail {
    templates()
        .render(&Email {
            lang: "en".into(),
            recipient_name: Some("Joana".into()),
            path: "/plans/p1/sections/s5#comment-c2".into(),
            unsubscribe_token: "tok-joana".into(),
            content: content(CommentEmail {
                actor_name: "Ana Silva".into(),
                city_name: "Óbidos".into(),
                target_title: "Vision and objectives".into(),
                excerpt: "Can you add the 2023 visitor figures?".into(),
                quote: None,
            }),
        })
        .unwrap()
}

fn stage_returned() -> RenderedEmail {
    templates()
        .render(&Email {
            lang: "en".into(),
            recipient_name: Some("Marco".into()),
            path: "/stages/st3".into(),
            unsubscribe_token: "tok-marco".into(),
            content: EmailContent::StageReturned(StageEmail {
                actor_name: "Ana Silva".into(),
                city_name: "Reggio Emilia".into(),
                stage_name: "Activation: vision and objectives".into(),
                due_on: None,
                note: Some("Please make objective 2 measurable.".into()),
                next_stage_name: None,
            }),
        })
        .unwrap()
}

fn message(email: &RenderedEmail, key: &str, threading: Threading) -> lettre::Message {
    let factory = factory();
    factory
        .build(&Outgoing {
            to: "Joana Costa <joana@example.org>",
            email,
            message_id: factory.message_id(key),
            threading,
        })
        .unwrap()
}

fn bare(id: &MessageId) -> String {
    id.as_str().trim_matches(['<', '>']).to_owned()
}

#[tokio::test]
async fn a_reply_in_a_comment_thread_arrives_threaded_with_one_click_unsubscribe_and_both_parts() {
    // Arrange
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let email = comment_email(EmailContent::Reply);
    let root = factory().message_id("comment-thread:c1");
    let msg = message(&email, "outbox:42", Threading::reply_to_root(root.clone()));

    // Act
    mailer.send(&msg).await.unwrap();

    // Assert
    let received: Vec<ReceivedMail> = sink.wait_for(1, WAIT).await;
    assert_eq!(received[0].mail_from, "noreply@iap.example.org");
    assert_eq!(received[0].rcpt_to, ["joana@example.org"]);
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert_eq!(
        parsed.message_id(),
        Some(bare(&factory().message_id("outbox:42")).as_str())
    );
    assert_eq!(parsed.in_reply_to().as_text(), Some(bare(&root).as_str()));
    assert_eq!(parsed.references().as_text(), Some(bare(&root).as_str()));
    assert_eq!(
        parsed.subject(),
        Some("Ana Silva replied on Vision and objectives (Óbidos)")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe").map(str::trim),
        Some("<https://iap.example.org/api/v1/unsubscribe/tok-joana>")
    );
    assert_eq!(
        parsed.header_raw("List-Unsubscribe-Post").map(str::trim),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(parsed.text_body_count(), 1);
    assert_eq!(parsed.html_body_count(), 1);
    let text = parsed.body_text(0).unwrap();
    let html = parsed.body_html(0).unwrap();
    assert_eq!(text.replace("\r\n", "\n").trim_end(), email.text.trim_end());
    assert!(text.contains("https://iap.example.org/plans/p1/sections/s5#comment-c2"));
    assert!(html.contains(r#"href="https://iap.example.org/plans/p1/sections/s5#comment-c2""#));
    assert!(html.contains("Can you add the 2023 visitor figures?"));
}

#[tokio::test]
async fn the_same_outbox_row_always_gets_the_same_message_id() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let email = stage_returned();

    mailer
        .send(&message(&email, "outbox:7", Threading::default()))
        .await
        .unwrap();
    mailer
        .send(&message(&email, "outbox:7", Threading::default()))
        .await
        .unwrap();

    let received = sink.wait_for(2, WAIT).await;
    let ids: Vec<_> = received
        .iter()
        .map(|m| {
            MessageParser::default()
                .parse(&m.data)
                .unwrap()
                .message_id()
                .map(str::to_owned)
        })
        .collect();
    assert_eq!(ids[0], ids[1]);
    let parsed = MessageParser::default().parse(&received[0].data).unwrap();
    assert!(
        parsed
            .body_text(0)
            .unwrap()
            .contains("Please make objective 2 measurable.")
    );
    assert!(parsed.in_reply_to().is_empty(), "not part of a thread");
}

#[tokio::test]
async fn when_the_smtp_server_is_down_sending_fails_transiently_and_works_again_once_it_is_back() {
    // Arrange: one mail goes through, so the pool holds a connection to the old server.
    let mut sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let email = comment_email(EmailContent::Mention);
    mailer
        .send(&message(&email, "outbox:1", Threading::default()))
        .await
        .unwrap();
    sink.wait_for(1, WAIT).await;

    // Act + Assert: down
    sink.stop().await;
    let err = mailer
        .send(&message(&email, "outbox:2", Threading::default()))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Transient { .. }), "{err:?}");

    // Act + Assert: up again on the same port, same mailer
    let port = sink.addr().port();
    sink.restart().await;
    assert_eq!(sink.addr().port(), port);
    mailer
        .send(&message(&email, "outbox:2", Threading::default()))
        .await
        .unwrap();
    let received = sink.wait_for(2, WAIT).await;
    assert_eq!(received.len(), 2);
}

#[tokio::test]
async fn a_rejected_recipient_is_a_permanent_failure_and_a_busy_server_a_transient_one() {
    let sink = SmtpSink::start().await;
    let mailer = Mailer::smtp(&sink.url()).unwrap();
    let email = comment_email(EmailContent::Mention);

    sink.reject_recipients(Some((550, "Mailbox unavailable")));
    let err = mailer
        .send(&message(&email, "outbox:1", Threading::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, SendError::Permanent { code: 550, .. }),
        "{err:?}"
    );
    assert!(err.is_permanent());

    sink.reject_recipients(Some((451, "Try again later")));
    let err = mailer
        .send(&message(&email, "outbox:1", Threading::default()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            SendError::Transient {
                code: Some(451),
                ..
            }
        ),
        "{err:?}"
    );

    sink.reject_recipients(None);
    mailer
        .send(&message(&email, "outbox:1", Threading::default()))
        .await
        .unwrap();
    assert_eq!(sink.wait_for(1, WAIT).await.len(), 1);
}

#[tokio::test]
async fn without_smtp_mail_is_written_as_an_eml_file_that_parses_back() {
    let dir = tempfile::tempdir().unwrap();
    let drop_dir = dir.path().join("data/mail");
    let mailer = Mailer::from_config(None, &drop_dir).unwrap();
    let email = stage_returned();
    let msg = message(&email, "outbox:9", Threading::default());

    mailer.send(&msg).await.unwrap();
    mailer.send(&msg).await.unwrap();

    let files: Vec<_> = std::fs::read_dir(&drop_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files.len(),
        1,
        "a resend of the same message replaces its file: {files:?}"
    );
    assert_eq!(files[0].extension().unwrap(), "eml");
    let raw = std::fs::read(&files[0]).unwrap();
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert_eq!(parsed.subject(), Some(email.subject.as_str()));
    assert_eq!(
        parsed.message_id(),
        Some(bare(&factory().message_id("outbox:9")).as_str())
    );
    assert!(
        parsed
            .body_html(0)
            .unwrap()
            .contains("Please make objective 2 measurable.")
    );
}
