//! HTTP handlers of cities.
use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{CityView, NewCity};
use crate::{
    app::AppState,
    auth::CurrentUser,
    database,
    entities::plan,
    error::AppResult,
    http::{ApiJson, ApiPath},
    networks, policy,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_city))
        .routes(routes!(get_city))
}

#[derive(Serialize, ToSchema)]
pub struct CityDetail {
    #[serde(flatten)]
    pub city: CityView,
    pub network_name: String,
    /// The caller's roles in this city and its network.
    pub my_roles: Vec<String>,
    pub can_edit: bool,
    pub can_manage_members: bool,
}

/// Adds a partner city, creating its plan with every section and stage (lead coordinators, admins).
#[utoipa::path(post, path = "/networks/{id}/cities", tag = "cities", request_body = NewCity,
    params(("id" = Uuid, Path, description = "network id")),
    responses((status = 201, body = CityView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn create_city(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(network_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewCity>,
) -> AppResult<(StatusCode, Json<CityView>)> {
    let network = networks::find_visible(&state.db, &user, network_id).await?;
    policy::ensure(
        policy::can_manage_network(&user, network.id),
        "add cities to this network",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let (city, plan) = super::create(&txn, &network, body, &user).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(super::view(&city, Some(plan.id)))))
}

/// A city's workspace header: the city, its network and what the caller may do.
#[utoipa::path(get, path = "/cities/{id}", tag = "cities", params(("id" = Uuid, Path)),
    responses((status = 200, body = CityDetail), (status = 404, body = crate::error::Problem)))]
async fn get_city(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<CityDetail>> {
    let city = super::find_visible(&state.db, &user, id).await?;
    let network = networks::find_visible(&state.db, &user, city.network_id).await?;
    let plan = plan::Entity::find()
        .filter(plan::Column::CityId.eq(city.id))
        .one(&state.db)
        .await?;
    let my_roles = user
        .memberships
        .iter()
        .filter(|m| {
            m.city_id == Some(city.id) || (m.city_id.is_none() && m.network_id == city.network_id)
        })
        .map(|m| m.role.clone())
        .collect();
    Ok(Json(CityDetail {
        city: super::view(&city, plan.map(|p| p.id)),
        network_name: network.name,
        my_roles,
        can_edit: policy::can_edit_plan(&user, &city),
        can_manage_members: policy::can_manage_city_members(&user, &city),
    }))
}
