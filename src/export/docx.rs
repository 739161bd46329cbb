//! The DOCX export (docx-rs): real Heading styles (so Word's navigation pane and table of contents
//! work), real lists, and tables for actions, funding, indicators and risks. A4 portrait.

use std::io::Cursor;

use docx_rs::{
    Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, Shading, Style, StyleType, Table,
    TableCell, TableLayoutType, TableRow, WidthType,
};

use super::document::PlanDocument;
use super::docx_markdown::{BULLET_ABSTRACT, BULLET_NUM, Block, DocBlocks, abstract_numberings};
use super::format::{eur, opt_date, opt_eur};
use crate::actions::{Action, FundingSource, FundingStatus, timeline, totals};

/// A4 in twentieths of a point, 2 cm margins.
const PAGE_W: u32 = 11_906;
const PAGE_H: u32 = 16_838;
const MARGIN: i32 = 1_134;
const TEXT_W: usize = 9_638;
const ACCENT: &str = "1F4E79";

#[derive(Debug, thiserror::Error)]
#[error("could not write the DOCX file: {0}")]
pub struct DocxError(String);

/// Renders the plan as a Word document.
pub fn to_docx(doc: &PlanDocument) -> Result<Vec<u8>, DocxError> {
    let mut b = DocBlocks::new();
    cover(&mut b, doc);
    for s in doc.ordered_sections() {
        chapter(&mut b, &s.title);
        if s.markdown.trim().is_empty() {
            b.para(Paragraph::new().add_run(Run::new().add_text("Not written yet.").italic()));
        } else {
            b.markdown(&s.markdown, 1);
        }
    }
    let actions = doc.ordered_actions();
    action_chapter(&mut b, &actions);
    timeline_chapter(&mut b, &actions);
    funding_chapter(&mut b, &actions);
    indicators_chapter(&mut b, &actions);
    risks_chapter(&mut b, &actions);

    let mut docx = styles(Docx::new())
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN)
                .bottom(MARGIN)
                .left(MARGIN)
                .right(MARGIN),
        )
        .default_fonts(
            RunFonts::new()
                .ascii("Calibri")
                .hi_ansi("Calibri")
                .cs("Calibri"),
        )
        .default_size(21);
    for a in abstract_numberings() {
        docx = docx.add_abstract_numbering(a);
    }
    docx = docx.add_numbering(docx_rs::Numbering::new(BULLET_NUM, BULLET_ABSTRACT));
    for n in b.numberings {
        docx = docx.add_numbering(n);
    }
    for block in b.blocks {
        docx = match block {
            Block::P(p) => docx.add_paragraph(*p),
            Block::T(t) => docx.add_table(*t),
        };
    }
    let mut buf = Cursor::new(Vec::new());
    docx.build()
        .pack(&mut buf)
        .map_err(|e| DocxError(e.to_string()))?;
    Ok(buf.into_inner())
}

/// Styles referenced by id; names are Word's built-in ones so Word and LibreOffice map them to
/// their own Heading 1…6, Title, Quote.
fn styles(d: Docx) -> Docx {
    let mut d = d
        .add_style(
            Style::new("Normal", StyleType::Paragraph)
                .name("Normal")
                .line_spacing(LineSpacing::new().after(120)),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .size(52)
                .bold()
                .color(ACCENT),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .size(30)
                .color("404040"),
        )
        .add_style(
            Style::new("Quote", StyleType::Paragraph)
                .name("Quote")
                .based_on("Normal")
                .italic()
                .indent(Some(567), None, None, None),
        )
        .add_style(
            Style::new("Code", StyleType::Paragraph)
                .name("Code")
                .based_on("Normal")
                .fonts(
                    RunFonts::new()
                        .ascii("DejaVu Sans Mono")
                        .hi_ansi("DejaVu Sans Mono"),
                ),
        )
        .add_style(Style::new("TableGrid", StyleType::Table).name("Table Grid"));
    let sizes = [36, 28, 24, 22, 21, 21];
    for (i, size) in sizes.iter().enumerate() {
        let n = i + 1;
        d = d.add_style(
            Style::new(format!("Heading{n}"), StyleType::Paragraph)
                .name(format!("heading {n}"))
                .based_on("Normal")
                .next("Normal")
                .q_format(true)
                .outline_lvl(i)
                .size(*size)
                .bold()
                .color(ACCENT),
        );
    }
    d
}

fn cover(b: &mut DocBlocks, doc: &PlanDocument) {
    b.para(
        Paragraph::new()
            .style("Subtitle")
            .add_run(Run::new().add_text(&doc.network_name)),
    );
    b.para(
        Paragraph::new()
            .style("Title")
            .add_run(Run::new().add_text("Integrated Action Plan")),
    );
    b.para(
        Paragraph::new()
            .style("Subtitle")
            .add_run(Run::new().add_text(format!("{} ({})", doc.city_name, doc.country))),
    );
    let mut rows = vec![
        vec!["Status".to_string(), doc.status.clone()],
        vec!["Generated on".to_string(), doc.generated_on.to_string()],
    ];
    if let Some(a) = &doc.adoption {
        rows.push(vec![
            "Adopted by".into(),
            format!("{} on {} ({})", a.body, a.decided_on, a.reference),
        ]);
    }
    b.table(table(&[], &rows, &[1, 3]));
}

/// A chapter title: Heading 1 on a new page.
fn chapter(b: &mut DocBlocks, title: &str) {
    b.para(
        Paragraph::new()
            .style("Heading1")
            .page_break_before(true)
            .add_run(Run::new().add_text(title)),
    );
}

fn heading2(b: &mut DocBlocks, title: &str) {
    b.para(
        Paragraph::new()
            .style("Heading2")
            .keep_next(true)
            .add_run(Run::new().add_text(title)),
    );
}

fn label_value(b: &mut DocBlocks, label: &str, value: &str) {
    if !value.trim().is_empty() {
        b.para(
            Paragraph::new()
                .add_run(Run::new().add_text(format!("{label}: ")).bold())
                .add_run(Run::new().add_text(value)),
        );
    }
}

/// A bordered table filling the text width; `weights` share the width between columns.
fn table(headers: &[&str], rows: &[Vec<String>], weights: &[usize]) -> Table {
    let total: usize = weights.iter().sum::<usize>().max(1);
    let grid: Vec<usize> = weights.iter().map(|w| TEXT_W * w / total).collect();
    let cell = |text: &str, w: usize, head: bool| {
        let mut run = Run::new().add_text(text).size(18);
        if head {
            run = run.bold();
        }
        let mut c = TableCell::new()
            .width(w, WidthType::Dxa)
            .add_paragraph(Paragraph::new().add_run(run));
        if head {
            c = c.shading(Shading::new().fill("E8EEF5"));
        }
        c
    };
    let mut out = Vec::new();
    if !headers.is_empty() {
        out.push(
            TableRow::new(
                headers
                    .iter()
                    .zip(&grid)
                    .map(|(h, w)| cell(h, *w, true))
                    .collect(),
            )
            .cant_split(),
        );
    }
    for r in rows {
        out.push(
            TableRow::new(
                r.iter()
                    .zip(&grid)
                    .map(|(t, w)| cell(t, *w, false))
                    .collect(),
            )
            .cant_split(),
        );
    }
    Table::new(out)
        .set_grid(grid)
        .width(TEXT_W, WidthType::Dxa)
        .layout(TableLayoutType::Fixed)
}

fn action_chapter(b: &mut DocBlocks, actions: &[Action]) {
    chapter(b, "Action table");
    if actions.is_empty() {
        b.para(Paragraph::new().add_run(Run::new().add_text("No actions yet.").italic()));
        return;
    }
    let rows: Vec<Vec<String>> = actions
        .iter()
        .map(|a| {
            vec![
                a.code.clone(),
                a.title.clone(),
                a.lead_organisation.clone(),
                opt_date(a.start_date),
                opt_date(a.end_date),
                opt_eur(a.estimated_cost_eur),
                a.status.key().to_string(),
            ]
        })
        .collect();
    b.table(table(
        &[
            "Code",
            "Action",
            "Lead",
            "Start",
            "End",
            "Estimated cost",
            "Status",
        ],
        &rows,
        &[2, 6, 4, 3, 3, 3, 2],
    ));
    for a in actions {
        heading2(b, &format!("{} {}", a.code, a.title));
        label_value(b, "Objective", &a.objective);
        label_value(b, "Type", &a.action_type);
        label_value(b, "Lead organisation", &a.lead_organisation);
        label_value(b, "Lead person", &a.lead_person);
        label_value(b, "Partners", &a.partners.join("; "));
        if !a.description.trim().is_empty() {
            b.markdown(&a.description, 2);
        }
        if !a.funding.is_empty() {
            let rows: Vec<Vec<String>> = a
                .funding
                .iter()
                .map(|f| {
                    vec![
                        f.source.label().into(),
                        eur(f.amount_eur),
                        f.status.label().into(),
                    ]
                })
                .collect();
            b.table(table(
                &["Funding source", "Amount", "Status"],
                &rows,
                &[3, 2, 2],
            ));
        }
    }
}

/// Word has no Gantt chart; a month table of the timeline would not fit the page, so the DOCX
/// lists the schedule in order (the HTML/PDF export carries the chart).
fn timeline_chapter(b: &mut DocBlocks, actions: &[Action]) {
    chapter(b, "Timeline");
    let rows: Vec<Vec<String>> = timeline(actions)
        .into_iter()
        .map(|r| {
            let when = match r.span() {
                Some((s, e)) => format!("{s} – {e}"),
                None => "not yet scheduled".into(),
            };
            vec![r.code, r.title, when]
        })
        .collect();
    b.table(table(&["Code", "Action", "When"], &rows, &[2, 7, 4]));
}

fn funding_chapter(b: &mut DocBlocks, actions: &[Action]) {
    let t = totals(actions);
    chapter(b, "Funding summary");
    label_value(b, "Total estimated cost", &eur(t.estimated_cost_eur));
    label_value(b, "Total funding identified", &eur(t.funding_eur));
    label_value(b, "Funding gap", &eur(t.funding_gap_eur));
    let pct = t
        .secured_pct
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".into());
    label_value(b, "Secured (of funding identified)", &pct);
    heading2(b, "By source");
    let rows: Vec<Vec<String>> = FundingSource::ALL
        .iter()
        .filter_map(|s| {
            t.by_source
                .get(s)
                .map(|v| vec![s.label().to_string(), eur(*v)])
        })
        .collect();
    b.table(table(&["Source", "Amount"], &rows, &[3, 2]));
    heading2(b, "By status");
    let rows: Vec<Vec<String>> = [
        (FundingStatus::Secured, t.by_status.secured),
        (FundingStatus::Applied, t.by_status.applied),
        (FundingStatus::Potential, t.by_status.potential),
    ]
    .iter()
    .map(|(s, v)| vec![s.label().to_string(), eur(*v)])
    .collect();
    b.table(table(&["Status", "Amount"], &rows, &[3, 2]));
}

fn indicators_chapter(b: &mut DocBlocks, actions: &[Action]) {
    chapter(b, "Indicators");
    let rows: Vec<Vec<String>> = actions
        .iter()
        .flat_map(|a| {
            a.indicators.iter().map(|i| {
                vec![
                    a.code.clone(),
                    i.name.clone(),
                    i.kind.key().into(),
                    i.baseline.clone(),
                    i.target.clone(),
                    i.unit.clone(),
                    i.source.clone(),
                    i.frequency.clone(),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        b.para(Paragraph::new().add_run(Run::new().add_text("No indicators yet.").italic()));
        return;
    }
    b.table(table(
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
        &rows,
        &[2, 5, 2, 2, 2, 2, 4, 3],
    ));
}

fn risks_chapter(b: &mut DocBlocks, actions: &[Action]) {
    chapter(b, "Risks");
    let rows: Vec<Vec<String>> = actions
        .iter()
        .flat_map(|a| {
            a.risks.iter().map(|r| {
                vec![
                    a.code.clone(),
                    r.description.clone(),
                    r.likelihood.key().into(),
                    r.impact.key().into(),
                    r.mitigation.clone(),
                    r.owner.clone(),
                ]
            })
        })
        .collect();
    if rows.is_empty() {
        b.para(Paragraph::new().add_run(Run::new().add_text("No risks yet.").italic()));
        return;
    }
    b.table(table(
        &["Action", "Risk", "L", "I", "Mitigation", "Owner"],
        &rows,
        &[2, 6, 1, 1, 6, 3],
    ));
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::demo::plan as demo;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
        s
    }

    /// The visible text of `w:t` elements, for asserting content without caring about runs.
    fn texts(xml: &str) -> String {
        let mut out = String::new();
        let mut rest = xml;
        while let Some(i) = rest.find("<w:t") {
            rest = &rest[i..];
            let Some(open_end) = rest.find('>') else {
                break;
            };
            let tag = &rest[..open_end];
            rest = &rest[open_end + 1..];
            if !(tag == "<w:t" || tag.starts_with("<w:t ")) {
                continue;
            }
            let Some(close) = rest.find("</w:t>") else {
                break;
            };
            out.push_str(&rest[..close]);
            out.push('|');
            rest = &rest[close..];
        }
        out
    }

    #[test]
    fn docx_is_a_zip_with_the_parts_word_needs() {
        let bytes = to_docx(&demo::plan_document()).unwrap();
        let zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
        let names: Vec<_> = zip.file_names().collect();
        for needed in [
            "[Content_Types].xml",
            "word/document.xml",
            "word/styles.xml",
            "word/numbering.xml",
            "_rels/.rels",
        ] {
            assert!(names.contains(&needed), "{needed} missing from {names:?}");
        }
    }

    #[test]
    fn chapters_are_heading_1_and_section_headings_nest_below() {
        let xml = part(
            &to_docx(&demo::plan_document()).unwrap(),
            "word/document.xml",
        );
        let h1 = xml.matches("<w:pStyle w:val=\"Heading1\" />").count();
        assert_eq!(h1, 9 + 5, "nine sections and five action chapters");
        assert!(xml.contains("<w:pStyle w:val=\"Heading2\" />"));
        assert!(xml.contains("<w:pageBreakBefore"));
        let styles = part(&to_docx(&demo::plan_document()).unwrap(), "word/styles.xml");
        assert!(styles.contains("w:styleId=\"Heading1\""));
        assert!(styles.contains("<w:name w:val=\"heading 1\" />"));
    }

    #[test]
    fn tables_carry_the_action_funding_indicator_and_risk_text() {
        let xml = part(
            &to_docx(&demo::plan_document()).unwrap(),
            "word/document.xml",
        );
        let t = texts(&xml);
        assert!(
            xml.matches("<w:tbl>").count() >= 8,
            "cover, actions, 3 funding, timeline, sources, statuses, indicators, risks, context"
        );
        for needle in [
            "Creative hub in the old market hall",
            "€480,000.00",
            "€240,000.00",
            "Studios let to creative businesses",
            "Refurbishment costs exceed the estimate (listed building)",
            "Heritage survey before tender; 10 % contingency",
            "2027-03-01 – 2028-06-30",
            "not yet scheduled",
            "INE 2021",
            "67.8 %",
        ] {
            assert!(t.contains(needle), "{needle} missing");
        }
    }

    #[test]
    fn markdown_becomes_bold_italic_lists_and_links() {
        let bytes = to_docx(&demo::plan_document()).unwrap();
        let xml = part(&bytes, "word/document.xml");
        assert!(xml.contains("<w:b />"), "bold run");
        assert!(xml.contains("<w:i />"), "italic run");
        assert!(xml.contains("<w:numId w:val=\"2\" />"), "bullet list");
        assert!(xml.contains("<w:numId w:val=\"3\" />"), "numbered list");
        assert!(xml.contains("<w:ilvl w:val=\"1\" />"), "nested bullet");
        assert!(xml.contains("<w:hyperlink"), "link");
        assert!(!texts(&xml).contains("alert("), "raw HTML dropped");
        let numbering = part(&bytes, "word/numbering.xml");
        assert!(
            numbering.contains("w:abstractNumId=\"2\"") && numbering.contains("w:val=\"bullet\"")
        );
        assert!(numbering.contains("<w:startOverride w:val=\"1\" />"));
        let rels = part(&bytes, "word/_rels/document.xml.rels");
        assert!(rels.contains("https://www.ine.pt/"), "{rels}");
    }

    #[test]
    fn an_empty_plan_still_makes_a_document() {
        let mut doc = demo::plan_document();
        doc.actions.clear();
        doc.sections.clear();
        doc.adoption = None;
        let xml = part(&to_docx(&doc).unwrap(), "word/document.xml");
        assert!(texts(&xml).contains("No actions yet."));
    }

    /// Writes the demo export for a manual check: `cargo test write_demo_files -- --ignored`,
    /// then `soffice --headless --convert-to pdf target/demo/IAP-Obidos.docx`.
    #[test]
    #[ignore = "writes files for a manual LibreOffice check"]
    fn write_demo_files() {
        let doc = demo::plan_document();
        std::fs::create_dir_all("target/demo").unwrap();
        std::fs::write("target/demo/IAP-Obidos.docx", to_docx(&doc).unwrap()).unwrap();
        std::fs::write("target/demo/IAP-Obidos.html", crate::export::to_html(&doc)).unwrap();
        std::fs::write(
            "target/demo/IAP-Obidos.md",
            crate::export::to_markdown(&doc),
        )
        .unwrap();
        std::fs::write(
            "target/demo/IAP-Obidos.csv",
            crate::export::to_csv(&doc.actions).unwrap(),
        )
        .unwrap();
    }
}
