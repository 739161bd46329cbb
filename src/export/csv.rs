//! The action table as CSV (RFC 4180: comma, CRLF, quotes doubled), UTF-8 with a byte-order mark
//! so Excel detects the encoding and shows "Óbidos" rather than "Ã“bidos".

use super::format::opt_date;
use crate::actions::{Action, money, sort_by_code};

/// Header of the CSV; one row per action follows, in code order.
pub const CSV_HEADER: [&str; 18] = [
    "code",
    "title",
    "status",
    "action_type",
    "objective",
    "description",
    "lead_organisation",
    "lead_person",
    "partners",
    "start_date",
    "end_date",
    "estimated_cost_eur",
    "funding_total_eur",
    "funding_secured_eur",
    "funding",
    "indicators",
    "risks",
    "id",
];

/// Renders the CSV. Amounts are plain `1234.50` (machine-readable); lists are joined with `; `,
/// each item in a fixed readable form. Text cells that a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, CR first) get a leading `'`, as OWASP advises against CSV injection.
pub fn to_csv(actions: &[Action]) -> Result<Vec<u8>, csv::Error> {
    let mut sorted = actions.to_vec();
    sort_by_code(&mut sorted);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::from("\u{feff}".as_bytes()));
    w.write_record(CSV_HEADER)?;
    for a in &sorted {
        let total: rust_decimal::Decimal = a.funding.iter().map(|f| f.amount_eur).sum();
        let secured: rust_decimal::Decimal = a
            .funding
            .iter()
            .filter(|f| f.status == crate::actions::FundingStatus::Secured)
            .map(|f| f.amount_eur)
            .sum();
        let funding = a
            .funding
            .iter()
            .map(|f| {
                format!(
                    "{} {} ({})",
                    f.source.key(),
                    money::to_text(f.amount_eur),
                    f.status.key()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let indicators = a
            .indicators
            .iter()
            .map(|i| {
                let unit = if i.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", i.unit)
                };
                format!(
                    "{} ({}): {} → {}{unit}",
                    i.name,
                    i.kind.key(),
                    dash(&i.baseline),
                    dash(&i.target)
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let risks = a
            .risks
            .iter()
            .map(|r| {
                format!(
                    "{} (likelihood {}, impact {})",
                    r.description,
                    r.likelihood.key(),
                    r.impact.key()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        w.write_record([
            text(&a.code),
            text(&a.title),
            a.status.key().to_string(),
            text(&a.action_type),
            text(&a.objective),
            text(&a.description),
            text(&a.lead_organisation),
            text(&a.lead_person),
            text(&a.partners.join("; ")),
            opt_date(a.start_date),
            opt_date(a.end_date),
            a.estimated_cost_eur.map(money::to_text).unwrap_or_default(),
            money::to_text(total),
            money::to_text(secured),
            text(&funding),
            text(&indicators),
            text(&risks),
            a.id.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// Neutralises spreadsheet formulas in user text.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;

    fn parse(bytes: &[u8]) -> Vec<csv::StringRecord> {
        let body = bytes
            .strip_prefix("\u{feff}".as_bytes())
            .expect("BOM first");
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(body);
        r.records().map(|x| x.unwrap()).collect()
    }

    #[test]
    fn csv_starts_with_a_bom_and_parses_back_with_a_header() {
        let bytes = to_csv(&demo::actions()).unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        let rows = parse(&bytes);
        assert_eq!(rows.len(), 1 + 4);
        assert_eq!(rows[0].iter().collect::<Vec<_>>(), CSV_HEADER);
        let hub = &rows[1];
        assert_eq!(&hub[0], "A1.1");
        assert_eq!(&hub[1], "Creative hub in the old market hall");
        assert_eq!(
            &hub[8],
            "Óbidos Technology Park; Escola Josefa de Óbidos; Association of Local Artisans, \"Mãos\""
        );
        assert_eq!(&hub[11], "480000.00");
        assert_eq!(&hub[12], "450000.00");
        assert_eq!(&hub[13], "360000.00");
        assert_eq!(
            &hub[14],
            "ERDF 240000.00 (secured); municipal 120000.00 (secured); private 90000.00 (potential)"
        );
        assert!(
            hub[15].starts_with("Studios let to creative businesses (output): 0 → 18 studios; ")
        );
        assert_eq!(
            &hub[16],
            "Refurbishment costs exceed the estimate (listed building) (likelihood M, impact H)"
        );
        let idea = &rows[4];
        assert_eq!(&idea[0], "A3.1");
        assert_eq!((&idea[9], &idea[11], &idea[12]), ("", "", "0.00"));
    }

    #[test]
    fn csv_uses_crlf_and_quotes_commas_quotes_and_newlines() {
        let mut a = demo::creative_hub();
        a.description = "Line one\nline \"two\", end".into();
        let bytes = to_csv(&[a]).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\r\n"));
        assert!(text.contains("\"Line one\nline \"\"two\"\", end\""));
        assert_eq!(&parse(&bytes)[1][5], "Line one\nline \"two\", end");
    }

    #[test]
    fn formulas_in_text_are_neutralised() {
        let mut a = demo::creative_hub();
        a.title = "=HYPERLINK(\"http://evil\")".into();
        a.lead_person = "@admin".into();
        let rows = parse(&to_csv(&[a]).unwrap());
        assert_eq!(&rows[1][1], "'=HYPERLINK(\"http://evil\")");
        assert_eq!(&rows[1][7], "'@admin");
    }
}
