//! Serde for euro amounts: written as a JSON string with two decimals (`"1234.50"`), read from a
//! string or a number.
//!
//! Strings keep amounts exact end to end (a JavaScript number cannot hold every cent of a large
//! budget). Numbers are accepted for convenience: serde_json hands them over as `f64`, whose
//! shortest representation is exact for amounts up to 15 significant digits; anything that comes
//! out with more than two decimals (e.g. `0.30000000000000004`) is refused by validation.

use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserializer, Serializer, de};

/// The canonical text of an amount: two decimals, no grouping (`1234.50`).
pub fn to_text(amount: Decimal) -> String {
    let mut d = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    d.rescale(2);
    d.to_string()
}

pub fn serialize<S: Serializer>(amount: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_text(*amount))
}

pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    d.deserialize_any(AmountVisitor)
}

struct AmountVisitor;

impl de::Visitor<'_> for AmountVisitor {
    type Value = Decimal;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an amount in euros, as a string like \"1234.50\" or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        let t = v.trim();
        // Only plain decimals: no exponent, no thousands separators, no currency signs.
        let plain = !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_digit() || c == '.' || c == '-' || c == '+');
        if !plain {
            return Err(E::custom(format!(
                "`{v}` is not an amount; write it like \"1234.50\""
            )));
        }
        Decimal::from_str_exact(t)
            .map_err(|_| E::custom(format!("`{v}` is not an amount; write it like \"1234.50\"")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        if !v.is_finite() {
            return Err(E::custom("amount must be a finite number"));
        }
        // `{}` on f64 prints the shortest text that reads back to the same f64, never an exponent.
        Decimal::from_str(&format!("{v}")).map_err(|_| E::custom("amount is out of range"))
    }
}

/// The same rules for `Option<Decimal>`; JSON `null` is `None`.
pub mod option {
    use rust_decimal::Decimal;
    use serde::{Deserializer, Serializer, de};

    pub fn serialize<S: Serializer>(amount: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(a) => super::serialize(a, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_option(OptVisitor)
    }

    struct OptVisitor;

    impl<'de> de::Visitor<'de> for OptVisitor {
        type Value = Option<Decimal>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an amount in euros or null")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

/// Serialises a map's amounts as money strings (used for totals by source).
pub mod map {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::{Serialize, Serializer, ser::SerializeMap};

    pub fn serialize<K: Serialize, S: Serializer>(
        m: &BTreeMap<K, Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let mut out = s.serialize_map(Some(m.len()))?;
        for (k, v) in m {
            out.serialize_entry(k, &super::to_text(*v))?;
        }
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug)]
    struct W {
        #[serde(with = "super")]
        a: rust_decimal::Decimal,
        #[serde(with = "super::option", default)]
        b: Option<rust_decimal::Decimal>,
    }

    fn read(json: &str) -> W {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn amounts_are_written_as_strings_with_two_decimals() {
        let w = W {
            a: dec!(1234.5),
            b: Some(dec!(7)),
        };
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"a":"1234.50","b":"7.00"}"#
        );
        let w = W {
            a: dec!(0),
            b: None,
        };
        assert_eq!(
            serde_json::to_string(&w).unwrap(),
            r#"{"a":"0.00","b":null}"#
        );
    }

    #[test]
    fn strings_and_numbers_are_both_read_exactly() {
        assert_eq!(read(r#"{"a":"1234.50"}"#).a, dec!(1234.50));
        assert_eq!(read(r#"{"a":1234.5}"#).a, dec!(1234.5));
        assert_eq!(read(r#"{"a":0.1}"#).a, dec!(0.1));
        assert_eq!(read(r#"{"a":250000}"#).a, dec!(250000));
        assert_eq!(read(r#"{"a":"999999999999.99"}"#).a, dec!(999999999999.99));
        assert_eq!(read(r#"{"a":"1","b":null}"#).b, None);
        assert_eq!(read(r#"{"a":"1","b":"2.5"}"#).b, Some(dec!(2.5)));
    }

    #[test]
    fn a_float_sum_keeps_its_noise_so_validation_can_refuse_it() {
        // 0.1 + 0.2 computed in JavaScript.
        assert_eq!(
            read(r#"{"a":0.30000000000000004}"#).a.to_string(),
            "0.30000000000000004"
        );
    }

    #[test]
    fn grouped_or_exponent_strings_are_refused() {
        for bad in [r#""1,234.50""#, r#""1e3""#, r#""€12""#, r#""""#, "true"] {
            let r: Result<W, _> = serde_json::from_str(&format!(r#"{{"a":{bad}}}"#));
            assert!(r.is_err(), "{bad} should be refused");
        }
    }
}
