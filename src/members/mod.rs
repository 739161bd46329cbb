//! Roles, memberships and invitations: who belongs to which network and city.
pub mod invitations;
pub mod routes;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit,
    entities::{membership, user},
    error::{AppError, AppResult},
};

/// A role held in a network (lead coordinator, expert) or in a city (the rest).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    LeadCoordinator,
    Expert,
    CityCoordinator,
    UlgMember,
    Observer,
    PeerReviewer,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::LeadCoordinator,
        Role::Expert,
        Role::CityCoordinator,
        Role::UlgMember,
        Role::Observer,
        Role::PeerReviewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::LeadCoordinator => "lead_coordinator",
            Role::Expert => "expert",
            Role::CityCoordinator => "city_coordinator",
            Role::UlgMember => "ulg_member",
            Role::Observer => "observer",
            Role::PeerReviewer => "peer_reviewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Network roles have no city.
    pub fn is_network_role(self) -> bool {
        matches!(self, Role::LeadCoordinator | Role::Expert)
    }

    /// In the users' words, for emails and the web app.
    pub fn label(self) -> &'static str {
        match self {
            Role::LeadCoordinator => "lead coordinator",
            Role::Expert => "lead expert",
            Role::CityCoordinator => "city coordinator",
            Role::UlgMember => "ULG member",
            Role::Observer => "observer",
            Role::PeerReviewer => "peer reviewer",
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberView {
    /// The membership id (for PATCH and DELETE /memberships/{id}).
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub network_id: Uuid,
    pub city_id: Option<Uuid>,
    pub joined_at: chrono::DateTime<Utc>,
}

/// Grants a role; granting one the user already holds changes nothing.
pub async fn grant(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    network_id: Uuid,
    city_id: Option<Uuid>,
    role: Role,
    by: Option<Uuid>,
) -> AppResult<membership::Model> {
    let scope_id = city_id.unwrap_or(network_id);
    if let Some(existing) = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::ScopeId.eq(scope_id))
        .filter(membership::Column::Role.eq(role.as_str()))
        .one(db)
        .await?
    {
        return Ok(existing);
    }
    let created = membership::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        network_id: Set(network_id),
        city_id: Set(city_id),
        scope_id: Set(scope_id),
        role: Set(role.as_str().to_owned()),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(network_id),
            city_id,
            actor_id: by,
            action: "membership.granted",
            subject_type: "membership",
            subject_id: Some(created.id),
            data: json!({ "user_id": user_id, "role": role.as_str() }),
        },
    )
    .await?;
    Ok(created)
}

/// Members of a city, and the network's lead coordinators and experts who also see it.
pub async fn of_city(db: &impl ConnectionTrait, city_id: Uuid) -> AppResult<Vec<MemberView>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::CityId.eq(city_id))
        .order_by_asc(membership::Column::CreatedAt)
        .all(db)
        .await?;
    views(db, rows).await
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<membership::Model>,
) -> AppResult<Vec<MemberView>> {
    let user_ids: Vec<Uuid> = rows.iter().map(|m| m.user_id).collect();
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(user_ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let u = users.iter().find(|u| u.id == m.user_id)?;
            Some(MemberView {
                id: m.id,
                user_id: u.id,
                name: u.name.clone(),
                email: u.email.clone(),
                role: Role::parse(&m.role)?,
                network_id: m.network_id,
                city_id: m.city_id,
                joined_at: m.created_at,
            })
        })
        .collect())
}

/// Refuses to leave a city without a city coordinator.
async fn ensure_not_last_coordinator(
    db: &impl ConnectionTrait,
    m: &membership::Model,
) -> AppResult<()> {
    let Some(city_id) = m.city_id else {
        return Ok(());
    };
    if m.role != Role::CityCoordinator.as_str() {
        return Ok(());
    }
    let coordinators = membership::Entity::find()
        .filter(membership::Column::CityId.eq(city_id))
        .filter(membership::Column::Role.eq(Role::CityCoordinator.as_str()))
        .all(db)
        .await?;
    if coordinators.len() <= 1 {
        return Err(AppError::conflict_on(
            "role",
            "A city needs at least one city coordinator.",
        ));
    }
    Ok(())
}

/// Changes the role of a membership within its scope (city roles stay city roles).
pub async fn change_role(
    db: &impl ConnectionTrait,
    m: membership::Model,
    role: Role,
    by: Uuid,
) -> AppResult<membership::Model> {
    if role.is_network_role() != m.city_id.is_none() {
        let allowed = if m.city_id.is_some() {
            "city_coordinator, ulg_member, observer or peer_reviewer"
        } else {
            "lead_coordinator or expert"
        };
        return Err(AppError::field(
            "role",
            format!("must be {allowed} for this membership"),
        ));
    }
    if m.role == role.as_str() {
        return Ok(m);
    }
    ensure_not_last_coordinator(db, &m).await?;
    let old = m.role.clone();
    let mut active: membership::ActiveModel = m.into();
    active.role = Set(role.as_str().to_owned());
    let updated = active
        .update(db)
        .await
        .map_err(|e| match AppError::from(e) {
            AppError::Conflict { .. } => {
                AppError::conflict_on("role", "The member already holds this role.")
            }
            other => other,
        })?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(updated.network_id),
            city_id: updated.city_id,
            actor_id: Some(by),
            action: "membership.role_changed",
            subject_type: "membership",
            subject_id: Some(updated.id),
            data: json!({ "user_id": updated.user_id, "from": old, "to": updated.role }),
        },
    )
    .await?;
    Ok(updated)
}

pub async fn remove(db: &impl ConnectionTrait, m: membership::Model, by: Uuid) -> AppResult<()> {
    ensure_not_last_coordinator(db, &m).await?;
    membership::Entity::delete_by_id(m.id).exec(db).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(m.network_id),
            city_id: m.city_id,
            actor_id: Some(by),
            action: "membership.removed",
            subject_type: "membership",
            subject_id: Some(m.id),
            data: json!({ "user_id": m.user_id, "role": m.role }),
        },
    )
    .await?;
    Ok(())
}
