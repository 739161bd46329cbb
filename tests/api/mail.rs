//! The outbox end to end: the grace delay, SMTP down then up, restarts,
//! two workers, failures and the admins' retry, the .eml drop, and password
//! reset by email.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::{
    comments::{post_comment, section_id},
    helpers::*,
    notifications::{WAIT, mails_to, outbox_statuses, read},
    smtp_sink::SmtpSink,
};

async fn mention(app: &TestApp, w: &World, who: Uuid, body: &str) -> serde_json::Value {
    let vision = section_id(app, &w.obidos, "vision").await;
    post_comment(
        app,
        &w.ulg.1,
        &format!("/api/v1/sections/{vision}/comments"),
        json!({ "body": body, "mentions": [who] }),
    )
    .await
}

async fn all_sent(app: &TestApp) {
    app.wait_until("every email is sent or cancelled", || async {
        outbox_statuses(app)
            .await
            .iter()
            .all(|s| s == "sent" || s == "cancelled")
    })
    .await;
}

#[tokio::test]
async fn a_comment_deleted_within_the_grace_delay_sends_nothing() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.6)).await;
    let w = app.world().await;

    // Act
    let oops = mention(&app, &w, w.coordinator.0.id, "wrong person").await;
    let deleted = w
        .ulg
        .1
        .delete(app.url(&format!(
            "/api/v1/comments/{}",
            oops["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    mention(&app, &w, w.observer.0.id, "right person").await;

    // Assert
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let received = sink.wait_for(1, WAIT).await;
    all_sent(&app).await;
    assert_eq!(received.len(), 1);
    assert_eq!(read(&received[0]).to, [w.observer.0.email.as_str()]);
    assert_eq!(sink.messages().len(), 1);
    let page = json_ok(
        w.coordinator
            .1
            .get(app.url("/api/v1/notifications"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["total"], 0, "the in-app notice is withdrawn too");
}

#[tokio::test]
async fn when_smtp_is_down_the_email_waits_and_is_delivered_exactly_once_when_it_is_back() {
    // Arrange
    let mut sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    sink.stop().await;

    // Act
    mention(&app, &w, w.coordinator.0.id, "while the server is down").await;
    app.wait_until("a failed attempt", || async {
        use sea_orm::EntityTrait;
        iap_studio::entities::email_outbox::Entity::find()
            .all(&app.state.db)
            .await
            .unwrap()
            .iter()
            .any(|r| r.attempts >= 1 && r.status == "pending" && r.last_error.is_some())
    })
    .await;
    sink.restart().await;

    // Assert
    sink.wait_for(1, WAIT).await;
    all_sent(&app).await;
    assert_eq!(mails_to(&sink, &w.coordinator.0.email).len(), 1);
    assert_eq!(sink.messages().len(), 1);
}

#[tokio::test]
async fn a_restart_on_the_same_database_never_sends_again() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    mention(&app, &w, w.coordinator.0.id, "before the restart").await;
    sink.wait_for(1, WAIT).await;
    all_sent(&app).await;

    // Act: the old server goes, a new one starts on the same database
    app.stop();
    let restarted = app.another_instance(mail_to(&sink, 0.0)).await;
    let txn = iap_studio::database::begin_write(&restarted.state.db)
        .await
        .unwrap();
    iap_studio::notifications::send_email(
        &txn,
        iap_studio::notifications::DirectEmail {
            to_address: "marker@example.org".into(),
            to_name: None,
            user_id: None,
            lang: "en".into(),
            path: "/".into(),
            content: iap_studio::mail::email::EmailContent::PasswordReset(
                iap_studio::mail::email::PasswordResetEmail { valid_minutes: 60 },
            ),
            dedupe_key: "marker".into(),
        },
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    // Assert: the marker arrives, the first email did not come again
    sink.wait_for(2, WAIT).await;
    all_sent(&app).await;
    assert_eq!(mails_to(&sink, &w.coordinator.0.email).len(), 1);
    assert_eq!(sink.messages().len(), 2);
}

#[tokio::test]
async fn two_workers_on_one_database_never_send_the_same_email_twice() {
    // Arrange: two instances sharing the database (PostgreSQL: SKIP LOCKED;
    // SQLite: the claim is serialised by BEGIN IMMEDIATE)
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.3)).await;
    let _second = app.another_instance(mail_to(&sink, 0.3)).await;
    let w = app.world().await;

    // Act
    for i in 0..12 {
        mention(&app, &w, w.coordinator.0.id, &format!("mention {i}")).await;
    }

    // Assert
    sink.wait_for(12, WAIT).await;
    all_sent(&app).await;
    let ids: BTreeSet<String> = sink.messages().iter().map(|m| read(m).message_id).collect();
    assert_eq!(sink.messages().len(), 12);
    assert_eq!(ids.len(), 12);
}

#[tokio::test]
async fn a_rejected_email_ends_failed_for_admins_who_may_retry_it() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    sink.reject_recipients(Some((550, "Mailbox unavailable")));
    mention(&app, &w, w.coordinator.0.id, "to a dead mailbox").await;
    app.wait_until("the email fails", || async {
        outbox_statuses(&app).await == ["failed"]
    })
    .await;
    let url = app.url("/api/v1/admin/outbox?status=failed");

    // Act + Assert: listing
    problem(
        w.lead.1.get(&url).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        TestApp::client().get(&url).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        app.admin
            .get(app.url("/api/v1/admin/outbox?status=lost"))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let failed = json_ok(app.admin.get(&url).send().await.unwrap(), StatusCode::OK).await;
    let row = &failed.as_array().unwrap()[0];
    assert_eq!(row["to_address"], w.coordinator.0.email.as_str());
    assert!(row["last_error"].as_str().unwrap().contains("550"));
    let id = row["id"].as_str().unwrap();
    let retry = app.url(&format!("/api/v1/admin/outbox/{id}/retry"));

    // Act + Assert: retrying
    problem(
        w.coordinator.1.post(&retry).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        app.admin
            .post(app.url(&format!("/api/v1/admin/outbox/{}/retry", Uuid::now_v7())))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    sink.reject_recipients(None);
    json_ok(app.admin.post(&retry).send().await.unwrap(), StatusCode::OK).await;
    sink.wait_for(1, WAIT).await;
    all_sent(&app).await;
    problem(
        app.admin.post(&retry).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn without_smtp_emails_are_written_as_eml_files_in_the_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_owned();
    let app = TestApp::spawn_with(move |c| {
        c.data_dir = data_dir;
        c.mail_delay_secs = 0.0;
    })
    .await;
    let w = app.world().await;

    mention(&app, &w, w.coordinator.0.id, "to a file").await;

    all_sent(&app).await;
    let files: Vec<_> = std::fs::read_dir(dir.path().join("mail"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read_to_string(&files[0]).unwrap();
    assert!(raw.contains(&w.coordinator.0.email));
}

#[tokio::test]
async fn a_password_is_reset_by_email_once_and_every_session_ends() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let ask = |email: &str| {
        TestApp::client()
            .post(app.url("/api/v1/auth/password-reset"))
            .json(&json!({ "email": email }))
            .send()
    };

    // Act: ask for an unknown address, a malformed one, and a real account
    assert_eq!(
        ask("nobody@example.org").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        ask("not an email").await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        ask(&w.ulg.0.email.to_uppercase()).await.unwrap().status(),
        StatusCode::ACCEPTED
    );

    // Assert: one email, to the account
    let mail = read(&sink.wait_for(1, WAIT).await[0]);
    all_sent(&app).await;
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(mail.to, [w.ulg.0.email.as_str()]);
    assert_eq!(mail.subject, "Reset your iap-studio password");
    let link = mail
        .text
        .lines()
        .find(|l| l.contains("/password-reset/"))
        .unwrap()
        .trim()
        .to_owned();
    let token = link.rsplit('/').next().unwrap();
    let reset = |token: &str, password: &str| {
        TestApp::client()
            .post(app.url(&format!("/api/v1/auth/password-reset/{token}")))
            .json(&json!({ "password": password }))
            .send()
    };

    // Act + Assert: bad inputs change nothing
    let p = problem(
        reset(token, "short").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), ["password"]);
    problem(
        reset("no-such-token", "a long new password").await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let me = app.url("/api/v1/me");
    assert_eq!(
        w.ulg.1.get(&me).send().await.unwrap().status(),
        StatusCode::OK
    );

    // Act + Assert: the reset
    assert_eq!(
        reset(token, "a long new password").await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    problem(
        w.ulg.1.get(&me).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let login = |password: &str| {
        TestApp::client()
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": w.ulg.0.email, "password": password }))
            .send()
    };
    assert_eq!(
        login("a long new password").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        login(PASSWORD).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    problem(
        reset(token, "another long password").await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn password_reset_emails_are_throttled_per_account() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    for _ in 0..5 {
        let r = TestApp::client()
            .post(app.url("/api/v1/auth/password-reset"))
            .json(&json!({ "email": w.ulg.0.email }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
    }
    sink.wait_for(3, WAIT).await;
    all_sent(&app).await;
    assert_eq!(sink.messages().len(), 3);
    problem(
        TestApp::client()
            .post(app.url("/api/v1/auth/password-reset"))
            .json(&json!({ "mail": "x" }))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}
