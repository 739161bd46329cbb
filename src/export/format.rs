//! Small text helpers shared by the exports.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::actions::money;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Money for people: `€480,000.00`.
pub(crate) fn eur(amount: Decimal) -> String {
    let text = money::to_text(amount);
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}€{grouped}.{frac}")
}

pub(crate) fn opt_eur(amount: Option<Decimal>) -> String {
    amount.map(eur).unwrap_or_default()
}

pub(crate) fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;

    #[test]
    fn euros_are_grouped_with_cents() {
        assert_eq!(eur(dec!(480000)), "€480,000.00");
        assert_eq!(eur(dec!(1234.5)), "€1,234.50");
        assert_eq!(eur(dec!(999)), "€999.00");
        assert_eq!(eur(dec!(-1000.1)), "-€1,000.10");
        assert_eq!(eur(dec!(0.3)), "€0.30");
    }

    #[test]
    fn html_escaping_covers_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;"
        );
    }
}
