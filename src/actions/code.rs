//! Action codes (`A1`, `A1.2`, `SSA3`): their shape and their reading order.

use std::cmp::Ordering;

use uuid::Uuid;

/// Longest code accepted.
pub const MAX_CODE_LEN: usize = 20;

/// True for 1–4 capital letters followed by numbers joined by dots: `A1`, `A1.2`, `SSA1.2.3`.
pub fn is_valid_code(code: &str) -> bool {
    if code.is_empty() || code.chars().count() > MAX_CODE_LEN {
        return false;
    }
    let letters = code.chars().take_while(|c| c.is_ascii_uppercase()).count();
    if !(1..=4).contains(&letters) {
        return false;
    }
    code[letters..]
        .split('.')
        .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

/// Compares codes as people read them: `A1.2 < A1.10 < A2 < B1`.
pub fn code_cmp(a: &str, b: &str) -> Ordering {
    let (ka, kb) = (sort_key(a), sort_key(b));
    ka.cmp(&kb).then_with(|| a.cmp(b))
}

fn sort_key(code: &str) -> (String, Vec<u64>) {
    let letters: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let numbers = code[letters.len()..]
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(u64::MAX))
        .collect();
    (letters.to_ascii_uppercase(), numbers)
}

/// Whether another action of the plan already uses `code` (codes are compared case-insensitively).
/// The app still needs a unique index; this gives the friendly 409/422 before the insert.
pub fn code_taken<'a>(
    existing: impl IntoIterator<Item = (Uuid, &'a str)>,
    code: &str,
    except: Option<Uuid>,
) -> bool {
    existing
        .into_iter()
        .any(|(id, c)| Some(id) != except && c.trim().eq_ignore_ascii_case(code.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_like_a1_and_a1_2_are_valid() {
        for ok in ["A1", "A1.2", "SSA3", "B12.3.4", "ABCD1"] {
            assert!(is_valid_code(ok), "{ok}");
        }
    }

    #[test]
    fn malformed_codes_are_invalid() {
        for bad in [
            "",
            "1",
            "A",
            "A.",
            "A1.",
            "A1..2",
            "a1",
            "ABCDE1",
            "A 1",
            "A1-2",
            "A1.2x",
            "A12345678901234567890",
        ] {
            assert!(!is_valid_code(bad), "{bad}");
        }
    }

    #[test]
    fn codes_sort_numerically() {
        let mut v = vec!["A2", "A1.10", "B1", "A1.2", "A1"];
        v.sort_by(|a, b| code_cmp(a, b));
        assert_eq!(v, ["A1", "A1.2", "A1.10", "A2", "B1"]);
    }

    #[test]
    fn code_taken_ignores_the_action_itself_and_case() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let existing = [(a, "A1.1"), (b, "A1.2")];
        assert!(code_taken(existing, "a1.2", None));
        assert!(!code_taken(existing, "A1.2", Some(b)));
        assert!(!code_taken(existing, "A3", None));
    }
}
