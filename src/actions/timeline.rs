//! Gantt rows of the action table.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use super::code::code_cmp;
use super::model::{Action, ActionStatus};

/// One bar of the Gantt chart. Actions missing a date are kept (at the end) so the chart can
/// list them as "not yet scheduled" instead of silently dropping them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimelineRow {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub status: ActionStatus,
}

impl TimelineRow {
    /// Both dates known: the row can be drawn.
    pub fn span(&self) -> Option<(NaiveDate, NaiveDate)> {
        Some((self.start_date?, self.end_date?))
    }
}

/// Rows sorted by start date (undated last), then by code as people read it.
pub fn timeline(actions: &[Action]) -> Vec<TimelineRow> {
    let mut rows: Vec<TimelineRow> = actions
        .iter()
        .map(|a| TimelineRow {
            id: a.id,
            code: a.code.clone(),
            title: a.title.clone(),
            start_date: a.start_date,
            end_date: a.end_date,
            status: a.status,
        })
        .collect();
    rows.sort_by(|a, b| {
        let key = |r: &TimelineRow| (r.start_date.is_none(), r.start_date);
        key(a).cmp(&key(b)).then_with(|| code_cmp(&a.code, &b.code))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;

    #[test]
    fn rows_sort_by_start_then_code_with_undated_last() {
        let base = demo::creative_hub();
        let mk = |code: &str, start: Option<&str>| Action {
            id: Uuid::now_v7(),
            code: code.into(),
            start_date: start.map(|s| s.parse().unwrap()),
            ..base.clone()
        };
        let rows = timeline(&[
            mk("A2", None),
            mk("A1.10", Some("2027-01-01")),
            mk("B1", Some("2026-12-01")),
            mk("A1.2", Some("2027-01-01")),
            mk("A1", None),
        ]);
        let codes: Vec<_> = rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["B1", "A1.2", "A1.10", "A1", "A2"]);
        assert!(rows[3].span().is_none());
    }
}
