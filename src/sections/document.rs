//! A plan section as a Yjs document, in the exact shape TipTap (StarterKit + Collaboration,
//! i.e. y-prosemirror) reads and writes, and conversions between it and Markdown / HTML.
//!
//! Format (what y-prosemirror stores in the root `XmlFragment` named `"default"`):
//! * every ProseMirror node except text is an `XmlElement` whose tag is the node type name
//!   (`paragraph`, `heading`, `bulletList`, `orderedList`, `listItem`, `blockquote`, `codeBlock`,
//!   `horizontalRule`, `hardBreak`); node attributes whose value is not `null` are element
//!   attributes holding the plain value (`level` and `start` are numbers, `language` a string);
//! * each run of adjacent text nodes is ONE `XmlText`; a `hardBreak` between two runs splits them
//!   into two `XmlText` siblings around a `hardBreak` element;
//! * marks are formatting attributes on the text: key = mark name, value = the mark's attrs
//!   object (`{}` for bold/italic/strike/code, `{href, target, rel, class}` for link). Marks that
//!   may overlap themselves get a `--<8 chars hash>` suffix on the key, which readers strip.
//!
//! The model below ([`Block`], [`Inline`], [`Marks`]) is the common ground between Yjs, Markdown
//! and HTML, so each direction is written once.

use std::collections::HashMap;
use std::sync::Arc;

use yrs::types::Attrs;
use yrs::types::text::YChange;
use yrs::{
    Any, Doc, GetString, Out, ReadTxn, Text, Transact, TransactionMut, Xml, XmlElementPrelim,
    XmlElementRef, XmlFragment, XmlFragmentRef, XmlOut, XmlTextPrelim, XmlTextRef,
};

use super::{html, markdown};

/// Name of the root type TipTap's Collaboration extension binds to (its `field` option default).
pub const FRAGMENT_NAME: &str = "default";

/// TipTap's Link defaults: written in full so y-prosemirror sees the stored attrs as equal to
/// the mark it builds (its comparison ignores `null`s but counts every other key), which
/// avoids a needless rewrite of the text on the first local edit.
const LINK_TARGET: &str = "_blank";
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Inline marks supported by Markdown. Other marks (underline, highlight…) are ignored when
/// reading and survive a Markdown write only in blocks the write leaves untouched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    pub bold: bool,
    pub italic: bool,
    pub strike: bool,
    pub code: bool,
    pub link: Option<String>,
}

impl Marks {
    pub fn is_plain(&self) -> bool {
        *self == Marks::default()
    }
}

/// Inline content of a paragraph or heading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String, Marks),
    HardBreak,
}

/// Block nodes of the StarterKit schema (minus the ones Markdown cannot express).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(Vec<Inline>),
    Heading {
        level: u8,
        content: Vec<Inline>,
    },
    BulletList(Vec<Vec<Block>>),
    OrderedList {
        start: u64,
        items: Vec<Vec<Block>>,
    },
    Blockquote(Vec<Block>),
    CodeBlock {
        language: Option<String>,
        text: String,
    },
    HorizontalRule,
}

/// Merges adjacent text runs with equal marks and drops empty ones, so equal content always
/// has one representation (needed to compare blocks when diffing).
pub(crate) fn normalize_inlines(inlines: Vec<Inline>) -> Vec<Inline> {
    let mut out: Vec<Inline> = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Text(text, _) if text.is_empty() => {}
            Inline::Text(text, marks) => match out.last_mut() {
                Some(Inline::Text(prev, prev_marks)) if *prev_marks == marks => {
                    prev.push_str(&text)
                }
                _ => out.push(Inline::Text(text, marks)),
            },
            Inline::HardBreak => out.push(Inline::HardBreak),
        }
    }
    out
}

/// Makes a block list valid for the StarterKit schema: `listItem` must start with a paragraph,
/// `blockquote` and list items need at least one block. ProseMirror (via y-prosemirror)
/// deletes elements it cannot build, so invalid content would be lost in the browser.
pub(crate) fn normalize_item(mut blocks: Vec<Block>) -> Vec<Block> {
    if !matches!(blocks.first(), Some(Block::Paragraph(_))) {
        blocks.insert(0, Block::Paragraph(Vec::new()));
    }
    blocks
}

pub(crate) fn normalize_container(mut blocks: Vec<Block>) -> Vec<Block> {
    if blocks.is_empty() {
        blocks.push(Block::Paragraph(Vec::new()));
    }
    blocks
}

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/// Replaces the section's content with `markdown`, inside the caller's transaction so the whole
/// replacement is ONE Yjs update (get it with `txn.encode_update_v1()`).
///
/// Top-level blocks that are unchanged (common prefix and suffix) are kept as they are, so a
/// concurrent edit inside an untouched paragraph survives, and re-saving identical Markdown
/// produces an empty update.
pub fn markdown_to_fragment(txn: &mut TransactionMut, fragment: &XmlFragmentRef, markdown: &str) {
    let new_blocks = markdown::parse(markdown);
    let existing: Vec<Option<Block>> = fragment
        .children(txn)
        .map(|child| match child {
            XmlOut::Element(el) => {
                let mut blocks = Vec::new();
                read_element(txn, &el, &mut blocks);
                // Only a child that maps to exactly one known block can be kept.
                if blocks.len() == 1 && is_known_block(el.tag()) {
                    blocks.pop()
                } else {
                    None
                }
            }
            _ => None,
        })
        .collect();

    let max_common = existing.len().min(new_blocks.len());
    let prefix = existing
        .iter()
        .zip(&new_blocks)
        .take_while(|(old, new)| old.as_ref() == Some(*new))
        .count();
    let suffix = existing
        .iter()
        .rev()
        .zip(new_blocks.iter().rev())
        .take(max_common - prefix)
        .take_while(|(old, new)| old.as_ref() == Some(*new))
        .count();

    let remove_len = existing.len() - prefix - suffix;
    if remove_len > 0 {
        fragment.remove_range(txn, to_u32(prefix), to_u32(remove_len));
    }
    for (offset, block) in new_blocks[prefix..new_blocks.len() - suffix]
        .iter()
        .enumerate()
    {
        insert_block(txn, fragment, to_u32(prefix + offset), block);
    }
}

/// Convenience for `PUT /sections/{id}/content`: applies `markdown` to `doc` in one transaction
/// and returns that transaction's update (lib0 v1), empty-ish (`[0, 0]`) when nothing changed.
///
/// Must not be called while another transaction on `doc` is open.
pub fn replace_with_markdown(doc: &Doc, markdown: &str) -> Vec<u8> {
    let fragment = doc.get_or_insert_xml_fragment(FRAGMENT_NAME);
    let mut txn = doc.transact_mut();
    markdown_to_fragment(&mut txn, &fragment, markdown);
    txn.encode_update_v1()
}

/// Reads the section as blocks (the model shared by the Markdown and HTML renderers).
pub fn read_blocks<T: ReadTxn>(txn: &T) -> Vec<Block> {
    let mut blocks = Vec::new();
    if let Some(fragment) = txn.get_xml_fragment(FRAGMENT_NAME) {
        read_children(txn, &fragment, &mut blocks);
    }
    blocks
}

/// Markdown rendering of the section (for search, diff, checks and export).
pub fn fragment_to_markdown(doc: &Doc) -> String {
    markdown::render(&read_blocks(&doc.transact()))
}

/// Sanitised HTML rendering of the section.
pub fn fragment_to_html(doc: &Doc) -> String {
    html::render(&read_blocks(&doc.transact()))
}

/// Whether a section counts as written: it has some text outside headings.
pub fn is_written(markdown: &str) -> bool {
    fn has_text(blocks: &[Block]) -> bool {
        blocks.iter().any(|block| match block {
            Block::Paragraph(inlines) => inlines
                .iter()
                .any(|i| matches!(i, Inline::Text(t, _) if !t.trim().is_empty())),
            Block::Heading { .. } | Block::HorizontalRule => false,
            Block::BulletList(items) | Block::OrderedList { items, .. } => {
                items.iter().any(|item| has_text(item))
            }
            Block::Blockquote(inner) => has_text(inner),
            Block::CodeBlock { text, .. } => !text.trim().is_empty(),
        })
    }
    has_text(&markdown::parse(markdown))
}

// ---------------------------------------------------------------------------------------------
// Writing (model -> Yjs)
// ---------------------------------------------------------------------------------------------

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn is_known_block(tag: &str) -> bool {
    matches!(
        tag,
        "paragraph"
            | "heading"
            | "bulletList"
            | "orderedList"
            | "blockquote"
            | "codeBlock"
            | "horizontalRule"
    )
}

fn insert_block<P: XmlFragment>(txn: &mut TransactionMut, parent: &P, index: u32, block: &Block) {
    match block {
        Block::Paragraph(inlines) => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("paragraph"));
            write_inlines(txn, &el, inlines);
        }
        Block::Heading { level, content } => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("heading"));
            el.insert_attribute(txn, "level", Any::from(i64::from(*level)));
            write_inlines(txn, &el, content);
        }
        Block::BulletList(items) => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("bulletList"));
            write_items(txn, &el, items);
        }
        Block::OrderedList { start, items } => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("orderedList"));
            let start = i64::try_from(*start).unwrap_or(1);
            el.insert_attribute(txn, "start", Any::from(start));
            write_items(txn, &el, items);
        }
        Block::Blockquote(inner) => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("blockquote"));
            for (i, child) in inner.iter().enumerate() {
                insert_block(txn, &el, to_u32(i), child);
            }
        }
        Block::CodeBlock { language, text } => {
            let el = parent.insert(txn, index, XmlElementPrelim::empty("codeBlock"));
            if let Some(language) = language {
                el.insert_attribute(txn, "language", Any::from(language.as_str()));
            }
            if !text.is_empty() {
                el.insert(txn, 0, XmlTextPrelim::new(text.as_str()));
            }
        }
        Block::HorizontalRule => {
            parent.insert(txn, index, XmlElementPrelim::empty("horizontalRule"));
        }
    }
}

fn write_items(txn: &mut TransactionMut, list: &XmlElementRef, items: &[Vec<Block>]) {
    for (i, item) in items.iter().enumerate() {
        let li = list.insert(txn, to_u32(i), XmlElementPrelim::empty("listItem"));
        for (j, block) in item.iter().enumerate() {
            insert_block(txn, &li, to_u32(j), block);
        }
    }
}

/// Text runs between hard breaks become one `XmlText` each, as y-prosemirror does.
fn write_inlines(txn: &mut TransactionMut, el: &XmlElementRef, inlines: &[Inline]) {
    let mut current: Option<XmlTextRef> = None;
    let mut index = 0u32;
    for inline in inlines {
        match inline {
            Inline::HardBreak => {
                current = None;
                el.insert(txn, index, XmlElementPrelim::empty("hardBreak"));
                index += 1;
            }
            Inline::Text(text, marks) => {
                let ytext = match &current {
                    Some(t) => t.clone(),
                    None => {
                        let t = el.insert(txn, index, XmlTextPrelim::new(""));
                        index += 1;
                        current = Some(t.clone());
                        t
                    }
                };
                let at = ytext.len(txn);
                // Explicit (possibly empty) attributes: a plain run after a bold one must not
                // inherit bold.
                ytext.insert_with_attributes(txn, at, text, marks_to_attrs(marks));
            }
        }
    }
}

fn marks_to_attrs(marks: &Marks) -> Attrs {
    let empty = || Any::Map(Arc::new(HashMap::new()));
    let mut attrs = Attrs::new();
    if marks.bold {
        attrs.insert("bold".into(), empty());
    }
    if marks.italic {
        attrs.insert("italic".into(), empty());
    }
    if marks.strike {
        attrs.insert("strike".into(), empty());
    }
    if marks.code {
        attrs.insert("code".into(), empty());
    }
    if let Some(href) = &marks.link {
        let link = HashMap::from([
            ("href".to_owned(), Any::from(href.as_str())),
            ("target".to_owned(), Any::from(LINK_TARGET)),
            ("rel".to_owned(), Any::from(LINK_REL)),
            ("class".to_owned(), Any::Null),
        ]);
        attrs.insert("link".into(), Any::Map(Arc::new(link)));
    }
    attrs
}

// ---------------------------------------------------------------------------------------------
// Reading (Yjs -> model)
// ---------------------------------------------------------------------------------------------

fn read_children<T: ReadTxn, F: XmlFragment>(txn: &T, parent: &F, out: &mut Vec<Block>) {
    // Stray text directly in a block container (not valid in the schema, but keep its words).
    let mut stray: Vec<Inline> = Vec::new();
    for child in parent.children(txn) {
        match child {
            XmlOut::Element(el) if is_inline_tag(el.tag()) => read_inline_element(&el, &mut stray),
            XmlOut::Element(el) => {
                flush_stray(&mut stray, out);
                read_element(txn, &el, out);
            }
            XmlOut::Text(text) => read_text(txn, &text, &mut stray),
            XmlOut::Fragment(frag) => {
                flush_stray(&mut stray, out);
                read_children(txn, &frag, out);
            }
        }
    }
    flush_stray(&mut stray, out);
}

fn flush_stray(stray: &mut Vec<Inline>, out: &mut Vec<Block>) {
    if !stray.is_empty() {
        out.push(Block::Paragraph(normalize_inlines(std::mem::take(stray))));
    }
}

fn is_inline_tag(tag: &str) -> bool {
    tag == "hardBreak"
}

fn read_element<T: ReadTxn>(txn: &T, el: &XmlElementRef, out: &mut Vec<Block>) {
    match el.tag().as_ref() {
        "paragraph" => out.push(Block::Paragraph(read_inlines(txn, el))),
        "heading" => {
            let level = number_attr(txn, el, "level").unwrap_or(1).clamp(1, 6);
            let level = u8::try_from(level).unwrap_or(1);
            out.push(Block::Heading {
                level,
                content: read_inlines(txn, el),
            });
        }
        "bulletList" => out.push(Block::BulletList(read_items(txn, el))),
        "orderedList" => {
            let start = number_attr(txn, el, "start").unwrap_or(1);
            out.push(Block::OrderedList {
                start,
                items: read_items(txn, el),
            });
        }
        "blockquote" => {
            let mut inner = Vec::new();
            read_children(txn, el, &mut inner);
            out.push(Block::Blockquote(normalize_container(inner)));
        }
        "codeBlock" => {
            let language = match el.get_attribute(txn, "language") {
                Some(Out::Any(Any::String(s))) if !s.is_empty() => Some(s.to_string()),
                _ => None,
            };
            let mut text = String::new();
            for child in el.children(txn) {
                match child {
                    XmlOut::Text(t) => text.push_str(&t.get_string(txn)),
                    XmlOut::Element(e) if e.tag().as_ref() == "hardBreak" => text.push('\n'),
                    _ => {}
                }
            }
            out.push(Block::CodeBlock { language, text });
        }
        "horizontalRule" => out.push(Block::HorizontalRule),
        // Unknown node (another extension): keep its text rather than dropping it.
        _ => {
            let mut inner = Vec::new();
            read_children(txn, el, &mut inner);
            out.extend(inner);
        }
    }
}

fn read_items<T: ReadTxn>(txn: &T, list: &XmlElementRef) -> Vec<Vec<Block>> {
    let mut items = Vec::new();
    for child in list.children(txn) {
        let mut blocks = Vec::new();
        match child {
            XmlOut::Element(el) if el.tag().as_ref() == "listItem" => {
                read_children(txn, &el, &mut blocks)
            }
            XmlOut::Element(el) => read_element(txn, &el, &mut blocks),
            XmlOut::Text(text) => {
                let mut inlines = Vec::new();
                read_text(txn, &text, &mut inlines);
                blocks.push(Block::Paragraph(normalize_inlines(inlines)));
            }
            XmlOut::Fragment(frag) => read_children(txn, &frag, &mut blocks),
        }
        items.push(normalize_item(blocks));
    }
    items
}

fn read_inlines<T: ReadTxn>(txn: &T, el: &XmlElementRef) -> Vec<Inline> {
    let mut inlines = Vec::new();
    for child in el.children(txn) {
        match child {
            XmlOut::Text(text) => read_text(txn, &text, &mut inlines),
            XmlOut::Element(inner) if is_inline_tag(inner.tag()) => {
                read_inline_element(&inner, &mut inlines)
            }
            // Unknown inline node (e.g. a mention): keep its text.
            XmlOut::Element(inner) => {
                for grandchild in inner.children(txn) {
                    if let XmlOut::Text(text) = grandchild {
                        read_text(txn, &text, &mut inlines);
                    }
                }
            }
            XmlOut::Fragment(_) => {}
        }
    }
    normalize_inlines(inlines)
}

fn read_inline_element(el: &XmlElementRef, out: &mut Vec<Inline>) {
    if el.tag().as_ref() == "hardBreak" {
        out.push(Inline::HardBreak);
    }
}

fn read_text<T: ReadTxn>(txn: &T, text: &XmlTextRef, out: &mut Vec<Inline>) {
    for chunk in text.diff(txn, YChange::identity) {
        if let Out::Any(Any::String(s)) = &chunk.insert {
            out.push(Inline::Text(
                s.to_string(),
                attrs_to_marks(chunk.attributes.as_deref()),
            ));
        }
    }
}

/// Strips y-prosemirror's `--<hash>` suffix used for self-overlapping marks.
fn mark_name(key: &str) -> &str {
    match key.rsplit_once("--") {
        Some((name, hash)) if hash.len() == 8 => name,
        _ => key,
    }
}

fn attrs_to_marks(attrs: Option<&Attrs>) -> Marks {
    let mut marks = Marks::default();
    let Some(attrs) = attrs else {
        return marks;
    };
    for (key, value) in attrs {
        if matches!(value, Any::Null | Any::Undefined) {
            continue;
        }
        match mark_name(key) {
            "bold" => marks.bold = true,
            "italic" => marks.italic = true,
            "strike" => marks.strike = true,
            "code" => marks.code = true,
            "link" => {
                if let Any::Map(map) = value
                    && let Some(Any::String(href)) = map.get("href")
                {
                    marks.link = Some(href.to_string());
                }
            }
            _ => {}
        }
    }
    marks
}

/// Numeric node attribute; Yjs writes numbers, older clients may have written strings.
fn number_attr<T: ReadTxn>(txn: &T, el: &XmlElementRef, name: &str) -> Option<u64> {
    match el.get_attribute(txn, name)? {
        Out::Any(Any::Number(n)) => {
            let f = n.as_f64()?;
            (f.is_finite() && f >= 0.0).then_some(f as u64)
        }
        Out::Any(Any::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::updates::decoder::Decode;
    use yrs::{StateVector, Update, WriteTxn};

    fn doc_from_markdown(md: &str) -> Doc {
        let doc = Doc::new();
        replace_with_markdown(&doc, md);
        doc
    }

    fn roundtrip(md: &str) -> String {
        fragment_to_markdown(&doc_from_markdown(md))
    }

    const CANONICAL: &str = r#"# Title

## Sub *italic* heading

Plain **bold** *italic* ~~strike~~ `code` and [a link](https://example.org/x?a=1&b=2) end.\
Second line after a hard break.

- one
- two **bold**
  - nested a
  - nested b
    1. deep
    2. deeper
- three

3. three
4. four

> quoted paragraph
>
> - list in quote

```rust
fn main() {
    println!("hi");
}
```

---

Text with \*stars\*, \_under\_, \[brackets\], a \`tick\` and a \\ backslash.

**bold *bold italic* bold** then [**bold link**](https://x.test/a_b) and ***both***.

```
plain code with ``` fence inside
```

1. first

   second paragraph of the item

2. other
"#;

    #[test]
    fn canonical_markdown_round_trips_exactly() {
        let out = roundtrip(CANONICAL);
        assert_eq!(out, CANONICAL, "\n--- got ---\n{out}");
    }

    #[test]
    fn loose_markdown_reaches_a_fixpoint() {
        let inputs = [
            "Title\n=====\n\nSome *text*\nwith soft break and __strong__ and _em_.\n\n* a\n* b\n\n+ c\n",
            "1) x\n2) y\n\n- [link](</a b>)\n-\n- ```\n  code\n  ```\n",
            "> # quote heading\n> text\n\n    indented code\n\n<div>html</div>\n\nline  \nbreak\n",
            "** not bold ** and `` a`b `` and a&amp;b and 1. not a list\n\n# Hash # heading #\n",
            "- a\n\n  b\n- c\n\n---\n\n***\n\n- ---\n",
            "![img alt](http://i.test/x.png) text ~one~ ~~two~~\n\n10. ten\n11. eleven\n",
            "",
            "   \n\n",
        ];
        for input in inputs {
            let once = roundtrip(input);
            let twice = roundtrip(&once);
            assert_eq!(once, twice, "input: {input:?}");
            assert_eq!(markdown::parse(&once), markdown::parse(&twice));
        }
    }

    #[test]
    fn all_node_types_and_marks_survive() {
        let blocks = markdown::parse(CANONICAL);
        let doc = doc_from_markdown(CANONICAL);
        assert_eq!(read_blocks(&doc.transact()), blocks);
    }

    #[test]
    fn stored_format_matches_y_prosemirror() {
        let doc = doc_from_markdown(
            "## Head\n\nA **b** [l](https://l.test) c\\\nd\n\n5. x\n\n```js\nlet a;\n```\n",
        );
        let txn = doc.transact();
        let frag = txn.get_xml_fragment(FRAGMENT_NAME).unwrap();
        let children: Vec<XmlOut> = frag.children(&txn).collect();
        let XmlOut::Element(h) = &children[0] else {
            panic!()
        };
        assert_eq!(h.tag().as_ref(), "heading");
        assert_eq!(
            h.get_attribute(&txn, "level"),
            Some(Out::Any(Any::Number(2i64.into())))
        );
        let XmlOut::Element(p) = &children[1] else {
            panic!()
        };
        let parts: Vec<XmlOut> = p.children(&txn).collect();
        assert_eq!(parts.len(), 3, "text, hardBreak, text");
        let XmlOut::Text(t) = &parts[0] else { panic!() };
        let XmlOut::Element(br) = &parts[1] else {
            panic!()
        };
        assert_eq!(br.tag().as_ref(), "hardBreak");
        let diff = t.diff(&txn, YChange::identity);
        assert_eq!(diff.len(), 5, "{diff:?}");
        let bold = diff[1].attributes.as_ref().unwrap();
        assert_eq!(bold.get("bold"), Some(&Any::Map(Arc::new(HashMap::new()))));
        assert!(diff[2].attributes.as_ref().is_none_or(|a| a.is_empty()));
        let link = diff[3].attributes.as_ref().unwrap();
        let Some(Any::Map(link)) = link.get("link") else {
            panic!()
        };
        assert_eq!(link.get("href"), Some(&Any::from("https://l.test")));
        assert!(diff[4].attributes.as_ref().is_none_or(|a| a.is_empty()));
        let XmlOut::Element(ol) = &children[2] else {
            panic!()
        };
        assert_eq!(ol.tag().as_ref(), "orderedList");
        assert_eq!(
            ol.get_attribute(&txn, "start"),
            Some(Out::Any(Any::Number(5i64.into())))
        );
        let XmlOut::Element(code) = &children[3] else {
            panic!()
        };
        assert_eq!(
            code.get_attribute(&txn, "language"),
            Some(Out::Any(Any::from("js")))
        );
    }

    /// Builds by hand what y-prosemirror writes for a TipTap document, including things our
    /// writer never produces (self-overlapping mark keys, empty paragraphs, string attrs,
    /// unknown marks and nodes).
    #[test]
    fn reads_a_doc_built_like_y_prosemirror() {
        let doc = Doc::new();
        {
            let mut txn = doc.transact_mut();
            let frag = txn.get_or_insert_xml_fragment(FRAGMENT_NAME);
            let empty = || Any::Map(Arc::new(HashMap::new()));

            let h = frag.push_back(&mut txn, XmlElementPrelim::empty("heading"));
            h.insert_attribute(&mut txn, "level", Any::from(3.0f64));
            let t = h.push_back(&mut txn, XmlTextPrelim::new(""));
            t.insert(&mut txn, 0, "Context");

            frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));

            let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            let t = p.push_back(&mut txn, XmlTextPrelim::new(""));
            t.insert_with_attributes(&mut txn, 0, "Hello ", Attrs::new());
            let mut bold = Attrs::new();
            bold.insert("bold".into(), empty());
            bold.insert("underline".into(), empty());
            t.insert_with_attributes(&mut txn, 6, "world", bold);
            let mut link = Attrs::new();
            let href = HashMap::from([
                ("href".to_owned(), Any::from("https://urbact.eu")),
                ("target".to_owned(), Any::from("_blank")),
                ("rel".to_owned(), Any::from("noopener noreferrer nofollow")),
                ("class".to_owned(), Any::Null),
            ]);
            link.insert("link--AbCd1234".into(), Any::Map(Arc::new(href)));
            t.insert_with_attributes(&mut txn, 11, " site", link);
            p.push_back(&mut txn, XmlElementPrelim::empty("hardBreak"));
            let t2 = p.push_back(&mut txn, XmlTextPrelim::new(""));
            let mut italic = Attrs::new();
            italic.insert("italic".into(), empty());
            t2.insert_with_attributes(&mut txn, 0, "next", italic);

            let ul = frag.push_back(&mut txn, XmlElementPrelim::empty("bulletList"));
            let li = ul.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
            let lp = li.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            lp.push_back(&mut txn, XmlTextPrelim::new("item"));
            let ol = li.push_back(&mut txn, XmlElementPrelim::empty("orderedList"));
            ol.insert_attribute(&mut txn, "start", "2");
            let li2 = ol.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
            let lp2 = li2.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            let t3 = lp2.push_back(&mut txn, XmlTextPrelim::new(""));
            let mut strike_code = Attrs::new();
            strike_code.insert("strike".into(), empty());
            t3.insert_with_attributes(&mut txn, 0, "gone", strike_code);
            let mut code = Attrs::new();
            code.insert("code".into(), empty());
            t3.insert_with_attributes(&mut txn, 4, " x()", code);

            let bq = frag.push_back(&mut txn, XmlElementPrelim::empty("blockquote"));
            let bp = bq.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            bp.push_back(&mut txn, XmlTextPrelim::new("quote"));

            let cb = frag.push_back(&mut txn, XmlElementPrelim::empty("codeBlock"));
            cb.push_back(&mut txn, XmlTextPrelim::new("a\n  b"));
            frag.push_back(&mut txn, XmlElementPrelim::empty("horizontalRule"));
            let unknown = frag.push_back(&mut txn, XmlElementPrelim::empty("callout"));
            let up = unknown.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
            up.push_back(&mut txn, XmlTextPrelim::new("kept"));
        }
        let md = fragment_to_markdown(&doc);
        let expected = "### Context\n\nHello **world** [site](https://urbact.eu)\\\n*next*\n\n- item\n\n  2. ~~gone~~` x()`\n\n> quote\n\n```\na\n  b\n```\n\n---\n\nkept\n";
        assert_eq!(md, expected, "\n--- got ---\n{md}");
        let html = fragment_to_html(&doc);
        assert!(html.contains("<h3>Context</h3>"), "{html}");
        assert!(html.contains("<strong>world</strong>"), "{html}");
        assert!(html.contains("<ol start=\"2\">"), "{html}");
    }

    #[test]
    fn plain_text_after_marked_text_stays_plain() {
        let doc = doc_from_markdown("**a**b *c*");
        let txn = doc.transact();
        let blocks = read_blocks(&txn);
        assert_eq!(
            blocks,
            vec![Block::Paragraph(vec![
                Inline::Text(
                    "a".into(),
                    Marks {
                        bold: true,
                        ..Marks::default()
                    }
                ),
                Inline::Text("b ".into(), Marks::default()),
                Inline::Text(
                    "c".into(),
                    Marks {
                        italic: true,
                        ..Marks::default()
                    }
                ),
            ])]
        );
    }

    #[test]
    fn rewriting_same_markdown_changes_nothing() {
        let doc = doc_from_markdown(CANONICAL);
        let update = replace_with_markdown(&doc, CANONICAL);
        assert!(Update::decode_v1(&update).unwrap().is_empty());
        let update = replace_with_markdown(&doc, &CANONICAL.replace("three\n", "THREE\n"));
        assert!(!Update::decode_v1(&update).unwrap().is_empty());
        assert!(fragment_to_markdown(&doc).contains("THREE"));
    }

    #[test]
    fn markdown_write_merges_with_concurrent_edit() {
        let server = doc_from_markdown("First paragraph.\n\nSecond paragraph.\n\nThird.\n");
        let client = Doc::new();
        let state = server
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        client
            .transact_mut()
            .apply_update(Update::decode_v1(&state).unwrap())
            .unwrap();
        // The client types into the first paragraph...
        {
            let mut txn = client.transact_mut();
            let frag = txn.get_or_insert_xml_fragment(FRAGMENT_NAME);
            let Some(XmlOut::Element(p)) = frag.get(&txn, 0) else {
                panic!()
            };
            let Some(XmlOut::Text(t)) = p.get(&txn, 0) else {
                panic!()
            };
            t.insert(&mut txn, 0, "Edited. ");
        }
        let client_update = client
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        // ...while the API rewrites the third one.
        let api_update = replace_with_markdown(
            &server,
            "First paragraph.\n\nSecond paragraph.\n\nThird, via API.\n",
        );
        server
            .transact_mut()
            .apply_update(Update::decode_v1(&client_update).unwrap())
            .unwrap();
        client
            .transact_mut()
            .apply_update(Update::decode_v1(&api_update).unwrap())
            .unwrap();
        let expected = "Edited. First paragraph.\n\nSecond paragraph.\n\nThird, via API.\n";
        assert_eq!(fragment_to_markdown(&server), expected);
        assert_eq!(fragment_to_markdown(&client), expected);
    }

    #[test]
    fn empty_markdown_gives_one_empty_paragraph() {
        let doc = doc_from_markdown("");
        assert_eq!(read_blocks(&doc.transact()), vec![Block::Paragraph(vec![])]);
        assert_eq!(fragment_to_markdown(&doc), "");
        assert_eq!(fragment_to_markdown(&Doc::new()), "");
    }

    #[test]
    fn html_is_sanitised() {
        let doc = doc_from_markdown(
            "<script>alert(1)</script>\n\n[x](javascript:alert(1)) and [y](https://ok.test)\n",
        );
        let html = fragment_to_html(&doc);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("href=\"https://ok.test\""), "{html}");
    }

    #[test]
    fn written_means_text_beyond_headings() {
        assert!(!is_written(""));
        assert!(!is_written("# Only a heading\n\n## And another\n\n---\n"));
        assert!(!is_written("   \n\n-\n"));
        assert!(is_written("# H\n\nSome words."));
        assert!(is_written("- an item"));
    }
}
