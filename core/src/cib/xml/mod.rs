//! Pacemaker's CIB XML: import and export of [`crate::cib::Cib`].
//!
//! Reading goes text → [`tree`] (a small element tree with line numbers, on
//! quick-xml) → [`read`] (the typed model). Writing goes model → [`write`]
//! ([`XmlElement`]s) → text. What the model does not know is kept: unknown
//! attributes in `extra_attrs`, unknown elements in `unknown` fields or as
//! `Resource::Unknown` / `Constraint::Unknown` / `RuleExpr::Unknown`. Where
//! the model has no slot for something (an attribute on `<resource_ref>`, a
//! stray element inside `<op_defaults>`), the import fails instead of losing
//! it: Pacemaker's schema rejects those too. Comments, processing
//! instructions and whitespace between elements are not kept.
//!
//! Output follows what `cibadmin` and crmsh write: two-space indentation,
//! empty elements self-closed, and attributes in crmsh's order (it matters:
//! `crm configure show` prints op attributes in file order).

mod read;
mod tree;
mod write;

use crate::cib::model::{Cib, XmlElement};

pub use write::{
    attr_set_to_element, cib_to_element, configuration_to_element, constraint_to_element,
    node_state_to_element, node_to_element, op_to_element, resource_to_element, rule_to_element,
    status_to_element, tag_to_element,
};

/// Parses a whole CIB document (`<cib>` root) into the typed model.
pub fn parse_cib(text: &str) -> Result<Cib, XmlError> {
    let root = tree::parse(text)?;
    read::cib(root)
}

/// Renders a CIB as Pacemaker writes it, ending with a newline.
pub fn write_cib(cib: &Cib) -> String {
    write_element(&cib_to_element(cib))
}

/// Renders one element (and its subtree) with two-space indentation, ending
/// with a newline.
pub fn write_element(element: &XmlElement) -> String {
    tree::write(element)
}

/// Reads a kept `<template>` element as the primitive definition it holds.
pub fn template_as_primitive(e: &XmlElement) -> Result<crate::cib::model::Primitive, XmlError> {
    read::template_as_primitive(e)
}

/// Reads the resource sets of a kept constraint element (rsc_ticket).
pub fn kept_resource_sets(e: &XmlElement) -> Result<Vec<crate::cib::model::ResourceSet>, XmlError> {
    read::kept_resource_sets(e)
}

/// Parses an XML fragment with a single root element into a plain
/// [`XmlElement`] tree (comments and whitespace between elements dropped).
pub fn parse_element(text: &str) -> Result<XmlElement, XmlError> {
    Ok(tree::parse(text)?.into_xml())
}

/// The importer's round-trip property, shared by the fuzz target and its
/// corpus replay: text that imports must export to text that imports as the
/// same CIB, and export again to the same text. Rejected text passes; the
/// error describes a broken round trip.
pub fn check_round_trip(text: &str) -> Result<(), String> {
    let Ok(cib) = parse_cib(text) else {
        return Ok(());
    };
    let written = write_cib(&cib);
    let again = parse_cib(&written).map_err(|e| format!("re-import failed: {e}\n{written}"))?;
    if again != cib {
        return Err(format!("re-import differs:\n{written}"));
    }
    if write_cib(&again) != written {
        return Err(format!("second export differs:\n{written}"));
    }
    Ok(())
}

/// Why a CIB document could not be imported. Every variant names the line
/// (1-based) and, where there is one, the element and its id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    /// The text is not well-formed XML.
    #[error("line {line}: not well-formed XML: {message}")]
    Syntax { line: u32, message: String },
    /// Elements are nested deeper than any CIB needs (a guard for hostile input).
    #[error("line {line}: elements nested deeper than {limit} levels")]
    TooDeep { line: u32, limit: usize },
    /// The document's root element is not `<cib>`.
    #[error("line {line}: root element is <{found}>, expected <cib>")]
    WrongRoot { line: u32, found: String },
    /// A required attribute is absent.
    #[error("line {line}: {context}: missing required attribute '{attribute}'")]
    MissingAttribute {
        line: u32,
        context: Context,
        attribute: String,
    },
    /// An attribute's value is not one the model accepts (an unknown enum
    /// word, a number that does not parse, a boolean that is not one).
    #[error("line {line}: {context}: attribute '{attribute}': {reason}")]
    InvalidValue {
        line: u32,
        context: Context,
        attribute: String,
        value: String,
        reason: String,
    },
    /// An attribute on an element whose model type has no place to keep it.
    #[error("line {line}: {context}: unexpected attribute '{attribute}'")]
    UnexpectedAttribute {
        line: u32,
        context: Context,
        attribute: String,
    },
    /// A child element where the model (and Pacemaker's schema) allows none.
    #[error("line {line}: {context}: unexpected child element <{child}>")]
    UnexpectedElement {
        line: u32,
        context: Context,
        child: String,
    },
    /// A second child of a kind that may appear only once.
    #[error("line {line}: {context}: more than one <{child}>")]
    DuplicateElement {
        line: u32,
        context: Context,
        child: String,
    },
    /// A required child element is absent.
    #[error("line {line}: {context}: missing required child <{child}>")]
    MissingElement {
        line: u32,
        context: Context,
        child: String,
    },
    /// Text content inside an element that holds only elements.
    #[error("line {line}: {context}: unexpected text {text:?}")]
    UnexpectedText {
        line: u32,
        context: Context,
        text: String,
    },
}

impl XmlError {
    /// The 1-based line the error points at.
    pub fn line(&self) -> u32 {
        match self {
            XmlError::Syntax { line, .. }
            | XmlError::TooDeep { line, .. }
            | XmlError::WrongRoot { line, .. }
            | XmlError::MissingAttribute { line, .. }
            | XmlError::InvalidValue { line, .. }
            | XmlError::UnexpectedAttribute { line, .. }
            | XmlError::UnexpectedElement { line, .. }
            | XmlError::DuplicateElement { line, .. }
            | XmlError::MissingElement { line, .. }
            | XmlError::UnexpectedText { line, .. } => *line,
        }
    }
}

/// The element an error is about: its name and, when it has one, its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub element: String,
    pub id: Option<String>,
}

impl std::fmt::Display for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.id {
            Some(id) => write!(f, "<{} id=\"{}\">", self.element, id),
            None => write!(f, "<{}>", self.element),
        }
    }
}

#[cfg(test)]
mod tests;
