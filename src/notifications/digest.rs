//! Daily digests: at each user's hour, the notifications waiting for the
//! digest become one email, grouped by plan then section with "needs your
//! action" first (grouping in `mail::digest`).
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, LockBehavior, LockType},
};
use serde::Deserialize;
use uuid::Uuid;

use super::{outbox, settings};
use crate::{
    database,
    entities::{notification, notification_setting, user},
    error::AppResult,
    mail::{
        digest::{Digest, DigestItem, SectionRef},
        email::{DigestEmail, EmailContent},
    },
};

const WAITING: &str = "digest";
const DONE: &str = "digested";

#[derive(Deserialize, Default)]
struct Context {
    city_name: Option<String>,
    section: Option<SectionContext>,
}

#[derive(Deserialize)]
struct SectionContext {
    position: i32,
    title: String,
}

pub async fn has_waiting(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<bool> {
    Ok(notification::Entity::find()
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::EmailState.eq(WAITING))
        .one(db)
        .await?
        .is_some())
}

/// Queues the digest of every user whose digest time is at or before `now`.
/// Each user in their own transaction; the dedupe key (user + scheduled
/// time) keeps two instances from queueing the same digest twice.
pub async fn run_due(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<usize> {
    let due = notification_setting::Entity::find()
        .filter(notification_setting::Column::NextDigestAt.lte(now))
        .all(db)
        .await?;
    let mut queued = 0;
    for candidate in due {
        let txn = database::begin_write(db).await?;
        let mut query = notification_setting::Entity::find_by_id(candidate.user_id)
            .filter(notification_setting::Column::NextDigestAt.lte(now));
        if database::is_postgres(&txn) {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(prefs) = query.one(&txn).await? else {
            continue;
        };
        if queue_one(&txn, &prefs).await? {
            queued += 1;
        }
        settings::advance_digest(&txn, prefs, now).await?;
        txn.commit().await?;
    }
    Ok(queued)
}

async fn queue_one(
    db: &impl ConnectionTrait,
    prefs: &notification_setting::Model,
) -> AppResult<bool> {
    let waiting = notification::Entity::find()
        .filter(notification::Column::UserId.eq(prefs.user_id))
        .filter(notification::Column::EmailState.eq(WAITING))
        .order_by_asc(notification::Column::CreatedAt)
        .all(db)
        .await?;
    let Some(recipient) = user::Entity::find_by_id(prefs.user_id).one(db).await? else {
        return Ok(false);
    };
    if waiting.is_empty() {
        return Ok(false);
    }
    let ids: Vec<Uuid> = waiting.iter().map(|n| n.id).collect();
    let tz: Tz = prefs
        .time_zone
        .parse()
        .unwrap_or(chrono_tz::Europe::Brussels);
    let items = waiting.into_iter().map(item).collect();
    let digest = Digest::group(items, tz);
    let scheduled = prefs.next_digest_at.unwrap_or_else(Utc::now);
    outbox::enqueue(
        db,
        outbox::NewEmail {
            dedupe_key: format!("digest:{}:{}", prefs.user_id, scheduled.timestamp()),
            user_id: Some(recipient.id),
            to_address: recipient.email,
            to_name: Some(recipient.name),
            lang: recipient.language,
            path: "/notifications".into(),
            unsubscribe_token: prefs.unsubscribe_token.clone(),
            content: EmailContent::DailyDigest(DigestEmail { digest }),
            thread_key: None,
            subject_id: None,
            graced: false,
        },
    )
    .await?;
    notification::Entity::update_many()
        .col_expr(notification::Column::EmailState, Expr::value(DONE))
        .filter(notification::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(true)
}

fn item(n: notification::Model) -> DigestItem {
    let context: Context = serde_json::from_value(n.context).unwrap_or_default();
    DigestItem {
        plan_id: n.plan_id.unwrap_or_default(),
        city_name: context.city_name.unwrap_or_default(),
        section: context.section.map(|s| SectionRef {
            position: s.position,
            title: s.title,
        }),
        needs_action: n.needs_action,
        summary: n.title,
        path: n.path,
        at: n.created_at,
    }
}
