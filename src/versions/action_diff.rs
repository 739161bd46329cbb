//! Which actions were added, removed or changed, and which fields changed.

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::actions::{Action, code_cmp};

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ActionsDiff {
    pub added: Vec<Action>,
    pub removed: Vec<Action>,
    pub changed: Vec<ActionChange>,
}

impl ActionsDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// An action present in both snapshots with at least one different field.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ActionChange {
    pub id: Uuid,
    /// The code in the newer snapshot.
    pub code: String,
    pub title: String,
    pub fields: Vec<FieldChange>,
}

/// One changed value, named by the same paths validation uses (`funding[1].amount_eur`).
/// `old`/`new` are the JSON values (money as strings); `null` when a list item was added or removed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub old: Value,
    pub new: Value,
}

pub(super) fn diff_actions(from: &[Action], to: &[Action]) -> ActionsDiff {
    let mut out = ActionsDiff::default();
    for new in to {
        match from.iter().find(|a| a.id == new.id) {
            None => out.added.push(new.clone()),
            Some(old) => {
                let fields = field_changes(old, new);
                if !fields.is_empty() {
                    out.changed.push(ActionChange {
                        id: new.id,
                        code: new.code.clone(),
                        title: new.title.clone(),
                        fields,
                    });
                }
            }
        }
    }
    out.removed = from
        .iter()
        .filter(|a| !to.iter().any(|b| b.id == a.id))
        .cloned()
        .collect();
    out.added.sort_by(|a, b| code_cmp(&a.code, &b.code));
    out.removed.sort_by(|a, b| code_cmp(&a.code, &b.code));
    out.changed.sort_by(|a, b| code_cmp(&a.code, &b.code));
    out
}

/// Compares the JSON forms, so what is reported is exactly what the API shows.
fn field_changes(old: &Action, new: &Action) -> Vec<FieldChange> {
    let (Ok(Value::Object(o)), Ok(Value::Object(n))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return vec![];
    };
    let mut out = Vec::new();
    // Field order follows the struct (serde_json's map is sorted, so walk `n`'s keys in struct order).
    for key in FIELD_ORDER {
        let (a, b) = (
            o.get(*key).unwrap_or(&Value::Null),
            n.get(*key).unwrap_or(&Value::Null),
        );
        walk(key, a, b, &mut out);
    }
    out
}

const FIELD_ORDER: &[&str] = &[
    "code",
    "title",
    "description",
    "objective",
    "action_type",
    "lead_organisation",
    "lead_person",
    "partners",
    "start_date",
    "end_date",
    "estimated_cost_eur",
    "funding",
    "indicators",
    "risks",
    "status",
];

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<FieldChange>) {
    if a == b {
        return;
    }
    match (a, b) {
        // Lists of plain strings (partners) read best as one before/after pair.
        (Value::Array(x), Value::Array(y)) if x.iter().chain(y).all(Value::is_object) => {
            for i in 0..x.len().max(y.len()) {
                let p = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(u), Some(v)) => walk(&p, u, v, out),
                    (u, v) => out.push(FieldChange {
                        field: p,
                        old: u.cloned().unwrap_or(Value::Null),
                        new: v.cloned().unwrap_or(Value::Null),
                    }),
                }
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, u) in x {
                walk(
                    &format!("{path}.{k}"),
                    u,
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
            for (k, v) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                walk(&format!("{path}.{k}"), &Value::Null, v, out);
            }
        }
        _ => out.push(FieldChange {
            field: path.to_string(),
            old: a.clone(),
            new: b.clone(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::actions::{FundingLine, FundingSource, FundingStatus};
    use crate::demo::plan as demo;

    #[test]
    fn actions_match_by_id_so_a_new_code_is_a_change() {
        let from = demo::actions();
        let mut to = demo::actions();
        to[0].code = "A1.0".into();
        let d = diff_actions(&from, &to);
        assert!(d.added.is_empty() && d.removed.is_empty());
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].code, "A1.0");
        assert_eq!(
            d.changed[0].fields,
            vec![FieldChange {
                field: "code".into(),
                old: json!("A1.1"),
                new: json!("A1.0")
            }]
        );
    }

    #[test]
    fn added_and_removed_actions_are_listed_by_code() {
        let from = demo::actions();
        let mut to = demo::actions();
        let removed = to.remove(1);
        let mut extra = demo::creative_hub();
        extra.id = Uuid::from_u128(42);
        extra.code = "B1".into();
        to.push(extra);
        let d = diff_actions(&from, &to);
        assert_eq!(
            d.removed.iter().map(|a| a.id).collect::<Vec<_>>(),
            [removed.id]
        );
        assert_eq!(d.added[0].code, "B1");
        assert!(d.changed.is_empty());
    }

    #[test]
    fn nested_changes_are_named_by_path_with_money_as_strings() {
        let from = demo::actions();
        let mut to = demo::actions();
        to[0].funding[1].amount_eur = "125000.50".parse().unwrap();
        to[0].funding[1].status = FundingStatus::Applied;
        to[0].funding.push(FundingLine {
            source: FundingSource::National,
            amount_eur: "1.00".parse().unwrap(),
            status: FundingStatus::Potential,
        });
        to[0].risks.clear();
        to[0].partners.push("Escola de Hotelaria".into());
        to[0].end_date = None;
        let d = diff_actions(&from, &to);
        let f: Vec<_> = d.changed[0]
            .fields
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            f,
            [
                "partners",
                "end_date",
                "funding[1].amount_eur",
                "funding[1].status",
                "funding[3]",
                "risks[0]"
            ]
        );
        let amount = &d.changed[0].fields[2];
        assert_eq!(
            (amount.old.clone(), amount.new.clone()),
            (json!("120000.00"), json!("125000.50"))
        );
        assert_eq!(d.changed[0].fields[1].new, Value::Null);
        assert_eq!(d.changed[0].fields[4].old, Value::Null);
        assert_eq!(d.changed[0].fields[5].new, Value::Null);
    }
}
