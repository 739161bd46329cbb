//! HTML rendering of the document model, for `GET /sections/{id}` and exports. Built from the
//! model (not from Markdown) so it shows exactly what the editor shows, then passed through
//! ammonia so that hostile content (e.g. `javascript:` links written by any client) is inert.

use std::fmt::Write;

use super::document::{Block, Inline, Marks};

/// Renders blocks as sanitised HTML.
pub fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    write_blocks(&mut out, blocks);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

fn write_blocks(out: &mut String, blocks: &[Block]) {
    for block in blocks {
        match block {
            Block::Paragraph(inlines) => {
                out.push_str("<p>");
                write_inlines(out, inlines);
                out.push_str("</p>\n");
            }
            Block::Heading { level, content } => {
                let level = (*level).clamp(1, 6);
                let _ = write!(out, "<h{level}>");
                write_inlines(out, content);
                let _ = writeln!(out, "</h{level}>");
            }
            Block::BulletList(items) => {
                out.push_str("<ul>\n");
                write_items(out, items);
                out.push_str("</ul>\n");
            }
            Block::OrderedList { start, items } => {
                if *start == 1 {
                    out.push_str("<ol>\n");
                } else {
                    let _ = writeln!(out, "<ol start=\"{start}\">");
                }
                write_items(out, items);
                out.push_str("</ol>\n");
            }
            Block::Blockquote(inner) => {
                out.push_str("<blockquote>\n");
                write_blocks(out, inner);
                out.push_str("</blockquote>\n");
            }
            Block::CodeBlock { text, .. } => {
                out.push_str("<pre><code>");
                escape_into(out, text);
                out.push_str("</code></pre>\n");
            }
            Block::HorizontalRule => out.push_str("<hr>\n"),
        }
    }
}

fn write_items(out: &mut String, items: &[Vec<Block>]) {
    for item in items {
        out.push_str("<li>");
        write_blocks(out, item);
        out.push_str("</li>\n");
    }
}

fn write_inlines(out: &mut String, inlines: &[Inline]) {
    for inline in inlines {
        match inline {
            Inline::HardBreak => out.push_str("<br>"),
            Inline::Text(text, marks) => write_marked(out, text, marks),
        }
    }
}

fn write_marked(out: &mut String, text: &str, marks: &Marks) {
    let mut closers: Vec<&str> = Vec::new();
    if let Some(href) = &marks.link {
        out.push_str("<a href=\"");
        escape_into(out, href);
        out.push_str("\">");
        closers.push("</a>");
    }
    for (on, open, close) in [
        (marks.bold, "<strong>", "</strong>"),
        (marks.italic, "<em>", "</em>"),
        (marks.strike, "<s>", "</s>"),
        (marks.code, "<code>", "</code>"),
    ] {
        if on {
            out.push_str(open);
            closers.push(close);
        }
    }
    escape_into(out, text);
    for close in closers.into_iter().rev() {
        out.push_str(close);
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}
