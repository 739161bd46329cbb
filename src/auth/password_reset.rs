//! Password reset by email: a single-use link valid for an hour (random
//! token, only its hash stored); using it ends every session of the account.
//! Asking always answers 202, so it never tells whether an account exists.
use axum::{extract::State, http::StatusCode};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    sea_query::Expr,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{normalise_email, passwords, sessions};
use crate::{
    app::AppState,
    audit, database,
    entities::{password_reset, user},
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    mail::email::{EmailContent, PasswordResetEmail},
    notifications::{self, DirectEmail},
};

pub const VALID_FOR: Duration = Duration::hours(1);
/// At most this many reset emails per account per [`THROTTLE_WINDOW`].
pub const MAX_PER_WINDOW: u64 = 3;
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_reset))
        .routes(routes!(reset_password))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    /// At least 12 characters.
    pub password: String,
}

/// The app page that takes the new password.
pub fn reset_path(token: &str) -> String {
    format!("/password-reset/{token}")
}

/// Asks for a reset link; always 202. The email goes only to an existing
/// account, at most three times per quarter hour.
#[utoipa::path(post, path = "/auth/password-reset", tag = "auth", request_body = ResetRequest,
    responses((status = 202), (status = 400, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn request_reset(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ResetRequest>,
) -> AppResult<StatusCode> {
    let Some(email) = normalise_email(&body.email) else {
        return Ok(StatusCode::ACCEPTED);
    };
    let txn = database::begin_write(&state.db).await?;
    if let Some(account) = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(&txn)
        .await?
    {
        start(&txn, &account).await?;
    }
    txn.commit().await?;
    Ok(StatusCode::ACCEPTED)
}

/// Creates a reset token and queues its email, unless throttled.
pub async fn start(db: &impl ConnectionTrait, account: &user::Model) -> AppResult<()> {
    let recent = password_reset::Entity::find()
        .filter(password_reset::Column::UserId.eq(account.id))
        .filter(password_reset::Column::CreatedAt.gt(Utc::now() - THROTTLE_WINDOW))
        .count(db)
        .await?;
    if recent >= MAX_PER_WINDOW {
        tracing::info!(user_id = %account.id, "password reset throttled");
        return Ok(());
    }
    let token = sessions::new_token();
    let now = Utc::now();
    let row = password_reset::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(account.id),
        token_hash: Set(sessions::hash_token(&token)),
        created_at: Set(now),
        expires_at: Set(now + VALID_FOR),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    notifications::send_email(
        db,
        DirectEmail {
            to_address: account.email.clone(),
            to_name: Some(account.name.clone()),
            user_id: Some(account.id),
            lang: account.language.clone(),
            path: reset_path(&token),
            content: EmailContent::PasswordReset(PasswordResetEmail {
                valid_minutes: u32::try_from(VALID_FOR.num_minutes()).unwrap_or(60),
            }),
            dedupe_key: format!("password_reset:{}", row.id),
        },
    )
    .await
}

/// Sets a new password with a reset link: single use, within the hour; every
/// session of the account ends.
#[utoipa::path(post, path = "/auth/password-reset/{token}", tag = "auth", params(("token" = String, Path)),
    request_body = NewPassword,
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 410, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn reset_password(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> AppResult<StatusCode> {
    passwords::check_strength("password", &body.password)?;
    let found = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(sessions::hash_token(&token)))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.used_at.is_some() {
        return Err(AppError::conflict(
            "reset_used",
            "This link has already been used; ask for a new one.",
        ));
    }
    if found.expires_at <= Utc::now() {
        return Err(AppError::Gone(
            "This link has expired; ask for a new one.".into(),
        ));
    }
    let hash = passwords::hash(&body.password).await?;
    let txn = database::begin_write(&state.db).await?;
    // Single use even under concurrent requests; other open links die too.
    let used = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Utc::now()))
        .filter(password_reset::Column::Id.eq(found.id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::conflict(
            "reset_used",
            "This link has already been used; ask for a new one.",
        ));
    }
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(Utc::now()))
        .filter(password_reset::Column::UserId.eq(found.user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    let account = user::Entity::find_by_id(found.user_id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut active: user::ActiveModel = account.into();
    active.password_hash = Set(hash);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    sessions::end_all(&txn, found.user_id).await?;
    audit::record(
        &txn,
        audit::Entry {
            network_id: None,
            city_id: None,
            actor_id: Some(found.user_id),
            action: "user.password_reset",
            subject_type: "user",
            subject_id: Some(found.user_id),
            data: json!({}),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
