//! The audit log: who did what, when, to which subject. Written in the same
//! transaction as the change it describes, so the two never disagree.
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use uuid::Uuid;

use crate::{entities::audit_event, error::AppResult};

pub struct Entry<'a> {
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    /// Dotted verb in the users' words, e.g. `city.created`, `membership.role_changed`.
    pub action: &'a str,
    pub subject_type: &'a str,
    pub subject_id: Option<Uuid>,
    pub data: Value,
}

pub async fn record(db: &impl ConnectionTrait, entry: Entry<'_>) -> AppResult<()> {
    audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        network_id: Set(entry.network_id),
        city_id: Set(entry.city_id),
        actor_id: Set(entry.actor_id),
        action: Set(entry.action.to_owned()),
        subject_type: Set(entry.subject_type.to_owned()),
        subject_id: Set(entry.subject_id),
        data: Set(entry.data),
        at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok(())
}

use axum::{
    Json,
    extract::{Query, State},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    app::AppState, auth::CurrentUser, cities, entities::user, error::AppError, http::ApiPath,
    networks, policy,
};

pub const MAX_PER_PAGE: u64 = 200;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(city_audit))
        .routes(routes!(network_audit))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Rows per page, at most 200 (default 50).
    pub per_page: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditView {
    pub id: Uuid,
    pub at: chrono::DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    pub network_id: Option<Uuid>,
    pub city_id: Option<Uuid>,
    pub data: Value,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditView>,
    pub page: u64,
    pub per_page: u64,
    pub total: u64,
}

async fn page_of(
    db: &impl ConnectionTrait,
    filter: sea_orm::Condition,
    paging: Paging,
) -> AppResult<AuditPage> {
    let per_page = paging.per_page.unwrap_or(50);
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(AppError::field(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}"),
        ));
    }
    let page = paging.page.unwrap_or(1);
    if page == 0 {
        return Err(AppError::field("page", "must be 1 or more"));
    }
    let paginator = audit_event::Entity::find()
        .filter(filter)
        .order_by_desc(audit_event::Column::At)
        .order_by_desc(audit_event::Column::Id)
        .paginate(db, per_page);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page - 1).await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().filter_map(|r| r.actor_id)))
        .all(db)
        .await?;
    let items = rows
        .into_iter()
        .map(|r| AuditView {
            actor_name: r
                .actor_id
                .and_then(|id| users.iter().find(|u| u.id == id).map(|u| u.name.clone())),
            id: r.id,
            at: r.at,
            actor_id: r.actor_id,
            action: r.action,
            subject_type: r.subject_type,
            subject_id: r.subject_id,
            network_id: r.network_id,
            city_id: r.city_id,
            data: r.data,
        })
        .collect();
    Ok(AuditPage {
        items,
        page,
        per_page,
        total,
    })
}

/// A city's audit log, newest first (its coordinators, lead coordinators, admins).
#[utoipa::path(get, path = "/cities/{id}/audit", tag = "audit", params(("id" = Uuid, Path), Paging),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn city_audit(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    Query(paging): Query<Paging>,
) -> AppResult<Json<AuditPage>> {
    let city = cities::find_visible(&state.db, &current, id).await?;
    policy::ensure(
        policy::is_city_coordinator(&current, &city)
            || policy::is_lead_coordinator(&current, city.network_id),
        "read this city's audit log",
    )?;
    let filter = sea_orm::Condition::all().add(audit_event::Column::CityId.eq(city.id));
    Ok(Json(page_of(&state.db, filter, paging).await?))
}

/// A network's whole audit log, newest first (lead coordinators, admins).
#[utoipa::path(get, path = "/networks/{id}/audit", tag = "audit", params(("id" = Uuid, Path), Paging),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem),
              (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn network_audit(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiPath(id): ApiPath<Uuid>,
    Query(paging): Query<Paging>,
) -> AppResult<Json<AuditPage>> {
    let network = networks::find_visible(&state.db, &current, id).await?;
    policy::ensure(
        policy::is_lead_coordinator(&current, network.id),
        "read the network's audit log",
    )?;
    let filter = sea_orm::Condition::all().add(audit_event::Column::NetworkId.eq(network.id));
    Ok(Json(page_of(&state.db, filter, paging).await?))
}
