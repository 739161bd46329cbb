//! What a stage's state locks (DESIGN §3): every writer of sections and
//! actions asks here before writing, so the rule lives in one place.
//!
//! - A submitted or approved stage locks the sections its gate names (an
//!   approved `review` locks them all) until it is returned or reopened.
//! - The action table is locked while the `actions` or `implementation` stage
//!   awaits a decision, and for good once `implementation` is approved
//!   (approving `actions` must leave the actions open for the implementation
//!   details that the next stage asks for).
//! - A plan acknowledged as final is read-only everywhere.
use std::collections::BTreeSet;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{
    gates::GateRule,
    workflow::{StageStatus, locked_sections},
};
use crate::{
    entities::{plan, stage},
    error::{AppError, AppResult},
    plans,
};

/// Stage keys whose pending or final decision locks the action table.
const ACTION_STAGES: [&str; 2] = ["actions", "implementation"];

fn status_of(s: &stage::Model) -> StageStatus {
    s.status.parse().unwrap_or(StageStatus::Open)
}

fn gate_of(s: &stage::Model) -> Vec<GateRule> {
    serde_json::from_value(s.gate.clone()).unwrap_or_default()
}

/// Keys of the sections locked by the plan's stages.
pub fn locked_section_keys(stages: &[stage::Model]) -> BTreeSet<String> {
    let gates: Vec<(StageStatus, Vec<GateRule>)> =
        stages.iter().map(|s| (status_of(s), gate_of(s))).collect();
    locked_sections(gates.iter().map(|(st, g)| (*st, g.as_slice())))
        .into_iter()
        .map(str::to_owned)
        .collect()
}

pub fn actions_locked(stages: &[stage::Model]) -> bool {
    stages.iter().any(|s| {
        ACTION_STAGES.contains(&s.key.as_str())
            && match status_of(s) {
                StageStatus::Submitted => true,
                StageStatus::Approved => s.key == "implementation",
                StageStatus::Open | StageStatus::Returned => false,
            }
    })
}

pub fn is_final(plan: &plan::Model) -> bool {
    plan.status == "final"
}

/// 423 unless the section may be written now.
pub async fn ensure_section_writable(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    section_key: &str,
) -> AppResult<()> {
    if is_final(plan) {
        return Err(AppError::Locked(
            "The plan is final and can no longer be changed.".into(),
        ));
    }
    let stages = plans::stages(db, plan.id).await?;
    if locked_section_keys(&stages).contains(section_key) {
        return Err(AppError::Locked(
            "This section is part of a stage under review; it is read-only until the stage is returned or reopened."
                .into(),
        ));
    }
    Ok(())
}

/// 423 unless the action table may be written now.
pub async fn ensure_actions_writable(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
) -> AppResult<()> {
    if is_final(plan) {
        return Err(AppError::Locked(
            "The plan is final and can no longer be changed.".into(),
        ));
    }
    if actions_locked(&plans::stages(db, plan.id).await?) {
        return Err(AppError::Locked(
            "The action table is under review; it is read-only until the stage is returned or reopened.".into(),
        ));
    }
    Ok(())
}

/// For the collab socket: whether a section is writable, without an error.
pub async fn section_is_locked(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    section_key: &str,
) -> AppResult<bool> {
    let stages = plans::stages(db, plan_id).await?;
    Ok(locked_section_keys(&stages).contains(section_key))
}
