//! The rules an action must meet before it is stored (DESIGN §7: every write names the field).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::code::{MAX_CODE_LEN, is_valid_code};
use super::input::ActionInput;
use crate::error::FieldError;

/// Limits, public so the OpenAPI document and the frontend can show the same numbers.
pub mod limits {
    pub const TITLE: usize = 200;
    pub const DESCRIPTION: usize = 10_000;
    pub const OBJECTIVE: usize = 2_000;
    pub const ACTION_TYPE: usize = 100;
    pub const NAME: usize = 200;
    pub const SHORT_TEXT: usize = 100;
    pub const UNIT: usize = 50;
    pub const RISK_TEXT: usize = 1_000;
    pub const LIST_ITEMS: usize = 50;
    /// Dates outside these years are typing mistakes (and would blow up the Gantt chart).
    pub const FIRST_YEAR: i32 = 2000;
    pub const LAST_YEAR: i32 = 2100;
    /// Largest amount accepted: 999,999,999,999.99 EUR.
    pub const MAX_AMOUNT_EUR: &str = "999999999999.99";
}

/// All broken rules of an already-normalised input.
pub(super) fn action(a: &ActionInput) -> Vec<FieldError> {
    let mut v = Errors(Vec::new());

    if a.code.is_empty() {
        v.push("code", "is required");
    } else if a.code.chars().count() > MAX_CODE_LEN {
        v.push("code", format!("must be at most {MAX_CODE_LEN} characters"));
    } else if !is_valid_code(&a.code) {
        v.push(
            "code",
            "must look like A1 or A1.2: 1–4 letters, then numbers separated by dots",
        );
    }
    v.required_line("title", &a.title, limits::TITLE);
    v.text("description", &a.description, limits::DESCRIPTION);
    v.text("objective", &a.objective, limits::OBJECTIVE);
    v.line("action_type", &a.action_type, limits::ACTION_TYPE);
    v.line("lead_organisation", &a.lead_organisation, limits::NAME);
    v.line("lead_person", &a.lead_person, limits::NAME);

    v.list_len("partners", a.partners.len());
    for (i, p) in a.partners.iter().enumerate() {
        v.required_line(&format!("partners[{i}]"), p, limits::NAME);
    }

    v.date("start_date", a.start_date);
    v.date("end_date", a.end_date);
    if let (Some(s), Some(e)) = (a.start_date, a.end_date)
        && e < s
    {
        v.push("end_date", "must not be before start_date");
    }
    if let Some(c) = a.estimated_cost_eur {
        v.amount("estimated_cost_eur", c);
    }

    v.list_len("funding", a.funding.len());
    for (i, f) in a.funding.iter().enumerate() {
        v.amount(&format!("funding[{i}].amount_eur"), f.amount_eur);
    }

    v.list_len("indicators", a.indicators.len());
    for (i, ind) in a.indicators.iter().enumerate() {
        let p = |f: &str| format!("indicators[{i}].{f}");
        v.required_line(&p("name"), &ind.name, limits::NAME);
        v.line(&p("baseline"), &ind.baseline, limits::SHORT_TEXT);
        v.line(&p("target"), &ind.target, limits::SHORT_TEXT);
        v.line(&p("unit"), &ind.unit, limits::UNIT);
        v.line(&p("source"), &ind.source, limits::NAME);
        v.line(&p("frequency"), &ind.frequency, limits::SHORT_TEXT);
    }

    v.list_len("risks", a.risks.len());
    for (i, r) in a.risks.iter().enumerate() {
        let p = |f: &str| format!("risks[{i}].{f}");
        if r.description.is_empty() {
            v.push(&p("description"), "is required");
        }
        v.text(&p("description"), &r.description, limits::RISK_TEXT);
        v.text(&p("mitigation"), &r.mitigation, limits::RISK_TEXT);
        v.line(&p("owner"), &r.owner, limits::NAME);
    }
    v.0
}

struct Errors(Vec<FieldError>);

impl Errors {
    fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Multi-line text: only a length limit.
    fn text(&mut self, field: &str, s: &str, max: usize) {
        if s.chars().count() > max {
            self.push(field, format!("must be at most {max} characters"));
        }
    }

    /// Single-line text (names, titles): a length limit and no line breaks or control characters.
    fn line(&mut self, field: &str, s: &str, max: usize) {
        self.text(field, s, max);
        if s.chars().any(char::is_control) {
            self.push(field, "must be a single line without control characters");
        }
    }

    fn required_line(&mut self, field: &str, s: &str, max: usize) {
        if s.is_empty() {
            self.push(field, "is required");
        } else {
            self.line(field, s, max);
        }
    }

    fn list_len(&mut self, field: &str, n: usize) {
        if n > limits::LIST_ITEMS {
            self.push(
                field,
                format!("must have at most {} items", limits::LIST_ITEMS),
            );
        }
    }

    fn date(&mut self, field: &str, d: Option<NaiveDate>) {
        use chrono::Datelike;
        if let Some(d) = d
            && !(limits::FIRST_YEAR..=limits::LAST_YEAR).contains(&d.year())
        {
            self.push(
                field,
                format!(
                    "must be between {} and {}",
                    limits::FIRST_YEAR,
                    limits::LAST_YEAR
                ),
            );
        }
    }

    fn amount(&mut self, field: &str, d: Decimal) {
        if d.is_sign_negative() && !d.is_zero() {
            self.push(field, "must not be negative");
        } else if d.normalize().scale() > 2 {
            self.push(field, "must have at most 2 decimals (whole cents)");
        } else if d > max_amount() {
            self.push(
                field,
                format!("must be at most {} EUR", limits::MAX_AMOUNT_EUR),
            );
        }
    }
}

fn max_amount() -> Decimal {
    Decimal::new(99_999_999_999_999, 2)
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rust_decimal_macros::dec;
    use uuid::Uuid;

    use crate::actions::*;
    use crate::demo::plan as demo;

    fn valid() -> ActionInput {
        ActionInput::from(&demo::creative_hub())
    }

    fn errors(input: ActionInput) -> Vec<(String, String)> {
        match input.validate() {
            Ok(()) => vec![],
            Err(e) => e.into_iter().map(|e| (e.field, e.message)).collect(),
        }
    }

    fn fields(input: ActionInput) -> Vec<String> {
        errors(input).into_iter().map(|(f, _)| f).collect()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_demo_action_is_valid() {
        assert_eq!(errors(valid()), vec![]);
    }

    #[test]
    fn code_is_required() {
        let e = errors(ActionInput {
            code: "  ".into(),
            ..valid()
        });
        assert_eq!(e, vec![("code".into(), "is required".into())]);
    }

    #[test]
    fn code_must_follow_the_a1_2_pattern() {
        assert_eq!(
            fields(ActionInput {
                code: "Action 1".into(),
                ..valid()
            }),
            ["code"]
        );
        assert_eq!(
            fields(ActionInput {
                code: "A1.".into(),
                ..valid()
            }),
            ["code"]
        );
    }

    #[test]
    fn code_is_trimmed_and_upper_cased() {
        let a = ActionInput {
            code: " a1.2 ".into(),
            ..valid()
        }
        .into_action(Uuid::now_v7())
        .unwrap();
        assert_eq!(a.code, "A1.2");
    }

    #[test]
    fn code_longer_than_20_characters_is_refused() {
        let e = errors(ActionInput {
            code: "A1.2.3.4.5.6.7.8.9.10".into(),
            ..valid()
        });
        assert_eq!(
            e,
            vec![("code".into(), "must be at most 20 characters".into())]
        );
    }

    #[test]
    fn title_is_required_and_at_most_200_characters() {
        assert_eq!(
            fields(ActionInput {
                title: "".into(),
                ..valid()
            }),
            ["title"]
        );
        assert_eq!(
            fields(ActionInput {
                title: "é".repeat(200),
                ..valid()
            }),
            Vec::<String>::new()
        );
        assert_eq!(
            fields(ActionInput {
                title: "é".repeat(201),
                ..valid()
            }),
            ["title"]
        );
    }

    #[test]
    fn title_must_be_a_single_line() {
        assert_eq!(
            fields(ActionInput {
                title: "Creative\nhub".into(),
                ..valid()
            }),
            ["title"]
        );
    }

    #[test]
    fn long_texts_are_limited() {
        let e = fields(ActionInput {
            description: "x".repeat(10_001),
            objective: "x".repeat(2_001),
            action_type: "x".repeat(101),
            lead_organisation: "x".repeat(201),
            lead_person: "x".repeat(201),
            ..valid()
        });
        assert_eq!(
            e,
            [
                "description",
                "objective",
                "action_type",
                "lead_organisation",
                "lead_person"
            ]
        );
    }

    #[test]
    fn end_date_before_start_date_names_end_date() {
        let e = errors(ActionInput {
            start_date: Some(d("2027-06-01")),
            end_date: Some(d("2027-05-31")),
            ..valid()
        });
        assert_eq!(
            e,
            vec![("end_date".into(), "must not be before start_date".into())]
        );
    }

    #[test]
    fn a_one_day_action_is_fine_and_either_date_may_be_missing() {
        let one_day = ActionInput {
            start_date: Some(d("2027-06-01")),
            end_date: Some(d("2027-06-01")),
            ..valid()
        };
        assert_eq!(fields(one_day), Vec::<String>::new());
        assert_eq!(
            fields(ActionInput {
                start_date: None,
                ..valid()
            }),
            Vec::<String>::new()
        );
    }

    #[test]
    fn dates_outside_2000_to_2100_are_refused() {
        let e = fields(ActionInput {
            start_date: Some(d("1999-12-31")),
            end_date: Some(d("2101-01-01")),
            ..valid()
        });
        assert_eq!(e, ["start_date", "end_date"]);
    }

    #[test]
    fn negative_money_is_refused_with_its_path() {
        let mut input = valid();
        input.estimated_cost_eur = Some(dec!(-1));
        input.funding[1].amount_eur = dec!(-0.01);
        assert_eq!(
            fields(input),
            ["estimated_cost_eur", "funding[1].amount_eur"]
        );
    }

    #[test]
    fn zero_and_negative_zero_amounts_are_allowed() {
        let mut input = valid();
        input.funding[0].amount_eur = dec!(0);
        input.estimated_cost_eur = Some(dec!(-0.00));
        assert_eq!(fields(input), Vec::<String>::new());
    }

    #[test]
    fn fractions_of_a_cent_are_refused_but_trailing_zeros_are_fine() {
        let mut input = valid();
        input.funding[0].amount_eur = "0.30000000000000004".parse().unwrap();
        input.funding[1].amount_eur = dec!(10.500);
        assert_eq!(fields(input), ["funding[0].amount_eur"]);
    }

    #[test]
    fn absurd_amounts_are_refused() {
        let mut input = valid();
        input.estimated_cost_eur = Some(dec!(1000000000000));
        assert_eq!(fields(input), ["estimated_cost_eur"]);
    }

    #[test]
    fn amounts_are_stored_with_two_decimals() {
        let mut input = valid();
        input.funding[0].amount_eur = dec!(1000);
        input.estimated_cost_eur = Some(dec!(12.5));
        let a = input.into_action(Uuid::now_v7()).unwrap();
        assert_eq!(a.funding[0].amount_eur.to_string(), "1000.00");
        assert_eq!(a.estimated_cost_eur.unwrap().to_string(), "12.50");
    }

    #[test]
    fn lists_have_at_most_50_items() {
        let mut input = valid();
        input.partners = (0..51).map(|i| format!("Partner {i}")).collect();
        input.funding = vec![input.funding[0].clone(); 51];
        input.indicators = vec![input.indicators[0].clone(); 51];
        input.risks = vec![input.risks[0].clone(); 51];
        assert_eq!(
            fields(input),
            ["partners", "funding", "indicators", "risks"]
        );
    }

    #[test]
    fn partners_must_be_non_empty_names() {
        let mut input = valid();
        input.partners = vec!["Óbidos Municipality".into(), " ".into(), "x".repeat(201)];
        assert_eq!(fields(input), ["partners[1]", "partners[2]"]);
    }

    #[test]
    fn indicator_needs_a_name_and_short_fields() {
        let mut input = valid();
        input.indicators[0].name = "".into();
        input.indicators[0].target = "9".repeat(101);
        input.indicators[0].unit = "u".repeat(51);
        input.indicators[0].source = "s".repeat(201);
        input.indicators[0].frequency = "f".repeat(101);
        input.indicators[0].baseline = "b".repeat(101);
        assert_eq!(
            fields(input),
            [
                "indicators[0].name",
                "indicators[0].baseline",
                "indicators[0].target",
                "indicators[0].unit",
                "indicators[0].source",
                "indicators[0].frequency"
            ]
        );
    }

    #[test]
    fn risk_needs_a_description_and_limited_texts() {
        let mut input = valid();
        input.risks[0].description = "".into();
        input.risks[0].mitigation = "m".repeat(1_001);
        input.risks[0].owner = "o".repeat(201);
        assert_eq!(
            fields(input),
            [
                "risks[0].description",
                "risks[0].mitigation",
                "risks[0].owner"
            ]
        );
    }

    #[test]
    fn every_error_is_reported_at_once() {
        let e = fields(ActionInput::default());
        assert_eq!(e, ["code", "title"]);
    }

    #[test]
    fn input_json_accepts_amounts_as_strings_or_numbers_and_defaults_the_rest() {
        let input: ActionInput = serde_json::from_str(
            r#"{"code":"A1.1","title":"Creative hub","estimated_cost_eur":250000.5,
               "funding":[{"source":"ESF+","amount_eur":"1234.50","status":"applied"}]}"#,
        )
        .unwrap();
        assert_eq!(input.estimated_cost_eur, Some(dec!(250000.5)));
        assert_eq!(input.funding[0].source, FundingSource::EsfPlus);
        assert_eq!(input.status, ActionStatus::Idea);
        assert!(input.validate().is_ok());
    }

    #[test]
    fn input_json_refuses_unknown_fields() {
        let r: Result<ActionInput, _> = serde_json::from_str(r#"{"code":"A1","id":"x"}"#);
        assert!(r.unwrap_err().to_string().contains("unknown field `id`"));
    }

    #[test]
    fn action_json_shape_is_stable() {
        let a = demo::creative_hub();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["estimated_cost_eur"], "480000.00");
        assert_eq!(v["funding"][0]["source"], "ERDF");
        assert_eq!(v["funding"][0]["amount_eur"], "240000.00");
        assert_eq!(v["risks"][0]["likelihood"], "M");
        assert_eq!(v["status"], "drafted");
        assert_eq!(v["start_date"], "2027-03-01");
        let back: Action = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
    }

    // PATCH

    fn patch(json: &str) -> Result<Action, Vec<crate::error::FieldError>> {
        let p: ActionPatch = serde_json::from_str(json).unwrap();
        p.apply(&demo::creative_hub())
    }

    #[test]
    fn patch_leaves_absent_fields_unchanged() {
        let a = patch(r#"{"title":"Creative hub in the market hall"}"#).unwrap();
        let before = demo::creative_hub();
        assert_eq!(a.title, "Creative hub in the market hall");
        assert_eq!(
            Action {
                title: before.title.clone(),
                ..a
            },
            before
        );
    }

    #[test]
    fn patch_null_clears_optional_fields() {
        let a = patch(
            r#"{"end_date":null,"estimated_cost_eur":null,"partners":null,"lead_person":null}"#,
        )
        .unwrap();
        assert_eq!(a.end_date, None);
        assert_eq!(a.estimated_cost_eur, None);
        assert!(a.partners.is_empty());
        assert_eq!(a.lead_person, "");
    }

    #[test]
    fn patch_null_on_required_fields_is_refused_once_each() {
        let e = patch(r#"{"code":null,"title":null,"status":null}"#).unwrap_err();
        let f: Vec<_> = e
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            f,
            [
                ("code", "must not be null"),
                ("title", "must not be null"),
                ("status", "must not be null")
            ]
        );
    }

    #[test]
    fn patch_checks_the_merged_action() {
        // The stored start is 2027-03-01: an end date before it is refused.
        let e = patch(r#"{"end_date":"2027-01-01","estimated_cost_eur":"-5"}"#).unwrap_err();
        let f: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(f, ["end_date", "estimated_cost_eur"]);
    }

    #[test]
    fn patch_accepts_numbers_for_money_and_refuses_unknown_fields() {
        let a = patch(r#"{"estimated_cost_eur":1234.5}"#).unwrap();
        assert_eq!(a.estimated_cost_eur.unwrap().to_string(), "1234.50");
        assert!(serde_json::from_str::<ActionPatch>(r#"{"colour":"red"}"#).is_err());
    }
}
