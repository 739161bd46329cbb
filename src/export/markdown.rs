//! The Markdown export: sections in template order, then the action table and its summaries.

use std::fmt::Write;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag};

use super::document::PlanDocument;
use super::format::{eur, opt_date, opt_eur};
use crate::actions::{Action, FundingSource, FundingStatus, totals};

/// Extensions every Markdown reader in the crate uses, so exports agree on what a table is.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Renders the whole plan as one Markdown file (GitHub-flavoured tables).
pub fn to_markdown(doc: &PlanDocument) -> String {
    let mut m = String::new();
    let _ = writeln!(m, "# {}\n", inline(&doc.title()));
    let _ = writeln!(m, "- **Network:** {}", inline(&doc.network_name));
    let _ = writeln!(
        m,
        "- **City:** {} ({})",
        inline(&doc.city_name),
        inline(&doc.country)
    );
    let _ = writeln!(m, "- **Status:** {}", inline(&doc.status));
    let _ = writeln!(m, "- **Generated on:** {}", doc.generated_on);
    if let Some(a) = &doc.adoption {
        let _ = writeln!(
            m,
            "- **Adopted by:** {} on {} ({})",
            inline(&a.body),
            a.decided_on,
            inline(&a.reference)
        );
    }
    m.push('\n');

    for s in doc.ordered_sections() {
        let _ = writeln!(m, "## {}\n", inline(&s.title));
        let body = shift_headings(&s.markdown, 2);
        let body = body.trim();
        if body.is_empty() {
            m.push_str("*Not written yet.*\n\n");
        } else {
            m.push_str(body);
            m.push_str("\n\n");
        }
    }

    let actions = doc.ordered_actions();
    action_table(&mut m, &actions);
    action_details(&mut m, &actions);
    funding_summary(&mut m, &actions);
    indicators(&mut m, &actions);
    risks(&mut m, &actions);
    m.truncate(m.trim_end().len());
    m.push('\n');
    m
}

fn action_table(m: &mut String, actions: &[Action]) {
    m.push_str("## Action table\n\n");
    if actions.is_empty() {
        m.push_str("*No actions yet.*\n\n");
        return;
    }
    row(
        m,
        &[
            "Code",
            "Action",
            "Lead",
            "Start",
            "End",
            "Estimated cost",
            "Status",
        ],
    );
    m.push_str("|---|---|---|---|---|--:|---|\n");
    for a in actions {
        row(
            m,
            &[
                &a.code,
                &a.title,
                &a.lead_organisation,
                &opt_date(a.start_date),
                &opt_date(a.end_date),
                &opt_eur(a.estimated_cost_eur),
                a.status.key(),
            ],
        );
    }
    m.push('\n');
}

fn action_details(m: &mut String, actions: &[Action]) {
    for a in actions {
        let _ = writeln!(m, "### {} {}\n", inline(&a.code), inline(&a.title));
        let mut field = |label: &str, value: &str| {
            if !value.trim().is_empty() {
                let _ = writeln!(m, "- **{label}:** {}", inline(value));
            }
        };
        field("Objective", &a.objective);
        field("Type", &a.action_type);
        field("Lead organisation", &a.lead_organisation);
        field("Lead person", &a.lead_person);
        field("Partners", &a.partners.join("; "));
        m.push('\n');
        if !a.description.trim().is_empty() {
            // The description is the writers' Markdown: kept as written, headings pushed below ###.
            m.push_str(shift_headings(&a.description, 3).trim());
            m.push_str("\n\n");
        }
        if !a.funding.is_empty() {
            row(m, &["Funding source", "Amount", "Status"]);
            m.push_str("|---|--:|---|\n");
            for f in &a.funding {
                row(m, &[f.source.label(), &eur(f.amount_eur), f.status.label()]);
            }
            m.push('\n');
        }
    }
}

fn funding_summary(m: &mut String, actions: &[Action]) {
    let t = totals(actions);
    m.push_str("## Funding summary\n\n");
    let _ = writeln!(
        m,
        "- **Total estimated cost:** {}",
        eur(t.estimated_cost_eur)
    );
    let _ = writeln!(m, "- **Total funding identified:** {}", eur(t.funding_eur));
    let _ = writeln!(m, "- **Funding gap:** {}", eur(t.funding_gap_eur));
    let pct = t
        .secured_pct
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".into());
    let _ = writeln!(m, "- **Secured:** {pct} of funding identified\n");
    row(m, &["Source", "Amount"]);
    m.push_str("|---|--:|\n");
    for s in FundingSource::ALL {
        if let Some(v) = t.by_source.get(&s) {
            row(m, &[s.label(), &eur(*v)]);
        }
    }
    m.push('\n');
    row(m, &["Status", "Amount"]);
    m.push_str("|---|--:|\n");
    for (st, v) in [
        (FundingStatus::Secured, t.by_status.secured),
        (FundingStatus::Applied, t.by_status.applied),
        (FundingStatus::Potential, t.by_status.potential),
    ] {
        row(m, &[st.label(), &eur(v)]);
    }
    m.push('\n');
}

fn indicators(m: &mut String, actions: &[Action]) {
    m.push_str("## Indicators\n\n");
    if actions.iter().all(|a| a.indicators.is_empty()) {
        m.push_str("*No indicators yet.*\n\n");
        return;
    }
    row(
        m,
        &[
            "Action",
            "Indicator",
            "Kind",
            "Baseline",
            "Target",
            "Unit",
            "Source",
            "Frequency",
        ],
    );
    m.push_str("|---|---|---|---|---|---|---|---|\n");
    for a in actions {
        for i in &a.indicators {
            row(
                m,
                &[
                    &a.code,
                    &i.name,
                    i.kind.key(),
                    &i.baseline,
                    &i.target,
                    &i.unit,
                    &i.source,
                    &i.frequency,
                ],
            );
        }
    }
    m.push('\n');
}

fn risks(m: &mut String, actions: &[Action]) {
    m.push_str("## Risks\n\n");
    if actions.iter().all(|a| a.risks.is_empty()) {
        m.push_str("*No risks yet.*\n\n");
        return;
    }
    row(
        m,
        &[
            "Action",
            "Risk",
            "Likelihood",
            "Impact",
            "Mitigation",
            "Owner",
        ],
    );
    m.push_str("|---|---|:-:|:-:|---|---|\n");
    for a in actions {
        for r in &a.risks {
            row(
                m,
                &[
                    &a.code,
                    &r.description,
                    r.likelihood.key(),
                    r.impact.key(),
                    &r.mitigation,
                    &r.owner,
                ],
            );
        }
    }
    m.push('\n');
}

fn row(m: &mut String, cells: &[&str]) {
    m.push('|');
    for c in cells {
        let _ = write!(m, " {} |", inline(c));
    }
    m.push('\n');
}

/// Plain text made safe inside a Markdown line or table cell: Markdown punctuation escaped, line
/// breaks flattened (a table row is one line).
fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\r' => {}
            '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// Pushes every heading of `md` down by `by` levels (capped at 6) so a section's own `#` sits
/// under the section title. Setext headings (`Title\n====`) are rewritten as ATX.
pub(crate) fn shift_headings(md: &str, by: usize) -> String {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (event, range) in Parser::new_ext(md, options()).into_offset_iter() {
        let Event::Start(Tag::Heading { level, .. }) = event else {
            continue;
        };
        let new_level = (heading_number(level) + by).min(6);
        let src = &md[range.clone()];
        let lead = src.len() - src.trim_start_matches(' ').len();
        if src[lead..].starts_with('#') {
            let hashes = src[lead..].chars().take_while(|c| *c == '#').count();
            let start = range.start + lead;
            edits.push((start..start + hashes, "#".repeat(new_level)));
        } else {
            // Setext: every line but the underline is the heading text.
            let lines: Vec<&str> = src.trim_end().lines().collect();
            let text = lines[..lines.len().saturating_sub(1)]
                .iter()
                .map(|l| l.trim())
                .collect::<Vec<_>>()
                .join(" ");
            let end = range.start + src.trim_end().len();
            edits.push((
                range.start..end,
                format!("{} {text}", "#".repeat(new_level)),
            ));
        }
    }
    let mut out = md.to_string();
    for (r, text) in edits.into_iter().rev() {
        out.replace_range(r, &text);
    }
    out
}

pub(crate) fn heading_number(level: HeadingLevel) -> usize {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

#[cfg(test)]
mod tests {
    use pulldown_cmark::TagEnd;

    use super::*;
    use crate::demo::plan as demo;

    #[test]
    fn headings_are_shifted_below_the_section_title() {
        assert_eq!(
            shift_headings("# Core\n\ntext\n## Sub\n", 2),
            "### Core\n\ntext\n#### Sub\n"
        );
        assert_eq!(
            shift_headings("Objective 1\n-----------\n\nx\n", 2),
            "#### Objective 1\n\nx\n"
        );
        assert_eq!(shift_headings("##### Deep\n", 2), "###### Deep\n");
        assert_eq!(
            shift_headings("```\n# not a heading\n```\n", 2),
            "```\n# not a heading\n```\n"
        );
    }

    #[test]
    fn markdown_export_has_sections_in_template_order_then_the_tables() {
        let mut doc = demo::plan_document();
        doc.sections.reverse();
        let md = to_markdown(&doc);
        let pos = |needle: &str| {
            md.find(needle)
                .unwrap_or_else(|| panic!("missing {needle}"))
        };
        assert!(md.starts_with("# Integrated Action Plan — Óbidos\n"));
        assert!(pos("## Executive summary") < pos("## ULG and co-creation process"));
        assert!(pos("## Implementation framework") < pos("## Transnational learning"));
        assert!(pos("## Transnational learning") < pos("## Action table"));
        assert!(pos("## Action table") < pos("## Funding summary"));
        assert!(pos("## Funding summary") < pos("## Indicators"));
        assert!(pos("## Indicators") < pos("## Risks"));
        assert!(md.contains("### Core problem"));
        assert!(md.contains("| A1.1 | Creative hub in the old market hall | Óbidos Municipality | 2027-03-01 | 2028-06-30 | €480,000.00 | drafted |"));
        assert!(md.contains("| ERDF | €240,000.00 |"));
        assert!(md.contains("Too few applicants \\| low visibility"));
        assert!(md.contains(
            "- **Adopted by:** Óbidos Municipal Assembly on 2026-11-12 (Deliberation 87/2026)"
        ));
    }

    #[test]
    fn markdown_export_parses_back_with_the_expected_tables() {
        let md = to_markdown(&demo::plan_document());
        let mut tables = 0;
        let mut h2 = Vec::new();
        let mut in_h2 = false;
        for e in Parser::new_ext(&md, options()) {
            match e {
                Event::Start(Tag::Table(_)) => tables += 1,
                Event::Start(Tag::Heading {
                    level: HeadingLevel::H2,
                    ..
                }) => in_h2 = true,
                Event::End(TagEnd::Heading(HeadingLevel::H2)) => in_h2 = false,
                Event::Text(t) if in_h2 => h2.push(t.to_string()),
                _ => {}
            }
        }
        // context's own table + action table + 3 per-action funding tables + source + status + indicators + risks
        assert_eq!(tables, 9);
        assert_eq!(h2.len(), 9 + 4);
        assert_eq!(h2[0], "Executive summary");
    }

    #[test]
    fn an_empty_plan_still_exports() {
        let mut doc = demo::plan_document();
        doc.actions.clear();
        doc.sections[0].markdown = "  \n".into();
        let md = to_markdown(&doc);
        assert!(md.contains("*Not written yet.*"));
        assert!(md.contains("*No actions yet.*"));
        assert!(md.contains("- **Secured:** — of funding identified"));
    }
}
