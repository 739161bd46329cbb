//! The body of `POST /plans/{id}/actions`.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{Action, ActionStatus, FundingLine, Indicator, Risk};
use super::{money, validate};
use crate::error::FieldError;

/// A new action as sent by a client. Every field has a default so that a body missing several
/// required fields gets every error at once from [`ActionInput::validate`] rather than serde's first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActionInput {
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

impl ActionInput {
    /// Checks every rule and returns all broken ones, each named by its JSON path.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let errors = validate::action(&self.clone().normalised());
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Validates, then builds the action to store: strings trimmed, code upper-cased, amounts with
    /// two decimals.
    pub fn into_action(self, id: Uuid) -> Result<Action, Vec<FieldError>> {
        let n = self.normalised();
        let errors = validate::action(&n);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Action {
            id,
            code: n.code,
            title: n.title,
            description: n.description,
            objective: n.objective,
            action_type: n.action_type,
            lead_organisation: n.lead_organisation,
            lead_person: n.lead_person,
            partners: n.partners,
            start_date: n.start_date,
            end_date: n.end_date,
            estimated_cost_eur: n.estimated_cost_eur.map(cents),
            funding: n
                .funding
                .into_iter()
                .map(|f| FundingLine {
                    amount_eur: cents(f.amount_eur),
                    ..f
                })
                .collect(),
            indicators: n.indicators,
            risks: n.risks,
            status: n.status,
        })
    }

    /// Trims what people paste with stray spaces; multi-line texts keep inner layout.
    fn normalised(mut self) -> Self {
        fn t(s: &mut String) {
            let trimmed = s.trim();
            if trimmed.len() != s.len() {
                *s = trimmed.to_string();
            }
        }
        self.code = self.code.trim().to_ascii_uppercase();
        for s in [
            &mut self.title,
            &mut self.description,
            &mut self.objective,
            &mut self.action_type,
            &mut self.lead_organisation,
            &mut self.lead_person,
        ] {
            t(s);
        }
        self.partners.iter_mut().for_each(t);
        for i in &mut self.indicators {
            for s in [
                &mut i.name,
                &mut i.baseline,
                &mut i.target,
                &mut i.unit,
                &mut i.source,
                &mut i.frequency,
            ] {
                t(s);
            }
        }
        for r in &mut self.risks {
            for s in [&mut r.description, &mut r.mitigation, &mut r.owner] {
                t(s);
            }
        }
        self
    }
}

/// Stored amounts always carry two decimals, so sums and exports print cents consistently.
fn cents(mut d: Decimal) -> Decimal {
    d.rescale(2);
    d
}

impl From<&Action> for ActionInput {
    fn from(a: &Action) -> Self {
        Self {
            code: a.code.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            objective: a.objective.clone(),
            action_type: a.action_type.clone(),
            lead_organisation: a.lead_organisation.clone(),
            lead_person: a.lead_person.clone(),
            partners: a.partners.clone(),
            start_date: a.start_date,
            end_date: a.end_date,
            estimated_cost_eur: a.estimated_cost_eur,
            funding: a.funding.clone(),
            indicators: a.indicators.clone(),
            risks: a.risks.clone(),
            status: a.status,
        }
    }
}
