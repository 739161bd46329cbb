//! The database side of the stage workflow: load a stage with its plan,
//! run the pure rules (workflow, gates), and record a transition with a
//! conditional update on the stage's row version so that of simultaneous
//! requests exactly one wins.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    gates::{Adoption, CheckResult, GateRule, PlanFacts, run_gates},
    template::Approver,
    workflow::{self, Actor, StageAction, StageState, StageStatus, TransitionError},
};
use crate::{
    audit,
    auth::CurrentUser,
    entities::{city, network, plan, stage, stage_transition},
    error::{AppError, AppResult},
    policy,
    realtime::Event,
    sections,
};

/// A stage with everything its rules read.
pub struct StageContext {
    pub stage: stage::Model,
    pub plan: plan::Model,
    pub city: city::Model,
    pub network: network::Model,
    /// Every stage of the plan, in position order.
    pub stages: Vec<stage::Model>,
}

pub fn status_of(s: &stage::Model) -> StageStatus {
    s.status.parse().unwrap_or(StageStatus::Open)
}

pub fn gate_of(s: &stage::Model) -> Vec<GateRule> {
    serde_json::from_value(s.gate.clone()).unwrap_or_default()
}

pub fn approver_of(s: &stage::Model) -> Approver {
    Approver::parse(&s.approver).unwrap_or(Approver::CityCoordinator)
}

/// A new, open stage of a plan for one template row (city creation and template edits).
pub fn new_stage(
    plan_id: Uuid,
    row: &super::template::StageTemplateRow,
    now: DateTime<Utc>,
) -> AppResult<stage::ActiveModel> {
    Ok(stage::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan_id),
        key: Set(row.key.clone()),
        name: Set(row.name.clone()),
        position: Set(row.position as i32),
        start_month: Set(row.start_month as i32),
        due_month: Set(row.due_month as i32),
        gate: Set(serde_json::to_value(&row.gate).map_err(anyhow::Error::from)?),
        approver: Set(row.approver.as_str().to_owned()),
        status: Set(StageStatus::Open.as_str().to_owned()),
        phase: Set("upcoming".into()),
        row_version: Set(0),
        submitted_by: Set(None),
        submitted_at: Set(None),
        decided_by: Set(None),
        decided_at: Set(None),
        updated_at: Set(now),
    })
}

/// The stage, if the user may see its city; else 404.
pub async fn load_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    stage_id: Uuid,
) -> AppResult<StageContext> {
    let stage = stage::Entity::find_by_id(stage_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let plan = plan::Entity::find_by_id(stage.plan_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let city = city::Entity::find_by_id(plan.city_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::ensure_city_visible(user, &city)?;
    let network = network::Entity::find_by_id(city.network_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let stages = crate::plans::stages(db, plan.id).await?;
    Ok(StageContext {
        stage,
        plan,
        city,
        network,
        stages,
    })
}

/// What the user may be for this city, as the state machine needs it.
/// An admin may do everything (four eyes still applies).
pub fn actor(user: &CurrentUser, city: &city::Model) -> Actor<Uuid> {
    Actor {
        user_id: user.id(),
        is_city_coordinator: policy::is_city_coordinator(user, city),
        is_ulg_member: policy::can_edit_plan(user, city),
        is_lead_coordinator: policy::is_lead_coordinator(user, city.network_id),
        is_expert: user.user.is_admin || policy::is_expert(user, city.network_id),
    }
}

pub fn state_of(s: &stage::Model) -> StageState<Uuid> {
    StageState {
        position: month(s.position),
        status: status_of(s),
        submitted_by: s.submitted_by,
        approver: approver_of(s),
    }
}

/// The plan's stage statuses in position order, as `workflow::transition` reads them.
pub fn statuses(stages: &[stage::Model]) -> Vec<StageStatus> {
    stages.iter().map(status_of).collect()
}

/// Would the user be allowed this action now (gates aside)? Drives the buttons.
pub fn may(
    ctx_stages: &[stage::Model],
    s: &stage::Model,
    actor: &Actor<Uuid>,
    action: &StageAction,
) -> bool {
    workflow::transition(&state_of(s), &statuses(ctx_stages), action, actor).is_ok()
}

fn refusal(err: TransitionError) -> AppError {
    match err.status_code() {
        403 => AppError::status_error(
            axum::http::StatusCode::FORBIDDEN,
            err.code(),
            err.to_string(),
        ),
        422 => AppError::field(err.field().unwrap_or("note"), err.to_string()),
        _ => AppError::conflict(err.code(), err.to_string()),
    }
}

/// What the gate checks read of a plan now.
pub async fn plan_facts(db: &impl ConnectionTrait, p: &plan::Model) -> AppResult<PlanFacts> {
    let sections = sections::of_plan(db, p.id)
        .await?
        .iter()
        .map(|s| (s.key.clone(), sections::markdown_of(s)))
        .collect();
    let adoption = p.adoption_body.as_ref().map(|body| Adoption {
        body: body.clone(),
        decision_date: p.adoption_decision_date,
        reference: p.adoption_reference.clone().unwrap_or_default(),
    });
    Ok(PlanFacts {
        sections,
        actions: crate::actions::gate_facts(db, p.id).await?,
        adoption,
    })
}

pub async fn checks(
    db: &impl ConnectionTrait,
    p: &plan::Model,
    s: &stage::Model,
) -> AppResult<Vec<CheckResult>> {
    Ok(run_gates(&gate_of(s), &plan_facts(db, p).await?))
}

/// Records one transition, or refuses it with 403 / 409 / 422. Runs inside
/// the caller's transaction; returns the event to publish after commit.
pub async fn apply(
    db: &impl ConnectionTrait,
    ctx: &StageContext,
    user: &CurrentUser,
    action: StageAction,
    remark: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<(stage::Model, Vec<Event>)> {
    if ctx.plan.status == "final" {
        return Err(AppError::conflict(
            "plan_final",
            "The plan is final; its stages no longer change.",
        ));
    }
    let from = status_of(&ctx.stage);
    let to = workflow::transition(
        &state_of(&ctx.stage),
        &statuses(&ctx.stages),
        &action,
        &actor(user, &ctx.city),
    )
    .map_err(refusal)?;
    if action == StageAction::Submit {
        let results = checks(db, &ctx.plan, &ctx.stage).await?;
        let failing = results.iter().filter(|c| !c.ok).count();
        if failing > 0 {
            return Err(AppError::Conflict {
                code: "gate_failed",
                detail: format!("{failing} of {} checks are not met yet.", results.len()),
                errors: vec![],
                extra: Some(json!({ "checks": results })),
            });
        }
    }
    use sea_orm::ExprTrait as _;
    let mut update = stage::Entity::update_many()
        .col_expr(stage::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            stage::Column::RowVersion,
            Expr::col(stage::Column::RowVersion).add(1),
        )
        .col_expr(stage::Column::UpdatedAt, Expr::value(now));
    update = match &action {
        StageAction::Submit => update
            .col_expr(stage::Column::SubmittedBy, Expr::value(Some(user.id())))
            .col_expr(stage::Column::SubmittedAt, Expr::value(Some(now)))
            .col_expr(stage::Column::DecidedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(
                stage::Column::DecidedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
        StageAction::Approve | StageAction::Return { .. } => update
            .col_expr(stage::Column::DecidedBy, Expr::value(Some(user.id())))
            .col_expr(stage::Column::DecidedAt, Expr::value(Some(now))),
        StageAction::Reopen { .. } => update
            .col_expr(
                stage::Column::SubmittedBy,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(
                stage::Column::SubmittedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(stage::Column::DecidedBy, Expr::value(Option::<Uuid>::None))
            .col_expr(
                stage::Column::DecidedAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            ),
    };
    let done = update
        .filter(stage::Column::Id.eq(ctx.stage.id))
        .filter(stage::Column::RowVersion.eq(ctx.stage.row_version))
        .exec(db)
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::conflict(
            "stage_changed",
            "Someone else changed this stage at the same moment; reload to see its state.",
        ));
    }
    let note = match &action {
        StageAction::Return { note } | StageAction::Reopen { note } => Some(note.trim().to_owned()),
        // Submitting or approving may carry a remark for the history.
        _ => remark
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty()),
    };
    if action == StageAction::Submit {
        // The version the approver judges: frozen now, diffable against later drafts.
        crate::versions::freeze(
            db,
            &ctx.plan,
            &format!("Submitted: {}", ctx.stage.name),
            Some(ctx.stage.id),
            user.id(),
        )
        .await?;
    }
    stage_transition::ActiveModel {
        id: Set(Uuid::now_v7()),
        stage_id: Set(ctx.stage.id),
        from_status: Set(from.as_str().to_owned()),
        to_status: Set(to.as_str().to_owned()),
        by_user: Set(user.id()),
        at: Set(now),
        note: Set(note.clone()),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        audit::Entry {
            network_id: Some(ctx.network.id),
            city_id: Some(ctx.city.id),
            actor_id: Some(user.id()),
            action: &format!("stage.{}", past_tense(&action)),
            subject_type: "stage",
            subject_id: Some(ctx.stage.id),
            data: json!({ "key": ctx.stage.key, "from": from.as_str(), "to": to.as_str(), "note": note }),
        },
    )
    .await?;
    let updated = stage::Entity::find_by_id(ctx.stage.id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut events = super::notices::for_transition(
        db,
        ctx,
        &action,
        &updated,
        dates(&updated, ctx.network.starts_on).1,
        user,
    )
    .await?;
    events.push(Event::new(
        "stage.changed",
        Some(ctx.network.id),
        Some(ctx.city.id),
        json!({ "plan_id": ctx.plan.id, "stage_id": ctx.stage.id, "key": ctx.stage.key,
                "from": from.as_str(), "to": to.as_str(), "by": user.id() }),
    ));
    Ok((updated, events))
}

pub fn past_tense(action: &StageAction) -> &'static str {
    match action {
        StageAction::Submit => "submitted",
        StageAction::Approve => "approved",
        StageAction::Return { .. } => "returned",
        StageAction::Reopen { .. } => "reopened",
    }
}

/// The stage's dates on the network's timeline: it ends the day before its due month begins.
pub fn dates(s: &stage::Model, network_starts_on: NaiveDate) -> (NaiveDate, NaiveDate) {
    let starts = super::timeline::month_begins(network_starts_on, month(s.start_month));
    let due = super::timeline::month_begins(network_starts_on, month(s.due_month))
        .pred_opt()
        .unwrap_or(starts);
    (starts, due)
}

/// Months and positions are stored as integers; negative ones never pass validation.
fn month(n: i32) -> u32 {
    u32::try_from(n).unwrap_or(0)
}
