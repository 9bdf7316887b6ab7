//! corosync.conf text to a syntax tree, with corosync's own lexical rules
//! (`exec/coroparse.c`, `parse_section`, at tag v3.1.7).
//!
//! The file is read one line at a time. Each line is classified by looking
//! for `{`, then `:`, then `}`, in that order, and nothing else: there are no
//! inline comments and no quoting. The first error stops the parse, as it
//! stops corosync.

/// corosync reads lines with `fgets` into a 512-byte buffer. A line whose
/// bytes (without its `\n`) do not fit in 510 bytes plus the newline is cut
/// and refused. [obs] 510 bytes + `\n` passes `corosync -t`, 511 fails, and
/// 511 bytes with no newline at end of file fails too.
pub const MAX_LINE_BYTES: usize = 510;

/// A parse error, with the 1-based line it was found on. Display gives
/// corosync's message alone; the caller prefixes `FILE:LINE: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The line does not fit corosync's 512-byte line buffer.
    #[error("Line too long")]
    LineTooLong { line: u32 },
    /// Text follows the `{` that opens a section (`nodelist { node {`).
    #[error("Extra characters after opening bracket '{{'")]
    ExtraAfterOpen { line: u32 },
    /// A `{` with no section name before it.
    #[error("Missing section name before opening bracket '{{'")]
    MissingSectionName { line: u32 },
    /// A line holding `}` and something else.
    #[error("Extra characters before or after closing bracket '}}'")]
    ExtraAroundClose { line: u32 },
    /// A `}` at the top level.
    #[error("Unexpected closing brace")]
    UnexpectedClose { line: u32 },
    /// A line with neither `{`, `:` nor `}` (for example `key = value`).
    #[error("Line is not opening or closing section or key value")]
    NotSectionOrKey { line: u32 },
    /// The file ended inside a section; the line is the file's last line.
    #[error("Missing closing brace")]
    MissingClose { line: u32 },
}

impl ParseError {
    /// The 1-based line the error is reported on, as corosync counts it.
    pub fn line(&self) -> u32 {
        match *self {
            ParseError::LineTooLong { line }
            | ParseError::ExtraAfterOpen { line }
            | ParseError::MissingSectionName { line }
            | ParseError::ExtraAroundClose { line }
            | ParseError::UnexpectedClose { line }
            | ParseError::NotSectionOrKey { line }
            | ParseError::MissingClose { line } => line,
        }
    }
}

/// One `key: value` line. Values keep everything after the first colon,
/// trimmed: quotes, `#` and further colons included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    pub line: u32,
}

/// A section: its name (empty for the file itself), the line of its `{`,
/// and its keys and subsections in file order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Section {
    pub name: String,
    pub line: u32,
    pub items: Vec<Item>,
}

/// What a section holds, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Key(KeyValue),
    Section(Section),
}

impl Section {
    /// The subsections called `name`, in file order.
    pub fn sections<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Section> + 'a {
        self.items.iter().filter_map(move |item| match item {
            Item::Section(s) if s.name == name => Some(s),
            _ => None,
        })
    }

    /// The last value given for `key` (corosync keeps the last one).
    pub fn get(&self, key: &str) -> Option<&KeyValue> {
        self.keys().filter(|kv| kv.key == key).last()
    }

    /// This section's own keys, in file order.
    pub fn keys(&self) -> impl Iterator<Item = &KeyValue> {
        self.items.iter().filter_map(|item| match item {
            Item::Key(kv) => Some(kv),
            _ => None,
        })
    }
}

/// Whitespace as corosync's `remove_whitespace` sees it. corosync also
/// strips the byte 0xA0; in UTF-8 text that byte only occurs inside a
/// multi-byte character, so stripping it would split one: we leave it.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Parses a whole file. The root section has an empty name and line 0.
pub fn parse(text: &str) -> Result<Section, ParseError> {
    let mut stack: Vec<Section> = vec![Section::default()];
    let mut line_no: u32 = 0;
    for raw in text.split_inclusive('\n') {
        line_no += 1;
        let without_nl = raw.strip_suffix('\n').unwrap_or(raw);
        if without_nl.len() > MAX_LINE_BYTES {
            return Err(ParseError::LineTooLong { line: line_no });
        }
        let no_cr = without_nl.strip_suffix('\r').unwrap_or(without_nl);
        let line = no_cr.trim_end_matches(is_blank);
        let content = line.trim_start_matches(is_blank);
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(open) = line.find('{') {
            // Section names also lose trailing ':' and '{' (so `totem: {`
            // and `totem:{` both open `totem`).
            let name = line[..open]
                .trim_matches(is_blank)
                .trim_end_matches(|c: char| is_blank(c) || c == ':' || c == '{');
            if name.is_empty() {
                return Err(ParseError::MissingSectionName { line: line_no });
            }
            if !line[open + 1..].trim_matches(is_blank).is_empty() {
                return Err(ParseError::ExtraAfterOpen { line: line_no });
            }
            stack.push(Section {
                name: name.to_string(),
                line: line_no,
                items: Vec::new(),
            });
            continue;
        }
        if let Some(colon) = line.find(':') {
            let key = line[..colon].trim_matches(is_blank);
            let value = line[colon + 1..].trim_matches(is_blank);
            // corosync 3.1.7 stores an empty key too ([obs] `-t` accepts
            // ` : 2`); later versions refuse it. We keep 3.1.7's behaviour.
            let top = stack.last_mut().expect("the root section is never popped");
            top.items.push(Item::Key(KeyValue {
                key: key.to_string(),
                value: value.to_string(),
                line: line_no,
            }));
            continue;
        }
        if line.contains('}') {
            if content != "}" {
                return Err(ParseError::ExtraAroundClose { line: line_no });
            }
            if stack.len() == 1 {
                return Err(ParseError::UnexpectedClose { line: line_no });
            }
            let done = stack.pop().expect("checked: more than the root");
            let parent = stack.last_mut().expect("the root section is never popped");
            parent.items.push(Item::Section(done));
            continue;
        }
        return Err(ParseError::NotSectionOrKey { line: line_no });
    }
    if stack.len() > 1 {
        return Err(ParseError::MissingClose { line: line_no });
    }
    Ok(stack.pop().expect("the root section"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> (u32, String) {
        let e = parse(text).unwrap_err();
        (e.line(), e.to_string())
    }

    #[test]
    fn sections_keys_and_last_value_wins() {
        let root = parse("totem{\n version: 2\n token:3000\n token: 5000\n}\n").unwrap();
        let totem = root.sections("totem").next().unwrap();
        assert_eq!(totem.line, 1);
        assert_eq!(totem.get("token").unwrap().value, "5000");
        assert_eq!(totem.get("token").unwrap().line, 4);
        assert_eq!(totem.get("version").unwrap().value, "2");
    }

    #[test]
    fn values_keep_hashes_colons_and_quotes() {
        let root = parse("a {\n k: val # x\n addr: fe80::1\n q: \"x\"\n}\n").unwrap();
        let a = root.sections("a").next().unwrap();
        assert_eq!(a.get("k").unwrap().value, "val # x");
        assert_eq!(a.get("addr").unwrap().value, "fe80::1");
        assert_eq!(a.get("q").unwrap().value, "\"x\"");
    }

    #[test]
    fn comments_only_at_line_start_blank_lines_and_crlf() {
        let root = parse("# c\n   # indented comment\n\r\ntotem: {\r\n x: 1 \t\r\n}\r\n").unwrap();
        let totem = root.sections("totem").next().unwrap();
        assert_eq!(totem.get("x").unwrap().value, "1");
    }

    #[test]
    fn corosync_error_messages_and_lines() {
        assert_eq!(
            err("totem {\n}\nnodelist { node {\n}\n}\n"),
            (3, "Extra characters after opening bracket '{'".into())
        );
        assert_eq!(
            err("{\n}\n"),
            (1, "Missing section name before opening bracket '{'".into())
        );
        assert_eq!(
            err("totem {\n} x\n"),
            (
                2,
                "Extra characters before or after closing bracket '}'".into()
            )
        );
        assert_eq!(err("a {\n}\n}\n"), (3, "Unexpected closing brace".into()));
        assert_eq!(
            err("a {\n version = 2\n}\n"),
            (
                2,
                "Line is not opening or closing section or key value".into()
            )
        );
        assert_eq!(
            err("a {\n version: 2\n"),
            (2, "Missing closing brace".into())
        );
        // A section name alone on its line, with `{` on the next, is refused
        // at the name's line.
        assert_eq!(
            err("totem\n{\n}\n"),
            (
                1,
                "Line is not opening or closing section or key value".into()
            )
        );
    }

    #[test]
    fn brace_is_checked_before_colon() {
        // `key: {x}` contains `{`, so it is a section with text after `{`.
        assert_eq!(
            err("a: {x}\n").1,
            "Extra characters after opening bracket '{'"
        );
    }

    #[test]
    fn line_length_limit_matches_fgets_buffer() {
        let ok = format!("#{}\n", "a".repeat(MAX_LINE_BYTES - 1));
        assert!(parse(&ok).is_ok());
        let long = format!("x {{\n#{}\n}}\n", "a".repeat(MAX_LINE_BYTES));
        assert_eq!(err(&long), (2, "Line too long".into()));
        let long_at_eof = format!("#{}", "a".repeat(MAX_LINE_BYTES));
        assert_eq!(err(&long_at_eof).1, "Line too long");
    }
}
