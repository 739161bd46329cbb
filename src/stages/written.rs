//! When a section counts as "written" (DESIGN §3): it has content beyond headings.
//!
//! A section created from the template may hold only its headings, and an editor leaves empty
//! list items and stray whitespace behind; none of that is writing. Text, inline code, code
//! blocks, table cells and images outside headings count. Raw HTML does not: the editor never
//! produces it on its own, and an HTML comment must not pass a gate.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Whether `markdown` has content outside headings.
pub fn is_written(markdown: &str) -> bool {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut heading_depth = 0usize;
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { .. }) => heading_depth += 1,
            Event::End(TagEnd::Heading(_)) => heading_depth = heading_depth.saturating_sub(1),
            _ if heading_depth > 0 => {}
            Event::Text(text) | Event::Code(text) if !text.trim().is_empty() => return true,
            Event::Start(Tag::Image { .. }) => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::is_written;

    #[test]
    fn empty_and_whitespace_only_sections_are_not_written() {
        assert!(!is_written(""));
        assert!(!is_written("   \n\n\t\n"));
        assert!(!is_written("&nbsp;\n"));
    }

    #[test]
    fn headings_alone_are_not_written() {
        assert!(!is_written(
            "# Context and baseline\n\n## Figures\n\nSetext\n======\n"
        ));
    }

    #[test]
    fn empty_list_items_rules_and_html_comments_are_not_written() {
        assert!(!is_written("## Members\n\n- \n- \n* [ ] \n1. \n"));
        assert!(!is_written("---\n\n<!-- to do -->\n"));
        assert!(!is_written("> \n"));
    }

    #[test]
    fn text_outside_headings_is_written() {
        assert!(is_written("# Context\n\nÓbidos has 12,000 inhabitants."));
        assert!(is_written("- the ULG met six times"));
        assert!(is_written("| a | b |\n|---|---|\n| 1 | 2 |\n"));
        assert!(is_written("`A1.2`"));
        assert!(is_written("```\nproblem tree\n```\n"));
        assert!(is_written("![problem tree](tree.png)"));
    }
}
