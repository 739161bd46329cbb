//! Invitations: a single-use link (random token, only its hash stored) that
//! turns an email address into a member with a role, within 14 days.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{Role, grant};
use crate::{
    audit,
    auth::{normalise_email, passwords, sessions},
    entities::{city, invitation, membership, network, user},
    error::{AppError, AppResult, FieldErrors},
};

pub const VALID_FOR: Duration = Duration::days(14);
pub const MAX_NAME: usize = 100;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    pub role: Role,
}

#[derive(Serialize, ToSchema)]
pub struct InvitationCreated {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    /// The link to send; also emailed to the invitee.
    pub accept_url: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct PendingInvitation {
    pub id: Uuid,
    pub email: String,
    pub role: Role,
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What the invitee sees before accepting.
#[derive(Serialize, ToSchema)]
pub struct InvitationInfo {
    pub email: String,
    pub role: Role,
    pub network_id: Uuid,
    pub network_name: String,
    pub city_id: Option<Uuid>,
    pub city_name: Option<String>,
    pub expires_at: DateTime<Utc>,
    /// True when the email already has an account: accept with its password.
    pub account_exists: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Required for a new account.
    pub name: Option<String>,
    /// A new account's password (≥ 12 characters), or the existing account's.
    pub password: String,
}

/// Creates an invitation to `city` (or to the network when `city` is None).
/// Returns it with the plain token, which is never stored.
pub async fn create(
    db: &impl ConnectionTrait,
    network: &network::Model,
    city: Option<&city::Model>,
    input: NewInvitation,
    by: Uuid,
) -> AppResult<(invitation::Model, String)> {
    let mut errors = FieldErrors::default();
    let email = normalise_email(&input.email);
    if email.is_none() {
        errors.add("email", "must be a valid email address");
    }
    let role_fits = match city {
        Some(_) => matches!(
            input.role,
            Role::CityCoordinator | Role::UlgMember | Role::Observer
        ),
        None => input.role.is_network_role(),
    };
    if !role_fits {
        let allowed = if city.is_some() {
            "city_coordinator, ulg_member or observer"
        } else {
            "lead_coordinator or expert"
        };
        errors.add("role", format!("must be {allowed}"));
    }
    errors.finish()?;
    let email = email.unwrap_or_default();
    if let Some(existing) = user::Entity::find()
        .filter(user::Column::Email.eq(&email))
        .one(db)
        .await?
    {
        let scope = city.map(|c| c.id).unwrap_or(network.id);
        let holds = membership::Entity::find()
            .filter(membership::Column::UserId.eq(existing.id))
            .filter(membership::Column::ScopeId.eq(scope))
            .filter(membership::Column::Role.eq(input.role.as_str()))
            .one(db)
            .await?
            .is_some();
        if holds {
            return Err(AppError::conflict_on(
                "email",
                format!("{email} already has this role here"),
            ));
        }
    }
    let token = sessions::new_token();
    let now = Utc::now();
    let created = invitation::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(sessions::hash_token(&token)),
        email: Set(email),
        network_id: Set(network.id),
        city_id: Set(city.map(|c| c.id)),
        role: Set(input.role.as_str().to_owned()),
        invited_by: Set(by),
        created_at: Set(now),
        expires_at: Set(now + VALID_FOR),
        accepted_at: Set(None),
        accepted_by: Set(None),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(network.id),
            city_id: city.map(|c| c.id),
            actor_id: Some(by),
            action: "invitation.created",
            subject_type: "invitation",
            subject_id: Some(created.id),
            data: json!({ "email": created.email, "role": created.role }),
        },
    )
    .await?;
    crate::notifications::members::invitation_created(db, &created, &token, network, city).await?;
    Ok((created, token))
}

pub fn accept_path(token: &str) -> String {
    format!("/invitations/{token}")
}

/// An open invitation by its token: 404 unknown, 409 used, 410 expired.
pub async fn find_open(db: &impl ConnectionTrait, token: &str) -> AppResult<invitation::Model> {
    let found = invitation::Entity::find()
        .filter(invitation::Column::TokenHash.eq(sessions::hash_token(token)))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if found.accepted_at.is_some() {
        return Err(AppError::conflict(
            "invitation_used",
            "This invitation has already been accepted.",
        ));
    }
    if found.expires_at <= Utc::now() {
        return Err(AppError::Gone(
            "This invitation has expired; ask for a new one.".into(),
        ));
    }
    Ok(found)
}

pub async fn info(db: &impl ConnectionTrait, inv: &invitation::Model) -> AppResult<InvitationInfo> {
    let network = network::Entity::find_by_id(inv.network_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let city = match inv.city_id {
        Some(id) => city::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let account_exists = user::Entity::find()
        .filter(user::Column::Email.eq(&inv.email))
        .one(db)
        .await?
        .is_some();
    Ok(InvitationInfo {
        email: inv.email.clone(),
        role: Role::parse(&inv.role).ok_or_else(|| anyhow::anyhow!("stored role {}", inv.role))?,
        network_id: network.id,
        network_name: network.name,
        city_id: city.as_ref().map(|c| c.id),
        city_name: city.map(|c| c.name),
        expires_at: inv.expires_at,
        account_exists,
    })
}

/// Accepts: creates the account (or checks the existing one's password),
/// grants the role and uses the invitation up, all or nothing.
pub async fn accept(
    db: &impl ConnectionTrait,
    inv: invitation::Model,
    input: Acceptance,
) -> AppResult<(user::Model, membership::Model)> {
    let existing = user::Entity::find()
        .filter(user::Column::Email.eq(&inv.email))
        .one(db)
        .await?;
    let account = match existing {
        Some(account) => {
            if !passwords::verify(&input.password, Some(&account.password_hash)).await {
                return Err(AppError::InvalidCredentials);
            }
            account
        }
        None => {
            let name = input
                .name
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_owned();
            let mut errors = FieldErrors::default();
            if name.is_empty() {
                errors.add("name", "must not be empty");
            } else if name.chars().count() > MAX_NAME {
                errors.add("name", format!("must be at most {MAX_NAME} characters"));
            }
            if let Err(AppError::Validation(e)) =
                passwords::check_strength("password", &input.password)
            {
                errors.0.extend(e);
            }
            errors.finish()?;
            let hash = passwords::hash(&input.password).await?;
            create_user(db, &inv.email, &name, &hash, false).await?
        }
    };
    // Single use even under concurrent accepts: only one conditional update wins.
    let used = invitation::Entity::update_many()
        .col_expr(invitation::Column::AcceptedAt, Expr::value(Utc::now()))
        .col_expr(invitation::Column::AcceptedBy, Expr::value(account.id))
        .filter(invitation::Column::Id.eq(inv.id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .exec(db)
        .await?;
    if used.rows_affected != 1 {
        return Err(AppError::conflict(
            "invitation_used",
            "This invitation has already been accepted.",
        ));
    }
    let role = Role::parse(&inv.role).ok_or_else(|| anyhow::anyhow!("stored role {}", inv.role))?;
    let membership = grant(
        db,
        account.id,
        inv.network_id,
        inv.city_id,
        role,
        Some(inv.invited_by),
    )
    .await?;
    Ok((account, membership))
}

pub async fn create_user(
    db: &impl ConnectionTrait,
    email: &str,
    name: &str,
    password_hash: &str,
    is_admin: bool,
) -> AppResult<user::Model> {
    let now = Utc::now();
    user::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(email.to_owned()),
        name: Set(name.to_owned()),
        password_hash: Set(password_hash.to_owned()),
        is_admin: Set(is_admin),
        language: Set("en".into()),
        time_zone: Set("Europe/Brussels".into()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| match AppError::from(e) {
        AppError::Conflict { .. } => {
            AppError::conflict_on("email", "An account with this email exists.")
        }
        other => other,
    })
}

/// Invitations of a city (or of the network itself) not yet accepted nor expired.
pub async fn pending(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    city_id: Option<Uuid>,
) -> AppResult<Vec<PendingInvitation>> {
    let mut query = invitation::Entity::find()
        .filter(invitation::Column::NetworkId.eq(network_id))
        .filter(invitation::Column::AcceptedAt.is_null())
        .filter(invitation::Column::ExpiresAt.gt(Utc::now()))
        .order_by_desc(invitation::Column::CreatedAt);
    query = match city_id {
        Some(id) => query.filter(invitation::Column::CityId.eq(id)),
        None => query.filter(invitation::Column::CityId.is_null()),
    };
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .filter_map(|i| {
            Some(PendingInvitation {
                id: i.id,
                email: i.email,
                role: Role::parse(&i.role)?,
                invited_by: i.invited_by,
                created_at: i.created_at,
                expires_at: i.expires_at,
            })
        })
        .collect())
}
