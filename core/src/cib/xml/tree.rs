//! A minimal XML element tree on quick-xml: text ⇄ elements, with the line of
//! every start tag kept so import errors can point at it.
//!
//! Whitespace-only text is dropped (it is indentation), adjacent text pieces
//! are merged (a dropped comment must not split one text into two), and
//! comments, processing instructions and the doctype are skipped.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::{Context, XmlError};
use crate::cib::model::{XmlElement, XmlNode};

/// Deeper nesting than this is refused: a CIB needs about a dozen levels, and
/// the readers and writers recurse.
pub(crate) const MAX_DEPTH: usize = 100;

/// An element as read, with the line of its start tag.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Child>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(crate) enum Child {
    Element(Element),
    Text(String),
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Names the element for an error message.
    pub fn context(&self) -> Context {
        Context {
            element: self.name.clone(),
            id: self.attr("id").map(str::to_string),
        }
    }

    /// An element kept by the model, read again (no line numbers left).
    pub fn from_xml(e: &XmlElement) -> Element {
        Element {
            name: e.name.clone(),
            attrs: e.attrs.clone(),
            children: e
                .children
                .iter()
                .map(|c| match c {
                    XmlNode::Element(e) => Child::Element(Element::from_xml(e)),
                    XmlNode::Text(t) => Child::Text(t.clone()),
                })
                .collect(),
            line: 0,
        }
    }

    /// Drops line numbers: the model keeps unknown elements as plain trees.
    pub fn into_xml(self) -> XmlElement {
        XmlElement {
            name: self.name,
            attrs: self.attrs,
            children: self
                .children
                .into_iter()
                .map(|c| match c {
                    Child::Element(e) => XmlNode::Element(e.into_xml()),
                    Child::Text(t) => XmlNode::Text(t),
                })
                .collect(),
        }
    }
}

/// Counts lines up to a byte offset; offsets only grow, so the scan is linear.
struct LineCounter<'a> {
    text: &'a str,
    offset: usize,
    line: u32,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: u64) -> u32 {
        let target = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        if target > self.offset {
            let newlines = self.text.as_bytes()[self.offset..target]
                .iter()
                .filter(|b| **b == b'\n');
            self.line = self
                .line
                .saturating_add(u32::try_from(newlines.count()).unwrap_or(u32::MAX));
            self.offset = target;
        }
        self.line
    }
}

/// Parses a document with exactly one root element.
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut lines = LineCounter {
        text,
        offset: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let start = reader.buffer_position();
        let event = reader.read_event().map_err(|e| XmlError::Syntax {
            line: lines.line_at(reader.error_position()),
            message: e.to_string(),
        })?;
        let line = lines.line_at(start);
        let syntax = |message: &str| XmlError::Syntax {
            line,
            message: message.to_string(),
        };
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(syntax("more than one root element"));
            }
            Event::Start(tag) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep {
                        line,
                        limit: MAX_DEPTH,
                    });
                }
                stack.push(element(&tag, line)?);
            }
            Event::Empty(tag) => {
                let e = element(&tag, line)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Child::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start tags.
                let e = stack.pop().ok_or_else(|| syntax("unexpected end tag"))?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Child::Element(e)),
                    None => root = Some(e),
                }
            }
            Event::Text(t) => {
                let t = t.unescape().map_err(|e| syntax(&e.to_string()))?;
                push_text(&mut stack, &t, line)?;
            }
            Event::CData(t) => {
                let bytes = t.into_inner();
                let t = std::str::from_utf8(&bytes).map_err(|e| syntax(&e.to_string()))?;
                push_text(&mut stack, t, line)?;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        let line = lines.line_at(u64::MAX);
        return Err(XmlError::Syntax {
            line,
            message: format!("unclosed element <{}>", open.name),
        });
    }
    let mut root = root.ok_or(XmlError::Syntax {
        line: 1,
        message: "no root element".to_string(),
    })?;
    drop_indentation(&mut root);
    Ok(root)
}

fn element(tag: &BytesStart<'_>, line: u32) -> Result<Element, XmlError> {
    let syntax = |message: String| XmlError::Syntax { line, message };
    let name = std::str::from_utf8(tag.name().as_ref())
        .map_err(|e| syntax(e.to_string()))?
        .to_string();
    let mut attrs = Vec::new();
    for attr in tag.attributes() {
        let attr = attr.map_err(|e| syntax(e.to_string()))?;
        let key = std::str::from_utf8(attr.key.as_ref()).map_err(|e| syntax(e.to_string()))?;
        let value = attr.unescape_value().map_err(|e| syntax(e.to_string()))?;
        attrs.push((key.to_string(), value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        line,
    })
}

fn push_text(stack: &mut [Element], text: &str, line: u32) -> Result<(), XmlError> {
    let Some(parent) = stack.last_mut() else {
        if text.trim().is_empty() {
            return Ok(());
        }
        return Err(XmlError::Syntax {
            line,
            message: "text outside the root element".to_string(),
        });
    };
    match parent.children.last_mut() {
        Some(Child::Text(prev)) => prev.push_str(text),
        _ => parent.children.push(Child::Text(text.to_string())),
    }
    Ok(())
}

/// Removes whitespace-only text after the tree is built (only then is it known
/// that a piece of text was not merged with real content).
fn drop_indentation(e: &mut Element) {
    e.children
        .retain(|c| !matches!(c, Child::Text(t) if t.trim().is_empty()));
    for c in &mut e.children {
        if let Child::Element(child) = c {
            drop_indentation(child);
        }
    }
}

/// Renders an element tree: two-space indentation, empty elements
/// self-closed, elements holding text written on one line (their whitespace
/// is content).
pub(crate) fn write(e: &XmlElement) -> String {
    let mut out = String::new();
    write_at(&mut out, e, 0);
    out
}

fn write_at(out: &mut String, e: &XmlElement, depth: usize) {
    indent(out, depth);
    if e.children.iter().any(|c| matches!(c, XmlNode::Text(_))) {
        write_inline(out, e);
        out.push('\n');
        return;
    }
    open_tag(out, e);
    if e.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    for c in &e.children {
        if let XmlNode::Element(child) = c {
            write_at(out, child, depth + 1);
        }
    }
    indent(out, depth);
    close_tag(out, e);
    out.push('\n');
}

fn write_inline(out: &mut String, e: &XmlElement) {
    open_tag(out, e);
    if e.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for c in &e.children {
        match c {
            XmlNode::Element(child) => write_inline(out, child),
            XmlNode::Text(t) => escape_into(out, t, false),
        }
    }
    close_tag(out, e);
}

fn open_tag(out: &mut String, e: &XmlElement) {
    out.push('<');
    out.push_str(&e.name);
    for (k, v) in &e.attrs {
        out.push(' ');
        out.push_str(k);
        out.push_str("=\"");
        escape_into(out, v, true);
        out.push('"');
    }
}

fn close_tag(out: &mut String, e: &XmlElement) {
    out.push_str("</");
    out.push_str(&e.name);
    out.push('>');
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

/// Escapes as libxml2 does; in attributes also the characters a parser would
/// otherwise normalise to spaces.
fn escape_into(out: &mut String, text: &str, attribute: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}
