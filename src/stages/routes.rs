//! HTTP handlers of stages, the stage template, adoption, acknowledgement,
//! peer reviewers and the lead partner's dashboard.
use axum::{Json, extract::State, http::StatusCode};
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    adoption::{self, AdoptionRecord},
    dashboard::{self, Dashboard},
    peer_review::{self, NewPeerReviewer},
    template::StageTemplateRow,
    template_change,
    transitions::{self, StageContext},
    views::{self, StageView},
    workflow::StageAction,
};
use crate::{
    app::AppState,
    auth::CurrentUser,
    database,
    entities::{plan, stage_transition, user},
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    members::MemberView,
    networks, policy,
    realtime::Event,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stages))
        .routes(routes!(submit))
        .routes(routes!(approve))
        .routes(routes!(return_stage))
        .routes(routes!(reopen))
        .routes(routes!(history))
        .routes(routes!(get_template, put_template))
        .routes(routes!(record_adoption))
        .routes(routes!(acknowledge))
        .routes(routes!(add_peer_reviewer))
        .routes(routes!(get_dashboard))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct TransitionNote {
    /// Required to return or reopen a stage.
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageTemplate {
    pub stages: Vec<StageTemplateRow>,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntry {
    pub from: String,
    pub to: String,
    pub by: Uuid,
    pub by_name: String,
    pub at: DateTime<Utc>,
    pub note: Option<String>,
}

/// Loads a plan and its city by plan id, 404 unless visible.
async fn plan_context(
    state: &AppState,
    user: &CurrentUser,
    plan_id: Uuid,
) -> AppResult<StageContext> {
    let p = plan::Entity::find_by_id(plan_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let first = crate::plans::stages(&state.db, p.id)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    transitions::load_visible(&state.db, user, first.id).await
}

/// Every stage of a plan with dates, phase, gate results and the caller's possible actions.
#[utoipa::path(get, path = "/plans/{id}/stages", tag = "stages", params(("id" = Uuid, Path, description = "plan id")),
    responses((status = 200, body = [StageView]), (status = 404, body = crate::error::Problem)))]
async fn list_stages(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(plan_id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<StageView>>> {
    let ctx = plan_context(&state, &user, plan_id).await?;
    Ok(Json(
        views::of_plan(&state.db, &ctx, &user, state.time.today()).await?,
    ))
}

async fn act(
    state: &AppState,
    user: &CurrentUser,
    stage_id: Uuid,
    action: StageAction,
    remark: Option<String>,
) -> AppResult<Json<Vec<StageView>>> {
    let ctx = transitions::load_visible(&state.db, user, stage_id).await?;
    let txn = database::begin_write(&state.db).await?;
    let (_, events) =
        transitions::apply(&txn, &ctx, user, action, remark, state.time.now()).await?;
    txn.commit().await?;
    for event in events {
        state.hub.publish(event);
    }
    let ctx = transitions::load_visible(&state.db, user, stage_id).await?;
    Ok(Json(
        views::of_plan(&state.db, &ctx, user, state.time.today()).await?,
    ))
}

fn note_of(body: TransitionNote) -> String {
    body.note.unwrap_or_default()
}

/// Submits a stage: runs its gate checks (409 listing every failing one), freezes a version and locks its sections.
#[utoipa::path(post, path = "/stages/{id}/submit", tag = "stages", params(("id" = Uuid, Path)), request_body = TransitionNote,
    responses((status = 200, body = [StageView]), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionNote>,
) -> AppResult<Json<Vec<StageView>>> {
    act(&state, &user, id, StageAction::Submit, body.note).await
}

/// Approves a submitted stage (its approver only; never the submitter).
#[utoipa::path(post, path = "/stages/{id}/approve", tag = "stages", params(("id" = Uuid, Path)), request_body = TransitionNote,
    responses((status = 200, body = [StageView]), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionNote>,
) -> AppResult<Json<Vec<StageView>>> {
    act(&state, &user, id, StageAction::Approve, body.note).await
}

/// Returns a submitted stage for more work; the note says what to change.
#[utoipa::path(post, path = "/stages/{id}/return", tag = "stages", params(("id" = Uuid, Path)), request_body = TransitionNote,
    responses((status = 200, body = [StageView]), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn return_stage(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionNote>,
) -> AppResult<Json<Vec<StageView>>> {
    act(
        &state,
        &user,
        id,
        StageAction::Return {
            note: note_of(body),
        },
        None,
    )
    .await
}

/// Reopens the latest approved stage (city coordinators, with a note).
#[utoipa::path(post, path = "/stages/{id}/reopen", tag = "stages", params(("id" = Uuid, Path)), request_body = TransitionNote,
    responses((status = 200, body = [StageView]), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn reopen(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TransitionNote>,
) -> AppResult<Json<Vec<StageView>>> {
    act(
        &state,
        &user,
        id,
        StageAction::Reopen {
            note: note_of(body),
        },
        None,
    )
    .await
}

/// Every transition of a stage: from, to, by whom, when, with which note.
#[utoipa::path(get, path = "/stages/{id}/history", tag = "stages", params(("id" = Uuid, Path)),
    responses((status = 200, body = [HistoryEntry]), (status = 404, body = crate::error::Problem)))]
async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<HistoryEntry>>> {
    let ctx = transitions::load_visible(&state.db, &user, id).await?;
    let rows = stage_transition::Entity::find()
        .filter(stage_transition::Column::StageId.eq(ctx.stage.id))
        .order_by_asc(stage_transition::Column::At)
        .all(&state.db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|r| r.by_user)))
        .all(&state.db)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|r| HistoryEntry {
                by_name: users
                    .iter()
                    .find(|u| u.id == r.by_user)
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                from: r.from_status,
                to: r.to_status,
                by: r.by_user,
                at: r.at,
                note: r.note,
            })
            .collect(),
    ))
}

/// The network's stage template.
#[utoipa::path(get, path = "/networks/{id}/stage-template", tag = "stages", params(("id" = Uuid, Path)),
    responses((status = 200, body = StageTemplate), (status = 404, body = crate::error::Problem)))]
async fn get_template(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<StageTemplate>> {
    let n = networks::find_visible(&state.db, &user, id).await?;
    Ok(Json(StageTemplate {
        stages: networks::template(&state.db, n.id).await?,
    }))
}

/// Replaces the template (lead coordinators, admins); applied to every city's plan by stage key.
#[utoipa::path(put, path = "/networks/{id}/stage-template", tag = "stages", params(("id" = Uuid, Path)), request_body = StageTemplate,
    responses((status = 200, body = StageTemplate), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn put_template(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<StageTemplate>,
) -> AppResult<Json<StageTemplate>> {
    let n = networks::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_manage_network(&user, n.id),
        "change the stage template",
    )?;
    let txn = database::begin_write(&state.db).await?;
    template_change::apply(&txn, &n, body.stages, user.id()).await?;
    txn.commit().await?;
    state.hub.publish(Event::new(
        "stage.changed",
        Some(n.id),
        None,
        json!({ "template": true }),
    ));
    Ok(Json(StageTemplate {
        stages: networks::template(&state.db, n.id).await?,
    }))
}

/// Records the council's adoption of the plan (city coordinators), needed by the final stage.
#[utoipa::path(post, path = "/plans/{id}/adoption", tag = "stages", params(("id" = Uuid, Path)), request_body = AdoptionRecord,
    responses((status = 200), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn record_adoption(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AdoptionRecord>,
) -> AppResult<Json<serde_json::Value>> {
    let ctx = plan_context(&state, &user, id).await?;
    policy::ensure(
        policy::is_city_coordinator(&user, &ctx.city),
        "record the plan's adoption",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let p = adoption::record(
        &txn,
        &ctx.plan,
        &ctx.city,
        &ctx.stages,
        body,
        state.time.today(),
        user.id(),
    )
    .await?;
    txn.commit().await?;
    state.hub.publish(Event::new(
        "plan.changed",
        Some(ctx.network.id),
        Some(ctx.city.id),
        json!({ "plan_id": p.id, "adoption": true }),
    ));
    Ok(Json(
        json!({ "plan_id": p.id, "body": p.adoption_body, "decision_date": p.adoption_decision_date,
                    "reference": p.adoption_reference }),
    ))
}

/// The lead partner acknowledges an approved final stage; the plan becomes final and read-only.
#[utoipa::path(post, path = "/plans/{id}/acknowledge", tag = "stages", params(("id" = Uuid, Path)),
    responses((status = 200), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem)))]
async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<serde_json::Value>> {
    let ctx = plan_context(&state, &user, id).await?;
    policy::ensure(
        policy::is_lead_coordinator(&user, ctx.network.id),
        "acknowledge the final plan",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let p = adoption::acknowledge(&txn, &ctx.plan, &ctx.city, &ctx.stages, user.id()).await?;
    txn.commit().await?;
    state.hub.publish(Event::new(
        "plan.changed",
        Some(ctx.network.id),
        Some(ctx.city.id),
        json!({ "plan_id": p.id, "status": p.status }),
    ));
    Ok(Json(
        json!({ "plan_id": p.id, "status": p.status, "acknowledged_at": p.acknowledged_at }),
    ))
}

/// Adds a member of another partner city as peer reviewer during the review stage (lead coordinators).
#[utoipa::path(post, path = "/plans/{id}/peer-reviewers", tag = "stages", params(("id" = Uuid, Path)), request_body = NewPeerReviewer,
    responses((status = 201, body = MemberView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn add_peer_reviewer(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewPeerReviewer>,
) -> AppResult<(StatusCode, Json<MemberView>)> {
    let ctx = plan_context(&state, &user, id).await?;
    policy::ensure(
        policy::is_lead_coordinator(&user, ctx.network.id),
        "add peer reviewers",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let m = peer_review::add(&txn, &ctx.city, &ctx.stages, body.user_id, user.id()).await?;
    let view = crate::members::views(&txn, vec![m])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    state.hub.publish(Event::new(
        "member.joined",
        Some(ctx.network.id),
        Some(ctx.city.id),
        json!({ "user_id": view.user_id, "role": "peer_reviewer" }),
    ));
    Ok((StatusCode::CREATED, Json(view)))
}

/// The lead partner's view of every city's progress (lead coordinators, experts, admins).
#[utoipa::path(get, path = "/networks/{id}/dashboard", tag = "stages", params(("id" = Uuid, Path)),
    responses((status = 200, body = Dashboard), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
async fn get_dashboard(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Dashboard>> {
    let n = networks::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_view_dashboard(&user, n.id),
        "see the network dashboard",
    )?;
    Ok(Json(
        dashboard::build(&state.db, &n, state.time.today()).await?,
    ))
}
