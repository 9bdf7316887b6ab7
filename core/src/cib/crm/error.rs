//! What can go wrong with crm text, and the warnings crmsh prints but obeys.

use std::fmt;

/// Where a word was typed: 1-based line and column of its first character,
/// and its 0-based index among the statement's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub word: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.col)
    }
}

/// Why crm text was refused. Messages use crmsh's wording where it has one,
/// prefixed by the position of the offending word.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CrmError {
    /// A quote was opened and never closed (shlex's message).
    #[error("{pos}: No closing quotation")]
    Unterminated { pos: Pos },
    /// The first word of a statement is not a configure command.
    #[error("{pos}: configure.{word}: No such command")]
    UnknownCommand { pos: Pos, word: String },
    /// A word that does not fit the statement's grammar.
    #[error("{pos}: syntax in {statement}: {msg} near <{word}>")]
    Syntax {
        pos: Pos,
        statement: &'static str,
        word: String,
        msg: String,
    },
    /// An order kind that is neither a score nor Mandatory/Optional/Serialize.
    #[error("{pos}: syntax in order: Invalid kind: {word}")]
    InvalidKind { pos: Pos, word: String },
    /// A score crmsh would write as `score-attribute` where the schema has none.
    #[error("{pos}: {id}: invalid score '{word}' (only rules take a node attribute as score)")]
    BadScore { pos: Pos, id: String, word: String },
    /// An object with this id exists already.
    #[error("{pos}: Cannot create {kind} with ID '{id}': Found existing {existing} with same ID.")]
    DuplicateId {
        pos: Pos,
        kind: &'static str,
        id: String,
        existing: &'static str,
    },
    /// A group or clone names a resource that does not exist.
    #[error("{pos}: {owner} refers to missing object {id}")]
    MissingChild { pos: Pos, owner: String, id: String },
    /// A group or clone names a resource that already has a parent.
    #[error("{pos}: {owner}: resource {id} is already in {parent}")]
    ChildTaken {
        pos: Pos,
        owner: String,
        id: String,
        parent: String,
    },
    /// A constraint or tag names a resource that does not exist.
    #[error("{pos}: {owner}: resource {id} does not exist")]
    MissingResource { pos: Pos, owner: String, id: String },
    /// `delete` or `show` names an object that does not exist.
    #[error("{pos}: object {id} does not exist")]
    NoSuchObject { pos: Pos, id: String },
    /// A resource cannot be deleted while a group or clone contains it only
    /// implicitly (deleting a group member that is its last member).
    #[error("{pos}: cannot delete {id}: {why}")]
    CannotDelete { pos: Pos, id: String, why: String },
    /// An operation with the same name and interval exists on the primitive.
    #[error("{pos}: {id} already has a {op} op with interval {interval}")]
    DuplicateOp {
        pos: Pos,
        id: String,
        op: String,
        interval: String,
    },
}

impl CrmError {
    /// The position of the offending word.
    pub fn pos(&self) -> Pos {
        match self {
            CrmError::Unterminated { pos }
            | CrmError::UnknownCommand { pos, .. }
            | CrmError::Syntax { pos, .. }
            | CrmError::InvalidKind { pos, .. }
            | CrmError::BadScore { pos, .. }
            | CrmError::DuplicateId { pos, .. }
            | CrmError::MissingChild { pos, .. }
            | CrmError::ChildTaken { pos, .. }
            | CrmError::MissingResource { pos, .. }
            | CrmError::NoSuchObject { pos, .. }
            | CrmError::CannotDelete { pos, .. }
            | CrmError::DuplicateOp { pos, .. } => *pos,
        }
    }
}

/// Something crmsh warns about and then does anyway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub pos: Pos,
    pub msg: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.pos, self.msg)
    }
}
