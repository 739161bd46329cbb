//! Plan versions: immutable snapshots and what changed between two of them (DESIGN §2).
//!
//! A version freezes every section's Markdown (read through [`crate::sections::markdown_of`], so
//! the co-editing storage can change underneath) and every action. The current draft is
//! snapshotted the same way, so "version vs current" is the same diff as "version vs version".
pub mod routes;

mod action_diff;
mod diff;
mod diff_html;
mod snapshot;

pub use action_diff::{ActionChange, ActionsDiff, FieldChange};
pub use diff::{DiffOp, LineChange, PlanDiff, SectionChange, SectionDiff, WordChange, diff};
pub use diff_html::diff_to_html;
pub use snapshot::{PlanSnapshot, SectionSnapshot};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    actions,
    entities::{plan, version},
    error::{AppError, AppResult, FieldErrors},
    sections,
};

/// Longest version label.
pub const MAX_LABEL: usize = 200;

/// `manual` (made on demand) or `submission` (frozen by a stage submission).
pub const KIND_MANUAL: &str = "manual";
pub const KIND_SUBMISSION: &str = "submission";

/// The body of `POST /plans/{id}/versions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVersion {
    pub label: String,
}

/// A version without its content (lists).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionSummary {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub number: i32,
    pub label: String,
    pub kind: String,
    pub stage_id: Option<Uuid>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
}

/// One version in full.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    #[serde(flatten)]
    pub summary: VersionSummary,
    pub snapshot: PlanSnapshot,
}

pub fn summary(v: &version::Model) -> VersionSummary {
    VersionSummary {
        id: v.id,
        plan_id: v.plan_id,
        number: v.number,
        label: v.label.clone(),
        kind: v.kind.clone(),
        stage_id: v.stage_id,
        created_by: v.created_by,
        created_at: v.created_at,
    }
}

pub fn snapshot_of(v: &version::Model) -> AppResult<PlanSnapshot> {
    serde_json::from_value(v.snapshot.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored version unreadable: {e}")))
}

pub fn view(v: &version::Model) -> AppResult<VersionView> {
    Ok(VersionView {
        summary: summary(v),
        snapshot: snapshot_of(v)?,
    })
}

/// The plan as it stands now: every section (template order) and every action (code order).
pub async fn current(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<PlanSnapshot> {
    let sections = sections::of_plan(db, plan_id)
        .await?
        .iter()
        .map(|s| SectionSnapshot {
            key: s.key.clone(),
            title: s.title.clone(),
            markdown: sections::markdown_of(s),
        })
        .collect();
    Ok(PlanSnapshot {
        sections,
        actions: actions::list(db, plan_id).await?,
    })
}

/// Freezes the plan as it stands into a new immutable version, numbered 1, 2, … per plan.
///
/// Called by `POST /plans/{id}/versions` and by the stages module at each submission (pass the
/// submitted stage's id: the version's kind is then `submission`). Runs on the caller's
/// transaction so the version and the change that caused it commit together; the caller writes
/// the audit row. Two concurrent freezes of one plan cannot share a number (unique index): the
/// loser gets a 409 and can retry.
pub async fn freeze(
    db: &impl ConnectionTrait,
    plan: &plan::Model,
    label: &str,
    stage_id: Option<Uuid>,
    by: Uuid,
) -> AppResult<version::Model> {
    let label = label.trim();
    let mut errors = FieldErrors::default();
    if label.is_empty() {
        errors.add("label", "is required");
    } else if label.chars().count() > MAX_LABEL {
        errors.add("label", format!("must be at most {MAX_LABEL} characters"));
    } else if label.chars().any(char::is_control) {
        errors.add("label", "must be a single line without control characters");
    }
    errors.finish()?;
    let last: Option<i32> = version::Entity::find()
        .select_only()
        .column_as(version::Column::Number.max(), "max")
        .filter(version::Column::PlanId.eq(plan.id))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let snapshot = current(db, plan.id).await?;
    let created = version::ActiveModel {
        id: Set(Uuid::now_v7()),
        plan_id: Set(plan.id),
        number: Set(last.unwrap_or(0) + 1),
        label: Set(label.to_owned()),
        kind: Set(if stage_id.is_some() {
            KIND_SUBMISSION
        } else {
            KIND_MANUAL
        }
        .to_owned()),
        stage_id: Set(stage_id),
        created_by: Set(by),
        created_at: Set(Utc::now()),
        snapshot: Set(serde_json::to_value(&snapshot).map_err(|e| AppError::Internal(e.into()))?),
    }
    .insert(db)
    .await?;
    Ok(created)
}

/// The plan's versions, newest first.
pub async fn of_plan(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<version::Model>> {
    Ok(version::Entity::find()
        .filter(version::Column::PlanId.eq(plan_id))
        .order_by_desc(version::Column::Number)
        .all(db)
        .await?)
}

/// Resolves one side of a diff: `current` or the id of one of this plan's versions.
pub async fn side(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    field: &str,
    value: Option<&str>,
) -> AppResult<PlanSnapshot> {
    let value = value.map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(AppError::field(
            field,
            "is required: a version id or `current`",
        ));
    }
    if value.eq_ignore_ascii_case("current") {
        return current(db, plan_id).await;
    }
    let id: Uuid = value
        .parse()
        .map_err(|_| AppError::field(field, "must be a version id or `current`"))?;
    let found = version::Entity::find_by_id(id)
        .filter(version::Column::PlanId.eq(plan_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::field(field, "is not a version of this plan"))?;
    snapshot_of(&found)
}

/// The diff as a standalone page for reading in a browser.
pub fn diff_page(title: &str, d: &PlanDiff) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title>\n<style>\
         body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;line-height:1.5}}\
         ins{{background:#d7f5dd;text-decoration:none}}del{{background:#fbd9d9}}\
         table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.25rem .5rem}}\
         </style></head><body>\n<h1>{}</h1>\n{}</body></html>\n",
        crate::export::escape_html(title),
        crate::export::escape_html(title),
        diff_to_html(d)
    )
}
