//! Section-by-section text diff, by line and by word, with `similar`.

use std::time::Duration;

use serde::Serialize;
use similar::{ChangeTag, DiffTag, TextDiff};

use super::action_diff::{ActionsDiff, diff_actions};
use super::snapshot::{PlanSnapshot, SectionSnapshot};

/// Everything that changed from one snapshot to another.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanDiff {
    pub sections: Vec<SectionDiff>,
    pub actions: ActionsDiff,
}

impl PlanDiff {
    /// True when nothing at all changed.
    pub fn is_empty(&self) -> bool {
        self.sections.iter().all(|s| !s.changed) && self.actions.is_empty()
    }
}

/// One section's changes. Unchanged sections carry no lines (clients show the text from the
/// version itself); changed ones carry the full text as lines, and `words` spells out the
/// same text with word-level insertions and deletions inside changed lines.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SectionDiff {
    pub key: String,
    /// The title in `to` (or in `from` for a removed section).
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_title: Option<String>,
    pub changed: bool,
    pub change: SectionChange,
    pub lines: Vec<LineChange>,
    pub words: Vec<WordChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SectionChange {
    Unchanged,
    Modified,
    Added,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DiffOp {
    Equal,
    Insert,
    Delete,
}

/// One line, without its line break.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineChange {
    pub op: DiffOp,
    pub text: String,
}

/// A run of text (may contain line breaks) that is equal, inserted or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WordChange {
    pub op: DiffOp,
    pub text: String,
}

/// Diffs two snapshots. Sections match by key and follow `to`'s order, removed ones last;
/// actions match by id, so renaming a code is a change, not a removal plus an addition.
pub fn diff(from: &PlanSnapshot, to: &PlanSnapshot) -> PlanDiff {
    let mut sections = Vec::new();
    for new in &to.sections {
        let old = from.sections.iter().find(|s| s.key == new.key);
        sections.push(section_diff(old, Some(new)));
    }
    for old in &from.sections {
        if !to.sections.iter().any(|s| s.key == old.key) {
            sections.push(section_diff(Some(old), None));
        }
    }
    PlanDiff {
        sections,
        actions: diff_actions(&from.actions, &to.actions),
    }
}

fn section_diff(old: Option<&SectionSnapshot>, new: Option<&SectionSnapshot>) -> SectionDiff {
    let old_text = old.map_or("", |s| s.markdown.as_str());
    let new_text = new.map_or("", |s| s.markdown.as_str());
    let (title, old_title) = match (old, new) {
        (Some(o), Some(n)) if o.title != n.title => (n.title.clone(), Some(o.title.clone())),
        (_, Some(n)) => (n.title.clone(), None),
        (Some(o), None) => (o.title.clone(), None),
        (None, None) => (String::new(), None),
    };
    let key = new.or(old).map(|s| s.key.clone()).unwrap_or_default();
    let change = match (old, new) {
        (None, Some(_)) => SectionChange::Added,
        (Some(_), None) => SectionChange::Removed,
        _ if old_text == new_text && old_title.is_none() => SectionChange::Unchanged,
        _ => SectionChange::Modified,
    };
    let changed = change != SectionChange::Unchanged;
    let (lines, words) = if changed {
        text_diff(old_text, new_text)
    } else {
        (vec![], vec![])
    };
    SectionDiff {
        key,
        title,
        old_title,
        changed,
        change,
        lines,
        words,
    }
}

/// Line ops for the whole text, and word ops where lines changed. Word diffs run per changed
/// block of lines, so a word never "moves" across unrelated paragraphs.
fn text_diff(old: &str, new: &str) -> (Vec<LineChange>, Vec<WordChange>) {
    let lines_diff = TextDiff::configure()
        .timeout(Duration::from_millis(500))
        .diff_lines(old, new);
    let mut lines = Vec::new();
    let mut words = Vec::new();
    for op in lines_diff.ops() {
        for change in lines_diff.iter_changes(op) {
            lines.push(LineChange {
                op: tag_op(change.tag()),
                text: change.value().trim_end_matches(['\n', '\r']).to_string(),
            });
        }
        let (tag, old_range, new_range) = op.as_tag_tuple();
        let old_block: String = old_range.filter_map(|i| lines_diff.old_slice(i)).collect();
        let new_block: String = new_range.filter_map(|i| lines_diff.new_slice(i)).collect();
        match tag {
            DiffTag::Equal => push(&mut words, DiffOp::Equal, &new_block),
            DiffTag::Insert => push(&mut words, DiffOp::Insert, &new_block),
            DiffTag::Delete => push(&mut words, DiffOp::Delete, &old_block),
            DiffTag::Replace => {
                let wd = TextDiff::configure()
                    .timeout(Duration::from_millis(500))
                    .diff_words(old_block.as_str(), new_block.as_str());
                for c in wd.iter_all_changes() {
                    push(&mut words, tag_op(c.tag()), c.value());
                }
            }
        }
    }
    (lines, words)
}

fn tag_op(tag: ChangeTag) -> DiffOp {
    match tag {
        ChangeTag::Equal => DiffOp::Equal,
        ChangeTag::Insert => DiffOp::Insert,
        ChangeTag::Delete => DiffOp::Delete,
    }
}

/// Appends text, merging with the previous run of the same kind so the output stays short.
fn push(words: &mut Vec<WordChange>, op: DiffOp, text: &str) {
    if text.is_empty() {
        return;
    }
    match words.last_mut() {
        Some(last) if last.op == op => last.text.push_str(text),
        _ => words.push(WordChange {
            op,
            text: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::plan as demo;

    fn snapshot() -> PlanSnapshot {
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

    fn section<'a>(d: &'a PlanDiff, key: &str) -> &'a SectionDiff {
        d.sections.iter().find(|s| s.key == key).unwrap()
    }

    /// Rebuilds the old and new texts from the word runs.
    fn replay(words: &[WordChange]) -> (String, String) {
        let mut old = String::new();
        let mut new = String::new();
        for w in words {
            if w.op != DiffOp::Insert {
                old.push_str(&w.text);
            }
            if w.op != DiffOp::Delete {
                new.push_str(&w.text);
            }
        }
        (old, new)
    }

    #[test]
    fn identical_snapshots_have_an_empty_diff() {
        let d = diff(&snapshot(), &snapshot());
        assert!(d.is_empty());
        assert!(
            d.sections
                .iter()
                .all(|s| s.lines.is_empty() && s.change == SectionChange::Unchanged)
        );
    }

    #[test]
    fn a_changed_word_shows_as_a_deleted_and_an_inserted_line_and_inline_words() {
        let from = snapshot();
        let mut to = snapshot();
        to.sections[0].markdown = to.sections[0]
            .markdown
            .replace("creative town", "creative hub town");
        let d = diff(&from, &to);
        let s = section(&d, "summary");
        assert!(s.changed);
        assert_eq!(s.change, SectionChange::Modified);
        let deleted: Vec<_> = s.lines.iter().filter(|l| l.op == DiffOp::Delete).collect();
        let inserted: Vec<_> = s.lines.iter().filter(|l| l.op == DiffOp::Insert).collect();
        assert_eq!(deleted.len(), 1);
        assert_eq!(
            inserted[0].text,
            "Óbidos will become a **creative hub town** for young people."
        );
        assert!(
            s.words.contains(&WordChange {
                op: DiffOp::Insert,
                text: "hub ".into()
            }),
            "{:?}",
            s.words
        );
        assert!(!s.words.iter().any(|w| w.op == DiffOp::Delete));
        assert_eq!(
            replay(&s.words),
            (
                from.sections[0].markdown.clone(),
                to.sections[0].markdown.clone()
            )
        );
        assert!(!section(&d, "ulg").changed);
    }

    #[test]
    fn inserted_and_deleted_lines_keep_both_texts_recoverable() {
        let from = snapshot();
        let mut to = snapshot();
        to.sections[1].markdown = "The ULG met **ten times**.\n\nNew paragraph.\n".into();
        let d = diff(&from, &to);
        let s = section(&d, "ulg");
        let (old, new) = replay(&s.words);
        assert_eq!(old, from.sections[1].markdown);
        assert_eq!(new, to.sections[1].markdown);
        let lines_new: Vec<_> = s
            .lines
            .iter()
            .filter(|l| l.op != DiffOp::Delete)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(
            lines_new,
            ["The ULG met **ten times**.", "", "New paragraph."]
        );
    }

    #[test]
    fn added_removed_and_renamed_sections_are_reported() {
        let from = snapshot();
        let mut to = snapshot();
        to.sections.retain(|s| s.key != "transnational");
        to.sections[2].title = "Context".into();
        to.sections.push(SectionSnapshot {
            key: "annex".into(),
            title: "Annex".into(),
            markdown: "Maps.".into(),
        });
        let d = diff(&from, &to);
        assert_eq!(section(&d, "annex").change, SectionChange::Added);
        assert_eq!(
            section(&d, "annex").lines,
            vec![LineChange {
                op: DiffOp::Insert,
                text: "Maps.".into()
            }]
        );
        let removed = section(&d, "transnational");
        assert_eq!(removed.change, SectionChange::Removed);
        assert!(removed.lines.iter().all(|l| l.op == DiffOp::Delete));
        assert_eq!(d.sections.last().unwrap().key, "transnational");
        let renamed = section(&d, "context");
        assert_eq!(renamed.old_title.as_deref(), Some("Context and baseline"));
        assert!(renamed.changed);
    }

    #[test]
    fn diff_json_shape() {
        let from = snapshot();
        let mut to = snapshot();
        to.sections[5].markdown.push_str("\nMore.\n");
        let v = serde_json::to_value(diff(&from, &to)).unwrap();
        let s = &v["sections"][5];
        assert_eq!(s["key"], "actions");
        assert_eq!(s["changed"], true);
        assert_eq!(s["lines"][0]["op"], "equal");
        assert_eq!(
            s["words"].as_array().unwrap().last().unwrap()["op"],
            "insert"
        );
        assert!(v["actions"]["added"].is_array());
    }
}
