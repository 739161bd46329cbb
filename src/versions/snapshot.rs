//! What a version freezes: every section as Markdown and every action.

use serde::{Deserialize, Serialize};

use crate::actions::Action;

/// A version's content, stored as JSON; the current draft is built the same way so that
/// "version vs current" is the same diff as "version vs version".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PlanSnapshot {
    pub sections: Vec<SectionSnapshot>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SectionSnapshot {
    pub key: String,
    pub title: String,
    pub markdown: String,
}
