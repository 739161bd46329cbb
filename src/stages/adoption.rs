//! The end of the road: the council's political adoption of the plan, and
//! the lead partner's acknowledgement that makes the plan final.
use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    audit,
    entities::{city, plan, stage},
    error::{AppError, AppResult, FieldErrors},
};

pub const MAX_TEXT: usize = 200;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdoptionRecord {
    /// Who adopted it, e.g. "Câmara Municipal de Óbidos".
    pub body: String,
    pub decision_date: NaiveDate,
    /// The decision's reference, e.g. "Deliberação 42/2027".
    pub reference: String,
}

fn final_stage(stages: &[stage::Model]) -> Option<&stage::Model> {
    stages
        .iter()
        .find(|s| s.key == "final")
        .or_else(|| stages.iter().max_by_key(|s| s.position))
}

pub async fn record(
    db: &impl ConnectionTrait,
    p: &plan::Model,
    c: &city::Model,
    stages: &[stage::Model],
    input: AdoptionRecord,
    today: NaiveDate,
    by: Uuid,
) -> AppResult<plan::Model> {
    let mut errors = FieldErrors::default();
    for (field, value) in [("body", &input.body), ("reference", &input.reference)] {
        if value.trim().is_empty() {
            errors.add(field, "must not be empty");
        } else if value.chars().count() > MAX_TEXT {
            errors.add(field, format!("must be at most {MAX_TEXT} characters"));
        }
    }
    if input.decision_date > today {
        errors.add("decision_date", "must not be in the future");
    }
    errors.finish()?;
    if p.status == "final"
        || final_stage(stages).is_some_and(|s| s.status == "approved" || s.status == "submitted")
    {
        return Err(AppError::conflict(
            "final_stage_decided",
            "The final stage is already submitted or approved; reopen it to change the adoption.",
        ));
    }
    let mut active: plan::ActiveModel = p.clone().into();
    active.adoption_body = Set(Some(input.body.trim().to_owned()));
    active.adoption_decision_date = Set(Some(input.decision_date));
    active.adoption_reference = Set(Some(input.reference.trim().to_owned()));
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(c.network_id),
            city_id: Some(c.id),
            actor_id: Some(by),
            action: "plan.adoption_recorded",
            subject_type: "plan",
            subject_id: Some(p.id),
            data: json!({ "body": updated.adoption_body, "decision_date": updated.adoption_decision_date,
                          "reference": updated.adoption_reference }),
        },
    )
    .await?;
    Ok(updated)
}

pub async fn acknowledge(
    db: &impl ConnectionTrait,
    p: &plan::Model,
    c: &city::Model,
    stages: &[stage::Model],
    by: Uuid,
) -> AppResult<plan::Model> {
    if p.status == "final" {
        return Err(AppError::conflict(
            "plan_final",
            "The plan is already final.",
        ));
    }
    if final_stage(stages).is_none_or(|s| s.status != "approved") {
        return Err(AppError::conflict(
            "final_stage_not_approved",
            "The city coordinator must approve the final stage before the lead partner acknowledges the plan.",
        ));
    }
    let mut active: plan::ActiveModel = p.clone().into();
    active.status = Set("final".into());
    active.acknowledged_at = Set(Some(Utc::now()));
    active.acknowledged_by = Set(Some(by));
    active.updated_at = Set(Utc::now());
    let updated = active.update(db).await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(c.network_id),
            city_id: Some(c.id),
            actor_id: Some(by),
            action: "plan.acknowledged",
            subject_type: "plan",
            subject_id: Some(p.id),
            data: json!({}),
        },
    )
    .await?;
    Ok(updated)
}
