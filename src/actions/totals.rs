//! Derived money figures of a plan; computed on read, never stored (DESIGN §2).

use std::collections::BTreeMap;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

use super::model::{Action, FundingSource, FundingStatus};
use super::money;

/// The plan's figures. All amounts are exact sums of the stored two-decimal amounts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Sum of the actions' estimated costs (actions without a cost count as nothing).
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub estimated_cost_eur: Decimal,
    /// Sum of every funding line, whatever its status.
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub funding_eur: Decimal,
    /// Estimated cost minus all funding lines; negative when funding lines exceed the cost.
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub funding_gap_eur: Decimal,
    /// Funding per source, only sources that appear, in the fixed source order.
    #[serde(serialize_with = "money::map::serialize")]
    #[schema(value_type = std::collections::BTreeMap<String, String>)]
    pub by_source: BTreeMap<FundingSource, Decimal>,
    pub by_status: StatusTotals,
    /// Secured funding as a share of all funding lines, in percent with one decimal (half away
    /// from zero); `None` when there is no funding at all. Serialised as a string, e.g. `"33.3"`.
    #[serde(with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>)]
    pub secured_pct: Option<Decimal>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatusTotals {
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub secured: Decimal,
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub applied: Decimal,
    #[serde(with = "money")]
    #[schema(value_type = String)]
    pub potential: Decimal,
}

/// Adds up the action table.
pub fn totals(actions: &[Action]) -> Totals {
    let mut estimated = Decimal::ZERO;
    let mut by_source: BTreeMap<FundingSource, Decimal> = BTreeMap::new();
    let mut by_status = StatusTotals::default();
    for a in actions {
        estimated += a.estimated_cost_eur.unwrap_or_default();
        for f in &a.funding {
            *by_source.entry(f.source).or_default() += f.amount_eur;
            let slot = match f.status {
                FundingStatus::Secured => &mut by_status.secured,
                FundingStatus::Applied => &mut by_status.applied,
                FundingStatus::Potential => &mut by_status.potential,
            };
            *slot += f.amount_eur;
        }
    }
    let funding = by_status.secured + by_status.applied + by_status.potential;
    Totals {
        estimated_cost_eur: estimated,
        funding_eur: funding,
        funding_gap_eur: estimated - funding,
        by_source,
        secured_pct: percent(by_status.secured, funding),
        by_status,
    }
}

/// `part / whole × 100` with one decimal; `None` for an empty whole.
pub(crate) fn percent(part: Decimal, whole: Decimal) -> Option<Decimal> {
    if whole.is_zero() {
        return None;
    }
    let pct = part.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(whole)?;
    let mut r = pct.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(1);
    Some(r)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::actions::{FundingLine, FundingSource as S, FundingStatus as St};
    use crate::demo::plan as demo;

    fn action(cost: Option<Decimal>, lines: &[(S, &str, St)]) -> Action {
        Action {
            estimated_cost_eur: cost,
            funding: lines
                .iter()
                .map(|(s, a, st)| FundingLine {
                    source: *s,
                    amount_eur: a.parse().unwrap(),
                    status: *st,
                })
                .collect(),
            ..demo::creative_hub()
        }
    }

    #[test]
    fn point_one_plus_point_two_is_exactly_point_three() {
        let t = totals(&[
            action(Some(dec!(0.1)), &[(S::Erdf, "0.1", St::Secured)]),
            action(Some(dec!(0.2)), &[(S::Erdf, "0.2", St::Secured)]),
        ]);
        assert_eq!(t.estimated_cost_eur, dec!(0.3));
        assert_eq!(t.by_source[&S::Erdf], dec!(0.3));
        assert_eq!(t.funding_gap_eur, Decimal::ZERO);
        assert_eq!(t.secured_pct, Some(dec!(100.0)));
    }

    #[test]
    fn a_one_third_split_rounds_to_one_decimal() {
        let t = totals(&[action(
            Some(dec!(100)),
            &[
                (S::Municipal, "33.33", St::Secured),
                (S::Erdf, "33.33", St::Applied),
                (S::Private, "33.34", St::Potential),
            ],
        )]);
        assert_eq!(t.funding_eur, dec!(100.00));
        assert_eq!(t.secured_pct, Some(dec!(33.3)));
        let t = totals(&[action(
            None,
            &[
                (S::Municipal, "1", St::Secured),
                (S::Erdf, "2", St::Applied),
            ],
        )]);
        assert_eq!(t.secured_pct.unwrap().to_string(), "33.3");
        let t = totals(&[action(
            None,
            &[
                (S::Municipal, "2", St::Secured),
                (S::Erdf, "1", St::Applied),
            ],
        )]);
        assert_eq!(t.secured_pct.unwrap().to_string(), "66.7");
    }

    #[test]
    fn a_half_tenth_of_a_percent_rounds_away_from_zero() {
        // 1 of 8 = 12.5 %, 1 of 16 = 6.25 % → 6.3, 1 of 2000 = 0.05 % → 0.1
        let p = |a: i64, b: i64| {
            percent(Decimal::from(a), Decimal::from(b))
                .unwrap()
                .to_string()
        };
        assert_eq!(p(1, 8), "12.5");
        assert_eq!(p(1, 16), "6.3");
        assert_eq!(p(1, 2000), "0.1");
        assert_eq!(p(0, 7), "0.0");
        assert_eq!(percent(dec!(1), Decimal::ZERO), None);
    }

    #[test]
    fn large_budgets_keep_every_cent() {
        let t = totals(&[
            action(
                Some(dec!(999999999999.99)),
                &[(S::National, "999999999999.99", St::Secured)],
            ),
            action(Some(dec!(0.01)), &[(S::National, "0.01", St::Potential)]),
        ]);
        assert_eq!(t.estimated_cost_eur, dec!(1000000000000.00));
        assert_eq!(t.by_status.potential, dec!(0.01));
        assert_eq!(t.secured_pct, Some(dec!(100.0)));
    }

    #[test]
    fn sources_group_across_actions_and_missing_costs_count_as_nothing() {
        let t = totals(&[
            action(
                None,
                &[
                    (S::Erdf, "10.10", St::Secured),
                    (S::Municipal, "5", St::Applied),
                ],
            ),
            action(Some(dec!(40)), &[(S::Erdf, "0.90", St::Potential)]),
        ]);
        assert_eq!(t.by_source.len(), 2);
        assert_eq!(t.by_source[&S::Erdf], dec!(11.00));
        assert_eq!(t.estimated_cost_eur, dec!(40));
        assert_eq!(t.funding_gap_eur, dec!(24.00));
    }

    #[test]
    fn no_actions_give_zero_totals_and_no_percentage() {
        let t = totals(&[]);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["estimated_cost_eur"], "0.00");
        assert_eq!(v["secured_pct"], serde_json::Value::Null);
        assert_eq!(v["by_source"], serde_json::json!({}));
    }

    #[test]
    fn totals_json_uses_strings_for_money_and_source_keys() {
        let t = totals(&[demo::creative_hub()]);
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["by_source"]["ERDF"], "240000.00");
        assert_eq!(v["by_source"]["municipal"], "120000.00");
        assert_eq!(v["by_status"]["secured"], "360000.00");
        assert_eq!(v["secured_pct"], "80.0");
    }
}
