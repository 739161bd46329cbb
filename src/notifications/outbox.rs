//! The email outbox: rows written in the transaction of the change that
//! causes them, claimed by the worker with a lease, sent, retried with
//! backoff, and `failed` after the last attempt.
//!
//! At most once: the dedupe key is unique, so the same email is never queued
//! twice; a claimed row is `sending` under a lease, so a second instance
//! skips it (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite serialises writers
//! with `BEGIN IMMEDIATE`), and a `sent` row is never claimed again, also
//! after a restart. Only a crash between the SMTP server accepting a message
//! and the `sent` mark can repeat it, once the lease runs out.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set,
    sea_query::{Expr, LockBehavior, LockType},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    database,
    entities::email_outbox,
    error::{AppError, AppResult},
    mail::email::EmailContent,
};

/// How long a claimed row belongs to its worker (longer than an SMTP timeout).
pub const LEASE: Duration = Duration::from_secs(120);
/// Rows claimed per round.
pub const BATCH: u64 = 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    Sending,
    Sent,
    Failed,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

pub struct NewEmail {
    pub dedupe_key: String,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub lang: String,
    pub path: String,
    pub unsubscribe_token: String,
    pub content: EmailContent,
    pub thread_key: Option<String>,
    pub subject_id: Option<Uuid>,
    /// Held back by the grace delay.
    pub graced: bool,
}

/// Queues an email; a dedupe key seen before adds nothing.
pub async fn enqueue(db: &impl ConnectionTrait, email: NewEmail) -> AppResult<()> {
    let now = Utc::now();
    let row = email_outbox::Model {
        id: Uuid::now_v7(),
        dedupe_key: email.dedupe_key,
        kind: email.content.kind().as_str().to_owned(),
        user_id: email.user_id,
        to_address: email.to_address,
        to_name: email.to_name,
        lang: email.lang,
        path: email.path,
        unsubscribe_token: email.unsubscribe_token,
        content: serde_json::to_value(&email.content).map_err(anyhow::Error::new)?,
        thread_key: email.thread_key,
        subject_id: email.subject_id,
        graced: email.graced,
        status: Status::Pending.as_str().to_owned(),
        attempts: 0,
        available_at: now,
        locked_until: None,
        last_error: None,
        sent_at: None,
        created_at: now,
        updated_at: now,
    };
    email_outbox::Entity::insert(row.into_active_model().reset_all())
        .on_conflict_do_nothing_on([email_outbox::Column::DedupeKey])
        .exec(db)
        .await?;
    Ok(())
}

/// Cancels the pending emails about a subject (a comment deleted within the grace delay).
pub async fn cancel_for_subject(db: &impl ConnectionTrait, subject_id: Uuid) -> AppResult<u64> {
    let done = email_outbox::Entity::update_many()
        .col_expr(
            email_outbox::Column::Status,
            Expr::value(Status::Cancelled.as_str()),
        )
        .col_expr(email_outbox::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(email_outbox::Column::SubjectId.eq(subject_id))
        .filter(email_outbox::Column::Status.eq(Status::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Claims due rows for this worker: pending ones past their retry time (and,
/// when graced, past the grace delay), and `sending` ones whose lease ran out.
pub async fn claim(
    db: &DatabaseConnection,
    grace: Duration,
    now: DateTime<Utc>,
) -> AppResult<Vec<email_outbox::Model>> {
    let grace_cutoff = now - chrono::Duration::from_std(grace).unwrap_or_default();
    let due = Condition::any()
        .add(
            Condition::all()
                .add(email_outbox::Column::Status.eq(Status::Pending.as_str()))
                .add(email_outbox::Column::AvailableAt.lte(now))
                .add(
                    Condition::any()
                        .add(email_outbox::Column::Graced.eq(false))
                        .add(email_outbox::Column::CreatedAt.lte(grace_cutoff)),
                ),
        )
        .add(
            Condition::all()
                .add(email_outbox::Column::Status.eq(Status::Sending.as_str()))
                .add(email_outbox::Column::LockedUntil.lt(now)),
        );
    // A plain read first, so an idle outbox never takes the write lock.
    let any_due = email_outbox::Entity::find()
        .filter(due.clone())
        .one(db)
        .await?
        .is_some();
    if !any_due {
        return Ok(vec![]);
    }
    let txn = database::begin_write(db).await?;
    let mut query = email_outbox::Entity::find()
        .filter(due)
        .order_by_asc(email_outbox::Column::AvailableAt)
        .limit(BATCH);
    if database::is_postgres(&txn) {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = query.all(&txn).await?;
    let lease_end = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let mut claimed = Vec::with_capacity(rows.len());
    for row in rows {
        let attempts = row.attempts + 1;
        let mut active: email_outbox::ActiveModel = row.into();
        active.status = Set(Status::Sending.as_str().to_owned());
        active.locked_until = Set(Some(lease_end));
        active.attempts = Set(attempts);
        active.updated_at = Set(now);
        claimed.push(active.update(&txn).await?);
    }
    txn.commit().await?;
    Ok(claimed)
}

/// Marks a claimed row sent, if this worker still holds it.
pub async fn mark_sent(db: &impl ConnectionTrait, row: &email_outbox::Model) -> AppResult<()> {
    let now = Utc::now();
    email_outbox::Entity::update_many()
        .col_expr(
            email_outbox::Column::Status,
            Expr::value(Status::Sent.as_str()),
        )
        .col_expr(email_outbox::Column::SentAt, Expr::value(now))
        .col_expr(
            email_outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            email_outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        )
        .col_expr(email_outbox::Column::UpdatedAt, Expr::value(now))
        .filter(email_outbox::Column::Id.eq(row.id))
        .filter(email_outbox::Column::Status.eq(Status::Sending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// After a failed attempt: back to pending at `retry_at`, or `failed` for good.
pub async fn mark_failed(
    db: &impl ConnectionTrait,
    row: &email_outbox::Model,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    let now = Utc::now();
    let (status, available_at) = match retry_at {
        Some(at) => (Status::Pending, at),
        None => (Status::Failed, row.available_at),
    };
    email_outbox::Entity::update_many()
        .col_expr(email_outbox::Column::Status, Expr::value(status.as_str()))
        .col_expr(email_outbox::Column::AvailableAt, Expr::value(available_at))
        .col_expr(
            email_outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            email_outbox::Column::LastError,
            Expr::value(error.to_owned()),
        )
        .col_expr(email_outbox::Column::UpdatedAt, Expr::value(now))
        .filter(email_outbox::Column::Id.eq(row.id))
        .filter(email_outbox::Column::Status.eq(Status::Sending.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// One outbox row as admins see it (no body: it may hold private text).
#[derive(Serialize, ToSchema)]
pub struct OutboxView {
    pub id: Uuid,
    pub kind: String,
    pub to_address: String,
    pub status: Status,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub available_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<email_outbox::Model> for OutboxView {
    fn from(r: email_outbox::Model) -> Self {
        OutboxView {
            id: r.id,
            kind: r.kind,
            to_address: r.to_address,
            status: match r.status.as_str() {
                "sending" => Status::Sending,
                "sent" => Status::Sent,
                "failed" => Status::Failed,
                "cancelled" => Status::Cancelled,
                _ => Status::Pending,
            },
            attempts: r.attempts,
            last_error: r.last_error,
            available_at: r.available_at,
            sent_at: r.sent_at,
            created_at: r.created_at,
        }
    }
}

pub async fn list(
    db: &impl ConnectionTrait,
    status: Option<Status>,
    limit: u64,
) -> AppResult<Vec<email_outbox::Model>> {
    let mut query = email_outbox::Entity::find()
        .order_by_desc(email_outbox::Column::CreatedAt)
        .limit(limit);
    if let Some(status) = status {
        query = query.filter(email_outbox::Column::Status.eq(status.as_str()));
    }
    Ok(query.all(db).await?)
}

/// An admin sends a failed email again: a fresh round of attempts, now.
pub async fn retry(db: &impl ConnectionTrait, id: Uuid) -> AppResult<email_outbox::Model> {
    let found = email_outbox::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.status != Status::Failed.as_str() {
        return Err(AppError::conflict(
            "not_failed",
            "Only a failed email can be retried.",
        ));
    }
    let now = Utc::now();
    let mut active: email_outbox::ActiveModel = found.into();
    active.status = Set(Status::Pending.as_str().to_owned());
    active.attempts = Set(0);
    active.available_at = Set(now);
    active.graced = Set(false);
    active.updated_at = Set(now);
    Ok(active.update(db).await?)
}
