//! Gate checks (DESIGN §3): what a plan must contain before a stage can be submitted.
//!
//! A rule is written as a string so templates stay readable in JSON and a check's result can
//! name its rule with the same text:
//!
//! | rule | passes when |
//! |---|---|
//! | `section_written:<key>` | that section has content beyond headings |
//! | `all_sections_written` | every section of the plan template is written |
//! | `min_one_action` | the plan has at least one action |
//! | `actions_have_title_and_objective` | every action has a title and an objective |
//! | `actions_implementation_complete` | every action has a lead organisation or person, start and end dates (end not before start), an estimated cost, ≥1 funding line, ≥1 indicator and ≥1 risk |
//! | `adoption_recorded` | political adoption is recorded with body, decision date and reference |
//!
//! The `actions_*` rules hold trivially for a plan with no actions; pair them with
//! `min_one_action`. Parsing accepts any well-formed section key; `validate_template` refuses
//! keys that are not in the section template, naming the row.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::stages::section_template::{SECTION_TEMPLATE, section};
use crate::stages::written::is_written;

/// One gate check of a stage template row; serialised as its string form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum GateRule {
    SectionWritten(String),
    AllSectionsWritten,
    MinOneAction,
    ActionsHaveTitleAndObjective,
    ActionsImplementationComplete,
    AdoptionRecorded,
}

/// A string that is not a gate rule; shown to the client as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown gate rule `{0}`; expected section_written:<section>, all_sections_written, \
     min_one_action, actions_have_title_and_objective, actions_implementation_complete or \
     adoption_recorded"
)]
pub struct UnknownGateRule(pub String);

impl GateRule {
    /// The sections this rule reads; a stage locks them while submitted or approved.
    pub fn sections(&self) -> Vec<&str> {
        match self {
            Self::SectionWritten(key) => vec![key.as_str()],
            Self::AllSectionsWritten => SECTION_TEMPLATE.iter().map(|s| s.key).collect(),
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for GateRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SectionWritten(key) => write!(f, "section_written:{key}"),
            Self::AllSectionsWritten => f.write_str("all_sections_written"),
            Self::MinOneAction => f.write_str("min_one_action"),
            Self::ActionsHaveTitleAndObjective => f.write_str("actions_have_title_and_objective"),
            Self::ActionsImplementationComplete => f.write_str("actions_implementation_complete"),
            Self::AdoptionRecorded => f.write_str("adoption_recorded"),
        }
    }
}

impl FromStr for GateRule {
    type Err = UnknownGateRule;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let rule = match s {
            "all_sections_written" => Self::AllSectionsWritten,
            "min_one_action" => Self::MinOneAction,
            "actions_have_title_and_objective" => Self::ActionsHaveTitleAndObjective,
            "actions_implementation_complete" => Self::ActionsImplementationComplete,
            "adoption_recorded" => Self::AdoptionRecorded,
            _ => match s.split_once(':') {
                Some(("section_written", key))
                    if !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') =>
                {
                    Self::SectionWritten(key.to_owned())
                }
                _ => return Err(UnknownGateRule(s.to_owned())),
            },
        };
        Ok(rule)
    }
}

impl TryFrom<String> for GateRule {
    type Error = UnknownGateRule;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<GateRule> for String {
    fn from(rule: GateRule) -> Self {
        rule.to_string()
    }
}

/// What the gate checks read of a plan, loaded by the caller.
#[derive(Debug, Clone, Default)]
pub struct PlanFacts {
    /// Section key → current Markdown rendering. A missing key counts as not written.
    pub sections: BTreeMap<String, String>,
    /// The actions to check; the caller decides whether parked actions take part.
    pub actions: Vec<ActionFacts>,
    pub adoption: Option<Adoption>,
}

/// The fields of an action that gates look at. Blank strings count as missing.
#[derive(Debug, Clone, Default)]
pub struct ActionFacts {
    pub code: String,
    pub title: String,
    pub objective: String,
    pub lead_organisation: Option<String>,
    pub lead_person: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub has_estimated_cost: bool,
    pub funding_count: usize,
    pub indicator_count: usize,
    pub risk_count: usize,
}

/// The record of the council's (or mayor's) decision adopting the plan.
#[derive(Debug, Clone, Default)]
pub struct Adoption {
    pub body: String,
    pub decision_date: Option<NaiveDate>,
    pub reference: String,
}

/// The outcome of one rule, as shown in `GET /plans/{id}/stages` and in a refused submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// The rule's string form, e.g. `section_written:ulg`.
    pub rule: String,
    pub ok: bool,
    /// Says what is missing when the check fails, in the users' words.
    pub message: String,
}

/// Runs `rules` in order, one result per rule. A submission is refused when any is not ok.
pub fn run_gates(rules: &[GateRule], facts: &PlanFacts) -> Vec<CheckResult> {
    rules
        .iter()
        .map(|rule| {
            let (ok, message) = check(rule, facts);
            CheckResult {
                rule: rule.to_string(),
                ok,
                message,
            }
        })
        .collect()
}

fn check(rule: &GateRule, facts: &PlanFacts) -> (bool, String) {
    match rule {
        GateRule::SectionWritten(key) => {
            let title = section(key).map_or(key.as_str(), |s| s.title);
            if section_written(facts, key) {
                (true, format!("Section \"{title}\" is written"))
            } else {
                (
                    false,
                    format!("Section \"{title}\" is not written yet (headings alone do not count)"),
                )
            }
        }
        GateRule::AllSectionsWritten => {
            let missing: Vec<&str> = SECTION_TEMPLATE
                .iter()
                .filter(|s| !section_written(facts, s.key))
                .map(|s| s.title)
                .collect();
            if missing.is_empty() {
                (true, "Every section is written".to_owned())
            } else {
                (false, format!("Not written yet: {}", missing.join(", ")))
            }
        }
        GateRule::MinOneAction => match facts.actions.len() {
            0 => (false, "The plan has no action yet".to_owned()),
            1 => (true, "The plan has 1 action".to_owned()),
            n => (true, format!("The plan has {n} actions")),
        },
        GateRule::ActionsHaveTitleAndObjective => per_action(
            facts,
            "Every action has a title and an objective",
            |action| {
                let mut missing = Vec::new();
                if blank(&action.title) {
                    missing.push("no title");
                }
                if blank(&action.objective) {
                    missing.push("no objective");
                }
                missing
            },
        ),
        GateRule::ActionsImplementationComplete => per_action(
            facts,
            "Every action has its lead, dates, cost, funding, indicators and risks",
            implementation_gaps,
        ),
        GateRule::AdoptionRecorded => adoption_check(facts.adoption.as_ref()),
    }
}

fn section_written(facts: &PlanFacts, key: &str) -> bool {
    facts.sections.get(key).is_some_and(|md| is_written(md))
}

/// Runs `gaps` on every action; fails listing each incomplete action with what it lacks.
fn per_action(
    facts: &PlanFacts,
    all_good: &str,
    gaps: impl Fn(&ActionFacts) -> Vec<&'static str>,
) -> (bool, String) {
    if facts.actions.is_empty() {
        return (true, "There are no actions to check".to_owned());
    }
    let problems: Vec<String> = facts
        .actions
        .iter()
        .enumerate()
        .filter_map(|(i, action)| {
            let missing = gaps(action);
            (!missing.is_empty())
                .then(|| format!("{} has {}", action_name(action, i), join_and(&missing)))
        })
        .collect();
    if problems.is_empty() {
        (true, all_good.to_owned())
    } else {
        (false, problems.join("; "))
    }
}

fn implementation_gaps(action: &ActionFacts) -> Vec<&'static str> {
    let mut missing = Vec::new();
    let has = |value: &Option<String>| value.as_deref().is_some_and(|v| !blank(v));
    if !has(&action.lead_organisation) && !has(&action.lead_person) {
        missing.push("no lead organisation or person");
    }
    match (action.start_date, action.end_date) {
        (None, None) => missing.push("no start or end date"),
        (None, Some(_)) => missing.push("no start date"),
        (Some(_), None) => missing.push("no end date"),
        (Some(start), Some(end)) if end < start => missing.push("an end date before its start"),
        _ => {}
    }
    if !action.has_estimated_cost {
        missing.push("no estimated cost");
    }
    if action.funding_count == 0 {
        missing.push("no funding line");
    }
    if action.indicator_count == 0 {
        missing.push("no indicator");
    }
    if action.risk_count == 0 {
        missing.push("no risk");
    }
    missing
}

fn adoption_check(adoption: Option<&Adoption>) -> (bool, String) {
    let Some(adoption) = adoption else {
        return (false, "Political adoption is not recorded yet".to_owned());
    };
    let mut missing = Vec::new();
    if blank(&adoption.body) {
        missing.push("the adopting body");
    }
    if adoption.decision_date.is_none() {
        missing.push("the decision date");
    }
    if blank(&adoption.reference) {
        missing.push("the decision's reference");
    }
    match adoption.decision_date {
        Some(date) if missing.is_empty() => (
            true,
            format!(
                "Adopted by {} on {date} (reference {})",
                adoption.body.trim(),
                adoption.reference.trim()
            ),
        ),
        _ => (
            false,
            format!("Political adoption is missing {}", join_and(&missing)),
        ),
    }
}

/// How messages name an action: its code, else its title, else its place in the table.
fn action_name(action: &ActionFacts, index: usize) -> String {
    if !blank(&action.code) {
        format!("Action {}", action.code.trim())
    } else if !blank(&action.title) {
        format!("Action \"{}\"", action.title.trim())
    } else {
        format!("Action #{}", index + 1)
    }
}

fn blank(value: &str) -> bool {
    value.trim().is_empty()
}

/// "a", "a and b", "a, b and c".
fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn complete_action(code: &str) -> ActionFacts {
        ActionFacts {
            code: code.into(),
            title: "Creative hub in the old market".into(),
            objective: "Keep young creatives in town".into(),
            lead_organisation: Some("Óbidos Municipality".into()),
            lead_person: None,
            start_date: Some(date(2027, 1, 1)),
            end_date: Some(date(2028, 6, 30)),
            has_estimated_cost: true,
            funding_count: 1,
            indicator_count: 2,
            risk_count: 1,
        }
    }

    fn facts_with_sections(keys: &[&str]) -> PlanFacts {
        PlanFacts {
            sections: keys
                .iter()
                .map(|k| ((*k).to_owned(), format!("# {k}\n\nSome text.")))
                .collect(),
            ..PlanFacts::default()
        }
    }

    fn one(rule: GateRule, facts: &PlanFacts) -> CheckResult {
        run_gates(&[rule], facts).remove(0)
    }

    #[test]
    fn rules_round_trip_through_their_string_form() {
        let rules = vec![
            GateRule::SectionWritten("small_scale".into()),
            GateRule::AllSectionsWritten,
            GateRule::MinOneAction,
            GateRule::ActionsHaveTitleAndObjective,
            GateRule::ActionsImplementationComplete,
            GateRule::AdoptionRecorded,
        ];
        let json = serde_json::to_value(&rules).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                "section_written:small_scale",
                "all_sections_written",
                "min_one_action",
                "actions_have_title_and_objective",
                "actions_implementation_complete",
                "adoption_recorded"
            ])
        );
        assert_eq!(
            serde_json::from_value::<Vec<GateRule>>(json).unwrap(),
            rules
        );
    }

    #[test]
    fn malformed_rules_are_refused() {
        for bad in [
            "",
            "section_written",
            "section_written:",
            "section_written:Bad Key",
            "all",
        ] {
            assert_eq!(
                bad.parse::<GateRule>(),
                Err(UnknownGateRule(bad.to_owned()))
            );
        }
        let error = serde_json::from_str::<GateRule>("\"min_two_actions\"").unwrap_err();
        assert!(error.to_string().contains("min_two_actions"));
    }

    #[test]
    fn rules_name_the_sections_they_lock() {
        assert_eq!(GateRule::SectionWritten("ulg".into()).sections(), ["ulg"]);
        assert_eq!(
            GateRule::AllSectionsWritten.sections().len(),
            SECTION_TEMPLATE.len()
        );
        assert!(GateRule::MinOneAction.sections().is_empty());
    }

    #[test]
    fn section_written_passes_on_text_and_fails_on_headings_or_absence() {
        let mut facts = facts_with_sections(&["ulg"]);
        let ok = one(GateRule::SectionWritten("ulg".into()), &facts);
        assert!(ok.ok);
        assert_eq!(ok.rule, "section_written:ulg");
        facts.sections.insert("ulg".into(), "# ULG\n\n- \n".into());
        let failed = one(GateRule::SectionWritten("ulg".into()), &facts);
        assert!(!failed.ok);
        assert!(
            failed.message.contains("ULG and co-creation process"),
            "{}",
            failed.message
        );
        assert!(!one(GateRule::SectionWritten("context".into()), &facts).ok);
    }

    #[test]
    fn all_sections_written_lists_the_missing_titles() {
        let all: Vec<&str> = SECTION_TEMPLATE.iter().map(|s| s.key).collect();
        assert!(one(GateRule::AllSectionsWritten, &facts_with_sections(&all)).ok);
        let result = one(
            GateRule::AllSectionsWritten,
            &facts_with_sections(&all[1..8]),
        );
        assert!(!result.ok);
        assert_eq!(
            result.message,
            "Not written yet: Executive summary, Transnational learning"
        );
    }

    #[test]
    fn min_one_action_needs_an_action() {
        let mut facts = PlanFacts::default();
        let result = one(GateRule::MinOneAction, &facts);
        assert_eq!(
            (result.ok, result.message.as_str()),
            (false, "The plan has no action yet")
        );
        facts.actions.push(complete_action("A1.1"));
        assert!(one(GateRule::MinOneAction, &facts).ok);
    }

    #[test]
    fn actions_need_a_title_and_an_objective() {
        let mut facts = PlanFacts::default();
        assert!(one(GateRule::ActionsHaveTitleAndObjective, &facts).ok);
        facts.actions = vec![complete_action("A1.1"), complete_action("A1.2")];
        assert!(one(GateRule::ActionsHaveTitleAndObjective, &facts).ok);
        facts.actions[1].title = " ".into();
        facts.actions[1].objective = String::new();
        facts.actions[0].objective = String::new();
        let result = one(GateRule::ActionsHaveTitleAndObjective, &facts);
        assert!(!result.ok);
        assert_eq!(
            result.message,
            "Action A1.1 has no objective; Action A1.2 has no title and no objective"
        );
    }

    #[test]
    fn actions_implementation_complete_names_each_gap() {
        let mut facts = PlanFacts {
            actions: vec![complete_action("A1.1"), complete_action("A1.2")],
            ..PlanFacts::default()
        };
        assert!(one(GateRule::ActionsImplementationComplete, &facts).ok);

        facts.actions[1].risk_count = 0;
        let result = one(GateRule::ActionsImplementationComplete, &facts);
        assert_eq!(
            (result.ok, result.message.as_str()),
            (false, "Action A1.2 has no risk")
        );

        let bare = ActionFacts {
            title: "Festival".into(),
            lead_organisation: Some("  ".into()),
            ..ActionFacts::default()
        };
        facts.actions = vec![bare];
        let result = one(GateRule::ActionsImplementationComplete, &facts);
        assert_eq!(
            result.message,
            "Action \"Festival\" has no lead organisation or person, no start or end date, \
             no estimated cost, no funding line, no indicator and no risk"
        );
    }

    #[test]
    fn implementation_accepts_a_lead_person_and_checks_each_date() {
        let mut action = complete_action("A2.1");
        action.lead_organisation = None;
        action.lead_person = Some("Ana Silva".into());
        assert!(implementation_gaps(&action).is_empty());
        action.start_date = None;
        assert_eq!(implementation_gaps(&action), ["no start date"]);
        action.start_date = Some(date(2027, 1, 1));
        action.end_date = None;
        assert_eq!(implementation_gaps(&action), ["no end date"]);
        action.end_date = Some(date(2026, 12, 31));
        assert_eq!(
            implementation_gaps(&action),
            ["an end date before its start"]
        );
        action.end_date = action.start_date;
        action.has_estimated_cost = false;
        action.funding_count = 0;
        action.indicator_count = 0;
        assert_eq!(
            implementation_gaps(&action),
            ["no estimated cost", "no funding line", "no indicator"]
        );
    }

    #[test]
    fn actions_without_code_or_title_are_named_by_place() {
        let facts = PlanFacts {
            actions: vec![complete_action("A1"), ActionFacts::default()],
            ..PlanFacts::default()
        };
        let result = one(GateRule::ActionsHaveTitleAndObjective, &facts);
        assert_eq!(result.message, "Action #2 has no title and no objective");
    }

    #[test]
    fn adoption_must_be_recorded_in_full() {
        let mut facts = PlanFacts::default();
        let result = one(GateRule::AdoptionRecorded, &facts);
        assert_eq!(result.message, "Political adoption is not recorded yet");
        assert!(!result.ok);

        facts.adoption = Some(Adoption {
            body: "City council".into(),
            decision_date: None,
            reference: " ".into(),
        });
        let result = one(GateRule::AdoptionRecorded, &facts);
        assert!(!result.ok);
        assert_eq!(
            result.message,
            "Political adoption is missing the decision date and the decision's reference"
        );

        facts.adoption = Some(Adoption {
            body: "City council".into(),
            decision_date: Some(date(2027, 3, 2)),
            reference: "Deliberation 12/2027".into(),
        });
        let result = one(GateRule::AdoptionRecorded, &facts);
        assert!(result.ok);
        assert_eq!(
            result.message,
            "Adopted by City council on 2027-03-02 (reference Deliberation 12/2027)"
        );
    }

    #[test]
    fn run_gates_answers_one_result_per_rule_in_order() {
        let rules = [
            GateRule::MinOneAction,
            GateRule::SectionWritten("actions".into()),
            GateRule::SectionWritten("small_scale".into()),
        ];
        let facts = facts_with_sections(&["actions"]);
        let results = run_gates(&rules, &facts);
        let summary: Vec<(&str, bool)> = results.iter().map(|r| (r.rule.as_str(), r.ok)).collect();
        assert_eq!(
            summary,
            [
                ("min_one_action", false),
                ("section_written:actions", true),
                ("section_written:small_scale", false)
            ]
        );
    }
}
