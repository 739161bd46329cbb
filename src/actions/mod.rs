//! The action table: the structured heart of an IAP (DESIGN §2).
//!
//! The submodules are pure rules over plain [`Action`] values; this file stores and loads them.
//! Writes are optimistic: every row carries a `version`, and an update or delete only succeeds
//! against the version the writer read, so two browsers never overwrite each other silently.
pub mod routes;

mod code;
mod input;
mod model;
pub mod money;
mod patch;
mod timeline;
mod totals;
mod validate;

pub use code::{code_cmp, code_taken, is_valid_code};
pub use input::ActionInput;
pub use model::{
    Action, ActionStatus, FundingLine, FundingSource, FundingStatus, Indicator, IndicatorKind,
    Risk, RiskLevel, sort_by_code,
};
pub use patch::{ActionPatch, Patch, PatchAmount};
pub use timeline::{TimelineRow, timeline};
pub use totals::{StatusTotals, Totals, totals};
pub use validate::limits;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set, SqlErr,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::{
    auth::CurrentUser,
    cities,
    entities::{action, city, plan},
    error::{AppError, AppResult},
    stages::gates::ActionFacts,
};

/// An action as the API answers it: the action's own fields plus its bookkeeping.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionView {
    #[serde(flatten)]
    pub action: Action,
    pub plan_id: Uuid,
    /// Also the `ETag`; send it back in `If-Match` when changing or deleting the action.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<Uuid>,
}

/// The answer of `GET /plans/{id}/actions`: the rows and what is derived from them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ActionList {
    pub items: Vec<ActionView>,
    pub totals: Totals,
    pub timeline: Vec<TimelineRow>,
}

fn json_col<T: DeserializeOwned>(value: &serde_json::Value, what: &str) -> AppResult<T> {
    serde_json::from_value(value.clone())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored action {what} unreadable: {e}")))
}

fn to_json<T: Serialize>(value: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(e.into()))
}

/// Reads a stored row back into the pure type.
pub fn from_row(row: &action::Model) -> AppResult<Action> {
    let estimated_cost_eur = row
        .estimated_cost_eur
        .as_deref()
        .map(Decimal::from_str_exact)
        .transpose()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored amount unreadable: {e}")))?;
    Ok(Action {
        id: row.id,
        code: row.code.clone(),
        title: row.title.clone(),
        description: row.description.clone(),
        objective: row.objective.clone(),
        action_type: row.action_type.clone(),
        lead_organisation: row.lead_organisation.clone(),
        lead_person: row.lead_person.clone(),
        partners: json_col(&row.partners, "partners")?,
        start_date: row.start_date,
        end_date: row.end_date,
        estimated_cost_eur,
        funding: json_col(&row.funding, "funding")?,
        indicators: json_col(&row.indicators, "indicators")?,
        risks: json_col(&row.risks, "risks")?,
        status: json_col(&serde_json::Value::String(row.status.clone()), "status")?,
    })
}

pub fn view(row: &action::Model) -> AppResult<ActionView> {
    Ok(ActionView {
        action: from_row(row)?,
        plan_id: row.plan_id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        updated_by: row.updated_by,
    })
}

/// The `ETag` of an action: its version, quoted.
pub fn etag(row: &action::Model) -> String {
    format!("\"{}\"", row.version)
}

/// The action's fields as an active model (everything but id, plan, creation and version).
fn fields(a: &Action, by: Uuid) -> AppResult<action::ActiveModel> {
    Ok(action::ActiveModel {
        code: Set(a.code.clone()),
        title: Set(a.title.clone()),
        description: Set(a.description.clone()),
        objective: Set(a.objective.clone()),
        action_type: Set(a.action_type.clone()),
        lead_organisation: Set(a.lead_organisation.clone()),
        lead_person: Set(a.lead_person.clone()),
        partners: Set(to_json(&a.partners)?),
        start_date: Set(a.start_date),
        end_date: Set(a.end_date),
        estimated_cost_eur: Set(a.estimated_cost_eur.map(money::to_text)),
        funding: Set(to_json(&a.funding)?),
        indicators: Set(to_json(&a.indicators)?),
        risks: Set(to_json(&a.risks)?),
        status: Set(a.status.key().to_owned()),
        updated_at: Set(Utc::now()),
        updated_by: Set(Some(by)),
        ..Default::default()
    })
}

pub async fn rows(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<action::Model>> {
    let mut rows = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan_id))
        .order_by_asc(action::Column::Id)
        .all(db)
        .await?;
    rows.sort_by(|a, b| code_cmp(&a.code, &b.code));
    Ok(rows)
}

/// Every action of the plan, in code order (A1, A1.2, A1.10, A2).
pub async fn list(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<Action>> {
    rows(db, plan_id).await?.iter().map(from_row).collect()
}

/// The plan's money figures (for the dashboard and the action list), computed on read.
pub async fn totals_of(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Totals> {
    Ok(totals(&list(db, plan_id).await?))
}

/// What the stage gates check about each action. Parked actions are set aside by the city and
/// are not part of the plan being submitted, so they are skipped.
pub async fn gate_facts(db: &impl ConnectionTrait, plan_id: Uuid) -> AppResult<Vec<ActionFacts>> {
    let given = |s: &str| (!s.trim().is_empty()).then(|| s.to_owned());
    Ok(list(db, plan_id)
        .await?
        .into_iter()
        .filter(|a| a.status != ActionStatus::Parked)
        .map(|a| ActionFacts {
            lead_organisation: given(&a.lead_organisation),
            lead_person: given(&a.lead_person),
            start_date: a.start_date,
            end_date: a.end_date,
            has_estimated_cost: a.estimated_cost_eur.is_some(),
            funding_count: a.funding.len(),
            indicator_count: a.indicators.len(),
            risk_count: a.risks.len(),
            code: a.code,
            title: a.title,
            objective: a.objective,
        })
        .collect())
}

/// The plan with its city, if the user may see the city; else 404.
pub async fn find_visible_plan(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    plan_id: Uuid,
) -> AppResult<(plan::Model, city::Model)> {
    let found = plan::Entity::find_by_id(plan_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let city = cities::find_visible(db, user, found.city_id).await?;
    Ok((found, city))
}

/// An action with its plan and city, if the user may see the city; else 404.
pub async fn find_visible(
    db: &impl ConnectionTrait,
    user: &CurrentUser,
    id: Uuid,
) -> AppResult<(action::Model, plan::Model, city::Model)> {
    let found = action::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let (plan, city) = find_visible_plan(db, user, found.plan_id).await?;
    Ok((found, plan, city))
}

fn code_conflict(code: &str) -> AppError {
    AppError::conflict_on(
        "code",
        format!("Another action of this plan already has the code {code}."),
    )
}

/// The friendly check before writing; the unique index catches concurrent writers.
async fn ensure_code_free(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    code: &str,
    except: Option<Uuid>,
) -> AppResult<()> {
    let existing = action::Entity::find()
        .filter(action::Column::PlanId.eq(plan_id))
        .all(db)
        .await?;
    if code_taken(
        existing.iter().map(|r| (r.id, r.code.as_str())),
        code,
        except,
    ) {
        return Err(code_conflict(code));
    }
    Ok(())
}

fn on_write_error(err: DbErr, code: &str) -> AppError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => code_conflict(code),
        _ => err.into(),
    }
}

/// Validates and stores a new action.
pub async fn create(
    db: &impl ConnectionTrait,
    plan_id: Uuid,
    input: ActionInput,
    by: Uuid,
) -> AppResult<action::Model> {
    let id = Uuid::now_v7();
    let a = input.into_action(id).map_err(AppError::Validation)?;
    ensure_code_free(db, plan_id, &a.code, None).await?;
    let mut row = fields(&a, by)?;
    row.id = Set(id);
    row.plan_id = Set(plan_id);
    row.version = Set(1);
    row.created_at = Set(Utc::now());
    action::Entity::insert(row)
        .exec(db)
        .await
        .map_err(|e| on_write_error(e, &a.code))?;
    reload(db, id).await
}

async fn reload(db: &impl ConnectionTrait, id: Uuid) -> AppResult<action::Model> {
    action::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// 412 unless `if_match` (when given) names the stored version.
pub fn check_version(row: &action::Model, if_match: Option<i32>) -> AppResult<i32> {
    match if_match {
        Some(v) if v != row.version => Err(AppError::PreconditionFailed),
        _ => Ok(row.version),
    }
}

/// Applies a PATCH to the version the writer read. A concurrent writer that got there first
/// makes this answer 412 instead of overwriting its change.
pub async fn update(
    db: &impl ConnectionTrait,
    row: &action::Model,
    patch: ActionPatch,
    if_match: Option<i32>,
    by: Uuid,
) -> AppResult<action::Model> {
    let expected = check_version(row, if_match)?;
    let next = patch.apply(&from_row(row)?).map_err(AppError::Validation)?;
    ensure_code_free(db, row.plan_id, &next.code, Some(row.id)).await?;
    let mut changes = fields(&next, by)?;
    changes.version = Set(expected + 1);
    let done = action::Entity::update_many()
        .set(changes)
        .filter(action::Column::Id.eq(row.id))
        .filter(action::Column::Version.eq(expected))
        .exec(db)
        .await
        .map_err(|e| on_write_error(e, &next.code))?;
    if done.rows_affected == 0 {
        return Err(AppError::PreconditionFailed);
    }
    reload(db, row.id).await
}

/// Deletes the action if it is still at the version the writer read.
pub async fn delete(
    db: &impl ConnectionTrait,
    row: &action::Model,
    if_match: Option<i32>,
) -> AppResult<()> {
    let expected = check_version(row, if_match)?;
    let done = action::Entity::delete_many()
        .filter(action::Column::Id.eq(row.id))
        .filter(action::Column::Version.eq(expected))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(AppError::PreconditionFailed);
    }
    Ok(())
}

/// Reads `If-Match`: absent → `None`; `*` → `None` (any version); `"3"` or `W/"3"` → `Some(3)`;
/// anything else can never match the current version → 412.
pub fn parse_if_match(headers: &axum::http::HeaderMap) -> AppResult<Option<i32>> {
    let Some(value) = headers.get(axum::http::header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value
        .to_str()
        .map_err(|_| AppError::PreconditionFailed)?
        .trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .parse()
        .map(Some)
        .map_err(|_| AppError::PreconditionFailed)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::*;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn if_match_reads_quoted_weak_and_star() {
        assert_eq!(parse_if_match(&HeaderMap::new()).unwrap(), None);
        assert_eq!(parse_if_match(&with("\"3\"")).unwrap(), Some(3));
        assert_eq!(parse_if_match(&with("W/\"4\"")).unwrap(), Some(4));
        assert_eq!(parse_if_match(&with("*")).unwrap(), None);
        assert!(matches!(
            parse_if_match(&with("\"abc\"")),
            Err(AppError::PreconditionFailed)
        ));
    }
}
