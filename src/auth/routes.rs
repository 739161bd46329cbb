//! Sign-in, sign-out and the current user.
use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
    response::IntoResponse,
};
use axum_extra::extract::CookieJar;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{CurrentUser, normalise_email, passwords, sessions, throttle};
use crate::{
    app::AppState,
    entities::{city, network, user},
    error::{AppError, AppResult},
    http::ApiJson,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
}

impl From<&user::Model> for UserView {
    fn from(u: &user::Model) -> Self {
        UserView {
            id: u.id,
            email: u.email.clone(),
            name: u.name.clone(),
            is_admin: u.is_admin,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    pub user: UserView,
}

#[derive(Serialize, ToSchema)]
pub struct MembershipView {
    pub id: Uuid,
    pub role: String,
    pub network_id: Uuid,
    pub network_name: String,
    pub city_id: Option<Uuid>,
    pub city_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub is_admin: bool,
    pub language: String,
    pub time_zone: String,
    pub memberships: Vec<MembershipView>,
}

/// Signs in. Unknown emails and wrong passwords get the same 401.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::Problem),
              (status = 429, body = crate::error::Problem)))]
async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    jar: CookieJar,
    ApiJson(body): ApiJson<LoginRequest>,
) -> AppResult<impl IntoResponse> {
    let account = body.email.trim().to_lowercase();
    let client = peer.ip().to_string();
    throttle::check(&state.db, &account, &client).await?;
    let found = match normalise_email(&account) {
        Some(email) => {
            user::Entity::find()
                .filter(user::Column::Email.eq(email))
                .one(&state.db)
                .await?
        }
        None => None,
    };
    let ok = passwords::verify(
        &body.password,
        found.as_ref().map(|u| u.password_hash.as_str()),
    )
    .await;
    let Some(found) = found.filter(|_| ok) else {
        throttle::record_failure(&state.db, &account, &client).await?;
        return Err(AppError::InvalidCredentials);
    };
    throttle::clear_account(&state.db, &account).await?;
    let token = sessions::create(&state.db, found.id).await?;
    tracing::info!(user_id = %found.id, "signed in");
    let jar = jar.add(sessions::cookie(token, state.secure_cookies()));
    Ok((
        jar,
        Json(LoginResponse {
            user: UserView::from(&found),
        }),
    ))
}

/// Ends the current session.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(state): State<AppState>, jar: CookieJar) -> AppResult<impl IntoResponse> {
    if let Some(cookie) = jar.get(sessions::COOKIE_NAME) {
        sessions::end(&state.db, cookie.value()).await?;
    }
    let jar = jar.add(sessions::removal_cookie(state.secure_cookies()));
    Ok((StatusCode::NO_CONTENT, jar))
}

/// The signed-in user with every membership, named.
#[utoipa::path(get, path = "/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = crate::error::Problem)))]
async fn me(State(state): State<AppState>, current: CurrentUser) -> AppResult<Json<Me>> {
    let network_ids: Vec<Uuid> = current.memberships.iter().map(|m| m.network_id).collect();
    let city_ids: Vec<Uuid> = current
        .memberships
        .iter()
        .filter_map(|m| m.city_id)
        .collect();
    let networks = network::Entity::find()
        .filter(network::Column::Id.is_in(network_ids))
        .all(&state.db)
        .await?;
    let cities = city::Entity::find()
        .filter(city::Column::Id.is_in(city_ids))
        .all(&state.db)
        .await?;
    let memberships = current
        .memberships
        .iter()
        .map(|m| MembershipView {
            id: m.id,
            role: m.role.clone(),
            network_id: m.network_id,
            network_name: networks
                .iter()
                .find(|n| n.id == m.network_id)
                .map(|n| n.name.clone())
                .unwrap_or_default(),
            city_id: m.city_id,
            city_name: m
                .city_id
                .and_then(|id| cities.iter().find(|c| c.id == id).map(|c| c.name.clone())),
        })
        .collect();
    let u = &current.user;
    Ok(Json(Me {
        id: u.id,
        email: u.email.clone(),
        name: u.name.clone(),
        is_admin: u.is_admin,
        language: u.language.clone(),
        time_zone: u.time_zone.clone(),
        memberships,
    }))
}
