//! Markdown → DOCX blocks: headings as Heading styles, real Word lists (numbering definitions,
//! not typed bullets), bold/italic/strike/code runs, links, block quotes, code blocks and tables.
//! Raw HTML in the Markdown is dropped, as in the HTML export after sanitising.

use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Hyperlink, HyperlinkType, IndentLevel, Level,
    LevelJc, LevelOverride, LevelText, NumberFormat, Numbering, NumberingId, Paragraph, Run,
    RunFonts, SpecialIndentType, Start, Table, TableCell, TableRow,
};
use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::markdown::{heading_number, options};

/// Abstract numbering ids; id 1 is docx-rs's built-in default.
pub(super) const BULLET_ABSTRACT: usize = 2;
pub(super) const DECIMAL_ABSTRACT: usize = 3;
/// The one numbering instance all bullet lists share (bullets need no restart).
pub(super) const BULLET_NUM: usize = 2;
const MONO: &str = "DejaVu Sans Mono";

/// A top-level body element.
pub(super) enum Block {
    P(Box<Paragraph>),
    T(Box<Table>),
}

/// Collects blocks for the whole document, and the numbering instances ordered lists need
/// (each ordered list restarts at its own start number, so each gets its own `w:num`).
pub(super) struct DocBlocks {
    pub blocks: Vec<Block>,
    pub numberings: Vec<Numbering>,
    next_num: usize,
}

impl DocBlocks {
    pub fn new() -> Self {
        Self {
            blocks: Vec::new(),
            numberings: Vec::new(),
            next_num: BULLET_NUM + 1,
        }
    }

    pub fn para(&mut self, p: Paragraph) {
        self.blocks.push(Block::P(Box::new(p)));
    }

    pub fn table(&mut self, t: Table) {
        self.blocks.push(Block::T(Box::new(t)));
    }

    fn ordered_list(&mut self, start: u64) -> usize {
        let id = self.next_num;
        self.next_num += 1;
        let start = usize::try_from(start).unwrap_or(1);
        self.numberings.push(
            Numbering::new(id, DECIMAL_ABSTRACT).add_override(LevelOverride::new(0).start(start)),
        );
        id
    }

    /// Appends `md`, its headings shifted down by `shift` levels (chapter titles are Heading 1).
    pub fn markdown(&mut self, md: &str, shift: usize) {
        let mut c = Converter::new(self, shift);
        for e in Parser::new_ext(md, options()) {
            c.event(e);
        }
        c.flush();
    }
}

/// The abstract list definitions: bullets •◦▪ and numbers 1. a. i., nine levels each.
pub(super) fn abstract_numberings() -> [AbstractNumbering; 2] {
    let mut bullets = AbstractNumbering::new(BULLET_ABSTRACT);
    let mut numbers = AbstractNumbering::new(DECIMAL_ABSTRACT);
    for lvl in 0..9 {
        let indent = i32::try_from(360 * (lvl + 1)).unwrap_or(360);
        let glyph = ["•", "◦", "▪"][lvl % 3];
        bullets = bullets.add_level(
            Level::new(
                lvl,
                Start::new(1),
                NumberFormat::new("bullet"),
                LevelText::new(glyph),
                LevelJc::new("left"),
            )
            .indent(
                Some(indent),
                Some(SpecialIndentType::Hanging(360)),
                None,
                None,
            ),
        );
        let fmt = ["decimal", "lowerLetter", "lowerRoman"][lvl % 3];
        numbers = numbers.add_level(
            Level::new(
                lvl,
                Start::new(1),
                NumberFormat::new(fmt),
                LevelText::new(format!("%{}.", lvl + 1)),
                LevelJc::new("left"),
            )
            .indent(
                Some(indent),
                Some(SpecialIndentType::Hanging(360)),
                None,
                None,
            ),
        );
    }
    [bullets, numbers]
}

struct ListCtx {
    num_id: usize,
}

struct TableCtx {
    rows: Vec<TableRow>,
    cells: Vec<TableCell>,
    cell: Option<TableCell>,
    /// A cell must hold at least one paragraph to be valid OOXML.
    cell_has_text: bool,
    in_head: bool,
}

struct Converter<'a> {
    out: &'a mut DocBlocks,
    shift: usize,
    para: Option<Paragraph>,
    heading: Option<usize>,
    bold: usize,
    italic: usize,
    strike: usize,
    code_block: bool,
    quote: usize,
    lists: Vec<ListCtx>,
    /// The next paragraph is the first of a list item and carries the number or bullet.
    item_start: bool,
    link: Option<(String, Vec<Run>)>,
    table: Option<TableCtx>,
}

impl<'a> Converter<'a> {
    fn new(out: &'a mut DocBlocks, shift: usize) -> Self {
        Self {
            out,
            shift,
            para: None,
            heading: None,
            bold: 0,
            italic: 0,
            strike: 0,
            code_block: false,
            quote: 0,
            lists: Vec::new(),
            item_start: false,
            link: None,
            table: None,
        }
    }

    fn event(&mut self, e: Event) {
        match e {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                let run = self
                    .run(&t)
                    .fonts(RunFonts::new().ascii(MONO).hi_ansi(MONO));
                self.push_run(run);
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.push_run(Run::new().add_break(BreakType::TextWrapping)),
            Event::Rule => {
                self.flush();
                self.out.para(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(Run::new().add_text("* * *")),
                );
            }
            Event::TaskListMarker(done) => self.text(if done { "☑ " } else { "☐ " }),
            // Raw HTML is not carried into Word (the HTML export sanitises it the same way).
            Event::Html(_) | Event::InlineHtml(_) => {}
            Event::FootnoteReference(r) => self.text(&format!("[{r}]")),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
        }
    }

    fn start(&mut self, tag: Tag) {
        match tag {
            Tag::Paragraph => self.flush(),
            Tag::Heading { level, .. } => {
                self.flush();
                self.heading = Some((heading_number(level) + self.shift).min(6));
            }
            Tag::BlockQuote(_) => {
                self.flush();
                self.quote += 1;
            }
            Tag::CodeBlock(_) => {
                self.flush();
                self.code_block = true;
            }
            Tag::List(start) => {
                self.flush();
                let num_id = match start {
                    Some(n) => self.out.ordered_list(n),
                    None => BULLET_NUM,
                };
                self.lists.push(ListCtx { num_id });
            }
            Tag::Item => {
                self.flush();
                self.item_start = true;
            }
            Tag::Table(_) => {
                self.flush();
                self.table = Some(TableCtx {
                    rows: Vec::new(),
                    cells: Vec::new(),
                    cell: None,
                    cell_has_text: false,
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {}
            Tag::TableCell => {
                if let Some(t) = &mut self.table {
                    t.cell = Some(TableCell::new());
                    t.cell_has_text = false;
                }
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link { dest_url, .. } => self.link = Some((dest_url.to_string(), Vec::new())),
            Tag::Image { .. } => self.text("[image: "),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush(),
            TagEnd::Heading(_) => {
                self.flush();
                self.heading = None;
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote = self.quote.saturating_sub(1);
            }
            TagEnd::CodeBlock => {
                self.flush();
                self.code_block = false;
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::Item => {
                self.flush();
                self.item_start = false;
            }
            TagEnd::TableCell => {
                self.flush();
                if let Some(t) = &mut self.table
                    && let Some(cell) = t.cell.take()
                {
                    let cell = if t.cell_has_text {
                        cell
                    } else {
                        cell.add_paragraph(Paragraph::new())
                    };
                    t.cells.push(cell);
                }
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                if let Some(t) = &mut self.table {
                    let cells = std::mem::take(&mut t.cells);
                    let mut row = TableRow::new(cells);
                    if t.in_head {
                        row = row.cant_split();
                    }
                    t.rows.push(row);
                    t.in_head = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take()
                    && !t.rows.is_empty()
                {
                    self.out.table(Table::new(t.rows).style("TableGrid"));
                }
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => {
                if let Some((url, runs)) = self.link.take() {
                    let mut link = Hyperlink::new(url, HyperlinkType::External);
                    for r in runs {
                        link = link.add_run(r.color("1F4E79").underline("single"));
                    }
                    let p = self.paragraph();
                    *p = std::mem::take(p).add_hyperlink(link);
                }
            }
            TagEnd::Image => self.text("]"),
            _ => {}
        }
    }

    fn text(&mut self, t: &str) {
        if self.code_block {
            let mut lines = t.split('\n').peekable();
            while let Some(line) = lines.next() {
                if !line.is_empty() {
                    let run = Run::new()
                        .add_text(line)
                        .fonts(RunFonts::new().ascii(MONO).hi_ansi(MONO))
                        .size(18);
                    self.push_run(run);
                }
                if lines.peek().is_some_and(|next| !next.is_empty()) {
                    self.push_run(Run::new().add_break(BreakType::TextWrapping));
                }
            }
            return;
        }
        let run = self.run(t);
        self.push_run(run);
    }

    /// A run with the current bold/italic/strike state.
    fn run(&self, t: &str) -> Run {
        let mut r = Run::new().add_text(t);
        // Header cells are bold whatever the Markdown said.
        if self.bold > 0 || self.table.as_ref().is_some_and(|t| t.in_head) {
            r = r.bold();
        }
        if self.italic > 0 {
            r = r.italic();
        }
        if self.strike > 0 {
            r = r.strike();
        }
        r
    }

    fn push_run(&mut self, run: Run) {
        if let Some((_, runs)) = &mut self.link {
            runs.push(run);
            return;
        }
        let p = self.paragraph();
        *p = std::mem::take(p).add_run(run);
    }

    /// The paragraph being written, created with the style its context asks for.
    fn paragraph(&mut self) -> &mut Paragraph {
        if self.para.is_none() {
            let mut p = Paragraph::new();
            if let Some(level) = self.heading {
                p = p.style(&format!("Heading{level}"));
            } else if self.code_block {
                p = p.style("Code");
            } else if self.quote > 0 {
                p = p.style("Quote");
            }
            if let Some(list) = self.lists.last() {
                let level = self.lists.len() - 1;
                if self.item_start {
                    p = p.numbering(
                        NumberingId::new(list.num_id),
                        IndentLevel::new(level.min(8)),
                    );
                    self.item_start = false;
                } else if self.heading.is_none() {
                    // A further paragraph of the same item: aligned with the item text, no bullet.
                    let indent = i32::try_from(360 * (level + 1)).unwrap_or(360);
                    p = p.indent(Some(indent), None, None, None);
                }
            }
            self.para = Some(p);
        }
        self.para.get_or_insert_with(Paragraph::new)
    }

    /// Ends the current paragraph, into the table cell being written or into the body.
    fn flush(&mut self) {
        let Some(p) = self.para.take() else { return };
        if let Some(t) = &mut self.table
            && let Some(cell) = t.cell.take()
        {
            t.cell = Some(cell.add_paragraph(p));
            t.cell_has_text = true;
            return;
        }
        self.out.para(p);
    }
}
