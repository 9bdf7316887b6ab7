//! crm words → statements: the grammar of crmsh 4.4's `parse.py` for the
//! statements cohort understands.

use crate::cib::model::{Agent, AttrSet, NodeDef, NvPair, Op, Primitive, PrimitivePart, Tag};

use super::ast::{
    CloneDef, GroupDef, PropertyDef, PropertySection, Show, Statement, StatementKind,
};
use super::constraint::{parse_colocation, parse_location, parse_order};
use super::cursor::{Cursor, TERMINATORS};
use super::error::CrmError;
use super::lexer::{lex, Line};
use super::rule::parse_rules;

/// Attributes an `<op>` element has in the schema; any other `op` word
/// becomes an instance attribute of the op (OCF_CHECK_LEVEL and friends).
pub const OP_ATTRIBUTES: &[&str] = &[
    "id",
    "name",
    "interval",
    "description",
    "start-delay",
    "interval-origin",
    "timeout",
    "enabled",
    "record-pending",
    "role",
    "requires",
    "on-fail",
];

/// Parses crm `configure` text (several statements, one per line).
pub fn parse(text: &str) -> Result<Vec<Statement>, CrmError> {
    lex(text)?.iter().map(parse_line).collect()
}

fn parse_line(line: &Line) -> Result<Statement, CrmError> {
    let words = &line.words;
    let first = &words[0];
    let kw = first.text.to_ascii_lowercase();
    let kind = match kw.as_str() {
        "node" => parse_node(&mut Cursor::new(words, "node"))?,
        "primitive" => parse_primitive(&mut Cursor::new(words, "primitive"))?,
        "group" => parse_group(&mut Cursor::new(words, "group"))?,
        "clone" => parse_clone(&mut Cursor::new(words, "clone"), false)?,
        "ms" | "master" => parse_clone(&mut Cursor::new(words, "ms"), true)?,
        "location" => parse_location(&mut Cursor::new(words, "location"))?,
        "colocation" | "collocation" => parse_colocation(&mut Cursor::new(words, "colocation"))?,
        "order" => parse_order(&mut Cursor::new(words, "order"))?,
        "property" => parse_property(
            &mut Cursor::new(words, "property"),
            PropertySection::Property,
        )?,
        "rsc_defaults" => parse_property(
            &mut Cursor::new(words, "rsc_defaults"),
            PropertySection::RscDefaults,
        )?,
        "op_defaults" => parse_property(
            &mut Cursor::new(words, "op_defaults"),
            PropertySection::OpDefaults,
        )?,
        "tag" => parse_tag(&mut Cursor::new(words, "tag"))?,
        "delete" => parse_delete(&mut Cursor::new(words, "delete"))?,
        "commit" => finish(&mut Cursor::new(words, "commit"), 1, StatementKind::Commit)?,
        "show" => parse_show(&mut Cursor::new(words, "show"))?,
        _ => {
            return Err(CrmError::UnknownCommand {
                pos: first.pos,
                word: first.text.clone(),
            })
        }
    };
    Ok(Statement {
        kind,
        words: words.clone(),
    })
}

/// Checks that every word was used (crmsh: "Unknown arguments: ...").
pub fn finish<T>(c: &mut Cursor, start: usize, value: T) -> Result<T, CrmError> {
    if c.i < start {
        c.i = start;
    }
    if !c.done() {
        let rest: Vec<&str> = c.words[c.i..].iter().map(|w| w.text.as_str()).collect();
        return Err(c.err(format!("Unknown arguments: {}", rest.join(" "))));
    }
    Ok(value)
}

fn min_args(c: &Cursor, n: usize) -> Result<(), CrmError> {
    if c.words.len() < n + 1 {
        return Err(c.err_at(0, format!("Expected at least {n} arguments")));
    }
    Ok(())
}

fn parse_node(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min_args(c, 1)?;
    c.i = 1;
    let mut node = NodeDef::default();
    if let Some(id) = initial_id(c) {
        node.id = id;
    }
    let uname = c.identifier().map_err(|_| c.err("Expected uname[:type]"))?;
    let (uname, kind) = match uname.rsplit_once(':') {
        Some((u, t))
            if ["normal", "member", "ping", "remote"]
                .contains(&t.to_ascii_lowercase().as_str()) =>
        {
            (u, Some(t.to_string()))
        }
        _ => (uname, None),
    };
    node.uname = uname.to_string();
    node.kind = kind;
    node.description = description(c);
    for (kw, set) in arguments(c, &["attributes", "utilization"], Some("attributes"))? {
        if kw == "attributes" {
            node.instance_attrs.push(set);
        } else {
            node.utilization.push(set);
        }
    }
    finish(c, 0, StatementKind::Node(node))
}

/// `ID:` or `$id=ID` at the start of node and property statements.
fn initial_id(c: &mut Cursor) -> Option<String> {
    let w = c.peek()?;
    if let Some(id) = strip_prefix_ci(w, "$id=") {
        c.i += 1;
        return Some(id.to_string());
    }
    let id = w.strip_suffix(':')?;
    if !id.is_empty()
        && id
            .chars()
            .all(|ch| ch.is_alphanumeric() || ch == '_' || ch == '-')
    {
        c.i += 1;
        return Some(id.to_string());
    }
    None
}

fn strip_prefix_ci<'a>(w: &'a str, prefix: &str) -> Option<&'a str> {
    if w.len() >= prefix.len()
        && w.is_char_boundary(prefix.len())
        && w[..prefix.len()].eq_ignore_ascii_case(prefix)
    {
        Some(&w[prefix.len()..])
    } else {
        None
    }
}

fn description(c: &mut Cursor) -> Option<String> {
    let w = c.peek()?;
    let d = strip_prefix_ci(w, "description=")?;
    if d.is_empty() {
        return None;
    }
    c.i += 1;
    Some(d.to_string())
}

fn parse_agent(c: &mut Cursor) -> Result<Agent, CrmError> {
    let w = c.peek().ok_or_else(|| c.err("Expected resource type"))?;
    let parts: Vec<&str> = w.split(':').collect();
    let valid = parts.iter().all(|p| {
        !p.is_empty()
            && p.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' || ch == '.')
    });
    // Pacemaker's schema takes only these class words, lowercase (crm passes
    // `OCF:heartbeat:Dummy` on and the CIB refuses it).
    const CLASSES: &[&str] = &[
        "ocf",
        "lsb",
        "heartbeat",
        "stonith",
        "upstart",
        "service",
        "systemd",
        "nagios",
    ];
    if let [cl, _, ..] = parts.as_slice() {
        if valid && !CLASSES.contains(cl) {
            return Err(c.err(format!("Unknown resource class '{cl}'")));
        }
    }
    let agent = match parts.as_slice() {
        _ if !valid => None,
        [t] | ["ocf", t] => Some(Agent {
            class: "ocf".into(),
            provider: Some("heartbeat".into()),
            kind: t.to_string(),
        }),
        [cl, t] => Some(Agent {
            class: cl.to_string(),
            provider: None,
            kind: t.to_string(),
        }),
        ["ocf", p, t] => Some(Agent {
            class: "ocf".into(),
            provider: Some(p.to_string()),
            kind: t.to_string(),
        }),
        _ => None,
    };
    let agent = agent.ok_or_else(|| c.err("Unknown resource type"))?;
    c.i += 1;
    Ok(agent)
}

fn parse_primitive(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min_args(c, 2)?;
    c.i = 1;
    let mut p = Primitive {
        id: c.identifier()?.to_string(),
        ..Primitive::default()
    };
    match c.peek().and_then(|w| w.strip_prefix('@')) {
        Some(t) if !t.is_empty() => {
            p.template = Some(t.to_string());
            c.i += 1;
        }
        _ => p.agent = parse_agent(c)?,
    }
    p.description = description(c);
    let names = ["params", "meta", "utilization", "op"];
    let mut initial = true;
    let mut order = Vec::new();
    while let Some(w) = c.peek() {
        let lw = w.to_ascii_lowercase();
        if lw == "op" {
            initial = false;
            p.ops.push(parse_op(c)?);
            order.push(PrimitivePart::Operations);
        } else if lw == "operations" {
            // `operations $id=X`: the id of the <operations> block itself.
            initial = false;
            c.i += 1;
            let id = c
                .any()?
                .strip_prefix("$id=")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| c.err_prev("expected $id=ID after operations"))?;
            p.operations_attrs = vec![("id".to_string(), id.to_string())];
            order.push(PrimitivePart::Operations);
        } else if names.contains(&lw.as_str()) || initial {
            let implicit = (!names.contains(&lw.as_str())).then_some("params");
            initial = false;
            for (kw, set) in attr_lists(c, &["params", "meta", "utilization"], implicit)? {
                let (list, part) = match kw {
                    "params" => (&mut p.params, PrimitivePart::Params),
                    "meta" => (&mut p.meta, PrimitivePart::Meta),
                    _ => (&mut p.utilization, PrimitivePart::Utilization),
                };
                list.push(set);
                order.push(part);
            }
        } else {
            break;
        }
    }
    // Several `op`s make one <operations> block, where the first one stood.
    order.dedup_by(|a, b| *a == PrimitivePart::Operations && *b == PrimitivePart::Operations);
    p.set_part_order(order);
    finish(c, 0, StatementKind::Primitive(p))
}

/// `op NAME attr=value... [op_params ...] [op_meta ...]`; crmsh adds
/// `interval=0` when none is typed.
fn parse_op(c: &mut Cursor) -> Result<Op, CrmError> {
    c.eat("op");
    let mut op = Op {
        name: c.identifier()?.to_string(),
        ..Op::default()
    };
    let pairs = nvpairs(c, TERMINATORS)?;
    let mut inst: Option<AttrSet> = None;
    let has_interval = pairs.iter().any(|p| p.name == "interval");
    for (idx, p) in pairs.into_iter().enumerate() {
        if OP_ATTRIBUTES.contains(&p.name.as_str()) && p.id.is_empty() && p.id_ref.is_none() {
            if inst.is_some() {
                return Err(c.err_at(
                    c.i - 1,
                    format!(
                        "Attribute order error: {} must appear before any instance attribute",
                        p.name
                    ),
                ));
            }
            let _ = idx;
            op.attrs.push((p.name, p.value.unwrap_or_default()));
        } else {
            inst.get_or_insert_with(AttrSet::default).pairs.push(p);
        }
    }
    if !has_interval {
        op.attrs.push(("interval".into(), "0".into()));
    }
    op.params.extend(inst);
    for (kw, set) in attr_lists(c, &["op_params", "op_meta"], None)? {
        if kw == "op_params" {
            op.params.push(set);
        } else {
            op.meta.push(set);
        }
    }
    Ok(op)
}

fn parse_group(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min_args(c, 2)?;
    c.i = 1;
    let mut g = GroupDef {
        id: c.identifier()?.to_string(),
        ..GroupDef::default()
    };
    while let Some(w) = c.peek() {
        if w.contains('=') || w.eq_ignore_ascii_case("params") || w.eq_ignore_ascii_case("meta") {
            break;
        }
        if g.members.iter().any(|m| m == w) {
            return Err(c.err(format!("child {w} listed more than once in group {}", g.id)));
        }
        g.members.push(w.to_string());
        c.i += 1;
    }
    g.description = description(c);
    for (kw, set) in arguments(c, &["params", "meta"], Some("params"))? {
        if kw == "params" {
            g.params.push(set);
        } else {
            g.meta.push(set);
        }
    }
    finish(c, 0, StatementKind::Group(g))
}

fn parse_clone(c: &mut Cursor, legacy_master: bool) -> Result<StatementKind, CrmError> {
    min_args(c, 2)?;
    c.i = 1;
    let id = c.identifier()?.to_string();
    let child = c.resource()?.to_string();
    let mut d = CloneDef {
        id,
        legacy_master,
        child,
        ..CloneDef::default()
    };
    d.description = description(c);
    for (kw, set) in arguments(c, &["params", "meta"], Some("params"))? {
        if kw == "params" {
            d.params.push(set);
        } else {
            d.meta.push(set);
        }
    }
    finish(c, 0, StatementKind::Clone(d))
}

fn parse_property(c: &mut Cursor, section: PropertySection) -> Result<StatementKind, CrmError> {
    c.i = 1;
    let mut set = AttrSet::default();
    if let Some(id) = initial_id(c) {
        set.id = id;
    }
    let mut rules = parse_rules(c)?;
    if rules.len() > 1 {
        return Err(c.err("cohort keeps one rule per attribute set"));
    }
    set.rule = rules.pop();
    set.pairs = nvpairs(c, TERMINATORS)?;
    finish(c, 0, StatementKind::Property(PropertyDef { section, set }))
}

fn parse_tag(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min_args(c, 2)?;
    c.i = 1;
    let name = c.any()?;
    let name = name.strip_suffix(':').unwrap_or(name);
    if !name.starts_with(|ch: char| ch.is_ascii_alphabetic() || ch == '_') || name.contains(':') {
        return Err(c.err_prev("Expected tag name"));
    }
    let mut tag = Tag {
        id: name.to_string(),
        refs: Vec::new(),
    };
    while !c.done() {
        tag.refs.push(c.resource()?.to_string());
    }
    Ok(StatementKind::Tag(tag))
}

fn parse_delete(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    min_args(c, 1)?;
    c.i = 1;
    let mut ids = Vec::new();
    while !c.done() {
        ids.push(c.identifier()?.to_string());
    }
    Ok(StatementKind::Delete(ids))
}

fn parse_show(c: &mut Cursor) -> Result<StatementKind, CrmError> {
    c.i = 1;
    if c.eat("xml") {
        return finish(c, 0, StatementKind::Show(Show::Xml));
    }
    let ids: Vec<String> = c.words[1..].iter().map(|w| w.text.clone()).collect();
    c.i = c.words.len();
    Ok(StatementKind::Show(if ids.is_empty() {
        Show::All
    } else {
        Show::Ids(ids)
    }))
}

/// crmsh's `match_arguments` for node/group/clone: attribute lists named by
/// `names`, the first one possibly implicit.
fn arguments(
    c: &mut Cursor,
    names: &[&'static str],
    implicit: Option<&'static str>,
) -> Result<Vec<(&'static str, AttrSet)>, CrmError> {
    if c.done() {
        return Ok(Vec::new());
    }
    let named = names.iter().any(|n| c.is(n));
    attr_lists(c, names, if named { None } else { implicit })
}

/// One or more attribute lists: `KW [$id=ID] [score:] [rule ...] pairs...`.
/// With `implicit`, a first list may come without its keyword.
fn attr_lists(
    c: &mut Cursor,
    names: &[&'static str],
    implicit: Option<&'static str>,
) -> Result<Vec<(&'static str, AttrSet)>, CrmError> {
    let mut out = Vec::new();
    if let Some(kw) = implicit {
        if !names.iter().any(|n| c.is(n)) {
            if let Some(set) = attr_list(c, false)? {
                out.push((kw, set));
            }
        }
    }
    while let Some(kw) = names.iter().find(|n| c.is(n)) {
        c.i += 1;
        if let Some(set) = attr_list(c, true)? {
            out.push((kw, set));
        }
    }
    Ok(out)
}

fn attr_list(c: &mut Cursor, allow_empty: bool) -> Result<Option<AttrSet>, CrmError> {
    let mut set = AttrSet::default();
    if let Some(w) = c.peek() {
        if let Some(r) = strip_prefix_ci(w, "$id-ref=") {
            set.id_ref = Some(r.to_string());
            c.i += 1;
            return Ok(Some(set));
        } else if let Some(id) = strip_prefix_ci(w, "$id=") {
            set.id = id.to_string();
            c.i += 1;
        }
    }
    if let Some(score) = c.peek().and_then(|w| w.strip_suffix(':')) {
        if !score.is_empty() && !score.contains(':') {
            set.score = Some(score.to_string());
            c.i += 1;
        }
    }
    let mut rules = parse_rules(c)?;
    if rules.len() > 1 {
        return Err(c.err("cohort keeps one rule per attribute set"));
    }
    set.rule = rules.pop();
    set.pairs = nvpairs(c, TERMINATORS)?;
    if !allow_empty && set == AttrSet::default() {
        return Ok(None);
    }
    Ok(Some(set))
}

/// `name=value`, `$id:name=value`, `@ref[:name]` and bare `name` words up to
/// a terminator keyword.
pub fn nvpairs(c: &mut Cursor, terminators: &[&str]) -> Result<Vec<NvPair>, CrmError> {
    let mut out = Vec::new();
    while let Some(w) = c.peek() {
        if terminators.iter().any(|t| w.eq_ignore_ascii_case(t)) {
            break;
        }
        if let Some(r) = w.strip_prefix('@') {
            if r.is_empty() {
                break;
            }
            let (id_ref, name) = match r.split_once(':') {
                Some((i, n)) => (i, n.to_string()),
                None => (r, String::new()),
            };
            out.push(NvPair {
                id: String::new(),
                id_ref: Some(id_ref.to_string()),
                name,
                value: None,
            });
        } else if let Some(rest) = w
            .strip_prefix('$')
            .filter(|r| r.contains('=') && !r.starts_with('='))
        {
            // $id:name=value (or $name=value: crmsh's regex makes the id the name).
            let (head, value) = rest.split_once('=').unwrap_or((rest, ""));
            let (id, name) = match head.split_once(':') {
                Some((i, n)) => (i.to_string(), n.to_string()),
                None => (head.to_string(), head.to_string()),
            };
            out.push(NvPair {
                id,
                id_ref: None,
                name,
                value: Some(value.to_string()),
            });
        } else if let Some((name, value)) = w.split_once('=') {
            if name.is_empty() {
                break;
            }
            out.push(NvPair {
                id: String::new(),
                id_ref: None,
                name: name.into(),
                value: Some(value.into()),
            });
        } else if !terminators.is_empty() && !w.contains(':') && !w.starts_with('$') {
            out.push(NvPair {
                id: String::new(),
                id_ref: None,
                name: w.into(),
                value: None,
            });
        } else {
            break;
        }
        c.i += 1;
    }
    Ok(out)
}
