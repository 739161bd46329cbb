//! HTTP handlers of comments. The target variants (section, stage, action)
//! differ only in how the target loads.
use axum::{Json, extract::State, http::StatusCode};
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{CommentEdit, CommentView, NewComment, Target};
use crate::{
    app::AppState,
    auth::CurrentUser,
    database,
    entities::comment,
    error::AppResult,
    http::{ApiJson, ApiPath},
    policy,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_section_comments, add_section_comment))
        .routes(routes!(list_stage_comments, add_stage_comment))
        .routes(routes!(list_action_comments, add_action_comment))
        .routes(routes!(edit_comment, delete_comment))
        .routes(routes!(resolve_comment))
        .routes(routes!(reopen_comment))
}

async fn list(state: &AppState, target: Target) -> AppResult<Json<Vec<CommentView>>> {
    Ok(Json(super::of_target(&state.db, &target).await?))
}

async fn add(
    state: &AppState,
    user: &CurrentUser,
    target: Target,
    body: NewComment,
) -> AppResult<(StatusCode, Json<CommentView>)> {
    policy::ensure(
        policy::can_comment(user, &target.city),
        "comment on this plan",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let (created, events) = super::create(&txn, user, &target, body).await?;
    txn.commit().await?;
    for event in events {
        state.hub.publish(event);
    }
    Ok((StatusCode::CREATED, Json(created)))
}

/// Comments on a section, oldest first; replies carry `parent_id`.
#[utoipa::path(get, path = "/sections/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, body = [CommentView]), (status = 404, body = crate::error::Problem)))]
async fn list_section_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<CommentView>>> {
    let target = super::section_target(&state.db, &user, id).await?;
    list(&state, target).await
}

/// Comments on a section (anyone who sees the city), optionally anchored to a text range.
#[utoipa::path(post, path = "/sections/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    request_body = NewComment,
    responses((status = 201, body = CommentView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn add_section_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewComment>,
) -> AppResult<(StatusCode, Json<CommentView>)> {
    let target = super::section_target(&state.db, &user, id).await?;
    add(&state, &user, target, body).await
}

/// Comments on an action of the action table, oldest first.
#[utoipa::path(get, path = "/actions/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, body = [CommentView]), (status = 404, body = crate::error::Problem)))]
async fn list_action_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<CommentView>>> {
    let target = super::action_target(&state.db, &user, id).await?;
    list(&state, target).await
}

/// Comments on an action (anyone who sees the city).
#[utoipa::path(post, path = "/actions/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    request_body = NewComment,
    responses((status = 201, body = CommentView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn add_action_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewComment>,
) -> AppResult<(StatusCode, Json<CommentView>)> {
    let target = super::action_target(&state.db, &user, id).await?;
    add(&state, &user, target, body).await
}

/// Comments on a stage, oldest first.
#[utoipa::path(get, path = "/stages/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, body = [CommentView]), (status = 404, body = crate::error::Problem)))]
async fn list_stage_comments(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<CommentView>>> {
    let target = super::stage_target(&state.db, &user, id).await?;
    list(&state, target).await
}

/// Comments on a stage (anyone who sees the city).
#[utoipa::path(post, path = "/stages/{id}/comments", tag = "comments", params(("id" = Uuid, Path)),
    request_body = NewComment,
    responses((status = 201, body = CommentView), (status = 404, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn add_stage_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewComment>,
) -> AppResult<(StatusCode, Json<CommentView>)> {
    let target = super::stage_target(&state.db, &user, id).await?;
    add(&state, &user, target, body).await
}

async fn author_name(state: &AppState, c: &comment::Model) -> AppResult<String> {
    use sea_orm::EntityTrait;
    Ok(crate::entities::user::Entity::find_by_id(c.author_id)
        .one(&state.db)
        .await?
        .map(|u| u.name)
        .unwrap_or_default())
}

/// The author edits the text.
#[utoipa::path(patch, path = "/comments/{id}", tag = "comments", params(("id" = Uuid, Path)),
    request_body = CommentEdit,
    responses((status = 200, body = CommentView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn edit_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CommentEdit>,
) -> AppResult<Json<CommentView>> {
    let (found, _city) = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(found.author_id == user.id(), "edit someone else's comment")?;
    let txn = database::begin_write(&state.db).await?;
    let updated = super::edit(&txn, found, body, user.id()).await?;
    txn.commit().await?;
    let name = author_name(&state, &updated).await?;
    state
        .hub
        .publish(super::event("comment.updated", &updated, &name));
    Ok(Json(super::view(&updated, &name)))
}

/// Soft delete by the author or a city coordinator: "comment removed" stays,
/// and its emails still in the grace delay are not sent.
#[utoipa::path(delete, path = "/comments/{id}", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn delete_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let (found, city) = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        found.author_id == user.id() || policy::is_city_coordinator(&user, &city),
        "remove this comment",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let removed = super::remove(&txn, found, user.id()).await?;
    txn.commit().await?;
    let name = author_name(&state, &removed).await?;
    state
        .hub
        .publish(super::event("comment.deleted", &removed, &name));
    Ok(StatusCode::NO_CONTENT)
}

async fn resolve_or_reopen(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
    resolved: bool,
) -> AppResult<Json<CommentView>> {
    let (found, city) = super::find_visible(&state.db, user, id).await?;
    policy::ensure(
        super::can_resolve(user, &found, &city),
        if resolved {
            "resolve this thread"
        } else {
            "reopen this thread"
        },
    )?;
    let txn = database::begin_write(&state.db).await?;
    let updated = super::set_resolved(&txn, found, resolved, user.id()).await?;
    txn.commit().await?;
    let name = author_name(state, &updated).await?;
    let kind = if resolved {
        "comment.resolved"
    } else {
        "comment.reopened"
    };
    state.hub.publish(super::event(kind, &updated, &name));
    Ok(Json(super::view(&updated, &name)))
}

/// Marks a thread resolved (its author, plan writers, lead coordinators and experts).
#[utoipa::path(post, path = "/comments/{id}/resolve", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, body = CommentView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn resolve_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<CommentView>> {
    resolve_or_reopen(&state, &user, id, true).await
}

/// Reopens a resolved thread.
#[utoipa::path(post, path = "/comments/{id}/reopen", tag = "comments", params(("id" = Uuid, Path)),
    responses((status = 200, body = CommentView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn reopen_comment(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<CommentView>> {
    resolve_or_reopen(&state, &user, id, false).await
}
