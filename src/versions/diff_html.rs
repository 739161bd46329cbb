//! A readable HTML rendering of a [`PlanDiff`], for the "what changed since last time" view and
//! for emails. A fragment (no `<html>`), every text escaped; style it with the class names used.

use std::fmt::Write;

use serde_json::Value;

use super::diff::{DiffOp, PlanDiff, SectionChange};
use crate::export::escape_html as esc;

/// Renders the diff: changed sections as text with `<ins>`/`<del>` words, then the actions.
pub fn diff_to_html(d: &PlanDiff) -> String {
    let mut h = String::from("<div class=\"plan-diff\">\n");
    if d.is_empty() {
        h.push_str("<p class=\"diff-none\">No changes.</p>\n</div>\n");
        return h;
    }
    for s in d.sections.iter() {
        let label = match s.change {
            SectionChange::Unchanged => "unchanged",
            SectionChange::Modified => "changed",
            SectionChange::Added => "added",
            SectionChange::Removed => "removed",
        };
        let _ = write!(
            h,
            "<section class=\"diff-section diff-{label}\" data-key=\"{}\">\n<h2>{} <small>({label})</small></h2>\n",
            esc(&s.key),
            esc(&s.title)
        );
        if let Some(old) = &s.old_title {
            let _ = writeln!(
                h,
                "<p class=\"diff-title\">Title: <del>{}</del> <ins>{}</ins></p>",
                esc(old),
                esc(&s.title)
            );
        }
        if s.changed {
            h.push_str("<div class=\"diff-text\" style=\"white-space: pre-wrap\">");
            for w in &s.words {
                match w.op {
                    DiffOp::Equal => h.push_str(&esc(&w.text)),
                    DiffOp::Insert => {
                        let _ = write!(h, "<ins>{}</ins>", esc(&w.text));
                    }
                    DiffOp::Delete => {
                        let _ = write!(h, "<del>{}</del>", esc(&w.text));
                    }
                }
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }

    let a = &d.actions;
    if !a.is_empty() {
        h.push_str("<section class=\"diff-actions\">\n<h2>Actions</h2>\n");
        if !a.added.is_empty() {
            h.push_str("<h3>Added</h3>\n<ul>\n");
            for x in &a.added {
                let _ = writeln!(
                    h,
                    "<li><ins><strong>{}</strong> {}</ins></li>",
                    esc(&x.code),
                    esc(&x.title)
                );
            }
            h.push_str("</ul>\n");
        }
        if !a.removed.is_empty() {
            h.push_str("<h3>Removed</h3>\n<ul>\n");
            for x in &a.removed {
                let _ = writeln!(
                    h,
                    "<li><del><strong>{}</strong> {}</del></li>",
                    esc(&x.code),
                    esc(&x.title)
                );
            }
            h.push_str("</ul>\n");
        }
        for c in &a.changed {
            let _ = write!(
                h,
                "<h3>{} {}</h3>\n<table class=\"diff-fields\">\n<thead><tr><th>Field</th><th>Before</th><th>After</th></tr></thead>\n<tbody>\n",
                esc(&c.code),
                esc(&c.title)
            );
            for f in &c.fields {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td><del>{}</del></td><td><ins>{}</ins></td></tr>",
                    esc(&f.field),
                    esc(&show(&f.old)),
                    esc(&show(&f.new))
                );
            }
            h.push_str("</tbody>\n</table>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</div>\n");
    h
}

/// A JSON value as people read it: strings bare, lists joined, nothing as an em dash.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", show(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;
    use crate::versions::{PlanSnapshot, SectionSnapshot, diff};

    fn snap() -> PlanSnapshot {
        PlanSnapshot {
            sections: demo::sections()
                .into_iter()
                .map(|s| SectionSnapshot {
                    key: s.key,
                    title: s.title,
                    markdown: s.markdown,
                })
                .collect(),
            actions: demo::actions(),
        }
    }

    #[test]
    fn html_marks_inserted_and_deleted_words_and_escapes_text() {
        let from = snap();
        let mut to = snap();
        to.sections[0].markdown = to.sections[0]
            .markdown
            .replace("young people", "young <people> & families");
        to.actions[0].title = "Hub <b>".into();
        to.actions.remove(2);
        let html = diff_to_html(&diff(&from, &to));
        assert!(
            html.contains("<ins>&lt;people&gt; &amp; families"),
            "{html}"
        );
        assert!(html.contains("<del>people"), "{html}");
        assert!(html.contains("Hub &lt;b&gt;"));
        assert!(html.contains("<h3>Removed</h3>"));
        assert!(html.contains("<del><strong>A2.1</strong> Óbidos Creative Week</del>"));
        assert!(!html.contains("<people>"));
        assert!(
            !html.contains("<script>"),
            "the ULG section's script must stay escaped or absent"
        );
    }

    #[test]
    fn an_empty_diff_says_so() {
        assert!(diff_to_html(&diff(&snap(), &snap())).contains("No changes."));
    }
}
