//! The print-ready HTML export: one standalone file, A4 print stylesheet, a page per chapter.
//! Open it in a browser and print to PDF (or feed it to headless Chromium).

use std::fmt::Write;

use pulldown_cmark::{Event, Parser, Tag, TagEnd, html};

use super::document::PlanDocument;
use super::format::{escape_html as esc, eur, opt_date, opt_eur};
use super::gantt::gantt_svg;
use super::markdown::{heading_number, options};
use crate::actions::{Action, FundingSource, FundingStatus, timeline, totals};

/// Renders Markdown written by users to HTML that is safe to embed: raw HTML in the Markdown is
/// cleaned by ammonia (scripts, event handlers and `javascript:` links go). Headings move down by
/// `shift` levels so they nest under the chapter title.
pub fn markdown_to_safe_html(md: &str, shift: usize) -> String {
    let events = Parser::new_ext(md, options()).map(|e| match e {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: shifted(level, shift),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(shifted(level, shift))),
        other => other,
    });
    let mut raw = String::new();
    html::push_html(&mut raw, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .clean(&raw)
        .to_string()
}

fn shifted(level: pulldown_cmark::HeadingLevel, by: usize) -> pulldown_cmark::HeadingLevel {
    use pulldown_cmark::HeadingLevel as H;
    match (heading_number(level) + by).min(6) {
        1 => H::H1,
        2 => H::H2,
        3 => H::H3,
        4 => H::H4,
        5 => H::H5,
        _ => H::H6,
    }
}

const STYLE: &str = r#"
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
@page { @bottom-center { content: counter(page); font-size: 9pt; color: #666; } }
:root { color-scheme: light; }
body { font-family: "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; font-size: 10.5pt; line-height: 1.45; color: #1b1b1b; max-width: 180mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 24pt; margin: 0 0 4mm; }
h2 { font-size: 16pt; border-bottom: 1px solid #1f4e79; color: #1f4e79; padding-bottom: 1mm; }
h3 { font-size: 12.5pt; } h4, h5, h6 { font-size: 11pt; }
h2, h3, h4, h5, h6 { break-after: avoid; page-break-after: avoid; }
.cover { min-height: 60vh; }
.cover .network { font-size: 13pt; color: #444; }
.cover dl { display: grid; grid-template-columns: max-content 1fr; gap: 1mm 6mm; }
.cover dt { font-weight: bold; }
.chapter { break-before: page; page-break-before: always; }
table { border-collapse: collapse; width: 100%; margin: 3mm 0; font-size: 9pt; }
th, td { border: 1px solid #bbb; padding: 1.2mm 1.8mm; vertical-align: top; text-align: left; }
th { background: #e8eef5; }
td.num, th.num { text-align: right; white-space: nowrap; }
thead { display: table-header-group; }
tr, img, svg, blockquote, pre { break-inside: avoid; page-break-inside: avoid; }
blockquote { margin: 3mm 0; padding-left: 4mm; border-left: 3px solid #bbb; color: #444; }
pre, code { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
.action { break-inside: avoid; margin-bottom: 6mm; }
.muted { color: #666; font-style: italic; }
svg.gantt { display: block; width: 100%; height: auto; }
@media screen { body { padding: 10mm; } .chapter { border-top: 3px double #ccc; margin-top: 12mm; } }
"#;

/// Renders the whole plan as a standalone HTML document.
pub fn to_html(doc: &PlanDocument) -> String {
    let mut h = String::new();
    let title = esc(&doc.title());
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    cover(&mut h, doc);

    for s in doc.ordered_sections() {
        let _ = writeln!(
            h,
            "<section class=\"chapter\" id=\"section-{}\">\n<h2>{}</h2>",
            esc(&s.key),
            esc(&s.title)
        );
        let body = markdown_to_safe_html(&s.markdown, 2);
        if body.trim().is_empty() {
            h.push_str("<p class=\"muted\">Not written yet.</p>\n");
        } else {
            h.push_str(&body);
        }
        h.push_str("</section>\n");
    }

    let actions = doc.ordered_actions();
    action_chapter(&mut h, &actions);
    timeline_chapter(&mut h, &actions);
    funding_chapter(&mut h, &actions);
    indicators_chapter(&mut h, &actions);
    risks_chapter(&mut h, &actions);
    h.push_str("</body>\n</html>\n");
    h
}

fn cover(h: &mut String, doc: &PlanDocument) {
    let _ = writeln!(
        h,
        "<header class=\"cover\">\n<p class=\"network\">{}</p>\n<h1>Integrated Action Plan<br>{}</h1>\n<dl>",
        esc(&doc.network_name),
        esc(&doc.city_name)
    );
    let mut item = |k: &str, v: &str| {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{}</dd>", esc(v));
    };
    item("City", &format!("{} ({})", doc.city_name, doc.country));
    item("Status", &doc.status);
    item("Generated on", &doc.generated_on.to_string());
    if let Some(a) = &doc.adoption {
        item(
            "Adopted by",
            &format!("{} on {} ({})", a.body, a.decided_on, a.reference),
        );
    }
    h.push_str("</dl>\n<nav>\n<h2>Contents</h2>\n<ol>\n");
    for s in doc.ordered_sections() {
        let _ = writeln!(
            h,
            "<li><a href=\"#section-{}\">{}</a></li>",
            esc(&s.key),
            esc(&s.title)
        );
    }
    for (id, t) in [
        ("action-table", "Action table"),
        ("timeline", "Timeline"),
        ("funding", "Funding summary"),
        ("indicators", "Indicators"),
        ("risks", "Risks"),
    ] {
        let _ = writeln!(h, "<li><a href=\"#{id}\">{t}</a></li>");
    }
    h.push_str("</ol>\n</nav>\n</header>\n");
}

fn open_table(h: &mut String, headers: &[&str]) {
    h.push_str("<table>\n<thead><tr>");
    for c in headers {
        let class = if c.starts_with('€') || *c == "Estimated cost" || *c == "Amount" {
            " class=\"num\""
        } else {
            ""
        };
        let _ = write!(h, "<th{class}>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
}

fn row(h: &mut String, cells: &[(&str, bool)]) {
    h.push_str("<tr>");
    for (c, num) in cells {
        let class = if *num { " class=\"num\"" } else { "" };
        let _ = write!(h, "<td{class}>{}</td>", esc(c));
    }
    h.push_str("</tr>\n");
}

fn action_chapter(h: &mut String, actions: &[Action]) {
    h.push_str("<section class=\"chapter\" id=\"action-table\">\n<h2>Action table</h2>\n");
    if actions.is_empty() {
        h.push_str("<p class=\"muted\">No actions yet.</p>\n</section>\n");
        return;
    }
    open_table(
        h,
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
    for a in actions {
        row(
            h,
            &[
                (&a.code, false),
                (&a.title, false),
                (&a.lead_organisation, false),
                (&opt_date(a.start_date), false),
                (&opt_date(a.end_date), false),
                (&opt_eur(a.estimated_cost_eur), true),
                (a.status.key(), false),
            ],
        );
    }
    h.push_str("</tbody>\n</table>\n");
    for a in actions {
        let _ = writeln!(
            h,
            "<div class=\"action\" id=\"action-{}\">\n<h3>{} {}</h3>\n<dl>",
            a.id,
            esc(&a.code),
            esc(&a.title)
        );
        for (k, v) in [
            ("Objective", a.objective.as_str()),
            ("Type", &a.action_type),
            ("Lead organisation", &a.lead_organisation),
            ("Lead person", &a.lead_person),
            ("Partners", &a.partners.join("; ")),
        ] {
            if !v.is_empty() {
                let _ = writeln!(h, "<dt>{k}</dt><dd>{}</dd>", esc(v));
            }
        }
        h.push_str("</dl>\n");
        h.push_str(&markdown_to_safe_html(&a.description, 3));
        if !a.funding.is_empty() {
            open_table(h, &["Funding source", "Amount", "Status"]);
            for f in &a.funding {
                row(
                    h,
                    &[
                        (f.source.label(), false),
                        (&eur(f.amount_eur), true),
                        (f.status.label(), false),
                    ],
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

fn timeline_chapter(h: &mut String, actions: &[Action]) {
    h.push_str("<section class=\"chapter\" id=\"timeline\">\n<h2>Timeline</h2>\n");
    let rows = timeline(actions);
    match gantt_svg(&rows) {
        Some(svg) => h.push_str(&svg),
        None => h.push_str("<p class=\"muted\">No action has both dates yet.</p>\n"),
    }
    let undated: Vec<String> = rows
        .iter()
        .filter(|r| r.span().is_none())
        .map(|r| format!("{} {}", esc(&r.code), esc(&r.title)))
        .collect();
    if !undated.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"muted\">Not yet scheduled: {}.</p>",
            undated.join("; ")
        );
    }
    h.push_str("</section>\n");
}

fn funding_chapter(h: &mut String, actions: &[Action]) {
    let t = totals(actions);
    h.push_str("<section class=\"chapter\" id=\"funding\">\n<h2>Funding summary</h2>\n<dl>\n");
    let pct = t
        .secured_pct
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".into());
    for (k, v) in [
        ("Total estimated cost", eur(t.estimated_cost_eur)),
        ("Total funding identified", eur(t.funding_eur)),
        ("Funding gap", eur(t.funding_gap_eur)),
        ("Secured (of funding identified)", pct),
    ] {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{}</dd>", esc(&v));
    }
    h.push_str("</dl>\n<h3>By source</h3>\n");
    open_table(h, &["Source", "Amount"]);
    for s in FundingSource::ALL {
        if let Some(v) = t.by_source.get(&s) {
            row(h, &[(s.label(), false), (&eur(*v), true)]);
        }
    }
    h.push_str("</tbody>\n</table>\n<h3>By status</h3>\n");
    open_table(h, &["Status", "Amount"]);
    for (st, v) in [
        (FundingStatus::Secured, t.by_status.secured),
        (FundingStatus::Applied, t.by_status.applied),
        (FundingStatus::Potential, t.by_status.potential),
    ] {
        row(h, &[(st.label(), false), (&eur(v), true)]);
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn indicators_chapter(h: &mut String, actions: &[Action]) {
    h.push_str("<section class=\"chapter\" id=\"indicators\">\n<h2>Indicators</h2>\n");
    if actions.iter().all(|a| a.indicators.is_empty()) {
        h.push_str("<p class=\"muted\">No indicators yet.</p>\n</section>\n");
        return;
    }
    open_table(
        h,
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
    for a in actions {
        for i in &a.indicators {
            row(
                h,
                &[
                    (&a.code, false),
                    (&i.name, false),
                    (i.kind.key(), false),
                    (&i.baseline, false),
                    (&i.target, false),
                    (&i.unit, false),
                    (&i.source, false),
                    (&i.frequency, false),
                ],
            );
        }
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

fn risks_chapter(h: &mut String, actions: &[Action]) {
    h.push_str("<section class=\"chapter\" id=\"risks\">\n<h2>Risks</h2>\n");
    if actions.iter().all(|a| a.risks.is_empty()) {
        h.push_str("<p class=\"muted\">No risks yet.</p>\n</section>\n");
        return;
    }
    open_table(
        h,
        &[
            "Action",
            "Risk",
            "Likelihood",
            "Impact",
            "Mitigation",
            "Owner",
        ],
    );
    for a in actions {
        for r in &a.risks {
            row(
                h,
                &[
                    (&a.code, false),
                    (&r.description, false),
                    (r.likelihood.key(), false),
                    (r.impact.key(), false),
                    (&r.mitigation, false),
                    (&r.owner, false),
                ],
            );
        }
    }
    h.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;

    #[test]
    fn html_is_standalone_print_ready_with_every_chapter() {
        let html = to_html(&demo::plan_document());
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("@page { size: A4;"));
        assert!(html.contains(".chapter { break-before: page;"));
        for key in crate::export::SECTION_ORDER {
            assert!(
                html.contains(&format!("<section class=\"chapter\" id=\"section-{key}\">")),
                "{key}"
            );
        }
        for id in ["action-table", "timeline", "funding", "indicators", "risks"] {
            assert!(
                html.contains(&format!("<section class=\"chapter\" id=\"{id}\">")),
                "{id}"
            );
        }
        assert!(html.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"gantt\""));
        assert!(html.contains("Not yet scheduled: A3.1 Creative skills in secondary schools."));
        assert!(html.contains("<td class=\"num\">€480,000.00</td>"));
        assert!(html.contains("<dd>67.8 %</dd>"));
        assert!(html.ends_with("</html>\n"));
    }

    #[test]
    fn section_markdown_is_rendered_and_sanitised() {
        let html = to_html(&demo::plan_document());
        assert!(!html.contains("<script>"), "raw script must be removed");
        assert!(!html.contains("alert("));
        assert!(html.contains("<strong>nine times</strong>"));
        assert!(
            html.contains("<h3>Core problem</h3>"),
            "a section's # becomes h3 under the h2 chapter title"
        );
        assert!(html.contains("<h4>Objective 1</h4>"));
        assert!(html.contains("<table>") && html.contains("<td>INE 2021</td>"));
        assert!(html.contains(
            "<a href=\"https://www.ine.pt/\" rel=\"noopener noreferrer\">the statistics</a>"
        ));
    }

    #[test]
    fn dangerous_links_and_handlers_are_removed() {
        let out = markdown_to_safe_html(
            "[x](javascript:alert(1)) <img src=x onerror=alert(1)> <a href=\"https://a.eu\" onclick=\"y()\">a</a>",
            0,
        );
        assert!(!out.contains("javascript:"), "{out}");
        assert!(
            !out.contains("onerror") && !out.contains("onclick"),
            "{out}"
        );
    }

    #[test]
    fn plan_text_is_escaped_outside_sections() {
        let mut doc = demo::plan_document();
        doc.city_name = "<b>Óbidos</b>".into();
        doc.actions[0].title = "Hub & <i>co</i>".into();
        let html = to_html(&doc);
        assert!(html.contains("&lt;b&gt;Óbidos&lt;/b&gt;"));
        assert!(html.contains("Hub &amp; &lt;i&gt;co&lt;/i&gt;"));
        assert!(!html.contains("<b>Óbidos</b>"));
    }
}
