//! HTTP handlers of networks: parse, authorise, call the domain, respond.
use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{NetworkChanges, NetworkView, NewNetwork};
use crate::{
    app::AppState,
    auth::CurrentUser,
    cities::CityView,
    database,
    error::AppResult,
    http::{ApiJson, ApiPath},
    policy,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_networks, create_network))
        .routes(routes!(get_network, update_network))
}

#[derive(Serialize, ToSchema)]
pub struct NetworkDetail {
    #[serde(flatten)]
    pub network: NetworkView,
    pub cities: Vec<CityView>,
    /// What the caller may do here, so the web app shows only usable buttons.
    pub can_manage: bool,
    pub can_view_dashboard: bool,
}

/// Creates a network with the default stage template (admins only).
#[utoipa::path(post, path = "/networks", tag = "networks", request_body = NewNetwork,
    responses((status = 201, body = NetworkView), (status = 403, body = crate::error::Problem),
              (status = 422, body = crate::error::Problem)))]
async fn create_network(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(body): ApiJson<NewNetwork>,
) -> AppResult<(StatusCode, Json<NetworkView>)> {
    policy::ensure(policy::can_create_network(&user), "create networks")?;
    let txn = database::begin_write(&state.db).await?;
    let created = super::create(&txn, body, &state.config.planning_months, &user).await?;
    txn.commit().await?;
    Ok((StatusCode::CREATED, Json(NetworkView::from(&created))))
}

/// The networks the caller belongs to (every network for admins).
#[utoipa::path(get, path = "/networks", tag = "networks", responses((status = 200, body = [NetworkView])))]
async fn list_networks(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<Json<Vec<NetworkView>>> {
    let networks = super::list_visible(&state.db, &user).await?;
    Ok(Json(networks.iter().map(NetworkView::from).collect()))
}

/// One network with its partner cities.
#[utoipa::path(get, path = "/networks/{id}", tag = "networks", params(("id" = Uuid, Path)),
    responses((status = 200, body = NetworkDetail), (status = 404, body = crate::error::Problem)))]
async fn get_network(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<NetworkDetail>> {
    let network = super::find_visible(&state.db, &user, id).await?;
    let cities = crate::cities::views(&state.db, super::cities(&state.db, id).await?).await?;
    Ok(Json(NetworkDetail {
        network: NetworkView::from(&network),
        cities,
        can_manage: policy::can_manage_network(&user, id),
        can_view_dashboard: policy::can_view_dashboard(&user, id),
    }))
}

/// Changes a network's name, description, start or duration (lead coordinators, admins).
#[utoipa::path(patch, path = "/networks/{id}", tag = "networks", params(("id" = Uuid, Path)), request_body = NetworkChanges,
    responses((status = 200, body = NetworkView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn update_network(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NetworkChanges>,
) -> AppResult<Json<NetworkView>> {
    let network = super::find_visible(&state.db, &user, id).await?;
    policy::ensure(policy::can_manage_network(&user, id), "change this network")?;
    let txn = database::begin_write(&state.db).await?;
    let updated = super::update(&txn, network, body, &state.config.planning_months, &user).await?;
    txn.commit().await?;
    Ok(Json(NetworkView::from(&updated)))
}
