//! `Content-Disposition` for downloads (RFC 6266 with an RFC 8187 UTF-8 name).

use chrono::NaiveDate;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Characters RFC 8187 `attr-char` allows unencoded besides letters and digits.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `attachment; filename="IAP-Obidos-2026-11-21.docx"; filename*=UTF-8''IAP-%C3%93bidos-2026-11-21.docx`.
///
/// The plain `filename` is an ASCII fallback (accents dropped, anything risky replaced by `-`) for
/// old clients; modern browsers use `filename*`.
pub fn content_disposition(city_name: &str, date: NaiveDate, ext: &str) -> String {
    let city = safe_name(city_name);
    let ext = ext.trim_start_matches('.');
    let ext: String = ext.chars().filter(char::is_ascii_alphanumeric).collect();
    let utf8 = format!("IAP-{city}-{date}.{ext}");
    let ascii = format!("IAP-{}-{date}.{ext}", ascii_fallback(&city));
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(&utf8, ATTR_CHAR)
    )
}

/// The city name with spaces as `-` and no path or quote characters.
fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        let keep = c.is_alphanumeric() || c == '-' || c == '_';
        let next = if keep { c } else { '-' };
        if !(next == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(next);
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "plan".into() } else { out }
}

/// Drops accents from Latin letters (Ó → O, ő → o) and replaces other non-ASCII by `-`.
fn ascii_fallback(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(base) = strip_accent(c) {
            out.push(base);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "plan".into() } else { out }
}

fn strip_accent(c: char) -> Option<char> {
    const TABLE: &[(&str, char)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", 'A'),
        ("àáâãäåāăą", 'a'),
        ("ÇĆČ", 'C'),
        ("çćč", 'c'),
        ("ĎĐ", 'D'),
        ("ďđ", 'd'),
        ("ÈÉÊËĒĖĘĚ", 'E'),
        ("èéêëēėęě", 'e'),
        ("ÌÍÎÏĪĮ", 'I'),
        ("ìíîïīįı", 'i'),
        ("ŁĽ", 'L'),
        ("łľ", 'l'),
        ("ÑŃŇ", 'N'),
        ("ñńň", 'n'),
        ("ÒÓÔÕÖØŌŐ", 'O'),
        ("òóôõöøōő", 'o'),
        ("ŔŘ", 'R'),
        ("ŕř", 'r'),
        ("ŚŠŞȘ", 'S'),
        ("śšşș", 's'),
        ("ŤŢȚ", 'T'),
        ("ťţț", 't'),
        ("ÙÚÛÜŪŮŰŲ", 'U'),
        ("ùúûüūůűų", 'u'),
        ("ÝŸ", 'Y'),
        ("ýÿ", 'y'),
        ("ŹŻŽ", 'Z'),
        ("źżž", 'z'),
    ];
    TABLE
        .iter()
        .find(|(set, _)| set.contains(c))
        .map(|(_, base)| *base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn obidos_gets_an_ascii_fallback_and_an_encoded_utf8_name() {
        assert_eq!(
            content_disposition("Óbidos", day(), "docx"),
            "attachment; filename=\"IAP-Obidos-2026-11-21.docx\"; filename*=UTF-8''IAP-%C3%93bidos-2026-11-21.docx"
        );
    }

    #[test]
    fn spaces_quotes_and_slashes_never_reach_the_header() {
        let h = content_disposition("Reggio \"Emilia\"/..\\x", day(), ".csv");
        assert_eq!(
            h,
            "attachment; filename=\"IAP-Reggio-Emilia-x-2026-11-21.csv\"; filename*=UTF-8''IAP-Reggio-Emilia-x-2026-11-21.csv"
        );
    }

    #[test]
    fn hungarian_and_finnish_names_fall_back_cleanly() {
        let h = content_disposition("Hódmezővásárhely", day(), "md");
        assert!(
            h.starts_with("attachment; filename=\"IAP-Hodmezovasarhely-2026-11-21.md\""),
            "{h}"
        );
        let h = content_disposition("Jyväskylä", day(), "html");
        assert!(h.contains("filename=\"IAP-Jyvaskyla-2026-11-21.html\""));
        assert!(h.contains("filename*=UTF-8''IAP-Jyv%C3%A4skyl%C3%A4-2026-11-21.html"));
    }

    #[test]
    fn an_empty_or_non_latin_name_still_gives_a_file_name() {
        assert!(
            content_disposition("  ", day(), "json")
                .contains("filename=\"IAP-plan-2026-11-21.json\"")
        );
        assert!(
            content_disposition("東京", day(), "json")
                .contains("filename=\"IAP-plan-2026-11-21.json\"")
        );
    }
}
