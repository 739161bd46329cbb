//! HTTP handlers of versions and diffs.
use axum::{
    Json,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{NewVersion, VersionSummary, VersionView};
use crate::{
    actions::find_visible_plan,
    app::AppState,
    audit,
    auth::CurrentUser,
    database,
    entities::version,
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    policy,
};
use sea_orm::EntityTrait;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_versions, create_version))
        .routes(routes!(get_version))
        .routes(routes!(diff_plan))
}

/// The plan's versions, newest first, without their content.
#[utoipa::path(get, path = "/plans/{id}/versions", tag = "versions",
    params(("id" = Uuid, Path, description = "plan id")),
    responses((status = 200, body = Vec<VersionSummary>), (status = 404, body = crate::error::Problem)))]
async fn list_versions(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<VersionSummary>>> {
    let (plan, _) = find_visible_plan(&state.db, &user, plan_id).await?;
    let found = super::of_plan(&state.db, plan.id).await?;
    Ok(Json(found.iter().map(super::summary).collect()))
}

/// Freezes the plan as it stands into a labelled version (city coordinators and ULG members).
#[utoipa::path(post, path = "/plans/{id}/versions", tag = "versions", request_body = NewVersion,
    params(("id" = Uuid, Path, description = "plan id")),
    responses((status = 201, body = VersionView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn create_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewVersion>,
) -> AppResult<(StatusCode, Json<VersionView>)> {
    let (plan, city) = find_visible_plan(&state.db, &user, plan_id).await?;
    policy::ensure(
        policy::can_edit_plan(&user, &city),
        "make versions of this plan",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let created = super::freeze(&txn, &plan, &body.label, None, user.id()).await?;
    audit::record(
        &txn,
        audit::Entry {
            network_id: Some(city.network_id),
            city_id: Some(city.id),
            actor_id: Some(user.id()),
            action: "version.created",
            subject_type: "version",
            subject_id: Some(created.id),
            data: json!({ "plan_id": plan.id, "number": created.number, "label": created.label,
                          "kind": created.kind }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(super::view(&created)?)))
}

/// One version in full: every section's Markdown and every action as frozen.
#[utoipa::path(get, path = "/versions/{id}", tag = "versions", params(("id" = Uuid, Path)),
    responses((status = 200, body = VersionView), (status = 404, body = crate::error::Problem)))]
async fn get_version(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<VersionView>> {
    let found = version::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    find_visible_plan(&state.db, &user, found.plan_id).await?;
    Ok(Json(super::view(&found)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
struct DiffQuery {
    /// A version id or `current`.
    from: Option<String>,
    /// A version id or `current` (default `current`).
    to: Option<String>,
    /// `json` (default) or `html`; `Accept: text/html` also gives HTML.
    format: Option<String>,
}

/// What changed between two versions, or a version and the current draft: per section a line and
/// word diff, per action the fields with old and new values.
#[utoipa::path(get, path = "/plans/{id}/diff", tag = "versions",
    params(("id" = Uuid, Path, description = "plan id"), DiffQuery),
    responses((status = 200, description = "JSON, or HTML when asked", body = super::PlanDiff),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn diff_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
    Query(query): Query<DiffQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (plan, city) = find_visible_plan(&state.db, &user, plan_id).await?;
    let html = wants_html(query.format.as_deref(), &headers)?;
    let from = super::side(&state.db, plan.id, "from", query.from.as_deref()).await?;
    let to_label = query.to.clone().unwrap_or_else(|| "current".into());
    let to = super::side(&state.db, plan.id, "to", Some(&to_label)).await?;
    let d = super::diff(&from, &to);
    if html {
        let title = title(&city.name, query.from.as_deref().unwrap_or(""), &to_label);
        Ok(Html(super::diff_page(&title, &d)).into_response())
    } else {
        Ok(Json(d).into_response())
    }
}

fn wants_html(format: Option<&str>, headers: &HeaderMap) -> AppResult<bool> {
    match format {
        Some("html") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(AppError::field("format", "must be json or html")),
        None => Ok(headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))),
    }
}

fn title(city: &str, from: &str, to: &str) -> String {
    format!("Changes to the plan of {city}: {from} → {to}")
}
