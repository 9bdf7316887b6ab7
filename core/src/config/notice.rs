//! Things a file says that cohort accepts but does not act on, reported so
//! that a user of a corosync 1.x file knows what was dropped.

use std::fmt;

use super::parse::{Item, Section};

/// A remark about one line; printed as `FILE:LINE: notice: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub line: u32,
    pub message: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Top-level sections of corosync 1.x that corosync 3 accepts and ignores
/// ([obs] `corosync -t` returns 0 for them), with what they used to mean.
pub const LEGACY_SECTIONS: [(&str, &str); 3] = [
    ("aisexec", "the account the 1.x executive ran as"),
    (
        "service",
        "loaded the Pacemaker plugin into corosync 1.x; cohort has its own resource manager",
    ),
    ("amf", "the 1.x AMF service"),
];

/// Top-level keys of corosync 1.x, ignored likewise.
pub const LEGACY_KEYS: [(&str, &str); 1] = [("compatibility", "corosync 1.x compatibility level")];

/// Whether a top-level item is a legacy directive, and why.
pub fn legacy(item: &Item) -> Option<Notice> {
    let (kind, name, line) = match item {
        Item::Section(s) => ("section", s.name.as_str(), s.line),
        Item::Key(kv) => ("key", kv.key.as_str(), kv.line),
    };
    let table: &[(&str, &str)] = if kind == "section" {
        &LEGACY_SECTIONS
    } else {
        &LEGACY_KEYS
    };
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(n, meaning)| Notice {
            line,
            message: format!("corosync 1.x {kind} '{n}' ignored ({meaning})"),
        })
}

/// Notices for 1.x keys inside `totem`.
pub fn totem_legacy(totem: &Section) -> Vec<Notice> {
    totem
        .get("threads")
        .map(|kv| Notice {
            line: kv.line,
            message: "totem.threads is a corosync 1.x key: ignored".to_string(),
        })
        .into_iter()
        .collect()
}
