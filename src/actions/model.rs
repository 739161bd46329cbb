//! Action types as stored and as returned by the API.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::code::code_cmp;
use super::money;

/// One row of the action table; lists are owned by the action (no separate tables needed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Action {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub description: String,
    pub objective: String,
    pub action_type: String,
    pub lead_organisation: String,
    pub lead_person: String,
    pub partners: Vec<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    #[serde(with = "money::option")]
    #[schema(value_type = Option<String>)]
    pub estimated_cost_eur: Option<Decimal>,
    pub funding: Vec<FundingLine>,
    pub indicators: Vec<Indicator>,
    pub risks: Vec<Risk>,
    pub status: ActionStatus,
}

/// A source of money for one action; amounts are exact decimals with cents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundingLine {
    pub source: FundingSource,
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub amount_eur: Decimal,
    pub status: FundingStatus,
}

/// Where money comes from; the order here is the order of every funding summary.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
pub enum FundingSource {
    #[serde(rename = "municipal")]
    Municipal,
    #[serde(rename = "regional")]
    Regional,
    #[serde(rename = "national")]
    National,
    #[serde(rename = "ERDF")]
    Erdf,
    #[serde(rename = "ESF+")]
    EsfPlus,
    #[serde(rename = "other_eu")]
    OtherEu,
    #[serde(rename = "private")]
    Private,
    #[serde(rename = "other")]
    Other,
}

impl FundingSource {
    pub const ALL: [FundingSource; 8] = [
        Self::Municipal,
        Self::Regional,
        Self::National,
        Self::Erdf,
        Self::EsfPlus,
        Self::OtherEu,
        Self::Private,
        Self::Other,
    ];

    /// The JSON value (also used in CSV).
    pub fn key(self) -> &'static str {
        match self {
            Self::Municipal => "municipal",
            Self::Regional => "regional",
            Self::National => "national",
            Self::Erdf => "ERDF",
            Self::EsfPlus => "ESF+",
            Self::OtherEu => "other_eu",
            Self::Private => "private",
            Self::Other => "other",
        }
    }

    /// Words for people (exports).
    pub fn label(self) -> &'static str {
        match self {
            Self::Municipal => "Municipal",
            Self::Regional => "Regional",
            Self::National => "National",
            Self::Erdf => "ERDF",
            Self::EsfPlus => "ESF+",
            Self::OtherEu => "Other EU",
            Self::Private => "Private",
            Self::Other => "Other",
        }
    }
}

/// How sure a funding line is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FundingStatus {
    Secured,
    Applied,
    Potential,
}

impl FundingStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Secured => "secured",
            Self::Applied => "applied",
            Self::Potential => "potential",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Secured => "Secured",
            Self::Applied => "Applied for",
            Self::Potential => "Potential",
        }
    }
}

/// A monitoring indicator. Baseline and target are text on purpose: IAPs mix figures
/// ("120"), percentages ("35%") and states ("hub open").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    #[serde(default)]
    pub name: String,
    pub kind: IndicatorKind,
    #[serde(default)]
    pub baseline: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub frequency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    Output,
    Result,
}

impl IndicatorKind {
    pub fn key(self) -> &'static str {
        match self {
            Self::Output => "output",
            Self::Result => "result",
        }
    }
}

/// One line of an action's risk assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Risk {
    #[serde(default)]
    pub description: String,
    pub likelihood: RiskLevel,
    pub impact: RiskLevel,
    #[serde(default)]
    pub mitigation: String,
    #[serde(default)]
    pub owner: String,
}

/// Low / medium / high, written `L`, `M`, `H` as in URBACT risk tables.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
pub enum RiskLevel {
    L,
    M,
    H,
}

impl RiskLevel {
    pub fn key(self) -> &'static str {
        match self {
            Self::L => "L",
            Self::M => "M",
            Self::H => "H",
        }
    }
}

/// Where an action stands in the plan's own drafting (not the stage machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    #[default]
    Idea,
    Drafted,
    Validated,
    Parked,
}

impl ActionStatus {
    pub fn key(self) -> &'static str {
        match self {
            Self::Idea => "idea",
            Self::Drafted => "drafted",
            Self::Validated => "validated",
            Self::Parked => "parked",
        }
    }
}

/// Sorts actions the way people read a table: A1, A1.2, A1.10, A2 (numbers compared as numbers).
pub fn sort_by_code(actions: &mut [Action]) {
    actions.sort_by(|a, b| code_cmp(&a.code, &b.code).then_with(|| a.id.cmp(&b.id)));
}
