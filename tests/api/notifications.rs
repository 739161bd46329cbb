//! Notifications in the app and by email: mentions, replies, stage notices
//! through the public `notify` API, the daily digest, settings and
//! unsubscribe, invitations and new members — against the real SMTP sink.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::time::Duration;

use iap_studio::{
    database,
    mail::email::{EmailContent, StageEmail},
    notifications::{self, Notice},
};
use mail_parser::MessageParser;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    comments::{post_comment, section_id},
    helpers::*,
    smtp_sink::{ReceivedMail, SmtpSink},
};

pub const WAIT: Duration = Duration::from_secs(10);

pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub list_unsubscribe: Option<String>,
    pub list_unsubscribe_post: Option<String>,
}

pub fn read(m: &ReceivedMail) -> Mail {
    let parsed = MessageParser::default().parse(&m.data).unwrap();
    Mail {
        to: m.rcpt_to.clone(),
        subject: parsed.subject().unwrap_or_default().to_owned(),
        text: parsed
            .body_text(0)
            .map(|t| t.replace("\r\n", "\n"))
            .unwrap_or_default(),
        message_id: parsed.message_id().unwrap_or_default().to_owned(),
        in_reply_to: parsed.in_reply_to().as_text().map(str::to_owned),
        references: parsed.references().as_text().map(str::to_owned),
        list_unsubscribe: parsed
            .header_raw("List-Unsubscribe")
            .map(|v| v.trim().to_owned()),
        list_unsubscribe_post: parsed
            .header_raw("List-Unsubscribe-Post")
            .map(|v| v.trim().to_owned()),
    }
}

pub fn mails_to(sink: &SmtpSink, email: &str) -> Vec<Mail> {
    sink.messages()
        .iter()
        .map(read)
        .filter(|m| m.to.iter().any(|t| t == email))
        .collect()
}

#[tokio::test]
async fn a_mention_is_emailed_with_a_link_to_the_comment_and_listed_in_the_app() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let mut events = app.state.hub.subscribe();

    // Act
    let comment = post_comment(
        &app,
        &w.ulg.1,
        &format!("/api/v1/sections/{vision}/comments"),
        json!({ "body": "@coordinator can you add the 2023 visitor figures?",
                "mentions": [w.coordinator.0.id] }),
    )
    .await;

    // Assert: the email
    let received = sink.wait_for(1, WAIT).await;
    assert_eq!(received.len(), 1);
    let mail = read(&received[0]);
    assert_eq!(mail.to, [w.coordinator.0.email.as_str()]);
    assert_eq!(
        mail.subject,
        format!(
            "{} mentioned you in Vision and objectives (Óbidos)",
            w.ulg.0.name
        )
    );
    assert!(mail.text.contains("2023 visitor figures"));
    assert!(mail.text.contains(&format!(
        "/sections/{vision}#comment-{}",
        comment["id"].as_str().unwrap()
    )));
    assert!(
        mail.list_unsubscribe
            .unwrap()
            .contains("/api/v1/unsubscribe/")
    );
    assert_eq!(
        mail.list_unsubscribe_post.as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(
        mail.in_reply_to.is_some(),
        "threaded under the comment's thread"
    );

    // Assert: in the app, live and listed
    let event = loop {
        let e = events.recv().await.unwrap();
        if e.kind == "notification.created" {
            break e;
        }
    };
    assert_eq!(event.user_id, Some(w.coordinator.0.id));
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
    assert_eq!(page["unread"], 1);
    assert_eq!(page["items"][0]["kind"], "mention");
    assert_eq!(page["items"][0]["needs_action"], true);
    let ulg_page = json_ok(
        w.ulg
            .1
            .get(app.url("/api/v1/notifications"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        ulg_page["total"], 0,
        "the author hears nothing of their own comment"
    );
}

#[tokio::test]
async fn replies_reach_the_threads_participants_in_one_mail_thread() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    let path = format!("/api/v1/stages/{stage}/comments");
    let root = post_comment(
        &app,
        &w.ulg.1,
        &path,
        json!({ "body": "Is the roadmap final?" }),
    )
    .await;

    // Act
    post_comment(
        &app,
        &w.coordinator.1,
        &path,
        json!({ "body": "Almost.", "parent_id": root["id"] }),
    )
    .await;
    sink.wait_for(1, WAIT).await;
    post_comment(
        &app,
        &w.observer.1,
        &path,
        json!({ "body": "Looks good to me.", "parent_id": root["id"] }),
    )
    .await;

    // Assert
    sink.wait_for(3, WAIT).await;
    let to_ulg = mails_to(&sink, &w.ulg.0.email);
    let to_coordinator = mails_to(&sink, &w.coordinator.0.email);
    assert_eq!(to_ulg.len(), 2);
    assert_eq!(to_coordinator.len(), 1);
    assert!(mails_to(&sink, &w.observer.0.email).is_empty());
    assert!(
        to_ulg[0]
            .subject
            .contains("replied on Stage: ULG set-up and roadmap")
    );
    let thread = to_ulg[0].in_reply_to.clone().unwrap();
    assert!(
        [&to_ulg[1], &to_coordinator[0]]
            .iter()
            .all(|m| m.in_reply_to.as_deref() == Some(thread.as_str())
                && m.references.as_deref() == Some(thread.as_str()))
    );
    assert_ne!(to_ulg[0].message_id, to_ulg[1].message_id);
}

fn stage_notice(w: &World, stage: Uuid, recipients: Vec<Uuid>, key: &str) -> Notice {
    Notice {
        recipients,
        actor_id: Some(w.ulg.0.id),
        network_id: Some(w.network.id),
        city_id: Some(w.obidos.id),
        plan_id: None,
        section_id: None,
        subject_id: Some(stage),
        path: format!("/stages/{stage}"),
        title: "Óbidos submitted “ULG set-up and roadmap”".into(),
        body: String::new(),
        email: EmailContent::StageSubmitted(StageEmail {
            actor_name: w.ulg.0.name.clone(),
            city_name: "Óbidos".into(),
            stage_name: "ULG set-up and roadmap".into(),
            due_on: None,
            note: None,
            next_stage_name: None,
        }),
        needs_action: true,
        dedupe_key: key.into(),
        thread_key: None,
    }
}

#[tokio::test]
async fn a_stage_notice_through_the_public_api_is_sent_once_even_when_queued_twice() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let stage = stage_id(&app, &w.obidos, "setup").await;

    // Act: the stages module calls notify inside its transaction, maybe twice.
    let mut published = vec![];
    for _ in 0..2 {
        let txn = database::begin_write(&app.state.db).await.unwrap();
        published.extend(
            notifications::notify(
                &txn,
                stage_notice(
                    &w,
                    stage,
                    vec![w.coordinator.0.id, w.ulg.0.id],
                    "stage:x:submitted:1",
                ),
            )
            .await
            .unwrap(),
        );
        txn.commit().await.unwrap();
    }

    // Assert
    assert_eq!(
        published.len(),
        1,
        "one event: the actor is skipped, the repeat adds nothing"
    );
    let received = sink.wait_for(1, WAIT).await;
    let mail = read(&received[0]);
    assert_eq!(
        mail.subject,
        "Needs your action: Óbidos submitted \"ULG set-up and roadmap\""
    );
    assert!(mail.text.contains(&format!("/stages/{stage}")));
    app.wait_until("the outbox is drained", || async {
        outbox_statuses(&app).await.iter().all(|s| s == "sent")
    })
    .await;
    assert_eq!(sink.messages().len(), 1);
}

pub async fn outbox_statuses(app: &TestApp) -> Vec<String> {
    use sea_orm::EntityTrait;
    iap_studio::entities::email_outbox::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn notifications_list_unread_first_and_are_read_one_by_one_or_all_at_once() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    for key in ["a", "b", "c"] {
        let txn = database::begin_write(&app.state.db).await.unwrap();
        notifications::notify(&txn, stage_notice(&w, stage, vec![w.coordinator.0.id], key))
            .await
            .unwrap();
        txn.commit().await.unwrap();
    }
    let list = |q: &str| {
        w.coordinator
            .1
            .get(app.url(&format!("/api/v1/notifications{q}")))
    };
    let page = json_ok(list("").send().await.unwrap(), StatusCode::OK).await;
    let oldest = page["items"][2]["id"].as_str().unwrap().to_owned();

    // Act + Assert: one read
    problem(
        w.ulg
            .1
            .post(app.url(&format!("/api/v1/notifications/{oldest}/read")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let read = json_ok(
        w.coordinator
            .1
            .post(app.url(&format!("/api/v1/notifications/{oldest}/read")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(read["read_at"].is_string());
    let page = json_ok(list("?per_page=2").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(page["unread"], 2);
    assert_eq!(page["total"], 3);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read_at"].is_null())
    );
    let last = json_ok(
        list("?per_page=2&page=2").send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        last["items"][0]["id"],
        oldest.as_str(),
        "read ones come last"
    );

    // Act + Assert: all
    let all = json_ok(
        w.coordinator
            .1
            .post(app.url("/api/v1/notifications/read-all"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["marked"], 2);
    let page = json_ok(list("").send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(page["unread"], 0);

    // Bad input
    for q in ["?per_page=0", "?per_page=101", "?page=0"] {
        problem(
            list(q).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    problem(
        list("?page=abc").send().await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    problem(
        TestApp::client()
            .get(app.url("/api/v1/notifications"))
            .send()
            .await
            .unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn settings_are_read_and_replaced_and_bad_ones_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let url = app.url("/api/v1/me/notification-settings");
    let defaults = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(defaults["email"], "immediate");
    assert_eq!(defaults["digest_hour"], 8);

    let cases = [
        (
            json!({ "email": "daily", "digest_hour": 24, "time_zone": "Europe/Lisbon" }),
            "digest_hour",
        ),
        (
            json!({ "email": "daily", "digest_hour": 7, "time_zone": "Mars/Olympus" }),
            "time_zone",
        ),
        (
            json!({ "email": "daily", "digest_hour": 7, "time_zone": "Europe/Lisbon", "overrides": { "gossip": "off" } }),
            "overrides.gossip",
        ),
        (
            json!({ "email": "weekly", "digest_hour": 7, "time_zone": "Europe/Lisbon" }),
            "email",
        ),
        (
            json!({ "email": "daily", "digest_hour": 7, "time_zone": "Europe/Lisbon", "extra": 1 }),
            "extra",
        ),
    ];
    for (body, field) in cases {
        let p = problem(
            w.ulg.1.put(&url).json(&body).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(fields(&p).iter().any(|f| f == field), "{field}: {p}");
    }
    let unchanged = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(unchanged, defaults);

    let wanted = json!({ "email": "daily", "digest_hour": 7, "time_zone": "Europe/Lisbon",
                         "overrides": { "mention": "immediate", "member_joined": "off" } });
    let saved = json_ok(
        w.ulg.1.put(&url).json(&wanted).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(saved, wanted);
    problem(
        TestApp::client().get(&url).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

async fn mention(app: &TestApp, w: &World, section: Uuid, who: &[Uuid], body: &str) -> Value {
    post_comment(
        app,
        &w.ulg.1,
        &format!("/api/v1/sections/{section}/comments"),
        json!({ "body": body, "mentions": who }),
    )
    .await
}

#[tokio::test]
async fn email_off_keeps_notifications_in_the_app_only() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    json_ok(
        w.coordinator
            .1
            .put(app.url("/api/v1/me/notification-settings"))
            .json(&json!({ "email": "off", "digest_hour": 8, "time_zone": "Europe/Lisbon" }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;

    // Act: a mention to the coordinator (off), then one to the observer (on)
    mention(&app, &w, vision, &[w.coordinator.0.id], "first").await;
    mention(&app, &w, vision, &[w.observer.0.id], "second").await;

    // Assert
    let received = sink.wait_for(1, WAIT).await;
    app.wait_until("the outbox is drained", || async {
        outbox_statuses(&app).await.iter().all(|s| s == "sent")
    })
    .await;
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
    assert_eq!(page["total"], 1);
}

#[tokio::test]
async fn the_unsubscribe_link_works_without_signing_in_and_one_click_turns_email_off() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    mention(&app, &w, vision, &[w.coordinator.0.id], "hello").await;
    let mail = read(&sink.wait_for(1, WAIT).await[0]);
    let link = mail
        .list_unsubscribe
        .unwrap()
        .trim_matches(['<', '>'])
        .to_owned();
    let anonymous = TestApp::client();

    // Act + Assert
    let page = anonymous.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Stop all emails"));
    let done = anonymous
        .post(&link)
        .header("origin", "https://mail.example.com")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let settings = json_ok(
        w.coordinator
            .1
            .get(app.url("/api/v1/me/notification-settings"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(settings["email"], "off");
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        problem(
            anonymous
                .request(method, app.url("/api/v1/unsubscribe/no-such-token"))
                .send()
                .await
                .unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
}

#[tokio::test]
async fn the_daily_digest_groups_by_plan_then_section_with_what_needs_action_first() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;
    json_ok(
        w.coordinator
            .1
            .put(app.url("/api/v1/me/notification-settings"))
            .json(
                &json!({ "email": "daily", "digest_hour": 7, "time_zone": "Europe/Rome",
                           "overrides": { "reply": "daily" } }),
            )
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let context = section_id(&app, &w.obidos, "context").await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    let root = post_comment(
        &app,
        &w.coordinator.1,
        &format!("/api/v1/sections/{context}/comments"),
        json!({ "body": "Figures?" }),
    )
    .await;
    post_comment(
        &app,
        &w.ulg.1,
        &format!("/api/v1/sections/{context}/comments"),
        json!({ "body": "Added the 2023 figures.", "parent_id": root["id"] }),
    )
    .await;
    let txn = database::begin_write(&app.state.db).await.unwrap();
    let mut notice = stage_notice(&w, stage, vec![w.coordinator.0.id], "stage:digest");
    notice.plan_id = Some(
        iap_studio::plans::of_city(&app.state.db, w.obidos.id)
            .await
            .unwrap()
            .id,
    );
    notifications::notify(&txn, notice).await.unwrap();
    txn.commit().await.unwrap();
    let _ = vision;

    // Act: the worker's digest step, a day later
    let queued = notifications::digest::run_due(
        &app.state.db,
        chrono::Utc::now() + chrono::Duration::days(2),
    )
    .await
    .unwrap();

    // Assert
    assert_eq!(queued, 1);
    let received = sink.wait_for(1, WAIT).await;
    let mail = read(&received[0]);
    assert_eq!(mail.to, [w.coordinator.0.email.as_str()]);
    assert_eq!(
        mail.subject,
        "Your iap-studio digest: 2 updates, 1 needs your action"
    );
    let action = mail.text.find("NEEDS YOUR ACTION").unwrap();
    let updates = mail.text.find("UPDATES").unwrap();
    let section = mail.text.find("Context and baseline").unwrap();
    assert!(action < updates && updates < section, "{}", mail.text);
    assert!(mail.text.contains("Óbidos"));
    let again = notifications::digest::run_due(
        &app.state.db,
        chrono::Utc::now() + chrono::Duration::days(4),
    )
    .await
    .unwrap();
    assert_eq!(again, 0, "nothing new waits");
}

#[tokio::test]
async fn an_invitation_is_emailed_and_its_acceptance_tells_the_city_coordinators() {
    // Arrange
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_with(mail_to(&sink, 0.0)).await;
    let w = app.world().await;

    // Act
    let created = json_ok(
        w.coordinator
            .1
            .post(app.url(&format!("/api/v1/cities/{}/invitations", w.obidos.id)))
            .json(&json!({ "email": "Eszter@Example.org", "role": "ulg_member" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let invitation = read(&sink.wait_for(1, WAIT).await[0]);
    let accept_url = created["accept_url"].as_str().unwrap();
    let token = accept_url.rsplit('/').next().unwrap();
    let mut events = app.state.hub.subscribe();
    json_ok(
        TestApp::client()
            .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
            .json(&json!({ "name": "Eszter Nagy", "password": PASSWORD }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    // Assert
    assert_eq!(invitation.to, ["eszter@example.org"]);
    assert!(invitation.subject.contains("invited you to the Óbidos ULG"));
    assert!(invitation.text.contains(accept_url));
    assert!(invitation.text.contains("as a ULG member"));
    // No account yet, so nothing to unsubscribe from: no dead link.
    assert_eq!(invitation.list_unsubscribe, None);
    assert!(!invitation.text.contains("/unsubscribe/"));
    let joined = read(&sink.wait_for(2, WAIT).await[1]);
    assert_eq!(joined.to, [w.coordinator.0.email.as_str()]);
    assert_eq!(joined.subject, "Eszter Nagy joined Óbidos on iap-studio");
    let mut kinds = vec![];
    while let Ok(e) = events.try_recv() {
        kinds.push(e.kind);
    }
    assert!(kinds.contains(&"notification.created".to_owned()));
    assert!(kinds.contains(&"member.joined".to_owned()));
}
