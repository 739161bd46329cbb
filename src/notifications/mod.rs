//! Notifications: rows per recipient in the app, and email through the
//! durable outbox (DESIGN §4).
//!
//! The one entry point for other modules is [`notify`], called INSIDE the
//! transaction of the change that causes it (a comment, a stage transition, a
//! new member): it writes the in-app rows and, per each recipient's settings,
//! the outbox rows, and returns the `notification.created` events that the
//! caller publishes after commit. Email-only messages (invitations, password
//! resets) go through [`send_email`]. Nothing here sends mail: the
//! [`worker`] does, after the grace delay.
//!
//! ```ignore
//! let txn = database::begin_write(&state.db).await?;
//! // … the stage transition …
//! let events = notifications::notify(&txn, Notice {
//!     recipients: approvers,
//!     actor_id: Some(current.id()),
//!     network_id: Some(city.network_id),
//!     city_id: Some(city.id),
//!     plan_id: Some(plan.id),
//!     section_id: None,
//!     subject_id: Some(stage.id),
//!     path: format!("/stages/{}", stage.id),
//!     title: format!("{} submitted “{}”", city.name, stage.name),
//!     body: note.unwrap_or_default(),
//!     email: EmailContent::StageSubmitted(StageEmail { … }),
//!     needs_action: true,
//!     dedupe_key: format!("stage:{}:submitted:{}", stage.id, stage.row_version),
//!     thread_key: None,
//! }).await?;
//! txn.commit().await?;
//! for event in events { state.hub.publish(event); }
//! ```
pub mod digest;
pub mod members;
pub mod outbox;
pub mod routes;
pub mod settings;
pub mod worker;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, Set,
    TryInsertResult,
};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

pub use crate::mail::email::{EmailContent, EmailKind};
use crate::{
    entities::{city, notification, section, user},
    error::AppResult,
    realtime::Event,
};
use settings::EmailMode;

/// Something happened that some people should hear about.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Who hears about it; the actor and duplicates are dropped.
    pub recipients: Vec<Uuid>,
    /// Who did it; never notified about their own action.
    pub actor_id: Option<Uuid>,
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    /// The section it is about, for grouping in the daily digest.
    pub section_id: Option<Uuid>,
    /// The comment, stage or membership it is about: [`cancel_for_subject`]
    /// withdraws everything not yet sent about it.
    pub subject_id: Option<Uuid>,
    /// App path of the exact place, e.g. `/plans/{id}/sections/{id}#comment-{id}`.
    pub path: String,
    /// In-app title, one line in the users' words.
    pub title: String,
    /// In-app text: the comment's excerpt, the return note…
    pub body: String,
    /// What the email says; its variant is the notification's kind.
    pub email: EmailContent,
    /// "Needs your action": listed first in the digest and the app.
    pub needs_action: bool,
    /// Unique per event (e.g. `stage:{id}:submitted:{row_version}`); the
    /// recipient's id is appended, so each person gets it at most once.
    pub dedupe_key: String,
    /// Emails with the same thread key stay one thread in a mail client
    /// (e.g. `comment-thread:{root_id}`).
    pub thread_key: Option<String>,
}

/// An email to one address, outside the in-app notifications (invitations,
/// password resets): always sent, whatever the settings.
#[derive(Debug, Clone)]
pub struct DirectEmail {
    pub to_address: String,
    pub to_name: Option<String>,
    /// The account behind the address, when there is one.
    pub user_id: Option<Uuid>,
    pub lang: String,
    pub path: String,
    pub content: EmailContent,
    pub dedupe_key: String,
}

/// Kinds that live in the app (and in email per the settings).
pub const IN_APP_KINDS: [EmailKind; 7] = [
    EmailKind::Mention,
    EmailKind::Reply,
    EmailKind::StageSubmitted,
    EmailKind::StageApproved,
    EmailKind::StageReturned,
    EmailKind::DeadlineSoon,
    EmailKind::MemberJoined,
];

#[derive(Serialize, ToSchema)]
pub struct NotificationView {
    pub id: Uuid,
    /// mention, reply, stage_submitted, stage_approved, stage_returned, deadline_soon, member_joined
    pub kind: String,
    pub actor_id: Option<Uuid>,
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub path: String,
    pub title: String,
    pub body: String,
    pub needs_action: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<notification::Model> for NotificationView {
    fn from(n: notification::Model) -> Self {
        NotificationView {
            id: n.id,
            kind: n.kind,
            actor_id: n.actor_id,
            network_id: n.network_id,
            city_id: n.city_id,
            plan_id: n.plan_id,
            subject_id: n.subject_id,
            path: n.path,
            title: n.title,
            body: n.body,
            needs_action: n.needs_action,
            read_at: n.read_at,
            created_at: n.created_at,
        }
    }
}

/// Writes the in-app notification of each recipient and, per their settings,
/// an outbox row (immediate) or a digest mark (daily); `off` is in-app only.
/// Call inside the transaction of the change; publish the returned events
/// after commit. A repeated `dedupe_key` adds nothing.
pub async fn notify(db: &impl ConnectionTrait, notice: Notice) -> AppResult<Vec<Event>> {
    let kind = notice.email.kind();
    if !IN_APP_KINDS.contains(&kind) {
        return Err(
            anyhow::anyhow!("{} is not an in-app kind; use send_email", kind.as_str()).into(),
        );
    }
    let recipients: BTreeSet<Uuid> = notice
        .recipients
        .iter()
        .copied()
        .filter(|id| Some(*id) != notice.actor_id)
        .collect();
    if recipients.is_empty() {
        return Ok(vec![]);
    }
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(recipients))
        .all(db)
        .await?;
    let context = digest_context(db, &notice).await?;
    let now = Utc::now();
    let mut events = Vec::new();
    for recipient in users {
        let prefs = settings::get_or_create(db, &recipient).await?;
        let mode = settings::mode_for(&prefs, kind);
        let dedupe_key = format!("{}:{}", notice.dedupe_key, recipient.id);
        let row = notification::Model {
            id: Uuid::now_v7(),
            user_id: recipient.id,
            kind: kind.as_str().to_owned(),
            dedupe_key: dedupe_key.clone(),
            actor_id: notice.actor_id,
            network_id: notice.network_id,
            city_id: notice.city_id,
            plan_id: notice.plan_id,
            subject_id: notice.subject_id,
            path: notice.path.clone(),
            title: notice.title.clone(),
            body: notice.body.clone(),
            context: context.clone(),
            needs_action: notice.needs_action,
            email_state: match mode {
                EmailMode::Immediate => "queued",
                EmailMode::Daily => "digest",
                EmailMode::Off => "none",
            }
            .to_owned(),
            read_at: None,
            created_at: now,
        };
        let inserted = notification::Entity::insert(row.clone().into_active_model().reset_all())
            .on_conflict_do_nothing_on([notification::Column::DedupeKey])
            .exec(db)
            .await?;
        if !matches!(inserted, TryInsertResult::Inserted(_)) {
            continue;
        }
        match mode {
            EmailMode::Immediate => {
                outbox::enqueue(
                    db,
                    outbox::NewEmail {
                        dedupe_key,
                        user_id: Some(recipient.id),
                        to_address: recipient.email.clone(),
                        to_name: Some(recipient.name.clone()),
                        lang: recipient.language.clone(),
                        path: notice.path.clone(),
                        unsubscribe_token: prefs.unsubscribe_token.clone(),
                        content: notice.email.clone(),
                        thread_key: notice.thread_key.clone(),
                        subject_id: notice.subject_id,
                        graced: true,
                    },
                )
                .await?;
            }
            EmailMode::Daily => settings::schedule_digest(db, prefs, now).await?,
            EmailMode::Off => {}
        }
        let mut event = Event::new(
            "notification.created",
            notice.network_id,
            notice.city_id,
            json!(NotificationView::from(row)),
        );
        event.user_id = Some(recipient.id);
        events.push(event);
    }
    Ok(events)
}

/// City name and section (title, position) kept with the notification, so
/// the digest groups by plan then section without loading them again.
async fn digest_context(db: &impl ConnectionTrait, notice: &Notice) -> AppResult<Value> {
    let city_name = match notice.city_id {
        Some(id) => city::Entity::find_by_id(id).one(db).await?.map(|c| c.name),
        None => None,
    };
    let section = match notice.section_id {
        Some(id) => section::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|s| json!({ "position": s.position, "title": s.title })),
        None => None,
    };
    Ok(json!({ "city_name": city_name, "section": section }))
}

/// Queues an email to one address regardless of notification settings
/// (invitation, password reset), in the caller's transaction. Not held back
/// by the grace delay: the person is waiting for it.
pub async fn send_email(db: &impl ConnectionTrait, email: DirectEmail) -> AppResult<()> {
    let unsubscribe_token = match email.user_id {
        Some(id) => match user::Entity::find_by_id(id).one(db).await? {
            Some(u) => settings::get_or_create(db, &u).await?.unsubscribe_token,
            None => String::new(),
        },
        None => String::new(),
    };
    outbox::enqueue(
        db,
        outbox::NewEmail {
            dedupe_key: email.dedupe_key,
            user_id: email.user_id,
            to_address: email.to_address,
            to_name: email.to_name,
            lang: email.lang,
            path: email.path,
            unsubscribe_token,
            content: email.content,
            thread_key: None,
            subject_id: None,
            graced: false,
        },
    )
    .await
}

/// Withdraws everything about `subject_id` not yet sent: pending emails are
/// cancelled and the in-app notifications removed (a deleted comment).
pub async fn cancel_for_subject(db: &impl ConnectionTrait, subject_id: Uuid) -> AppResult<()> {
    outbox::cancel_for_subject(db, subject_id).await?;
    notification::Entity::delete_many()
        .filter(notification::Column::SubjectId.eq(subject_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks one notification read; 404 unless it is the user's.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    id: Uuid,
) -> AppResult<notification::Model> {
    let found = notification::Entity::find_by_id(id)
        .filter(notification::Column::UserId.eq(user_id))
        .one(db)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    if found.read_at.is_some() {
        return Ok(found);
    }
    let mut active: notification::ActiveModel = found.into();
    active.read_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?)
}
