//! The body of `PATCH /actions/{id}`: absent = unchanged, `null` = clear.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};

use super::input::ActionInput;
use super::model::{Action, ActionStatus, FundingLine, Indicator, Risk};
use super::money;
use crate::error::FieldError;
use uuid::Uuid;

/// One field of a PATCH body. `Option<Option<T>>` cannot tell absent from `null` without help;
/// this enum says it in the type. Fields must carry `#[serde(default)]` so absent stays `Absent`.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Patch::Value(v) => v.serialize(s),
            _ => s.serialize_none(),
        }
    }
}

/// Money in a PATCH: the same string-or-number rules as [`money`].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(transparent)]
pub struct PatchAmount(#[serde(with = "money")] pub Decimal);

/// Partial update of an action. Every field may be left out; `null` clears optional fields and is
/// refused for `code`, `title` and `status`.
// `schema(value_type)`: Patch<T> is documented as its nullable value (null clears).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ActionPatch {
    #[schema(value_type = Option<String>)]
    pub code: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub title: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub objective: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub action_type: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub lead_organisation: Patch<String>,
    #[schema(value_type = Option<String>)]
    pub lead_person: Patch<String>,
    #[schema(value_type = Option<Vec<String>>)]
    pub partners: Patch<Vec<String>>,
    #[schema(value_type = Option<NaiveDate>)]
    pub start_date: Patch<NaiveDate>,
    #[schema(value_type = Option<NaiveDate>)]
    pub end_date: Patch<NaiveDate>,
    #[schema(value_type = Option<String>)]
    pub estimated_cost_eur: Patch<PatchAmount>,
    #[schema(value_type = Option<Vec<FundingLine>>)]
    pub funding: Patch<Vec<FundingLine>>,
    #[schema(value_type = Option<Vec<Indicator>>)]
    pub indicators: Patch<Vec<Indicator>>,
    #[schema(value_type = Option<Vec<Risk>>)]
    pub risks: Patch<Vec<Risk>>,
    #[schema(value_type = Option<ActionStatus>)]
    pub status: Patch<ActionStatus>,
}

impl ActionPatch {
    /// Applies the patch to `current` and validates the result as a whole (so a new `end_date`
    /// is checked against the stored `start_date`). Returns every error at once.
    pub fn apply(self, current: &Action) -> Result<Action, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut next = ActionInput::from(current);

        required(self.code, &mut next.code, "code", &mut errors);
        required(self.title, &mut next.title, "title", &mut errors);
        required(self.status, &mut next.status, "status", &mut errors);
        cleared(self.description, &mut next.description);
        cleared(self.objective, &mut next.objective);
        cleared(self.action_type, &mut next.action_type);
        cleared(self.lead_organisation, &mut next.lead_organisation);
        cleared(self.lead_person, &mut next.lead_person);
        cleared(self.partners, &mut next.partners);
        cleared(self.funding, &mut next.funding);
        cleared(self.indicators, &mut next.indicators);
        cleared(self.risks, &mut next.risks);
        optional(self.start_date, &mut next.start_date);
        optional(self.end_date, &mut next.end_date);
        optional(
            match self.estimated_cost_eur {
                Patch::Absent => Patch::Absent,
                Patch::Null => Patch::Null,
                Patch::Value(PatchAmount(d)) => Patch::Value(d),
            },
            &mut next.estimated_cost_eur,
        );

        let id: Uuid = current.id;
        match next.into_action(id) {
            Ok(action) if errors.is_empty() => Ok(action),
            Ok(_) => Err(errors),
            Err(mut more) => {
                // A null on a required field is reported once, not again as "is required".
                more.retain(|e| !errors.iter().any(|n| n.field == e.field));
                errors.extend(more);
                Err(errors)
            }
        }
    }
}

fn required<T>(p: Patch<T>, slot: &mut T, field: &str, errors: &mut Vec<FieldError>) {
    match p {
        Patch::Absent => {}
        Patch::Null => errors.push(FieldError::new(field, "must not be null")),
        Patch::Value(v) => *slot = v,
    }
}

fn cleared<T: Default>(p: Patch<T>, slot: &mut T) {
    match p {
        Patch::Absent => {}
        Patch::Null => *slot = T::default(),
        Patch::Value(v) => *slot = v,
    }
}

fn optional<T>(p: Patch<T>, slot: &mut Option<T>) {
    match p {
        Patch::Absent => {}
        Patch::Null => *slot = None,
        Patch::Value(v) => *slot = Some(v),
    }
}
