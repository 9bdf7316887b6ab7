//! The crm shell's `configure` language: parse, apply to a CIB, render as
//! `configure show` prints it. Behaviour follows crmsh 4.4, checked against
//! the real crm (see `testdata/show.txt` and its `capture.sh`).
//!
//! ```text
//! text --parse--> [Statement] --apply--> Cib --show--> text
//! ```
//!
//! Agent checks (is the agent installed, are its parameters known) are the
//! caller's: [`Applied::touched`] lists the objects a batch created or changed.

mod apply;
mod ast;
mod constraint;
mod cursor;
mod error;
mod fixpoint;
mod ids;
mod lexer;
mod parse;
mod rule;
mod show;

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod roundtrip;
#[cfg(test)]
mod tests;

pub use apply::{apply, Applied};
pub use ast::{CloneDef, GroupDef, PropertyDef, PropertySection, Show, Statement, StatementKind};
pub use error::{CrmError, Pos, Warning};
pub use fixpoint::check_round_trip;
pub use parse::parse;
pub use show::{show, show_ids, show_xml};

/// Parses `text` and applies it to `cib` in one step.
pub fn run(cib: &mut crate::cib::model::Cib, text: &str) -> Result<Applied, CrmError> {
    let stmts = parse(text)?;
    apply(cib, &stmts)
}
