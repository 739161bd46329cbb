//! URBACT networks: a challenge, a start date and a planning period, with the
//! stage template every partner city's plan follows.
pub mod routes;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit,
    auth::CurrentUser,
    config::PlanningMonths,
    entities::{city, network, stage_template_row},
    error::{AppError, AppResult, FieldErrors},
    policy,
    stages::template::{StageTemplateRow, default_template},
};

pub const MAX_NAME: usize = 200;
pub const MAX_DESCRIPTION: usize = 5_000;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNetwork {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub starts_on: NaiveDate,
    pub duration_months: i32,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct NetworkChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub duration_months: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct NetworkView {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub starts_on: NaiveDate,
    pub duration_months: i32,
    /// The day the planning period ends.
    pub ends_on: NaiveDate,
}

impl From<&network::Model> for NetworkView {
    fn from(n: &network::Model) -> Self {
        NetworkView {
            id: n.id,
            name: n.name.clone(),
            description: n.description.clone(),
            starts_on: n.starts_on,
            duration_months: n.duration_months,
            ends_on: ends_on(n.starts_on, n.duration_months),
        }
    }
}

/// The last day of the planning period.
pub fn ends_on(starts_on: NaiveDate, months: i32) -> NaiveDate {
    crate::stages::timeline::network_ends_on(starts_on, months.max(0) as u32)
}

fn check_name(errors: &mut FieldErrors, name: &str) {
    if name.trim().is_empty() {
        errors.add("name", "must not be empty");
    } else if name.chars().count() > MAX_NAME {
        errors.add("name", format!("must be at most {MAX_NAME} characters"));
    }
}

fn check_duration(errors: &mut FieldErrors, months: i32, allowed: &PlanningMonths) {
    if !allowed.0.contains(&months) {
        errors.add(
            "duration_months",
            format!(
                "must be between {} and {} months (the planning period of this installation)",
                allowed.0.start(),
                allowed.0.end()
            ),
        );
    }
}

fn check_description(errors: &mut FieldErrors, description: &str) {
    if description.chars().count() > MAX_DESCRIPTION {
        errors.add(
            "description",
            format!("must be at most {MAX_DESCRIPTION} characters"),
        );
    }
}

/// Creates a network with the default stage template fitted to its duration.
pub async fn create(
    db: &impl ConnectionTrait,
    input: NewNetwork,
    allowed: &PlanningMonths,
    by: &CurrentUser,
) -> AppResult<network::Model> {
    let mut errors = FieldErrors::default();
    check_name(&mut errors, &input.name);
    check_description(&mut errors, &input.description);
    check_duration(&mut errors, input.duration_months, allowed);
    errors.finish()?;
    let template = default_template(input.duration_months as u32)
        .map_err(|e| AppError::field(e.field, e.message))?;
    let now = Utc::now();
    let created = network::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(input.name.trim().to_owned()),
        description: Set(input.description.trim().to_owned()),
        starts_on: Set(input.starts_on),
        duration_months: Set(input.duration_months),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    save_template(db, created.id, &template).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(created.id),
            city_id: None,
            actor_id: Some(by.id()),
            action: "network.created",
            subject_type: "network",
            subject_id: Some(created.id),
            data: json!({ "name": created.name, "duration_months": created.duration_months }),
        },
    )
    .await?;
    Ok(created)
}

/// Replaces a network's template rows (the stages module validates first).
pub async fn save_template(
    db: &impl ConnectionTrait,
    network_id: Uuid,
    rows: &[StageTemplateRow],
) -> AppResult<()> {
    stage_template_row::Entity::delete_many()
        .filter(stage_template_row::Column::NetworkId.eq(network_id))
        .exec(db)
        .await?;
    for row in rows {
        stage_template_row::ActiveModel {
            id: Set(Uuid::now_v7()),
            network_id: Set(network_id),
            key: Set(row.key.clone()),
            name: Set(row.name.clone()),
            position: Set(row.position as i32),
            start_month: Set(row.start_month as i32),
            due_month: Set(row.due_month as i32),
            gate: Set(serde_json::to_value(&row.gate).map_err(anyhow::Error::from)?),
            approver: Set(row.approver.as_str().to_owned()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn template(
    db: &impl ConnectionTrait,
    network_id: Uuid,
) -> AppResult<Vec<StageTemplateRow>> {
    let rows = stage_template_row::Entity::find()
        .filter(stage_template_row::Column::NetworkId.eq(network_id))
        .order_by_asc(stage_template_row::Column::Position)
        .all(db)
        .await?;
    rows.into_iter()
        .map(|r| {
            Ok(StageTemplateRow {
                key: r.key,
                name: r.name,
                position: r.position as u32,
                start_month: r.start_month as u32,
                due_month: r.due_month as u32,
                gate: serde_json::from_value(r.gate).map_err(anyhow::Error::from)?,
                approver: crate::stages::template::Approver::parse(&r.approver)
                    .ok_or_else(|| anyhow::anyhow!("stored approver {}", r.approver))?,
            })
        })
        .collect()
}

pub async fn update(
    db: &impl ConnectionTrait,
    current: network::Model,
    changes: NetworkChanges,
    allowed: &PlanningMonths,
    by: &CurrentUser,
) -> AppResult<network::Model> {
    let mut errors = FieldErrors::default();
    if let Some(name) = &changes.name {
        check_name(&mut errors, name);
    }
    if let Some(description) = &changes.description {
        check_description(&mut errors, description);
    }
    if let Some(months) = changes.duration_months {
        check_duration(&mut errors, months, allowed);
        let latest_due = template(db, current.id)
            .await?
            .iter()
            .map(|r| r.due_month)
            .max()
            .unwrap_or(0);
        if months >= 0 && (months as u32) < latest_due {
            errors.add(
                "duration_months",
                format!(
                    "the stage template runs to month {latest_due}; shorten the template first"
                ),
            );
        }
    }
    errors.finish()?;
    let mut active: network::ActiveModel = current.clone().into();
    if let Some(name) = changes.name {
        active.name = Set(name.trim().to_owned());
    }
    if let Some(description) = changes.description {
        active.description = Set(description.trim().to_owned());
    }
    if let Some(starts_on) = changes.starts_on {
        active.starts_on = Set(starts_on);
    }
    if let Some(months) = changes.duration_months {
        active.duration_months = Set(months);
    }
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(updated.id),
            city_id: None,
            actor_id: Some(by.id()),
            action: "network.updated",
            subject_type: "network",
            subject_id: Some(updated.id),
            data: json!({
                "name": updated.name, "starts_on": updated.starts_on,
                "duration_months": updated.duration_months
            }),
        },
    )
    .await?;
    Ok(updated)
}

/// The network if the user may see it, else 404.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<network::Model> {
    let found = network::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if policy::can_see_network(user, found.id) {
        Ok(found)
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn list_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
) -> AppResult<Vec<network::Model>> {
    let mut query = network::Entity::find().order_by_asc(network::Column::Name);
    if !user.user.is_admin {
        let ids: Vec<Uuid> = user.memberships.iter().map(|m| m.network_id).collect();
        query = query.filter(network::Column::Id.is_in(ids));
    }
    Ok(query.all(db).await?)
}

/// A network's cities, the lead partner first, then by name as people read it
/// (Óbidos among the O's, not after Z).
pub async fn cities(db: &impl ConnectionTrait, network_id: Uuid) -> AppResult<Vec<city::Model>> {
    let mut cities = city::Entity::find()
        .filter(city::Column::NetworkId.eq(network_id))
        .all(db)
        .await?;
    cities.sort_by_cached_key(|c| {
        (
            !c.is_lead_partner,
            deunicode::deunicode(&c.name).to_lowercase(),
        )
    });
    Ok(cities)
}
