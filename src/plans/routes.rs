//! HTTP handlers of plans.
use axum::{Json, extract::State};
use sea_orm::EntityTrait;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::PlanView;
use crate::{
    app::AppState,
    auth::CurrentUser,
    cities,
    entities::network,
    error::{AppError, AppResult},
    http::ApiPath,
    sections,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_plan))
        .merge(sections::routes::routes())
}

/// A city's plan: its sections (written or not) and its stages on the timeline.
#[utoipa::path(get, path = "/cities/{id}/plan", tag = "plans", params(("id" = Uuid, Path, description = "city id")),
    responses((status = 200, body = PlanView), (status = 404, body = crate::error::Problem)))]
async fn get_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(city_id): ApiPath<Uuid>,
) -> AppResult<Json<PlanView>> {
    let city = cities::find_visible(&state.db, &user, city_id).await?;
    let network = network::Entity::find_by_id(city.network_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = super::of_city(&state.db, city.id).await?;
    let sections = sections::of_plan(&state.db, plan.id).await?;
    let stages = super::stages(&state.db, plan.id).await?;
    Ok(Json(PlanView {
        id: plan.id,
        city_id: city.id,
        status: plan.status,
        sections: sections.iter().map(sections::summary).collect(),
        stages: stages
            .iter()
            .map(|s| super::stage_summary(s, network.starts_on))
            .collect(),
    }))
}
