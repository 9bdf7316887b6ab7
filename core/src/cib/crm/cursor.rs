//! A cursor over one statement's words, with crmsh's matching habits:
//! keywords compare without case, and errors name the current word.

use super::error::CrmError;
use super::lexer::Word;

/// Words that end an attribute list (crmsh's `TERMINATORS`).
pub const TERMINATORS: &[&str] = &[
    "params",
    "meta",
    "utilization",
    "operations",
    "op",
    "op_params",
    "op_meta",
    "rule",
    "attributes",
];

pub struct Cursor<'a> {
    pub words: &'a [Word],
    pub i: usize,
    /// The statement keyword, for error messages ("syntax in order: ...").
    pub statement: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(words: &'a [Word], statement: &'static str) -> Cursor<'a> {
        Cursor {
            words,
            i: 0,
            statement,
        }
    }

    pub fn peek(&self) -> Option<&'a str> {
        self.words.get(self.i).map(|w| w.text.as_str())
    }

    pub fn remaining(&self) -> usize {
        self.words.len() - self.i
    }

    pub fn done(&self) -> bool {
        self.i >= self.words.len()
    }

    /// True (and consumed) when the current word is `kw`, any case.
    pub fn eat(&mut self, kw: &str) -> bool {
        if self.peek().is_some_and(|w| w.eq_ignore_ascii_case(kw)) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub fn is(&self, kw: &str) -> bool {
        self.peek().is_some_and(|w| w.eq_ignore_ascii_case(kw))
    }

    /// The next word, or "Unexpected end of line".
    pub fn any(&mut self) -> Result<&'a str, CrmError> {
        match self.peek() {
            Some(w) => {
                self.i += 1;
                Ok(w)
            }
            None => Err(self.err("Unexpected end of line")),
        }
    }

    /// An identifier: crmsh's `[a-z0-9_#$-][^=]*`.
    pub fn identifier(&mut self) -> Result<&'a str, CrmError> {
        match self.peek() {
            Some(w) if is_identifier(w) => {
                self.i += 1;
                Ok(w)
            }
            _ => Err(self.err("Expected identifier")),
        }
    }

    /// A resource reference: crmsh's `[a-z_#$][^=]*`... but it also takes
    /// digits in practice through identifiers; we require no `=`.
    pub fn resource(&mut self) -> Result<&'a str, CrmError> {
        match self.peek() {
            Some(w) if is_identifier(w) => {
                self.i += 1;
                Ok(w)
            }
            _ => Err(self.err("Expected resource")),
        }
    }

    /// An error about the current word (or the last one at the end).
    pub fn err(&self, msg: impl Into<String>) -> CrmError {
        self.err_at(self.i.min(self.words.len().saturating_sub(1)), msg)
    }

    /// An error about the previous word (the one just consumed).
    pub fn err_prev(&self, msg: impl Into<String>) -> CrmError {
        self.err_at(self.i.saturating_sub(1), msg)
    }

    pub fn err_at(&self, idx: usize, msg: impl Into<String>) -> CrmError {
        let (word, pos) = match self.words.get(idx) {
            Some(w) => (w.text.clone(), w.pos),
            None => (String::new(), Default::default()),
        };
        CrmError::Syntax {
            pos,
            statement: self.statement,
            word,
            msg: msg.into(),
        }
    }
}

pub fn is_identifier(w: &str) -> bool {
    let mut chars = w.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '#' | '$' | '-'))
        && !w.contains('=')
}
