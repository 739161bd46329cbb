//! Server-side sessions: the cookie holds a random token, the database only
//! its SHA-256, so a leaked database cannot be replayed as sessions.
use axum_extra::extract::cookie::{Cookie, SameSite};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{entities::session, error::AppResult};

pub const COOKIE_NAME: &str = "iap_session";
/// A session unused for this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::days(7);
/// A session ends this long after sign-in, however active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often, to spare the database.
pub const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A random URL-safe token of 256 bits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Starts a session and returns the token for the cookie.
pub async fn create(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<String> {
    let token = new_token();
    let now = Utc::now();
    session::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        token_hash: Set(hash_token(&token)),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + ABSOLUTE_TIMEOUT),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The live session for a token, touching it when due; expired ones are removed.
pub async fn find_live(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<session::Model>> {
    let Some(found) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let now = Utc::now();
    if is_expired(&found, now) {
        session::Entity::delete_by_id(found.id).exec(db).await?;
        return Ok(None);
    }
    if now - found.last_seen_at > TOUCH_INTERVAL {
        let mut active: session::ActiveModel = found.clone().into();
        active.last_seen_at = Set(now);
        active.update(db).await?;
    }
    Ok(Some(found))
}

pub fn is_expired(s: &session::Model, now: DateTime<Utc>) -> bool {
    now >= s.expires_at || now - s.last_seen_at >= IDLE_TIMEOUT
}

pub async fn end(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(hash_token(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user (password change or reset).
pub async fn end_all(db: &impl ConnectionTrait, user_id: Uuid) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time_from(ABSOLUTE_TIMEOUT))
        .build()
}

pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .max_age(time_from(Duration::zero()))
        .build()
}

fn time_from(d: Duration) -> time::Duration {
    time::Duration::seconds(d.num_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let a = new_token();
        let b = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), a);
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let now = Utc::now();
        let s = session::Model {
            id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            token_hash: String::new(),
            created_at: now - Duration::days(1),
            last_seen_at: now - Duration::hours(1),
            expires_at: now + Duration::days(29),
        };
        assert!(!is_expired(&s, now));
        assert!(is_expired(
            &session::Model {
                last_seen_at: now - Duration::days(8),
                ..s.clone()
            },
            now
        ));
        assert!(is_expired(
            &session::Model {
                expires_at: now - Duration::seconds(1),
                ..s
            },
            now
        ));
    }

    #[test]
    fn the_cookie_is_http_only_and_lax() {
        let c = cookie("t".into(), true);
        assert_eq!(c.http_only(), Some(true));
        assert_eq!(c.same_site(), Some(SameSite::Lax));
        assert_eq!(c.secure(), Some(true));
    }
}
