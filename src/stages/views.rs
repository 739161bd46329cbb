//! How stages are shown: dates, live phase, current gate results and what
//! the caller may do now.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    gates::CheckResult,
    timeline::{self, Phase},
    transitions::{self, StageContext},
    workflow::StageAction,
};
use crate::{auth::CurrentUser, entities::stage, error::AppResult};

#[derive(Serialize, ToSchema)]
pub struct StageView {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub key: String,
    pub name: String,
    pub position: i32,
    pub start_month: i32,
    pub due_month: i32,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
    /// open | submitted | approved | returned
    pub status: String,
    pub phase: Phase,
    /// city_coordinator | lead_partner
    pub approver: String,
    pub gate: Vec<String>,
    /// The gate's results now, so people see what is missing before submitting.
    pub checks: Vec<CheckResult>,
    pub submitted_by: Option<Uuid>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub can_submit: bool,
    pub can_approve: bool,
    pub can_return: bool,
    pub can_reopen: bool,
}

pub fn phase_of(s: &stage::Model, network_starts_on: NaiveDate, today: NaiveDate) -> Phase {
    let (starts, due) = transitions::dates(s, network_starts_on);
    timeline::phase(today, starts, due, transitions::status_of(s))
}

/// Views of every stage of the context's plan.
pub async fn of_plan(
    db: &impl ConnectionTrait,
    ctx: &StageContext,
    user: &CurrentUser,
    today: NaiveDate,
) -> AppResult<Vec<StageView>> {
    let facts = transitions::plan_facts(db, &ctx.plan).await?;
    let actor = transitions::actor(user, &ctx.city);
    let final_plan = ctx.plan.status == "final";
    let note = || "note".to_owned();
    Ok(ctx
        .stages
        .iter()
        .map(|s| {
            let (starts_on, due_on) = transitions::dates(s, ctx.network.starts_on);
            let may = |action: StageAction| {
                !final_plan && transitions::may(&ctx.stages, s, &actor, &action)
            };
            let gate = transitions::gate_of(s);
            StageView {
                id: s.id,
                plan_id: s.plan_id,
                key: s.key.clone(),
                name: s.name.clone(),
                position: s.position,
                start_month: s.start_month,
                due_month: s.due_month,
                starts_on,
                due_on,
                status: s.status.clone(),
                phase: phase_of(s, ctx.network.starts_on, today),
                approver: s.approver.clone(),
                gate: gate.iter().map(ToString::to_string).collect(),
                checks: super::gates::run_gates(&gate, &facts),
                submitted_by: s.submitted_by,
                submitted_at: s.submitted_at,
                decided_by: s.decided_by,
                decided_at: s.decided_at,
                can_submit: may(StageAction::Submit),
                can_approve: may(StageAction::Approve),
                can_return: may(StageAction::Return { note: note() }),
                can_reopen: may(StageAction::Reopen { note: note() }),
            }
        })
        .collect())
}
