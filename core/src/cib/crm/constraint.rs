//! location, colocation and order statements, with crmsh's resource-set
//! syntax: `a b ( c d ) [ e f ] g:Promoted`.

use crate::cib::model::{
    Action, Colocation, ColocationTarget, Location, LocationPlacement, LocationTarget, Order,
    OrderKind, OrderTarget, ResourceSet, Role,
};

use super::ast::StatementKind;
use super::cursor::Cursor;
use super::error::CrmError;
use super::parse::finish;
use super::rule::{numeric_score, parse_rules, score_word, ScoreWord};

pub fn parse_location(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min2(c)?;
    c.i = 1;
    let id = c.identifier()?.to_string();
    let w = c.peek().ok_or_else(|| c.err("Expected resource"))?;
    let target = if w.len() > 2 && w.starts_with('/') && w.ends_with('/') {
        c.i += 1;
        LocationTarget::Pattern(w[1..w.len() - 1].to_string())
    } else if w == "{" {
        c.i += 1;
        let start = c.i;
        while c.peek().is_some_and(|w| w != "}") {
            c.i += 1;
        }
        if c.done() {
            return Err(c.err("Expected }"));
        }
        let end = c.i;
        c.i += 1;
        if start == end {
            return Err(c.err_prev("Empty resource set"));
        }
        LocationTarget::Sets(resource_sets(c, start, end, Qualifier::Role)?)
    } else {
        LocationTarget::Resource(c.resource()?.to_string())
    };
    let mut loc = Location {
        id,
        target,
        role: None,
        resource_discovery: None,
        placement: LocationPlacement::Rules(Vec::new()),
        extra_attrs: Vec::new(),
    };
    while let Some((name, value)) = c
        .peek()
        .and_then(|w| w.trim_start_matches('$').split_once('='))
    {
        match name {
            "role" => loc.role = Some(value.parse::<Role>().map_err(|e| c.err(e.to_string()))?),
            "resource-discovery" => loc.resource_discovery = Some(value.to_string()),
            _ => return Err(c.err(format!("Unknown attribute {name} for location"))),
        }
        c.i += 1;
    }
    if let Some(score) = c
        .peek()
        .and_then(|w| w.strip_suffix(':'))
        .filter(|s| !s.is_empty() && !s.contains(':'))
    {
        let score_pos = c.i;
        c.i += 1;
        let score = match score_word(score) {
            ScoreWord::Score(s) => s,
            ScoreWord::Attribute(a) => {
                return Err(CrmError::BadScore {
                    pos: c.words[score_pos].pos,
                    id: loc.id,
                    word: a,
                })
            }
        };
        let node = c.identifier()?.to_string();
        loc.placement = LocationPlacement::Node { node, score };
        if loc.role.is_none() {
            if let Some(r) = c
                .peek()
                .and_then(|w| w.strip_prefix("$role=").or_else(|| w.strip_prefix("role=")))
            {
                loc.role = Some(r.parse::<Role>().map_err(|e| c.err(e.to_string()))?);
                c.i += 1;
            }
        }
    } else {
        let rules = parse_rules(c)?;
        if rules.is_empty() {
            return Err(c.err("expected <score>: <node> or <rule> [<rule> ...]"));
        }
        loc.placement = LocationPlacement::Rules(rules);
    }
    finish(c, 0, StatementKind::Location(loc))
}

fn min2(c: &Cursor) -> Result<(), CrmError> {
    if c.words.len() < 3 {
        return Err(c.err_at(0, "Expected at least 2 arguments"));
    }
    Ok(())
}

/// Removes the last word when it is `name=value` (crmsh's `try_match_tail`).
fn tail(c: &mut Cursor, name: &str) -> Option<(String, usize)> {
    let last = c.words.len().checked_sub(1)?;
    if last < c.i {
        return None;
    }
    let value = c.words[last]
        .text
        .strip_prefix(name)?
        .strip_prefix('=')?
        .to_string();
    if value.is_empty() {
        return None;
    }
    c.words = &c.words[..last];
    Some((value, last))
}

pub fn parse_colocation(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min2(c)?;
    c.i = 1;
    let id = c.identifier()?.to_string();
    let score = c
        .peek()
        .and_then(|w| w.strip_suffix(':'))
        .filter(|s| !s.is_empty() && !s.contains(':'))
        .ok_or_else(|| c.err("Expected <score>:"))?;
    let score = match score_word(score) {
        ScoreWord::Score(s) => s,
        ScoreWord::Attribute(a) => {
            return Err(CrmError::BadScore {
                pos: c.words[c.i].pos,
                id,
                word: a,
            })
        }
    };
    c.i += 1;
    let node_attribute = tail(c, "node-attribute").map(|(v, _)| v.to_lowercase());
    // `_rsc_set_` (what show prints for a set crm could mistake for the
    // plain form) forces the set form.
    let target = if c.remaining() == 2 && c.peek() != Some("_rsc_set_") {
        let (rsc, rsc_role) = split_role(c)?;
        let (with_rsc, with_rsc_role) = split_role(c)?;
        ColocationTarget::Pair {
            rsc,
            with_rsc,
            rsc_role,
            with_rsc_role,
        }
    } else {
        let (start, end) = (c.i, c.words.len());
        c.i = end;
        let sets = resource_sets(c, start, end, Qualifier::Role)?;
        if sets.is_empty() {
            return Err(c.err("Expected <rsc>[:<role>] <rsc>[:<role>] | resource_sets"));
        }
        ColocationTarget::Sets(sets)
    };
    let col = Colocation {
        id,
        score: Some(score),
        target,
        node_attribute,
        influence: None,
        extra_attrs: Vec::new(),
    };
    finish(c, 0, StatementKind::Colocation(col))
}

pub fn parse_order(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min2(c)?;
    c.i = 1;
    let id = c.identifier()?.to_string();
    let mut kind = None;
    if let Some(k) = c
        .peek()
        .and_then(|w| w.strip_suffix(':'))
        .filter(|s| !s.is_empty() && !s.contains(':'))
    {
        kind = Some(match (k.parse::<OrderKind>(), numeric_score(k)) {
            (Ok(kind), _) => kind,
            (_, Some(s)) if s == "0" => OrderKind::Optional,
            (_, Some(_)) => OrderKind::Mandatory,
            _ => {
                return Err(CrmError::InvalidKind {
                    pos: c.words[c.i].pos,
                    word: k.to_string(),
                })
            }
        });
        c.i += 1;
    }
    let symmetrical = match tail(c, "symmetrical") {
        Some((v, idx)) => Some(match v.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" => true,
            "false" | "no" | "off" => false,
            _ => return Err(c.err_at(idx, format!("Not a boolean: {v}"))),
        }),
        None => None,
    };
    // `_rsc_set_` (what show prints for a set crm could mistake for the
    // plain form) forces the set form.
    let target = if c.remaining() == 2 && c.peek() != Some("_rsc_set_") {
        let (first, first_action) = split_action(c)?;
        let (then, then_action) = split_action(c)?;
        OrderTarget::Pair {
            first,
            then,
            first_action,
            then_action,
        }
    } else {
        let (start, end) = (c.i, c.words.len());
        c.i = end;
        let sets = resource_sets(c, start, end, Qualifier::Action)?;
        if sets.is_empty() {
            return Err(c.err("Expected <rsc>[:<action>] <rsc>[:<action>] | resource_sets"));
        }
        OrderTarget::Sets(sets)
    };
    let order = Order {
        id,
        kind,
        score: None,
        symmetrical,
        target,
        extra_attrs: Vec::new(),
    };
    finish(c, 0, StatementKind::Order(order))
}

/// `rsc[:Role]` of the two-resource colocation form.
fn split_role(c: &mut Cursor) -> Result<(String, Option<Role>), CrmError> {
    let (rsc, q) = split_ref(c)?;
    let role = match q {
        Some(q) => Some(
            q.parse::<Role>()
                .map_err(|_| c.err_prev(format!("Invalid role '{q}' for '{rsc}'")))?,
        ),
        None => None,
    };
    Ok((rsc, role))
}

fn split_action(c: &mut Cursor) -> Result<(String, Option<Action>), CrmError> {
    let (rsc, q) = split_ref(c)?;
    let action = match q {
        Some(q) => Some(
            q.parse::<Action>()
                .map_err(|_| c.err_prev(format!("Invalid action '{q}' for '{rsc}'")))?,
        ),
        None => None,
    };
    Ok((rsc, action))
}

fn split_ref(c: &mut Cursor) -> Result<(String, Option<String>), CrmError> {
    let w = c.any()?;
    let mut parts = w.split(':');
    let rsc = parts.next().unwrap_or_default();
    let q = parts.next();
    if parts.next().is_some() || rsc.is_empty() || rsc.contains('=') {
        return Err(c.err_prev("Expected value[:value]"));
    }
    Ok((
        rsc.to_string(),
        q.filter(|q| !q.is_empty()).map(str::to_string),
    ))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    Role,
    Action,
}

/// crmsh's `ResourceSet` parser over words `start..end`: brackets open
/// non-sequential sets, a change of role/action starts a new set.
fn resource_sets(
    c: &Cursor,
    start: usize,
    end: usize,
    q: Qualifier,
) -> Result<Vec<ResourceSet>, CrmError> {
    // Split "(a" and "b)" the way crmsh's fix_parentheses does.
    let mut toks: Vec<(String, usize)> = Vec::new();
    for idx in start..end {
        let t = c.words[idx].text.as_str();
        if t.len() > 1 && (t.starts_with('(') || t.starts_with('[')) {
            toks.push((t[..1].to_string(), idx));
            toks.push((t[1..].to_string(), idx));
        } else if t.len() > 1 && (t.ends_with(')') || t.ends_with(']')) {
            toks.push((t[..t.len() - 1].to_string(), idx));
            toks.push((t[t.len() - 1..].to_string(), idx));
        } else {
            toks.push((t.to_string(), idx));
        }
    }
    let mut sets = Vec::new();
    let mut cur = ResourceSet::default();
    let mut prev_q = String::new();
    let (mut sequential, mut require_all) = (true, true);
    let mut opened: Option<&str> = None;
    let save = |cur: &mut ResourceSet, sets: &mut Vec<ResourceSet>, seq: bool, all: bool| {
        if cur.resources.is_empty() {
            return;
        }
        let mut set = std::mem::take(cur);
        if !all {
            set.require_all = Some(false);
        }
        if !seq {
            set.sequential = Some(false);
        }
        sets.push(set);
    };
    for (t, idx) in &toks {
        let t = t.as_str();
        match t {
            "_rsc_set_" => continue,
            "(" | "[" => {
                save(&mut cur, &mut sets, sequential, require_all);
                prev_q.clear();
                if opened.is_some() {
                    return Err(c.err_at(*idx, "Cannot nest resource sets"));
                }
                sequential = false;
                require_all = t != "[";
                opened = Some(t);
            }
            ")" | "]" => {
                if cur.resources.is_empty() {
                    return Err(c.err_at(*idx, "Empty resource set"));
                }
                save(&mut cur, &mut sets, sequential, require_all);
                prev_q.clear();
                match opened {
                    None => return Err(c.err_at(*idx, "Unmatched closing bracket")),
                    Some(o) if (o == "(") != (t == ")") => {
                        return Err(c.err_at(*idx, "Mismatched closing bracket"))
                    }
                    _ => {}
                }
                sequential = true;
                require_all = true;
                opened = None;
            }
            _ if t.contains('=') => {
                let (k, v) = t.split_once('=').unwrap_or_default();
                if v.contains('=') {
                    return Err(c.err_at(*idx, format!("Extra = in {t}")));
                }
                let b = match v.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "on" | "1" | "y" => true,
                    "false" | "no" | "off" | "0" | "n" => false,
                    _ => return Err(c.err_at(*idx, format!("Not a boolean: {v}"))),
                };
                match k {
                    "sequential" => sequential = b,
                    "require-all" => require_all = b,
                    _ => return Err(c.err_at(*idx, "Unknown attribute")),
                }
            }
            _ => {
                let mut parts = t.split(':');
                let rsc = parts.next().unwrap_or_default();
                let qual = parts.next().unwrap_or_default();
                if parts.next().is_some() || rsc.is_empty() {
                    return Err(c.err_at(*idx, format!("Invalid {} for {t}", qname(q))));
                }
                if qual != prev_q {
                    save(&mut cur, &mut sets, sequential, require_all);
                    prev_q = qual.to_string();
                }
                if !qual.is_empty() {
                    let bad = || c.err_at(*idx, format!("Invalid {} for {t}", qname(q)));
                    match q {
                        Qualifier::Role => cur.role = Some(qual.parse().map_err(|_| bad())?),
                        Qualifier::Action => cur.action = Some(qual.parse().map_err(|_| bad())?),
                    }
                }
                cur.resources.push(rsc.to_string());
            }
        }
    }
    if opened.is_some() {
        return Err(c.err_at(end.saturating_sub(1), "Unmatched opening bracket"));
    }
    save(&mut cur, &mut sets, sequential, require_all);
    Ok(sets)
}

fn qname(q: Qualifier) -> &'static str {
    match q {
        Qualifier::Role => "role",
        Qualifier::Action => "action",
    }
}
