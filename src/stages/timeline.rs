//! Stages on the calendar (DESIGN §3): dates from template months, the phase the clock shows,
//! deadline reminders and a plan's position on the timeline.
//!
//! Month `m` of a network begins on its start date plus `m` calendar months, clamped to the end of
//! shorter months (a network starting on 31 January reaches month 1 on 28/29 February). A stage
//! runs from the day its start month begins to the day before its due month begins, so
//! consecutive stages never share a day and the last stage ends on the network's last day.

use std::fmt::Display;

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::stages::template::StageTemplateRow;
use crate::stages::workflow::StageStatus;

/// A stage's dates, both inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageWindow {
    pub key: String,
    pub starts_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// The first day of month `months` of a network starting on `network_starts_on`.
///
/// Always counted from the network's start, never chained, so clamping never drifts. Saturates
/// at the last representable date instead of failing (years beyond 262,000 do not occur).
pub fn month_begins(network_starts_on: NaiveDate, months: u32) -> NaiveDate {
    network_starts_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// The network's last day.
pub fn network_ends_on(network_starts_on: NaiveDate, duration_months: u32) -> NaiveDate {
    day_before(month_begins(network_starts_on, duration_months))
}

/// Each template row's dates, in position order. Rows must have passed `validate_template`
/// (start month before due month), else a window may end before it starts.
pub fn stage_windows(network_starts_on: NaiveDate, rows: &[StageTemplateRow]) -> Vec<StageWindow> {
    let mut rows: Vec<&StageTemplateRow> = rows.iter().collect();
    rows.sort_by_key(|row| row.position);
    rows.into_iter()
        .map(|row| StageWindow {
            key: row.key.clone(),
            starts_on: month_begins(network_starts_on, row.start_month),
            due_on: day_before(month_begins(network_starts_on, row.due_month)),
        })
        .collect()
}

fn day_before(date: NaiveDate) -> NaiveDate {
    date.checked_sub_days(Days::new(1)).unwrap_or(date)
}

/// What the timeline shows for a stage on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Current,
    /// Past its due date and not approved (a submitted stage waiting for its approver included).
    Overdue,
    Done,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Current => "current",
            Phase::Overdue => "overdue",
            Phase::Done => "done",
        }
    }
}

/// The phase of a stage on `today`: approved is done whatever the date.
pub fn phase(
    today: NaiveDate,
    starts_on: NaiveDate,
    due_on: NaiveDate,
    status: StageStatus,
) -> Phase {
    if status == StageStatus::Approved {
        Phase::Done
    } else if today > due_on {
        Phase::Overdue
    } else if today >= starts_on {
        Phase::Current
    } else {
        Phase::Upcoming
    }
}

/// How many days before a due date reminders go out, least urgent first.
pub const REMINDER_DAYS: [u32; 2] = [7, 1];

/// A deadline reminder to queue in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminder {
    pub days_before: u32,
    /// Outbox dedupe key: each reminder is sent once however often the clock runs. It holds the
    /// due date, so moving a deadline (template edit) earns fresh reminders for the new date.
    pub dedupe_key: String,
}

/// The reminder the clock should queue for a stage on `today`, if any.
///
/// A reminder "N days before" is due from `due_on - N` up to `due_on` itself, so a clock that was
/// down on the exact day catches up, and nothing is sent after the deadline. When several are due
/// (the clock missed the 7-day window) only the most urgent is returned: one mail, not two.
/// Only stages that still wait for the city's work (open or returned) get reminders.
pub fn reminder_due(
    stage_id: impl Display,
    status: StageStatus,
    today: NaiveDate,
    due_on: NaiveDate,
) -> Option<Reminder> {
    if !matches!(status, StageStatus::Open | StageStatus::Returned) || today > due_on {
        return None;
    }
    REMINDER_DAYS
        .iter()
        .rev()
        .copied()
        .find(|&days| {
            due_on
                .checked_sub_days(Days::new(u64::from(days)))
                .is_some_and(|send_on| send_on <= today)
        })
        .map(|days_before| Reminder {
            days_before,
            dedupe_key: format!("deadline:{stage_id}:{due_on}:{days_before}"),
        })
}

/// The plan's position on the timeline: the index (in position order) of its first stage that is
/// not approved, or `None` when every stage is approved.
pub fn plan_position(statuses: &[StageStatus]) -> Option<usize> {
    statuses.iter().position(|s| *s != StageStatus::Approved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stages::template::default_template;
    use StageStatus::{Approved, Open, Returned, Submitted};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn stage_dates_follow_the_template_months() {
        let windows = stage_windows(date(2026, 1, 1), &default_template(13).unwrap());
        let got: Vec<(&str, NaiveDate, NaiveDate)> = windows
            .iter()
            .map(|w| (w.key.as_str(), w.starts_on, w.due_on))
            .collect();
        assert_eq!(got[0], ("setup", date(2026, 1, 1), date(2026, 1, 31)));
        assert_eq!(got[1], ("understand", date(2026, 2, 1), date(2026, 3, 31)));
        assert_eq!(got[6], ("final", date(2027, 1, 1), date(2027, 1, 31)));
        assert_eq!(got[6].2, network_ends_on(date(2026, 1, 1), 13));
        for pair in windows.windows(2) {
            assert_eq!(pair[0].due_on.succ_opt(), Some(pair[1].starts_on));
        }
    }

    #[test]
    fn month_ends_are_clamped_without_drift() {
        let start = date(2026, 1, 31);
        assert_eq!(month_begins(start, 1), date(2026, 2, 28));
        assert_eq!(month_begins(start, 2), date(2026, 3, 31));
        assert_eq!(month_begins(date(2027, 1, 31), 1), date(2027, 2, 28));
        assert_eq!(month_begins(date(2028, 1, 31), 1), date(2028, 2, 29));
        let windows = stage_windows(start, &default_template(13).unwrap());
        assert_eq!(windows[0].due_on, date(2026, 2, 27));
        assert_eq!(windows[1].starts_on, date(2026, 2, 28));
        assert_eq!(windows[1].due_on, date(2026, 4, 29)); // month 3 begins on 30 April
        assert_eq!(network_ends_on(start, 13), date(2027, 2, 27));
    }

    #[test]
    fn windows_come_in_position_order() {
        let mut rows = default_template(12).unwrap();
        rows.reverse();
        let keys: Vec<String> = stage_windows(date(2026, 3, 1), &rows)
            .into_iter()
            .map(|w| w.key)
            .collect();
        assert_eq!(keys[0], "setup");
        assert_eq!(keys[6], "final");
    }

    #[test]
    fn phase_follows_dates_until_approval() {
        let (starts, due) = (date(2026, 2, 1), date(2026, 3, 31));
        assert_eq!(phase(date(2026, 1, 31), starts, due, Open), Phase::Upcoming);
        assert_eq!(phase(starts, starts, due, Open), Phase::Current);
        assert_eq!(phase(due, starts, due, Returned), Phase::Current);
        assert_eq!(phase(date(2026, 4, 1), starts, due, Open), Phase::Overdue);
        assert_eq!(
            phase(date(2026, 4, 1), starts, due, Submitted),
            Phase::Overdue
        );
        assert_eq!(phase(date(2026, 4, 1), starts, due, Approved), Phase::Done);
        assert_eq!(phase(date(2026, 1, 1), starts, due, Approved), Phase::Done);
    }

    #[test]
    fn reminders_go_out_seven_days_then_one_day_before() {
        let due = date(2026, 3, 31);
        let days = |today| reminder_due("s1", Open, today, due).map(|r| r.days_before);
        assert_eq!(days(date(2026, 3, 23)), None);
        assert_eq!(days(date(2026, 3, 24)), Some(7));
        assert_eq!(days(date(2026, 3, 29)), Some(7));
        assert_eq!(days(date(2026, 3, 30)), Some(1));
        assert_eq!(days(due), Some(1));
        assert_eq!(days(date(2026, 4, 1)), None);
    }

    #[test]
    fn a_missed_seven_day_window_sends_only_the_one_day_reminder() {
        let due = date(2026, 3, 31);
        let reminder = reminder_due("s1", Returned, date(2026, 3, 31), due).unwrap();
        assert_eq!(reminder.days_before, 1);
    }

    #[test]
    fn dedupe_keys_name_stage_due_date_and_reminder() {
        let due = date(2026, 3, 31);
        let seven = reminder_due("0190-ab", Open, date(2026, 3, 25), due).unwrap();
        assert_eq!(seven.dedupe_key, "deadline:0190-ab:2026-03-31:7");
        // The clock runs every few minutes: the same day gives the same key.
        let again = reminder_due("0190-ab", Open, date(2026, 3, 25), due).unwrap();
        assert_eq!(seven, again);
        let one = reminder_due("0190-ab", Open, date(2026, 3, 30), due).unwrap();
        assert_eq!(one.dedupe_key, "deadline:0190-ab:2026-03-31:1");
    }

    #[test]
    fn submitted_and_approved_stages_get_no_reminders() {
        let due = date(2026, 3, 31);
        assert_eq!(reminder_due("s", Submitted, date(2026, 3, 30), due), None);
        assert_eq!(reminder_due("s", Approved, date(2026, 3, 30), due), None);
    }

    #[test]
    fn the_plan_stands_at_its_first_stage_not_approved() {
        assert_eq!(
            plan_position(&[Approved, Approved, Submitted, Open]),
            Some(2)
        );
        assert_eq!(plan_position(&[Open, Open]), Some(0));
        assert_eq!(plan_position(&[Approved, Returned, Approved]), Some(1));
        assert_eq!(plan_position(&[Approved, Approved]), None);
    }
}
