//! The stage template of a network (DESIGN §3): which stages every city's plan goes through,
//! their windows in months from the network's start, their gate checks and who approves them.
//!
//! JSON shape of one row (`GET|PUT /networks/{id}/stage-template`, field `stages`):
//! ```json
//! {"key": "understand", "name": "Activation: context and problems", "position": 2,
//!  "start_month": 1, "due_month": 3,
//!  "gate": ["section_written:context", "section_written:problems"],
//!  "approver": "city_coordinator"}
//! ```
//! Unknown fields are refused, so a typo never silently drops a setting.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::stages::gates::GateRule;
use crate::stages::section_template::{SECTION_TEMPLATE, section};

/// Who decides on a submitted stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    /// The city's own coordinator (the plan belongs to the city).
    CityCoordinator,
    /// The network's lead partner: a lead coordinator or the expert may decide.
    LeadPartner,
}

impl Approver {
    /// The stored and JSON form (`city_coordinator`, `lead_partner`).
    pub fn as_str(self) -> &'static str {
        match self {
            Approver::CityCoordinator => "city_coordinator",
            Approver::LeadPartner => "lead_partner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Approver::CityCoordinator, Approver::LeadPartner]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One stage of the template; every plan gets one stage per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageTemplateRow {
    /// Stable identifier (`[a-z][a-z0-9_]*`), kept when the name changes.
    pub key: String,
    pub name: String,
    /// 1-based order; a valid template uses each of `1..=len` once.
    pub position: u32,
    /// Months from the network's start; the window is `[start_month, due_month)`.
    pub start_month: u32,
    pub due_month: u32,
    /// Gate rules such as `section_written:ulg`, `min_one_action`, `adoption_recorded`.
    #[schema(value_type = Vec<String>)]
    pub gate: Vec<GateRule>,
    pub approver: Approver,
}

/// Longest accepted stage name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest accepted stage key, in characters.
pub const MAX_KEY_CHARS: usize = 40;

/// The month boundaries of the default template as DESIGN §3 writes them, for 13 months.
const DEFAULT_BOUNDARIES_13: [u32; 8] = [0, 1, 3, 5, 9, 11, 12, 13];

/// The default template (DESIGN §3) fitted to `duration_months`.
///
/// Every boundary is scaled by `duration / 13` and rounded to the nearest month; then each
/// stage is widened to at least one month and `final` ends exactly at `duration`. Fails (naming
/// `duration_months`) when the period is too short for seven one-month stages.
///
/// Deviation from the table, on purpose: `implementation` also checks `min_one_action`, since
/// "every action has …" would otherwise pass for a plan whose actions were all deleted.
pub fn default_template(duration_months: u32) -> Result<Vec<StageTemplateRow>, FieldError> {
    let stages = DEFAULT_BOUNDARIES_13.len() - 1;
    let stage_count = u32::try_from(stages).unwrap_or(u32::MAX);
    if duration_months < stage_count {
        return Err(FieldError::new(
            "duration_months",
            format!(
                "A {duration_months}-month planning period cannot hold the {stages} default \
                 stages of at least one month each"
            ),
        ));
    }
    let bounds = scale_boundaries(&DEFAULT_BOUNDARIES_13, duration_months);
    let written = |keys: &[&str]| -> Vec<GateRule> {
        keys.iter()
            .map(|k| GateRule::SectionWritten((*k).to_owned()))
            .collect()
    };
    let specs: [(&str, &str, Vec<GateRule>, Approver); 7] = [
        (
            "setup",
            "ULG set-up and roadmap",
            written(&["ulg"]),
            Approver::CityCoordinator,
        ),
        (
            "understand",
            "Activation: context and problems",
            written(&["context", "problems"]),
            Approver::CityCoordinator,
        ),
        (
            "vision",
            "Activation: vision and objectives",
            written(&["vision"]),
            Approver::CityCoordinator,
        ),
        (
            "actions",
            "Planning actions",
            [
                GateRule::MinOneAction,
                GateRule::ActionsHaveTitleAndObjective,
            ]
            .into_iter()
            .chain(written(&["actions", "small_scale"]))
            .collect(),
            Approver::CityCoordinator,
        ),
        (
            "implementation",
            "Planning implementation",
            [
                GateRule::MinOneAction,
                GateRule::ActionsImplementationComplete,
            ]
            .into_iter()
            .chain(written(&["implementation"]))
            .collect(),
            Approver::CityCoordinator,
        ),
        (
            "review",
            "Draft IAP and peer review",
            vec![GateRule::AllSectionsWritten],
            Approver::LeadPartner,
        ),
        (
            "final",
            "Finalising and adoption",
            vec![GateRule::AdoptionRecorded],
            Approver::CityCoordinator,
        ),
    ];
    Ok(specs
        .into_iter()
        .zip(bounds.windows(2))
        .zip(1u32..)
        .map(
            |(((key, name, gate, approver), window), position)| StageTemplateRow {
                key: key.to_owned(),
                name: name.to_owned(),
                position,
                start_month: window[0],
                due_month: window[1],
                gate,
                approver,
            },
        )
        .collect())
}

/// Scales boundaries written for 13 months to `duration`, keeping them strictly increasing and
/// the last one equal to `duration`. Needs `duration >= bounds.len() - 1`.
fn scale_boundaries(bounds: &[u32], duration: u32) -> Vec<u32> {
    // Round half up in integers: floor(b * d / 13 + 1/2).
    let mut scaled: Vec<u32> = bounds
        .iter()
        .map(|&b| {
            let rounded = (u64::from(b) * u64::from(duration) * 2 + 13) / 26;
            u32::try_from(rounded).unwrap_or(u32::MAX)
        })
        .collect();
    for i in 1..scaled.len() {
        scaled[i] = scaled[i].max(scaled[i - 1] + 1);
    }
    if let Some(last) = scaled.last_mut() {
        *last = duration;
    }
    for i in (0..scaled.len().saturating_sub(1)).rev() {
        scaled[i] = scaled[i].min(scaled[i + 1].saturating_sub(1));
    }
    scaled
}

/// Checks a template the lead coordinator wants to save for a `duration_months` network.
///
/// Every problem is reported, each naming the offending input (`stages[3].due_month`, index into
/// the submitted array) and the row's key in the message. Rows may arrive in any array order;
/// windows are compared in `position` order: a stage may start while the previous one is still
/// running (cities work ahead), but may not start before it, nor be due at or before it.
pub fn validate_template(
    rows: &[StageTemplateRow],
    duration_months: u32,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if rows.is_empty() {
        errors.push(FieldError::new(
            "stages",
            "The template needs at least one stage",
        ));
    }
    for (i, row) in rows.iter().enumerate() {
        errors.extend(row_errors(row, i, rows.len(), duration_months));
    }
    errors.extend(duplicate_errors(rows));
    errors.extend(order_errors(rows));
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What is wrong with one row on its own.
fn row_errors(row: &StageTemplateRow, i: usize, count: usize, duration: u32) -> Vec<FieldError> {
    let label = label_of(row, i);
    let field = |name: &str| format!("stages[{i}].{name}");
    let mut errors = Vec::new();
    if row.key.trim().is_empty() {
        errors.push(FieldError::new(
            field("key"),
            format!("{label}: key is empty"),
        ));
    } else if !is_slug(&row.key) {
        errors.push(FieldError::new(
            field("key"),
            format!(
                "{label}: key must start with a lowercase letter and use only a-z, 0-9 and _ \
                 (at most {MAX_KEY_CHARS} characters)"
            ),
        ));
    }
    let name_chars = row.name.trim().chars().count();
    if name_chars == 0 {
        errors.push(FieldError::new(
            field("name"),
            format!("{label}: name is empty"),
        ));
    } else if name_chars > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            field("name"),
            format!("{label}: name is longer than {MAX_NAME_CHARS} characters"),
        ));
    }
    if !usize::try_from(row.position).is_ok_and(|p| (1..=count).contains(&p)) {
        errors.push(FieldError::new(
            field("position"),
            format!("{label}: position must be between 1 and {count}"),
        ));
    }
    if row.start_month >= row.due_month {
        errors.push(FieldError::new(
            field("due_month"),
            format!(
                "{label}: due month {} must come after start month {}",
                row.due_month, row.start_month
            ),
        ));
    }
    if row.due_month > duration {
        errors.push(FieldError::new(
            field("due_month"),
            format!(
                "{label}: due month {} lies after the end of the {duration}-month planning period",
                row.due_month
            ),
        ));
    }
    errors.extend(gate_errors(row, i, &label));
    errors
}

/// Keys and positions used by more than one row; the later row is named.
fn duplicate_errors(rows: &[StageTemplateRow]) -> Vec<FieldError> {
    let mut keys: HashMap<&str, usize> = HashMap::new();
    let mut positions: HashMap<u32, usize> = HashMap::new();
    let mut errors = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let label = label_of(row, i);
        if let Some(&first) = keys.get(row.key.trim()) {
            errors.push(FieldError::new(
                format!("stages[{i}].key"),
                format!("{label}: key is already used by stages[{first}]"),
            ));
        } else if !row.key.trim().is_empty() {
            keys.insert(row.key.trim(), i);
        }
        if let Some(&first) = positions.get(&row.position) {
            errors.push(FieldError::new(
                format!("stages[{i}].position"),
                format!(
                    "{label}: position {} is already used by {}",
                    row.position,
                    label_of(&rows[first], first)
                ),
            ));
        } else {
            positions.insert(row.position, i);
        }
    }
    errors
}

/// Unknown section keys and repeated rules in one row's gate.
fn gate_errors(row: &StageTemplateRow, i: usize, label: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (j, rule) in row.gate.iter().enumerate() {
        let field = format!("stages[{i}].gate[{j}]");
        if let GateRule::SectionWritten(key) = rule
            && section(key).is_none()
        {
            let known: Vec<&str> = SECTION_TEMPLATE.iter().map(|s| s.key).collect();
            errors.push(FieldError::new(
                field,
                format!(
                    "{label}: unknown section `{key}` (known: {})",
                    known.join(", ")
                ),
            ));
        } else if row.gate[..j].contains(rule) {
            errors.push(FieldError::new(
                field,
                format!("{label}: gate rule `{rule}` is listed twice"),
            ));
        }
    }
    errors
}

/// Windows that run backwards when the rows are taken in position order.
fn order_errors(rows: &[StageTemplateRow]) -> Vec<FieldError> {
    let mut by_position: Vec<(usize, &StageTemplateRow)> = rows.iter().enumerate().collect();
    by_position.sort_by_key(|(_, row)| row.position);
    let mut errors = Vec::new();
    for pair in by_position.windows(2) {
        let [(_, prev), (i, cur)] = pair else {
            continue;
        };
        let (label, prev_label) = (label_of(cur, *i), label_of(prev, pair[0].0));
        if cur.start_month < prev.start_month {
            errors.push(FieldError::new(
                format!("stages[{i}].start_month"),
                format!(
                    "{label}: starts in month {}, before {prev_label} (month {}) which comes \
                     earlier",
                    cur.start_month, prev.start_month
                ),
            ));
        }
        if cur.due_month <= prev.due_month {
            errors.push(FieldError::new(
                format!("stages[{i}].due_month"),
                format!(
                    "{label}: due in month {}, not after {prev_label} (due in month {}) which \
                     comes earlier",
                    cur.due_month, prev.due_month
                ),
            ));
        }
    }
    errors
}

/// How messages name a row: by key, or by its place in the array when the key is blank.
fn label_of(row: &StageTemplateRow, index: usize) -> String {
    let key = row.key.trim();
    if key.is_empty() {
        format!("Stage #{}", index + 1)
    } else {
        format!("Stage `{key}`")
    }
}

fn is_slug(key: &str) -> bool {
    key.len() <= MAX_KEY_CHARS
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(rows: &[StageTemplateRow]) -> Vec<(String, u32, u32)> {
        rows.iter()
            .map(|r| (r.key.clone(), r.start_month, r.due_month))
            .collect()
    }

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    fn message_for(result: Result<(), Vec<FieldError>>, field: &str) -> String {
        result
            .unwrap_err()
            .into_iter()
            .find(|e| e.field == field)
            .map(|e| e.message)
            .unwrap_or_else(|| panic!("no error for {field}"))
    }

    #[test]
    fn default_template_for_13_months_is_the_design_table() {
        let rows = default_template(13).unwrap();
        let keys: Vec<_> = rows.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "setup",
                "understand",
                "vision",
                "actions",
                "implementation",
                "review",
                "final"
            ]
        );
        let months: Vec<_> = rows.iter().map(|r| (r.start_month, r.due_month)).collect();
        assert_eq!(
            months,
            [(0, 1), (1, 3), (3, 5), (5, 9), (9, 11), (11, 12), (12, 13)]
        );
        assert_eq!(rows[5].approver, Approver::LeadPartner);
        assert_eq!(rows[5].gate, [GateRule::AllSectionsWritten]);
        assert!(
            rows.iter()
                .enumerate()
                .all(|(i, r)| r.position as usize == i + 1)
        );
    }

    #[test]
    fn default_template_scales_to_12_and_14_months_and_prints_the_tables() {
        for duration in [12, 13, 14] {
            let rows = default_template(duration).unwrap();
            println!("{duration} months:");
            for r in &rows {
                println!(
                    "  {:<15} {:>2}–{:<2} {:?}",
                    r.key, r.start_month, r.due_month, r.approver
                );
            }
            validate_template(&rows, duration).unwrap();
        }
        let months = |d| -> Vec<(u32, u32)> {
            windows(&default_template(d).unwrap())
                .into_iter()
                .map(|(_, s, e)| (s, e))
                .collect()
        };
        // 12: 0, 0.92, 2.77, 4.62, 8.31, 10.15, 11.08, 12
        assert_eq!(
            months(12),
            [(0, 1), (1, 3), (3, 5), (5, 8), (8, 10), (10, 11), (11, 12)]
        );
        // 14: 0, 1.08, 3.23, 5.38, 9.69, 11.85, 12.92, 14
        assert_eq!(
            months(14),
            [
                (0, 1),
                (1, 3),
                (3, 5),
                (5, 10),
                (10, 12),
                (12, 13),
                (13, 14)
            ]
        );
    }

    #[test]
    fn default_template_keeps_one_month_per_stage_in_short_periods() {
        let rows = default_template(7).unwrap();
        assert!(rows.iter().all(|r| r.due_month == r.start_month + 1));
        assert_eq!(rows.last().unwrap().due_month, 7);
        let rows = default_template(8).unwrap();
        validate_template(&rows, 8).unwrap();
        assert_eq!(rows.last().unwrap().due_month, 8);
        let rows = default_template(24).unwrap();
        validate_template(&rows, 24).unwrap();
    }

    #[test]
    fn default_template_refuses_a_period_shorter_than_its_stages() {
        let error = default_template(6).unwrap_err();
        assert_eq!(error.field, "duration_months");
    }

    #[test]
    fn rows_round_trip_through_the_documented_json() {
        let json = serde_json::json!({
            "key": "understand", "name": "Activation: context and problems", "position": 2,
            "start_month": 1, "due_month": 3,
            "gate": ["section_written:context", "section_written:problems"],
            "approver": "city_coordinator"
        });
        let row: StageTemplateRow = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(row, default_template(13).unwrap()[1]);
        assert_eq!(serde_json::to_value(&row).unwrap(), json);
        let all = default_template(13).unwrap();
        let text = serde_json::to_string(&all).unwrap();
        assert_eq!(
            serde_json::from_str::<Vec<StageTemplateRow>>(&text).unwrap(),
            all
        );
        assert!(text.contains(r#""approver":"lead_partner""#));
    }

    #[test]
    fn rows_with_unknown_fields_or_rules_do_not_parse() {
        let mut json = serde_json::to_value(&default_template(13).unwrap()[0]).unwrap();
        json["colour"] = "red".into();
        assert!(serde_json::from_value::<StageTemplateRow>(json).is_err());
        let mut json = serde_json::to_value(&default_template(13).unwrap()[0]).unwrap();
        json["gate"] = serde_json::json!(["everything_perfect"]);
        let error = serde_json::from_value::<StageTemplateRow>(json).unwrap_err();
        assert!(error.to_string().contains("everything_perfect"), "{error}");
    }

    #[test]
    fn an_empty_template_is_refused() {
        assert_eq!(fields(validate_template(&[], 13)), ["stages"]);
    }

    #[test]
    fn empty_key_and_name_are_named() {
        let mut rows = default_template(13).unwrap();
        rows[2].key = " ".into();
        rows[4].name = "  ".into();
        let result = validate_template(&rows, 13);
        assert_eq!(fields(result.clone()), ["stages[2].key", "stages[4].name"]);
        assert!(message_for(result.clone(), "stages[2].key").contains("Stage #3"));
        assert!(message_for(result, "stages[4].name").contains("`implementation`"));
    }

    #[test]
    fn malformed_keys_and_long_names_are_refused() {
        let mut rows = default_template(13).unwrap();
        rows[0].key = "Set Up".into();
        rows[1].key = "x".repeat(MAX_KEY_CHARS + 1);
        rows[2].name = "n".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(
            fields(validate_template(&rows, 13)),
            ["stages[0].key", "stages[1].key", "stages[2].name"]
        );
    }

    #[test]
    fn duplicate_keys_name_the_second_row_and_the_first() {
        let mut rows = default_template(13).unwrap();
        rows[4].key = "setup".into();
        let result = validate_template(&rows, 13);
        assert_eq!(fields(result.clone()), ["stages[4].key"]);
        assert!(message_for(result, "stages[4].key").contains("stages[0]"));
    }

    #[test]
    fn start_not_before_due_is_refused_naming_the_key() {
        let mut rows = default_template(13).unwrap();
        rows[3].start_month = 9;
        let result = validate_template(&rows, 13);
        assert!(fields(result.clone()).contains(&"stages[3].due_month".to_owned()));
        let message = message_for(result, "stages[3].due_month");
        assert!(message.contains("`actions`"), "{message}");
    }

    #[test]
    fn a_due_month_past_the_planning_period_is_refused() {
        let rows = default_template(14).unwrap();
        let result = validate_template(&rows, 13);
        assert_eq!(fields(result.clone()), ["stages[6].due_month"]);
        assert!(message_for(result, "stages[6].due_month").contains("13-month"));
    }

    #[test]
    fn windows_running_backwards_in_position_order_are_refused() {
        let mut rows = default_template(13).unwrap();
        // `vision` (position 3) now starts before `understand` (position 2) starts.
        rows[2].start_month = 0;
        // `implementation` is now due before `actions`.
        rows[4].start_month = 6;
        rows[4].due_month = 8;
        let result = validate_template(&rows, 13);
        assert_eq!(
            fields(result.clone()),
            ["stages[2].start_month", "stages[4].due_month"]
        );
        assert!(message_for(result, "stages[4].due_month").contains("`actions`"));
    }

    #[test]
    fn overlapping_forwards_is_allowed() {
        let mut rows = default_template(13).unwrap();
        rows[2].start_month = 2; // vision starts while understand still runs
        validate_template(&rows, 13).unwrap();
    }

    #[test]
    fn positions_are_compared_not_array_order() {
        let mut rows = default_template(13).unwrap();
        rows.reverse();
        validate_template(&rows, 13).unwrap();
        rows.swap(0, 1); // same rows, positions still right
        validate_template(&rows, 13).unwrap();
        let mut rows = default_template(13).unwrap();
        rows[0].position = 2;
        rows[1].position = 1;
        let result = validate_template(&rows, 13);
        assert_eq!(
            fields(result),
            ["stages[0].start_month", "stages[0].due_month"]
        );
    }

    #[test]
    fn positions_must_be_one_to_len_without_repeats() {
        let mut rows = default_template(13).unwrap();
        rows[1].position = 1;
        rows[6].position = 8;
        let result = validate_template(&rows, 13);
        let fields = fields(result.clone());
        assert!(fields.contains(&"stages[1].position".to_owned()));
        assert!(fields.contains(&"stages[6].position".to_owned()));
        assert!(message_for(result, "stages[1].position").contains("`setup`"));
    }

    #[test]
    fn unknown_sections_and_repeated_rules_in_gates_are_named() {
        let mut rows = default_template(13).unwrap();
        rows[1].gate.push(GateRule::SectionWritten("budget".into()));
        rows[0].gate.push(GateRule::SectionWritten("ulg".into()));
        let result = validate_template(&rows, 13);
        assert_eq!(
            fields(result.clone()),
            ["stages[0].gate[1]", "stages[1].gate[2]"]
        );
        let message = message_for(result, "stages[1].gate[2]");
        assert!(
            message.contains("`budget`") && message.contains("`understand`"),
            "{message}"
        );
    }
}
