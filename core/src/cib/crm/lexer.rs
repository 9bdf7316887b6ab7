//! Splits crm text into statements and words the way crmsh does: physical
//! lines joined on a trailing `\` (crmsh's `lines2cli`: each piece trimmed,
//! the backslash dropped, pieces concatenated), lines starting with `#`
//! dropped as comments, then POSIX shell-like splitting (Python's
//! `shlex.split`): `'...'` literal, `"..."` with `\"` and `\\` escapes, `\x`
//! outside quotes is `x`, and quotes may sit inside a word (`name="a b"`).

use super::error::{CrmError, Pos};

/// One word of a statement with the place it was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub pos: Pos,
}

/// The words of one statement (one logical line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub words: Vec<Word>,
}

/// A character of a logical line with its physical origin.
type Located = (char, usize, usize);

/// Splits `text` into logical lines of words; empty and comment lines vanish.
pub fn lex(text: &str) -> Result<Vec<Line>, CrmError> {
    let mut out = Vec::new();
    for logical in logical_lines(text) {
        if logical.first().is_some_and(|c| c.0 == '#') {
            continue;
        }
        let words = split_words(&logical)?;
        if !words.is_empty() {
            out.push(Line { words });
        }
    }
    Ok(out)
}

/// Joins continuation lines; every character keeps its line and column.
fn logical_lines(text: &str) -> Vec<Vec<Located>> {
    let mut out = Vec::new();
    let mut cum: Vec<Located> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let located: Vec<Located> = raw
            .chars()
            .enumerate()
            .map(|(col, c)| (c, i + 1, col + 1))
            .collect();
        let mut piece = trim(&located).to_vec();
        if piece.last().is_some_and(|c| c.0 == '\\') {
            while piece.last().is_some_and(|c| c.0 == '\\') {
                piece.pop();
            }
            cum.extend(piece);
        } else {
            cum.extend(piece);
            let joined = trim(&cum).to_vec();
            if !joined.is_empty() {
                out.push(joined);
            }
            cum.clear();
        }
    }
    if !cum.is_empty() {
        out.push(cum);
    }
    out
}

fn trim(s: &[Located]) -> &[Located] {
    let start = s
        .iter()
        .position(|c| !c.0.is_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.0.is_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

fn split_words(line: &[Located]) -> Result<Vec<Word>, CrmError> {
    let mut words = Vec::new();
    let mut cur: Option<(String, Pos)> = None;
    let mut it = line.iter().peekable();
    while let Some(&(c, l, col)) = it.next() {
        let here = Pos {
            line: l,
            col,
            word: words.len(),
        };
        if c.is_whitespace() {
            if let Some((text, pos)) = cur.take() {
                words.push(Word { text, pos });
            }
            continue;
        }
        let (word, _) = cur.get_or_insert_with(|| (String::new(), here));
        match c {
            '\'' => loop {
                match it.next() {
                    Some(&('\'', _, _)) => break,
                    Some(&(q, _, _)) => word.push(q),
                    None => return Err(CrmError::Unterminated { pos: here }),
                }
            },
            '"' => loop {
                match it.next() {
                    Some(&('"', _, _)) => break,
                    Some(&('\\', _, _)) => match it.peek() {
                        Some(&&(e @ ('"' | '\\'), _, _)) => {
                            word.push(e);
                            it.next();
                        }
                        _ => word.push('\\'),
                    },
                    Some(&(q, _, _)) => word.push(q),
                    None => return Err(CrmError::Unterminated { pos: here }),
                }
            },
            '\\' => match it.next() {
                Some(&(e, _, _)) => word.push(e),
                None => return Err(CrmError::Unterminated { pos: here }),
            },
            _ => word.push(c),
        }
    }
    if let Some((text, pos)) = cur.take() {
        words.push(Word { text, pos });
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<Vec<String>> {
        lex(s)
            .unwrap()
            .into_iter()
            .map(|l| l.words.into_iter().map(|w| w.text).collect())
            .collect()
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            texts(r#"primitive r1 Dummy params fake="a b" x='c "d"' y="say \"hi\"" z=a\ b"#),
            vec![vec![
                "primitive",
                "r1",
                "Dummy",
                "params",
                "fake=a b",
                "x=c \"d\"",
                "y=say \"hi\"",
                "z=a b"
            ]]
        );
    }

    #[test]
    fn continuation_comments_and_positions() {
        let lines = lex("# c\n\nprimitive r1 Dummy \\\n   params fake=1\nx").unwrap();
        assert_eq!(lines.len(), 2);
        let w = &lines[0].words[4];
        assert_eq!(w.text, "fake=1");
        assert_eq!((w.pos.line, w.pos.col, w.pos.word), (4, 11, 4));
        assert!(matches!(lex("a \"b"), Err(CrmError::Unterminated { .. })));
    }
}
