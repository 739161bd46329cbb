//! HTTP handlers of memberships and invitations.
use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use axum_extra::extract::CookieJar;
use sea_orm::EntityTrait;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};
use uuid::Uuid;

use super::{
    MemberView, Role,
    invitations::{
        self, Acceptance, InvitationCreated, InvitationInfo, NewInvitation, PendingInvitation,
    },
};
use crate::{
    app::AppState,
    auth::{CurrentUser, routes::LoginResponse, routes::UserView, sessions},
    cities, database,
    entities::{city, invitation, membership},
    error::{AppError, AppResult},
    http::{ApiJson, ApiPath},
    networks, policy,
};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_city_members))
        .routes(routes!(update_membership, delete_membership))
        .routes(routes!(invite_to_network))
        .routes(routes!(invite_to_city, list_city_invitations))
        .routes(routes!(get_invitation))
        .routes(routes!(accept_invitation))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipChanges {
    pub role: Role,
}

/// The members of a city's ULG workspace.
#[utoipa::path(get, path = "/cities/{id}/members", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 200, body = [MemberView]), (status = 404, body = crate::error::Problem)))]
async fn list_city_members(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<MemberView>>> {
    let city = cities::find_visible(&state.db, &user, id).await?;
    Ok(Json(super::of_city(&state.db, city.id).await?))
}

/// Loads a membership the caller may see, and whether they may manage it.
async fn load_membership(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(membership::Model, bool)> {
    let m = membership::Entity::find_by_id(id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let may_manage = match m.city_id {
        Some(city_id) => {
            let city = city::Entity::find_by_id(city_id)
                .one(&state.db)
                .await?
                .ok_or(AppError::NotFound)?;
            policy::ensure_city_visible(user, &city)?;
            policy::can_manage_city_members(user, &city)
        }
        None => {
            if !policy::can_see_network(user, m.network_id) {
                return Err(AppError::NotFound);
            }
            policy::can_manage_network(user, m.network_id)
        }
    };
    Ok((m, may_manage))
}

/// Changes a member's role (city coordinators for their city; lead coordinators; admins).
#[utoipa::path(patch, path = "/memberships/{id}", tag = "members", params(("id" = Uuid, Path)),
    request_body = MembershipChanges,
    responses((status = 200, body = MemberView), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn update_membership(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MembershipChanges>,
) -> AppResult<Json<MemberView>> {
    let (m, may_manage) = load_membership(&state, &user, id).await?;
    policy::ensure(may_manage, "change this member's role")?;
    let txn = database::begin_write(&state.db).await?;
    let updated = super::change_role(&txn, m, body.role, user.id()).await?;
    let view = super::views(&txn, vec![updated])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    txn.commit().await?;
    Ok(Json(view))
}

/// Ends a membership; anyone may also leave on their own.
#[utoipa::path(delete, path = "/memberships/{id}", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn delete_membership(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<StatusCode> {
    let (m, may_manage) = load_membership(&state, &user, id).await?;
    policy::ensure(may_manage || m.user_id == user.id(), "remove this member")?;
    let txn = database::begin_write(&state.db).await?;
    super::remove(&txn, m, user.id()).await?;
    txn.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Invites a lead coordinator or expert to the network.
#[utoipa::path(post, path = "/networks/{id}/invitations", tag = "members", params(("id" = Uuid, Path)),
    request_body = NewInvitation,
    responses((status = 201, body = InvitationCreated), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn invite_to_network(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewInvitation>,
) -> AppResult<(StatusCode, Json<InvitationCreated>)> {
    let network = networks::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_manage_network(&user, network.id),
        "invite people to this network",
    )?;
    let txn = database::begin_write(&state.db).await?;
    let (inv, token) = invitations::create(&txn, &network, None, body, user.id()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(created_view(&state, inv, &token)?),
    ))
}

/// Invites someone to a city's ULG workspace as city coordinator, ULG member or observer.
#[utoipa::path(post, path = "/cities/{id}/invitations", tag = "members", params(("id" = Uuid, Path)),
    request_body = NewInvitation,
    responses((status = 201, body = InvitationCreated), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn invite_to_city(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewInvitation>,
) -> AppResult<(StatusCode, Json<InvitationCreated>)> {
    let city = cities::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_manage_city_members(&user, &city),
        "invite people to this city",
    )?;
    let network = networks::find_visible(&state.db, &user, city.network_id).await?;
    let txn = database::begin_write(&state.db).await?;
    let (inv, token) = invitations::create(&txn, &network, Some(&city), body, user.id()).await?;
    txn.commit().await?;
    Ok((
        StatusCode::CREATED,
        Json(created_view(&state, inv, &token)?),
    ))
}

fn created_view(
    state: &AppState,
    inv: invitation::Model,
    token: &str,
) -> AppResult<InvitationCreated> {
    Ok(InvitationCreated {
        id: inv.id,
        role: Role::parse(&inv.role).ok_or_else(|| anyhow::anyhow!("stored role {}", inv.role))?,
        email: inv.email,
        accept_url: state.link(&invitations::accept_path(token)),
        expires_at: inv.expires_at,
    })
}

/// Invitations of a city still waiting for an answer (those who may invite).
#[utoipa::path(get, path = "/cities/{id}/invitations", tag = "members", params(("id" = Uuid, Path)),
    responses((status = 200, body = [PendingInvitation]), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem)))]
async fn list_city_invitations(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
) -> AppResult<Json<Vec<PendingInvitation>>> {
    let city = cities::find_visible(&state.db, &user, id).await?;
    policy::ensure(
        policy::can_manage_city_members(&user, &city),
        "see this city's invitations",
    )?;
    Ok(Json(
        invitations::pending(&state.db, city.network_id, Some(city.id)).await?,
    ))
}

/// What an invitation offers; no sign-in needed (the token is the secret).
#[utoipa::path(get, path = "/invitations/{token}", tag = "members", params(("token" = String, Path)),
    responses((status = 200, body = InvitationInfo), (status = 404, body = crate::error::Problem),
              (status = 409, body = crate::error::Problem), (status = 410, body = crate::error::Problem)))]
async fn get_invitation(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> AppResult<Json<InvitationInfo>> {
    let inv = invitations::find_open(&state.db, &token).await?;
    Ok(Json(invitations::info(&state.db, &inv).await?))
}

/// Accepts an invitation, creating the account when needed, and signs in.
#[utoipa::path(post, path = "/invitations/{token}/accept", tag = "members", params(("token" = String, Path)),
    request_body = Acceptance,
    responses((status = 201, body = LoginResponse), (status = 401, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem),
              (status = 410, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn accept_invitation(
    State(state): State<AppState>,
    jar: CookieJar,
    ApiPath(token): ApiPath<String>,
    ApiJson(body): ApiJson<Acceptance>,
) -> AppResult<impl IntoResponse> {
    let inv = invitations::find_open(&state.db, &token).await?;
    let txn = database::begin_write(&state.db).await?;
    let (account, membership) = invitations::accept(&txn, inv, body).await?;
    let events = crate::notifications::members::member_joined(&txn, &account, &membership).await?;
    let session = sessions::create(&txn, account.id).await?;
    txn.commit().await?;
    for event in events {
        state.hub.publish(event);
    }
    let jar = jar.add(sessions::cookie(session, state.secure_cookies()));
    Ok((
        StatusCode::CREATED,
        jar,
        Json(LoginResponse {
            user: UserView::from(&account),
        }),
    ))
}
