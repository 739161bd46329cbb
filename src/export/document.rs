//! The input of every export: one plan, loaded and flattened by the app.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actions::{Action, sort_by_code};

/// Everything an export shows. The JSON export is this struct serialised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanDocument {
    pub network_name: String,
    pub city_name: String,
    /// ISO 3166-1 alpha-2, e.g. `PT`.
    pub country: String,
    /// The plan's status as the app names it (e.g. `draft`, `final`, or the current stage).
    pub status: String,
    pub generated_on: NaiveDate,
    pub sections: Vec<Section>,
    pub actions: Vec<Action>,
    pub adoption: Option<Adoption>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub key: String,
    pub title: String,
    pub markdown: String,
}

/// Political adoption of the final plan (DESIGN §3, stage `final`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Adoption {
    pub body: String,
    pub decided_on: NaiveDate,
    pub reference: String,
}

/// Template order of the section keys (DESIGN §2); unknown keys follow in their given order.
pub const SECTION_ORDER: [&str; 9] = [
    "summary",
    "ulg",
    "context",
    "problems",
    "vision",
    "actions",
    "small_scale",
    "implementation",
    "transnational",
];

impl PlanDocument {
    /// Sections in template order (stable for keys outside the template).
    pub fn ordered_sections(&self) -> Vec<&Section> {
        let mut v: Vec<&Section> = self.sections.iter().collect();
        v.sort_by_key(|s| {
            SECTION_ORDER
                .iter()
                .position(|k| *k == s.key)
                .unwrap_or(SECTION_ORDER.len())
        });
        v
    }

    /// Actions in code order (A1, A1.2, A1.10, A2).
    pub fn ordered_actions(&self) -> Vec<Action> {
        let mut v = self.actions.clone();
        sort_by_code(&mut v);
        v
    }

    pub fn title(&self) -> String {
        format!("Integrated Action Plan — {}", self.city_name)
    }
}
