//! Each user's email settings: immediate, a daily digest at a local hour, or
//! off (in-app only), with overrides per kind; and the one-click unsubscribe.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::IN_APP_KINDS;
use crate::{
    auth::sessions,
    entities::{notification_setting, user},
    error::{AppResult, FieldErrors},
    mail::{
        digest::{LocalHour, next_digest_at},
        email::EmailKind,
    },
};

pub const DEFAULT_DIGEST_HOUR: i32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmailMode {
    Immediate,
    Daily,
    Off,
}

impl EmailMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailMode::Immediate => "immediate",
            EmailMode::Daily => "daily",
            EmailMode::Off => "off",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [EmailMode::Immediate, EmailMode::Daily, EmailMode::Off]
            .into_iter()
            .find(|m| m.as_str() == s)
    }
}

/// `GET|PUT /me/notification-settings`.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSettings {
    /// The default for every kind.
    pub email: EmailMode,
    /// Local hour (0–23) of the daily digest.
    pub digest_hour: i32,
    /// IANA time zone of the digest hour, e.g. `Europe/Lisbon`.
    pub time_zone: String,
    /// Per kind (mention, reply, stage_submitted, stage_approved,
    /// stage_returned, deadline_soon, member_joined): overrides `email`.
    #[serde(default)]
    pub overrides: BTreeMap<String, EmailMode>,
}

pub fn view(s: &notification_setting::Model) -> NotificationSettings {
    NotificationSettings {
        email: EmailMode::parse(&s.email).unwrap_or(EmailMode::Immediate),
        digest_hour: s.digest_hour,
        time_zone: s.time_zone.clone(),
        overrides: serde_json::from_value(s.overrides.clone()).unwrap_or_default(),
    }
}

/// The user's settings, created with the defaults (immediate, 08:00 in the
/// account's time zone) the first time they are needed.
pub async fn get_or_create(
    db: &impl ConnectionTrait,
    u: &user::Model,
) -> AppResult<notification_setting::Model> {
    if let Some(found) = notification_setting::Entity::find_by_id(u.id)
        .one(db)
        .await?
    {
        return Ok(found);
    }
    let time_zone = if u.time_zone.parse::<Tz>().is_ok() {
        u.time_zone.clone()
    } else {
        "Europe/Brussels".to_owned()
    };
    Ok(notification_setting::ActiveModel {
        user_id: Set(u.id),
        email: Set(EmailMode::Immediate.as_str().to_owned()),
        digest_hour: Set(DEFAULT_DIGEST_HOUR),
        time_zone: Set(time_zone),
        overrides: Set(serde_json::json!({})),
        unsubscribe_token: Set(sessions::new_token()),
        next_digest_at: Set(None),
        updated_at: Set(Utc::now()),
    }
    .insert(db)
    .await?)
}

/// How `kind` reaches this user by email.
pub fn mode_for(s: &notification_setting::Model, kind: EmailKind) -> EmailMode {
    s.overrides
        .get(kind.as_str())
        .and_then(|v| v.as_str())
        .and_then(EmailMode::parse)
        .or_else(|| EmailMode::parse(&s.email))
        .unwrap_or(EmailMode::Immediate)
}

fn next_digest(s: &notification_setting::Model, now: DateTime<Utc>) -> DateTime<Utc> {
    let tz: Tz = s.time_zone.parse().unwrap_or(chrono_tz::Europe::Brussels);
    let hour = u32::try_from(s.digest_hour.clamp(0, 23)).unwrap_or(8);
    match LocalHour::new(hour) {
        Ok(hour) => next_digest_at(now, tz, hour),
        Err(_) => now + chrono::Duration::days(1),
    }
}

/// Makes sure a digest is scheduled for items waiting in it.
pub async fn schedule_digest(
    db: &impl ConnectionTrait,
    s: notification_setting::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if s.next_digest_at.is_some() {
        return Ok(());
    }
    let at = next_digest(&s, now);
    let mut active: notification_setting::ActiveModel = s.into();
    active.next_digest_at = Set(Some(at));
    active.update(db).await?;
    Ok(())
}

/// Moves the next digest after `now` (after sending one).
pub async fn advance_digest(
    db: &impl ConnectionTrait,
    s: notification_setting::Model,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let at = next_digest(&s, now);
    let mut active: notification_setting::ActiveModel = s.into();
    active.next_digest_at = Set(Some(at));
    active.update(db).await?;
    Ok(())
}

pub async fn update(
    db: &impl ConnectionTrait,
    u: &user::Model,
    input: NotificationSettings,
) -> AppResult<notification_setting::Model> {
    let mut errors = FieldErrors::default();
    if !(0..=23).contains(&input.digest_hour) {
        errors.add("digest_hour", "must be an hour between 0 and 23");
    }
    if input.time_zone.parse::<Tz>().is_err() {
        errors.add(
            "time_zone",
            "must be an IANA time zone such as Europe/Lisbon",
        );
    }
    for key in input.overrides.keys() {
        if !IN_APP_KINDS.iter().any(|k| k.as_str() == key) {
            errors.add(format!("overrides.{key}"), "is not a kind of notification");
        }
    }
    errors.finish()?;
    let current = get_or_create(db, u).await?;
    let mut active: notification_setting::ActiveModel = current.into();
    active.email = Set(input.email.as_str().to_owned());
    active.digest_hour = Set(input.digest_hour);
    active.time_zone = Set(input.time_zone);
    active.overrides = Set(serde_json::to_value(&input.overrides).map_err(anyhow::Error::new)?);
    // The hour or zone may have changed: schedule again when something waits.
    active.next_digest_at = Set(None);
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    if super::digest::has_waiting(db, u.id).await? {
        schedule_digest(db, updated.clone(), Utc::now()).await?;
        return Ok(notification_setting::Entity::find_by_id(u.id)
            .one(db)
            .await?
            .unwrap_or(updated));
    }
    Ok(updated)
}

/// One-click unsubscribe (RFC 8058): every email off, overrides cleared;
/// in-app notifications stay. Unknown tokens answer None.
pub async fn unsubscribe(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<notification_setting::Model>> {
    let Some(found) = notification_setting::Entity::find()
        .filter(notification_setting::Column::UnsubscribeToken.eq(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let mut active: notification_setting::ActiveModel = found.into();
    active.email = Set(EmailMode::Off.as_str().to_owned());
    active.overrides = Set(serde_json::json!({}));
    active.updated_at = Set(Utc::now());
    Ok(Some(active.update(db).await?))
}
