//! Markdown <-> document model. Parsing uses pulldown-cmark (CommonMark + `~~strike~~`);
//! rendering is our own so the output is canonical: rendering, parsing and rendering again gives
//! the same text, which keeps diffs between versions quiet.
//!
//! Canonical form: ATX headings, `-` bullets (`*` for a list directly after another one),
//! `1.` numbers (`1)` likewise), `**bold**`, `*italic*`, `~~strike~~`, backtick code, fenced
//! code blocks, `---` rules, backslash hard breaks, blank line between blocks, tight lists when
//! every item is one paragraph plus nested lists.

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use super::document::{
    Block, Inline, Marks, normalize_container, normalize_inlines, normalize_item,
};

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

enum Frame {
    Container(Vec<Block>),
    Quote(Vec<Block>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Inline {
        heading: Option<u8>,
        inlines: Vec<Inline>,
        implicit: bool,
    },
    Code {
        language: Option<String>,
        text: String,
    },
}

#[derive(Default)]
struct MarkState {
    bold: u32,
    italic: u32,
    strike: u32,
    links: Vec<String>,
}

impl MarkState {
    fn marks(&self, code: bool) -> Marks {
        Marks {
            bold: self.bold > 0,
            italic: self.italic > 0,
            strike: self.strike > 0,
            code,
            link: self.links.last().cloned(),
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    marks: MarkState,
}

impl Builder {
    /// Tight list items carry text without a paragraph: it is wrapped in an implicit one,
    /// closed when a block starts or the item ends.
    fn close_implicit(&mut self) {
        if matches!(
            self.stack.last(),
            Some(Frame::Inline { implicit: true, .. })
        ) && let Some(Frame::Inline { inlines, .. }) = self.stack.pop()
        {
            self.add_block(Block::Paragraph(normalize_inlines(inlines)));
        }
    }

    fn add_block(&mut self, block: Block) {
        match self.stack.last_mut() {
            Some(Frame::Container(blocks) | Frame::Quote(blocks) | Frame::Item(blocks)) => {
                blocks.push(block)
            }
            // A block directly in a list (cannot happen with CommonMark): make it an item.
            Some(Frame::List { items, .. }) => items.push(normalize_item(vec![block])),
            _ => {}
        }
    }

    fn start_block(&mut self, frame: Frame) {
        self.close_implicit();
        self.stack.push(frame);
    }

    fn add_inline(&mut self, inline: Inline) {
        match self.stack.last_mut() {
            Some(Frame::Inline { inlines, .. }) => inlines.push(inline),
            Some(Frame::Code { text, .. }) => {
                if let Inline::Text(t, _) = inline {
                    text.push_str(&t);
                }
            }
            _ => self.stack.push(Frame::Inline {
                heading: None,
                inlines: vec![inline],
                implicit: true,
            }),
        }
    }

    fn text(&mut self, text: &str, code: bool) {
        let marks = self.marks.marks(code);
        self.add_inline(Inline::Text(text.to_owned(), marks));
    }

    fn end_inline(&mut self) {
        if let Some(Frame::Inline {
            heading, inlines, ..
        }) = self.stack.pop()
        {
            let content = normalize_inlines(inlines);
            self.add_block(match heading {
                Some(level) => Block::Heading { level, content },
                None => Block::Paragraph(content),
            });
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock => self.start_block(Frame::Inline {
                heading: None,
                inlines: Vec::new(),
                implicit: false,
            }),
            Tag::Heading { level, .. } => self.start_block(Frame::Inline {
                heading: Some(level as u8),
                inlines: Vec::new(),
                implicit: false,
            }),
            Tag::BlockQuote(_) => self.start_block(Frame::Quote(Vec::new())),
            Tag::CodeBlock(kind) => {
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned),
                    CodeBlockKind::Indented => None,
                };
                self.start_block(Frame::Code {
                    language,
                    text: String::new(),
                });
            }
            Tag::List(start) => self.start_block(Frame::List {
                start,
                items: Vec::new(),
            }),
            Tag::Item => self.start_block(Frame::Item(Vec::new())),
            Tag::Emphasis => self.marks.italic += 1,
            Tag::Strong => self.marks.bold += 1,
            Tag::Strikethrough => self.marks.strike += 1,
            // No image node in StarterKit: keep the alt text, linked to the image.
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.marks.links.push(dest_url.to_string())
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::HtmlBlock => {
                self.end_inline();
            }
            TagEnd::BlockQuote(_) => {
                self.close_implicit();
                if let Some(Frame::Quote(blocks)) = self.stack.pop() {
                    self.add_block(Block::Blockquote(normalize_container(blocks)));
                }
            }
            TagEnd::CodeBlock => {
                if let Some(Frame::Code { language, mut text }) = self.stack.pop() {
                    if text.ends_with('\n') {
                        text.pop();
                    }
                    self.add_block(Block::CodeBlock { language, text });
                }
            }
            TagEnd::List(_) => {
                self.close_implicit();
                if let Some(Frame::List { start, items }) = self.stack.pop() {
                    self.add_block(match start {
                        Some(start) => Block::OrderedList { start, items },
                        None => Block::BulletList(items),
                    });
                }
            }
            TagEnd::Item => {
                self.close_implicit();
                if let Some(Frame::Item(blocks)) = self.stack.pop()
                    && let Some(Frame::List { items, .. }) = self.stack.last_mut()
                {
                    items.push(normalize_item(blocks));
                }
            }
            TagEnd::Emphasis => self.marks.italic = self.marks.italic.saturating_sub(1),
            TagEnd::Strong => self.marks.bold = self.marks.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.marks.strike = self.marks.strike.saturating_sub(1),
            TagEnd::Link | TagEnd::Image => {
                self.marks.links.pop();
            }
            _ => {}
        }
    }
}

/// Parses Markdown into schema-valid blocks (never empty: an empty document is one empty
/// paragraph, as ProseMirror requires).
pub fn parse(markdown: &str) -> Vec<Block> {
    let mut builder = Builder {
        stack: vec![Frame::Container(Vec::new())],
        marks: MarkState::default(),
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match event {
            Event::Start(tag) => builder.start(tag),
            Event::End(tag) => builder.end(tag),
            Event::Text(text) => builder.text(&text, false),
            Event::Code(text) => builder.text(&text, true),
            // Raw HTML is kept as visible text, never interpreted.
            Event::Html(text) | Event::InlineHtml(text) => {
                let text = text.trim_end_matches('\n');
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        builder.add_inline(Inline::HardBreak);
                    }
                    builder.text(line, false);
                }
            }
            Event::SoftBreak => builder.text(" ", false),
            Event::HardBreak => builder.add_inline(Inline::HardBreak),
            Event::Rule => {
                builder.close_implicit();
                builder.add_block(Block::HorizontalRule);
            }
            _ => {}
        }
    }
    builder.close_implicit();
    // Unclosed frames cannot happen with pulldown-cmark; fold them up defensively.
    while builder.stack.len() > 1 {
        match builder.stack.last() {
            Some(Frame::Inline { .. }) => builder.end_inline(),
            Some(Frame::Item(_)) => builder.end(TagEnd::Item),
            Some(Frame::List { .. }) => builder.end(TagEnd::List(false)),
            Some(Frame::Code { .. }) => builder.end(TagEnd::CodeBlock),
            _ => {
                builder.stack.pop();
            }
        }
    }
    match builder.stack.pop() {
        Some(Frame::Container(blocks)) => normalize_container(blocks),
        _ => normalize_container(Vec::new()),
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

/// Renders blocks as canonical Markdown ("" for an empty document, otherwise ending in `\n`).
pub fn render(blocks: &[Block]) -> String {
    let lines = render_blocks(blocks, false);
    if lines.is_empty() {
        String::new()
    } else {
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Prev {
    None,
    Bullet { alt: bool },
    Ordered { alt: bool },
    Other,
}

fn render_blocks(blocks: &[Block], tight: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev = Prev::None;
    for block in blocks {
        let (lines, now) = match block {
            Block::BulletList(items) => {
                let alt = matches!(prev, Prev::Bullet { alt: false });
                let marker = if alt { "*" } else { "-" };
                let lines = render_list(items, |_| format!("{marker} "));
                (lines, Prev::Bullet { alt })
            }
            Block::OrderedList { start, items } => {
                let alt = matches!(prev, Prev::Ordered { alt: false });
                let delim = if alt { ')' } else { '.' };
                let lines = render_list(items, |i| {
                    format!("{}{delim} ", start.saturating_add(i as u64))
                });
                (lines, Prev::Ordered { alt })
            }
            other => (render_block(other), Prev::Other),
        };
        if lines.is_empty() {
            continue;
        }
        if !out.is_empty() && !tight {
            out.push(String::new());
        }
        out.extend(lines);
        prev = now;
    }
    out
}

fn render_block(block: &Block) -> Vec<String> {
    match block {
        Block::Paragraph(inlines) => render_paragraph(inlines),
        Block::Heading { level, content } => {
            let hashes = "#".repeat(usize::from((*level).clamp(1, 6)));
            let text = render_inline_line(&prepare_line(content), true);
            if text.is_empty() {
                vec![hashes]
            } else {
                vec![format!("{hashes} {text}")]
            }
        }
        Block::Blockquote(inner) => {
            let lines = render_blocks(inner, false);
            if lines.is_empty() {
                return vec![">".to_owned()];
            }
            lines
                .into_iter()
                .map(|l| {
                    if l.is_empty() {
                        ">".to_owned()
                    } else {
                        format!("> {l}")
                    }
                })
                .collect()
        }
        Block::CodeBlock { language, text } => {
            // Only a backtick run at the start of a line could close the fence.
            let longest = text
                .split('\n')
                .map(|l| longest_run_prefix(l.trim_start_matches(' '), '`'))
                .max()
                .unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            let info = language
                .as_deref()
                .filter(|l| !l.contains('`') && !l.contains(char::is_whitespace))
                .unwrap_or("");
            let mut lines = vec![format!("{fence}{info}")];
            if !text.is_empty() {
                lines.extend(text.split('\n').map(str::to_owned));
            }
            lines.push(fence);
            lines
        }
        Block::HorizontalRule => vec!["---".to_owned()],
        Block::BulletList(_) | Block::OrderedList { .. } => {
            render_blocks(std::slice::from_ref(block), false)
        }
    }
}

fn paragraph_text(block: Option<&Block>) -> Option<Vec<String>> {
    match block {
        Some(Block::Paragraph(inlines)) => Some(render_paragraph(inlines)),
        _ => None,
    }
}

/// Tight when every item is one non-empty paragraph followed only by lists that may interrupt
/// a paragraph (bullets, or numbers starting at 1, with a non-empty first item).
fn is_tight(items: &[Vec<Block>]) -> bool {
    items.iter().all(|item| {
        let first_ok = paragraph_text(item.first()).is_some_and(|l| !l.is_empty());
        let rest_ok = item.iter().skip(1).all(|b| {
            let (items, start_ok) = match b {
                Block::BulletList(items) => (items, true),
                Block::OrderedList { start, items } => (items, *start == 1),
                _ => return false,
            };
            start_ok
                && items
                    .first()
                    .is_some_and(|it| paragraph_text(it.first()).is_some_and(|l| !l.is_empty()))
        });
        first_ok && rest_ok
    })
}

fn render_list(items: &[Vec<Block>], marker: impl Fn(usize) -> String) -> Vec<String> {
    let tight = is_tight(items);
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let marker = marker(i);
        let indent = " ".repeat(marker.len());
        // An empty leading paragraph is implied by the schema; let the next block start on the
        // marker line instead (a blank first line would end the item).
        let blocks = match item.split_first() {
            Some((Block::Paragraph(p), rest))
                if !rest.is_empty() && render_paragraph(p).is_empty() =>
            {
                rest
            }
            _ => item.as_slice(),
        };
        let mut lines = render_blocks(blocks, tight);
        // "- ---" would read as a rule: use the other rule spelling right after a marker.
        if let Some(first) = lines.first_mut()
            && first == "---"
        {
            *first = "___".to_owned();
        }
        if !out.is_empty() && !tight {
            out.push(String::new());
        }
        if lines.is_empty() {
            out.push(marker.trim_end().to_owned());
            continue;
        }
        for (j, line) in lines.into_iter().enumerate() {
            if j == 0 {
                out.push(format!("{marker}{line}"));
            } else if line.is_empty() {
                out.push(line);
            } else {
                out.push(format!("{indent}{line}"));
            }
        }
    }
    out
}

fn render_paragraph(inlines: &[Inline]) -> Vec<String> {
    let lines: Vec<String> = split_lines(inlines)
        .into_iter()
        .map(|line| escape_line_start(render_inline_line(&line, false)))
        .collect();
    // Leading/trailing/blank lines cannot be expressed; inner blank lines stay as "\".
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let kept = &lines[first..=last];
    kept.iter()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 < kept.len() {
                format!("{l}\\")
            } else {
                l.clone()
            }
        })
        .collect()
}

type Segment = (String, Marks);

fn split_lines(inlines: &[Inline]) -> Vec<Vec<Segment>> {
    let mut lines = vec![Vec::new()];
    for inline in inlines {
        match inline {
            Inline::HardBreak => lines.push(Vec::new()),
            Inline::Text(text, marks) => {
                if let Some(line) = lines.last_mut() {
                    line.push((text.clone(), marks.clone()));
                }
            }
        }
    }
    lines.into_iter().map(prepare_segments).collect()
}

fn prepare_line(inlines: &[Inline]) -> Vec<Segment> {
    let segments = inlines
        .iter()
        .map(|i| match i {
            Inline::Text(t, m) => (t.clone(), m.clone()),
            Inline::HardBreak => (" ".to_owned(), Marks::default()),
        })
        .collect();
    prepare_segments(segments)
}

/// Makes one line of text expressible: no newlines, no leading/trailing blanks (Markdown drops
/// them), no emphasis on pure whitespace (`** **` is not emphasis), adjacent equal runs merged.
fn prepare_segments(segments: Vec<Segment>) -> Vec<Segment> {
    let mut segs: Vec<Segment> = segments
        .into_iter()
        .map(|(t, mut m)| {
            let t = if m.code {
                t.replace(['\n', '\r'], " ")
            } else {
                t.replace(['\n', '\r', '\t'], " ")
            };
            if !m.code && t.trim().is_empty() {
                m.bold = false;
                m.italic = false;
                m.strike = false;
            }
            (t, m)
        })
        .filter(|(t, _)| !t.is_empty())
        .collect();
    while let Some((t, m)) = segs.first_mut() {
        if m.code {
            break;
        }
        let trimmed = t.trim_start().to_owned();
        if trimmed.is_empty() {
            segs.remove(0);
        } else {
            *t = trimmed;
            break;
        }
    }
    while let Some((t, m)) = segs.last_mut() {
        if m.code {
            break;
        }
        let trimmed = t.trim_end().to_owned();
        if trimmed.is_empty() {
            segs.pop();
        } else {
            *t = trimmed;
            break;
        }
    }
    let inlines = segs.into_iter().map(|(t, m)| Inline::Text(t, m)).collect();
    normalize_inlines(inlines)
        .into_iter()
        .filter_map(|i| match i {
            Inline::Text(t, m) => Some((t, m)),
            Inline::HardBreak => None,
        })
        .collect()
}

/// Emphasis-like marks in nesting order (outermost first); code is rendered as a span inside.
#[derive(Clone, PartialEq, Eq)]
enum Delim {
    Link(String),
    Bold,
    Italic,
    Strike,
}

fn delims(marks: &Marks) -> Vec<Delim> {
    let mut out = Vec::new();
    if let Some(href) = &marks.link {
        out.push(Delim::Link(href.clone()));
    }
    if marks.bold {
        out.push(Delim::Bold);
    }
    if marks.italic {
        out.push(Delim::Italic);
    }
    if marks.strike {
        out.push(Delim::Strike);
    }
    out
}

fn opener(d: &Delim) -> &'static str {
    match d {
        Delim::Link(_) => "[",
        Delim::Bold => "**",
        Delim::Italic => "*",
        Delim::Strike => "~~",
    }
}

fn closer(d: &Delim) -> String {
    match d {
        Delim::Link(href) => format!("]({})", link_destination(href)),
        Delim::Bold => "**".to_owned(),
        Delim::Italic => "*".to_owned(),
        Delim::Strike => "~~".to_owned(),
    }
}

fn common_prefix(a: &[Delim], b: &[Delim]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

fn render_inline_line(segments: &[Segment], heading: bool) -> String {
    let mut out = String::new();
    let mut active: Vec<Delim> = Vec::new();
    let mut pending_ws = String::new();
    for (i, (text, marks)) in segments.iter().enumerate() {
        let want = delims(marks);
        let common = common_prefix(&active, &want);
        while active.len() > common {
            if let Some(d) = active.pop() {
                out.push_str(&closer(&d));
            }
        }
        out.push_str(&std::mem::take(&mut pending_ws));
        let mut text: &str = text;
        if want.len() > common {
            // Delimiters must touch the text: move leading blanks before the opener.
            if !marks.code {
                let trimmed = text.trim_start();
                out.push_str(&text[..text.len() - trimmed.len()]);
                text = trimmed;
            }
            for d in &want[common..] {
                out.push_str(opener(d));
                active.push(d.clone());
            }
        }
        let next = segments
            .get(i + 1)
            .map(|(_, m)| delims(m))
            .unwrap_or_default();
        if !marks.code && common_prefix(&active, &next) < active.len() {
            let trimmed = text.trim_end();
            pending_ws = text[trimmed.len()..].to_owned();
            text = trimmed;
        }
        if marks.code {
            out.push_str(&code_span(text));
        } else {
            out.push_str(&escape_text(text, heading));
        }
    }
    while let Some(d) = active.pop() {
        out.push_str(&closer(&d));
    }
    out.push_str(&pending_ws);
    out
}

fn longest_run(text: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in text.chars() {
        if c == ch {
            cur += 1;
            best = best.max(cur);
        } else {
            cur = 0;
        }
    }
    best
}

fn longest_run_prefix(text: &str, ch: char) -> usize {
    text.chars().take_while(|c| *c == ch).count()
}

fn code_span(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, '`') + 1);
    let pad = text.starts_with('`')
        || text.ends_with('`')
        || (text.starts_with(' ') && text.ends_with(' ') && !text.trim().is_empty());
    if pad {
        format!("{fence} {text} {fence}")
    } else {
        format!("{fence}{text}{fence}")
    }
}

/// `&name;` / `&#123;` would be decoded as an entity by a Markdown reader.
fn starts_entity(rest: &str) -> bool {
    let body: String = rest
        .chars()
        .skip(1)
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '#')
        .collect();
    !body.is_empty() && rest[1 + body.len()..].starts_with(';')
}

fn escape_text(text: &str, heading: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (i, c) in text.char_indices() {
        let escape = match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '<' => true,
            '#' => heading,
            '&' => starts_entity(&text[i..]),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text at the start of a paragraph line that would otherwise start a block.
fn escape_line_start(line: String) -> String {
    if line.starts_with(['#', '>', '-', '+', '=']) {
        return format!("\\{line}");
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && matches!(line.as_bytes().get(digits), Some(b'.' | b')')) {
        return format!("{}\\{}", &line[..digits], &line[digits..]);
    }
    line
}

fn link_destination(href: &str) -> String {
    let needs_angle = href.is_empty()
        || href
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '(' | ')' | '<' | '>'));
    let mut out = String::with_capacity(href.len() + 2);
    for (i, c) in href.char_indices() {
        let escape = match c {
            '\\' => true,
            '<' | '>' => needs_angle,
            '&' => starts_entity(&href[i..]),
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    if needs_angle { format!("<{out}>") } else { out }
}
