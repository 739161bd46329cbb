//! The lead partner's dashboard: every city's position on the timeline,
//! what is late, what waits for a decision, and the money. Built from a
//! handful of set-wise queries so it stays fast for large networks.
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    timeline::Phase,
    transitions::{self, status_of},
    views::phase_of,
    workflow::StageStatus,
};
use crate::{
    cities::{self, CityView},
    entities::{audit_event, network, plan, section, stage},
    error::AppResult,
    networks::{self, NetworkView},
    plans, sections,
    stages::written::is_written,
};

#[derive(Serialize, ToSchema)]
pub struct StageCell {
    pub key: String,
    pub name: String,
    pub status: String,
    pub phase: Phase,
    pub due_on: NaiveDate,
}

#[derive(Serialize, ToSchema)]
pub struct CityProgress {
    pub city: CityView,
    pub plan_id: Uuid,
    pub plan_status: String,
    /// The first stage not approved: where the plan stands (None when all are approved).
    pub current_stage: Option<StageCell>,
    pub stages: Vec<StageCell>,
    pub overdue: bool,
    pub sections_written: usize,
    pub sections_total: usize,
    pub actions: usize,
    #[schema(value_type = String)]
    pub total_cost_eur: Decimal,
    /// Stages submitted and waiting for a decision.
    pub waiting_decisions: usize,
    pub last_activity: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct Dashboard {
    pub network: NetworkView,
    pub today: NaiveDate,
    pub cities: Vec<CityProgress>,
    /// Stage key → number of cities whose current stage it is (`done` for finished plans).
    pub cities_per_stage: BTreeMap<String, usize>,
    pub overdue_count: usize,
    pub waiting_decisions: usize,
    #[schema(value_type = BTreeMap<String, String>)]
    pub cost_by_source: BTreeMap<String, Decimal>,
    #[schema(value_type = String)]
    pub total_cost_eur: Decimal,
}

pub async fn build(
    db: &impl ConnectionTrait,
    n: &network::Model,
    today: NaiveDate,
) -> AppResult<Dashboard> {
    let city_rows = networks::cities(db, n.id).await?;
    let plans_by_city: HashMap<Uuid, plan::Model> = plan::Entity::find()
        .filter(plan::Column::CityId.is_in(city_rows.iter().map(|c| c.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.city_id, p))
        .collect();
    let plan_ids: Vec<Uuid> = plans_by_city.values().map(|p| p.id).collect();
    let mut stages_by_plan: HashMap<Uuid, Vec<stage::Model>> = HashMap::new();
    for s in stage::Entity::find()
        .filter(stage::Column::PlanId.is_in(plan_ids.clone()))
        .order_by_asc(stage::Column::Position)
        .all(db)
        .await?
    {
        stages_by_plan.entry(s.plan_id).or_default().push(s);
    }
    let mut written: HashMap<Uuid, (usize, usize)> = HashMap::new();
    let mut section_activity: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
    for s in section::Entity::find()
        .filter(section::Column::PlanId.is_in(plan_ids.clone()))
        .all(db)
        .await?
    {
        let entry = written.entry(s.plan_id).or_default();
        entry.1 += 1;
        if is_written(&sections::markdown_of(&s)) {
            entry.0 += 1;
        }
        if s.updated_by.is_some() {
            let latest = section_activity.entry(s.plan_id).or_insert(s.updated_at);
            *latest = (*latest).max(s.updated_at);
        }
    }
    let audit_activity: HashMap<Uuid, DateTime<Utc>> = audit_event::Entity::find()
        .select_only()
        .column(audit_event::Column::CityId)
        .column_as(audit_event::Column::At.max(), "latest")
        .filter(audit_event::Column::NetworkId.eq(n.id))
        .filter(audit_event::Column::CityId.is_not_null())
        .group_by(audit_event::Column::CityId)
        .into_tuple::<(Option<Uuid>, Option<DateTime<Utc>>)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(city, at)| Some((city?, at?)))
        .collect();
    let money = plans::action_summaries(db, &plan_ids).await?;

    let views = cities::views(db, city_rows.clone()).await?;
    let mut progress = Vec::new();
    let mut cities_per_stage: BTreeMap<String, usize> = BTreeMap::new();
    let mut cost_by_source: BTreeMap<String, Decimal> = BTreeMap::new();
    let mut total_cost = Decimal::ZERO;
    for (c, view) in city_rows.iter().zip(views) {
        let Some(p) = plans_by_city.get(&c.id) else {
            continue;
        };
        let stages = stages_by_plan.remove(&p.id).unwrap_or_default();
        let cells: Vec<StageCell> = stages
            .iter()
            .map(|s| StageCell {
                key: s.key.clone(),
                name: s.name.clone(),
                status: s.status.clone(),
                phase: phase_of(s, n.starts_on, today),
                due_on: transitions::dates(s, n.starts_on).1,
            })
            .collect();
        let current = stages
            .iter()
            .position(|s| status_of(s) != StageStatus::Approved);
        *cities_per_stage
            .entry(
                current
                    .map(|i| stages[i].key.clone())
                    .unwrap_or_else(|| "done".into()),
            )
            .or_default() += 1;
        let summary = money.get(&p.id).cloned().unwrap_or_default();
        for (source, amount) in &summary.cost_by_source {
            *cost_by_source.entry(source.clone()).or_default() += *amount;
        }
        total_cost += summary.total_cost_eur;
        let (sections_written, sections_total) = written.get(&p.id).copied().unwrap_or_default();
        let last_activity = [
            audit_activity.get(&c.id).copied(),
            section_activity.get(&p.id).copied(),
        ]
        .into_iter()
        .flatten()
        .max();
        progress.push(CityProgress {
            city: view,
            plan_id: p.id,
            plan_status: p.status.clone(),
            overdue: cells.iter().any(|s| s.phase == Phase::Overdue),
            waiting_decisions: cells.iter().filter(|s| s.status == "submitted").count(),
            current_stage: current.and_then(|i| {
                cells.get(i).map(|s| StageCell {
                    key: s.key.clone(),
                    name: s.name.clone(),
                    status: s.status.clone(),
                    phase: s.phase,
                    due_on: s.due_on,
                })
            }),
            stages: cells,
            sections_written,
            sections_total,
            actions: summary.actions,
            total_cost_eur: summary.total_cost_eur,
            last_activity,
        });
    }
    Ok(Dashboard {
        network: NetworkView::from(n),
        today,
        overdue_count: progress.iter().filter(|c| c.overdue).count(),
        waiting_decisions: progress.iter().map(|c| c.waiting_decisions).sum(),
        cities: progress,
        cities_per_stage,
        cost_by_source,
        total_cost_eur: total_cost,
    })
}
