//! HTTP handlers of the action table.
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{ActionInput, ActionList, ActionPatch, ActionView};
use crate::{
    app::AppState,
    audit,
    auth::CurrentUser,
    database,
    entities::{action, city},
    error::AppResult,
    http::{ApiJson, ApiPath},
    policy,
    realtime::Event,
    stages::locks,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_actions, create_action))
        .routes(routes!(get_action, patch_action, delete_action))
}

fn with_etag(row: &action::Model) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(&super::etag(row)) {
        headers.insert(header::ETAG, value);
    }
    headers
}

fn changed(city: &city::Model, plan_id: Uuid, action_id: Uuid, change: &str) -> Event {
    Event::new(
        "action.changed",
        Some(city.network_id),
        Some(city.id),
        json!({ "plan_id": plan_id, "action_id": action_id, "change": change }),
    )
}

fn entry<'a>(
    city: &city::Model,
    user: &CurrentUser,
    what: &'a str,
    row: &action::Model,
) -> audit::Entry<'a> {
    audit::Entry {
        network_id: Some(city.network_id),
        city_id: Some(city.id),
        actor_id: Some(user.id()),
        action: what,
        subject_type: "action",
        subject_id: Some(row.id),
        data: json!({ "plan_id": row.plan_id, "code": row.code, "version": row.version }),
    }
}

/// The plan's actions in code order, with the derived totals and Gantt rows.
#[utoipa::path(get, path = "/plans/{id}/actions", tag = "actions",
    params(("id" = Uuid, Path, description = "plan id")),
    responses((status = 200, description = "the actions with their totals and Gantt rows", body = ActionList),
              (status = 404, body = crate::error::Problem)))]
async fn list_actions(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
) -> AppResult<Json<ActionList>> {
    let (plan, _) = super::find_visible_plan(&state.db, &user, plan_id).await?;
    let rows = super::rows(&state.db, plan.id).await?;
    let items = rows
        .iter()
        .map(super::view)
        .collect::<AppResult<Vec<_>>>()?;
    let actions: Vec<_> = items.iter().map(|v| v.action.clone()).collect();
    Ok(Json(ActionList {
        totals: super::totals(&actions),
        timeline: super::timeline(&actions),
        items,
    }))
}

/// Adds an action (city coordinators and ULG members). 409 naming `code` when the code is taken.
#[utoipa::path(post, path = "/plans/{id}/actions", tag = "actions",
    params(("id" = Uuid, Path, description = "plan id")), request_body = ActionInput,
    responses((status = 201, description = "the action, with its ETag", body = ActionView),
              (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 423, body = crate::error::Problem)))]
async fn create_action(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ActionInput>,
) -> AppResult<(StatusCode, HeaderMap, Json<ActionView>)> {
    let (plan, city) = super::find_visible_plan(&state.db, &user, plan_id).await?;
    policy::ensure(
        policy::can_edit_plan(&user, &city),
        "change this plan's actions",
    )?;
    let txn = database::begin_write(&state.db).await?;
    locks::ensure_actions_writable(&txn, &plan).await?;
    let row = super::create(&txn, plan.id, body, user.id()).await?;
    audit::record(&txn, entry(&city, &user, "action.created", &row)).await?;
    txn.commit().await?;
    state
        .hub
        .publish(changed(&city, plan.id, row.id, "created"));
    Ok((
        StatusCode::CREATED,
        with_etag(&row),
        Json(super::view(&row)?),
    ))
}

/// One action, with its version as `ETag`.
#[utoipa::path(get, path = "/actions/{id}", tag = "actions", params(("id" = Uuid, Path)),
    responses((status = 200, body = ActionView), (status = 404, body = crate::error::Problem)))]
async fn get_action(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<(HeaderMap, Json<ActionView>)> {
    let (row, _, _) = super::find_visible(&state.db, &user, id).await?;
    Ok((with_etag(&row), Json(super::view(&row)?)))
}

/// Changes some fields (absent = unchanged, `null` = cleared). Send the `ETag` you read as
/// `If-Match`: a stale one answers 412 and changes nothing.
#[utoipa::path(patch, path = "/actions/{id}", tag = "actions", params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag read")),
    request_body = ActionPatch,
    responses((status = 200, body = ActionView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 412, body = crate::error::Problem), (status = 422, body = crate::error::Problem),
              (status = 423, body = crate::error::Problem)))]
async fn patch_action(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ActionPatch>,
) -> AppResult<(HeaderMap, Json<ActionView>)> {
    let if_match = super::parse_if_match(&headers)?;
    let (_, plan, city) = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_edit_plan(&user, &city),
        "change this plan's actions",
    )?;
    let txn = database::begin_write(&state.db).await?;
    locks::ensure_actions_writable(&txn, &plan).await?;
    // Re-read inside the write transaction so the version compared is the latest one.
    let (row, _, _) = super::find_visible(&txn, &user, id).await?;
    let row = super::update(&txn, &row, body, if_match, user.id()).await?;
    audit::record(&txn, entry(&city, &user, "action.updated", &row)).await?;
    txn.commit().await?;
    state
        .hub
        .publish(changed(&city, plan.id, row.id, "updated"));
    Ok((with_etag(&row), Json(super::view(&row)?)))
}

/// Deletes an action; `If-Match` as for PATCH.
#[utoipa::path(delete, path = "/actions/{id}", tag = "actions", params(("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "the ETag read")),
    responses((status = 204), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 412, body = crate::error::Problem),
              (status = 423, body = crate::error::Problem)))]
async fn delete_action(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    headers: HeaderMap,
) -> AppResult<StatusCode> {
    let if_match = super::parse_if_match(&headers)?;
    let (_, plan, city) = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_edit_plan(&user, &city),
        "change this plan's actions",
    )?;
    let txn = database::begin_write(&state.db).await?;
    locks::ensure_actions_writable(&txn, &plan).await?;
    let (row, _, _) = super::find_visible(&txn, &user, id).await?;
    super::delete(&txn, &row, if_match).await?;
    audit::record(&txn, entry(&city, &user, "action.deleted", &row)).await?;
    txn.commit().await?;
    state
        .hub
        .publish(changed(&city, plan.id, row.id, "deleted"));
    Ok(StatusCode::NO_CONTENT)
}
