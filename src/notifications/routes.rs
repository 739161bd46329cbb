//! HTTP handlers: the user's notifications and settings, one-click
//! unsubscribe (no sign-in), and the admins' view of the outbox.
use axum::{
    Json,
    extract::{Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse},
};
use chrono::Utc;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, NullOrdering, Order},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    NotificationView,
    outbox::{self, OutboxView, Status},
    settings::{self, NotificationSettings},
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    database,
    entities::notification,
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    policy,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_notifications))
        .routes(routes!(read_notification))
        .routes(routes!(read_all))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(unsubscribe_page, unsubscribe))
        .routes(routes!(list_outbox))
        .routes(routes!(retry_outbox))
}

pub const MAX_PER_PAGE: u64 = 100;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based.
    pub page: Option<u64>,
    /// 1–100, default 20.
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationPage {
    /// Unread first, newest first within each.
    pub items: Vec<NotificationView>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
    pub unread: u64,
}

fn page_bounds(q: &PageQuery) -> AppResult<(u64, u64)> {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(20);
    if page == 0 {
        return Err(AppError::field("page", "must be 1 or more"));
    }
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(AppError::field(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    Ok((page, per_page))
}

/// The signed-in user's notifications, unread first.
#[utoipa::path(get, path = "/notifications", tag = "notifications", params(PageQuery),
    responses((status = 200, body = NotificationPage), (status = 401, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn list_notifications(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
) -> AppResult<Json<NotificationPage>> {
    let (page, per_page) = page_bounds(&q)?;
    let mine = notification::Entity::find().filter(notification::Column::UserId.eq(user.id()));
    let total = mine.clone().count(&state.db).await?;
    let unread = mine
        .clone()
        .filter(notification::Column::ReadAt.is_null())
        .count(&state.db)
        .await?;
    let items = mine
        .order_by_with_nulls(
            notification::Column::ReadAt,
            Order::Desc,
            NullOrdering::First,
        )
        .order_by_desc(notification::Column::CreatedAt)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(&state.db)
        .await?
        .into_iter()
        .map(NotificationView::from)
        .collect();
    Ok(Json(NotificationPage {
        items,
        page,
        per_page,
        total,
        unread,
    }))
}

/// Marks one of the user's notifications read (others' answer 404).
#[utoipa::path(post, path = "/notifications/{id}/read", tag = "notifications", params(("id" = Uuid, Path)),
    responses((status = 200, body = NotificationView), (status = 404, body = crate::error::Problem)))]
async fn read_notification(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<NotificationView>> {
    let txn = database::begin_write(&state.db).await?;
    let read = super::mark_read(&txn, user.id(), id).await?;
    txn.commit().await?;
    Ok(Json(read.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ReadAll {
    /// How many were unread.
    pub marked: u64,
}

/// Marks every notification of the user read.
#[utoipa::path(post, path = "/notifications/read-all", tag = "notifications",
    responses((status = 200, body = ReadAll), (status = 401, body = crate::error::Problem)))]
async fn read_all(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<ReadAll>> {
    let txn = database::begin_write(&state.db).await?;
    let done = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Utc::now()))
        .filter(notification::Column::UserId.eq(user.id()))
        .filter(notification::Column::ReadAt.is_null())
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(Json(ReadAll {
        marked: done.rows_affected,
    }))
}

/// The user's email settings.
#[utoipa::path(get, path = "/me/notification-settings", tag = "notifications",
    responses((status = 200, body = NotificationSettings), (status = 401, body = crate::error::Problem)))]
async fn get_settings(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<NotificationSettings>> {
    let txn = database::begin_write(&state.db).await?;
    let found = settings::get_or_create(&txn, &user.user).await?;
    txn.commit().await?;
    Ok(Json(settings::view(&found)))
}

/// Replaces the user's email settings.
#[utoipa::path(put, path = "/me/notification-settings", tag = "notifications",
    request_body = NotificationSettings,
    responses((status = 200, body = NotificationSettings), (status = 401, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn put_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NotificationSettings>,
) -> AppResult<Json<NotificationSettings>> {
    let txn = database::begin_write(&state.db).await?;
    let updated = settings::update(&txn, &user.user, body).await?;
    txn.commit().await?;
    Ok(Json(settings::view(&updated)))
}

/// The unsubscribe link of an email: a small confirmation page that POSTs
/// back; no sign-in (the token is the secret).
#[utoipa::path(get, path = "/unsubscribe/{token}", tag = "notifications", params(("token" = String, Path)),
    responses((status = 200, description = "HTML page"), (status = 404, body = crate::error::Problem)))]
async fn unsubscribe_page(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<impl IntoResponse> {
    let known = notification_setting_exists(&state, &token).await?;
    if !known {
        return Err(AppError::NotFound);
    }
    let action = state.link(&format!("/api/v1/unsubscribe/{token}"));
    let page = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stop emails from iap-studio</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>Stop emails from iap-studio?</h1>\
         <p>You will still see your notifications in the app, and you can switch emails on again in your settings.</p>\
         <form method=\"post\" action=\"{action}\"><button type=\"submit\">Stop all emails</button></form>\
         </body></html>"
    );
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(page)))
}

async fn notification_setting_exists(state: &AppState, token: &str) -> AppResult<bool> {
    use crate::entities::notification_setting;
    Ok(notification_setting::Entity::find()
        .filter(notification_setting::Column::UnsubscribeToken.eq(token))
        .one(&state.db)
        .await?
        .is_some())
}

/// One-click unsubscribe (RFC 8058): every email off, in-app stays. No
/// cookie needed and exempt from the Origin check (mail providers POST it).
#[utoipa::path(post, path = "/unsubscribe/{token}", tag = "notifications", params(("token" = String, Path)),
    responses((status = 200, description = "HTML confirmation"), (status = 404, body = crate::error::Problem)))]
async fn unsubscribe(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<impl IntoResponse> {
    let txn = database::begin_write(&state.db).await?;
    let done = settings::unsubscribe(&txn, &token).await?;
    txn.commit().await?;
    if done.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head>\
         <body style=\"font-family:sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>Done: no more emails</h1><p>Your notifications stay in the app.</p></body></html>",
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// pending, sending, sent, failed or cancelled; all when absent.
    pub status: Option<Status>,
}

/// The email outbox, newest first (admins).
#[utoipa::path(get, path = "/admin/outbox", tag = "notifications", params(OutboxQuery),
    responses((status = 200, body = [OutboxView]), (status = 403, body = crate::error::Problem)))]
async fn list_outbox(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<OutboxQuery>,
) -> AppResult<Json<Vec<OutboxView>>> {
    policy::ensure(user.user.is_admin, "see the email outbox")?;
    let rows = outbox::list(&state.db, q.status, 500).await?;
    Ok(Json(rows.into_iter().map(OutboxView::from).collect()))
}

/// Sends a failed email again (admins); 409 unless it failed.
#[utoipa::path(post, path = "/admin/outbox/{id}/retry", tag = "notifications", params(("id" = Uuid, Path)),
    responses((status = 200, body = OutboxView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn retry_outbox(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<(StatusCode, Json<OutboxView>)> {
    policy::ensure(user.user.is_admin, "retry emails")?;
    let txn = database::begin_write(&state.db).await?;
    let row = outbox::retry(&txn, id).await?;
    crate::audit::record(
        &txn,
        crate::audit::Entry {
            network_id: None,
            city_id: None,
            actor_id: Some(user.id()),
            action: "email.retried",
            subject_type: "email",
            subject_id: Some(row.id),
            data: serde_json::json!({ "kind": row.kind }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::OK, Json(row.into())))
}
