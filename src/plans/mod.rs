//! A city's Integrated Action Plan: its sections and stages, created with the city.
pub mod routes;

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    entities::{city, plan, section, stage},
    error::{AppError, AppResult},
    sections,
    stages::{section_template::SECTION_TEMPLATE, template::StageTemplateRow},
};

#[derive(Serialize, ToSchema)]
pub struct StageSummary {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub position: i32,
    pub start_month: i32,
    pub due_month: i32,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: String,
    pub phase: String,
    pub approver: String,
}

#[derive(Serialize, ToSchema)]
pub struct PlanView {
    pub id: Uuid,
    pub city_id: Uuid,
    pub status: String,
    pub sections: Vec<sections::SectionSummary>,
    pub stages: Vec<StageSummary>,
}

/// Creates the plan of a new city: the nine template sections and one stage per template row.
pub async fn create_for_city(
    db: &impl ConnectionTrait,
    city: &city::Model,
    template: &[StageTemplateRow],
) -> AppResult<plan::Model> {
    let now = Utc::now();
    let created = plan::ActiveModel {
        id: Set(Uuid::now_v7()),
        city_id: Set(city.id),
        status: Set("drafting".into()),
        adoption_body: Set(None),
        adoption_decision_date: Set(None),
        adoption_reference: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    for (position, spec) in SECTION_TEMPLATE.iter().enumerate() {
        section::ActiveModel {
            id: Set(Uuid::now_v7()),
            plan_id: Set(created.id),
            key: Set(spec.key.to_owned()),
            title: Set(spec.title.to_owned()),
            position: Set(position as i32 + 1),
            guidance: Set(spec.guidance.to_owned()),
            markdown: Set(String::new()),
            html: Set(String::new()),
            revision: Set(0),
            updated_at: Set(now),
            updated_by: Set(None),
        }
        .insert(db)
        .await?;
    }
    for row in template {
        crate::stages::transitions::new_stage(created.id, row, now)?
            .insert(db)
            .await?;
    }
    Ok(created)
}

pub async fn of_city(db: &impl ConnectionTrait, city_id: Uuid) -> AppResult<plan::Model> {
    plan::Entity::find()
        .filter(plan::Column::CityId.eq(city_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn stages(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<stage::Model>> {
    Ok(stage::Entity::find()
        .filter(stage::Column::PlanId.eq(plan_id))
        .order_by_asc(stage::Column::Position)
        .all(db)
        .await?)
}

pub fn stage_summary(s: &stage::Model, network_starts_on: NaiveDate) -> StageSummary {
    let (starts_on, due_on) = crate::stages::transitions::dates(s, network_starts_on);
    StageSummary {
        id: s.id,
        key: s.key.clone(),
        name: s.name.clone(),
        position: s.position,
        start_month: s.start_month,
        due_month: s.due_month,
        starts_on,
        due_on,
        status: s.status.clone(),
        phase: s.phase.clone(),
        approver: s.approver.clone(),
    }
}

/// Per plan: how many actions, their estimated cost and funding by source.
#[derive(Clone, Debug, Default)]
pub struct ActionSummary {
    pub actions: usize,
    pub total_cost_eur: rust_decimal::Decimal,
    pub cost_by_source: std::collections::BTreeMap<String, rust_decimal::Decimal>,
}

/// Action figures of several plans for the dashboard, derived from the
/// action table in one query.
pub async fn action_summaries(
    db: &impl ConnectionTrait,
    plan_ids: &[Uuid],
) -> AppResult<std::collections::HashMap<Uuid, ActionSummary>> {
    let mut by_plan: std::collections::HashMap<Uuid, Vec<crate::actions::Action>> =
        std::collections::HashMap::new();
    for row in crate::entities::action::Entity::find()
        .filter(crate::entities::action::Column::PlanId.is_in(plan_ids.iter().copied()))
        .all(db)
        .await?
    {
        by_plan
            .entry(row.plan_id)
            .or_default()
            .push(crate::actions::from_row(&row)?);
    }
    Ok(by_plan
        .into_iter()
        .map(|(plan_id, actions)| {
            let totals = crate::actions::totals(&actions);
            let summary = ActionSummary {
                actions: actions.len(),
                total_cost_eur: totals.estimated_cost_eur,
                cost_by_source: totals
                    .by_source
                    .iter()
                    .map(|(source, amount)| (source.key().to_owned(), *amount))
                    .collect(),
            };
            (plan_id, summary)
        })
        .collect())
}
