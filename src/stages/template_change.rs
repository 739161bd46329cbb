//! Editing a network's stage template: validated as a whole, then applied to
//! every city's plan by stage key, so no stage loses its state or history.
use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::template::{StageTemplateRow, validate_template};
use crate::{
    audit,
    entities::{network, plan, stage, stage_transition},
    error::{AppError, AppResult},
    networks,
};

pub async fn apply(
    db: &impl ConnectionTrait,
    network: &network::Model,
    rows: Vec<StageTemplateRow>,
    by: Uuid,
) -> AppResult<()> {
    validate_template(&rows, network.duration_months.max(0) as u32)
        .map_err(AppError::Validation)?;
    let keys: HashSet<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    let cities = networks::cities(db, network.id).await?;
    let plans = plan::Entity::find()
        .filter(plan::Column::CityId.is_in(cities.iter().map(|c| c.id)))
        .all(db)
        .await?;
    let stages = stage::Entity::find()
        .filter(stage::Column::PlanId.is_in(plans.iter().map(|p| p.id)))
        .all(db)
        .await?;
    // A stage that has moved on or has history cannot be removed: that would lose it.
    for gone in stages.iter().filter(|s| !keys.contains(s.key.as_str())) {
        let has_history = stage_transition::Entity::find()
            .filter(stage_transition::Column::StageId.eq(gone.id))
            .one(db)
            .await?
            .is_some();
        if gone.status != "open" || has_history {
            let city = plans
                .iter()
                .find(|p| p.id == gone.plan_id)
                .and_then(|p| cities.iter().find(|c| c.id == p.city_id))
                .map(|c| c.name.clone())
                .unwrap_or_default();
            return Err(AppError::conflict_on(
                "stages",
                format!(
                    "The stage `{}` of {city} has history and cannot be removed from the template.",
                    gone.key
                ),
            ));
        }
        stage::Entity::delete_by_id(gone.id).exec(db).await?;
    }
    let now = Utc::now();
    for p in &plans {
        for row in &rows {
            let gate = serde_json::to_value(&row.gate).map_err(anyhow::Error::from)?;
            match stages
                .iter()
                .find(|s| s.plan_id == p.id && s.key == row.key)
            {
                Some(existing) => {
                    let mut active: stage::ActiveModel = existing.clone().into();
                    active.name = Set(row.name.clone());
                    active.position = Set(row.position as i32);
                    active.start_month = Set(row.start_month as i32);
                    active.due_month = Set(row.due_month as i32);
                    active.gate = Set(gate);
                    active.approver = Set(row.approver.as_str().to_owned());
                    active.updated_at = Set(now);
                    active.update(db).await?;
                }
                None => {
                    super::transitions::new_stage(p.id, row, now)?
                        .insert(db)
                        .await?;
                }
            }
        }
    }
    networks::save_template(db, network.id, &rows).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(network.id),
            city_id: None,
            actor_id: Some(by),
            action: "stage_template.changed",
            subject_type: "network",
            subject_id: Some(network.id),
            data: json!({ "stages": rows }),
        },
    )
    .await?;
    Ok(())
}
