//! The configuration as `crm configure show` prints it (crmsh 4.4's
//! `cliformat.py` and the `_repr_cli_*` methods of `cibconfig.py`).
//!
//! Objects are every node, resource (members of groups and clones too),
//! tag, constraint and attribute set of property/rsc_defaults/op_defaults,
//! sorted by (kind rank, id); each object is a list of parts joined by
//! ` \` + newline + TAB.

use crate::cib::model::{
    Agent, AttrSet, Cib, Clone, ColocationTarget, Configuration, Constraint, DateExpression, Group,
    LocationPlacement, LocationTarget, NodeDef, NvPair, Op, OrderTarget, PartRef, Primitive,
    Resource, ResourceSet, Rule, RuleExpr, XmlElement, XmlNode,
};
use crate::cib::xml;

use super::error::{CrmError, Pos};

/// crmsh's rank of each kind of object in `show` (its `_sort_cli_order`).
fn rank(kind: &str) -> u32 {
    match kind {
        "node" => 0,
        "rsc_template" => 1,
        "primitive" => 2,
        "bundle" => 3,
        "group" => 4,
        "ms" | "master" => 5,
        "clone" => 6,
        "tag" => 8,
        "location" | "colocation" | "order" => 9,
        "rsc_ticket" | "fencing_topology" => 10,
        "property" => 11,
        "rsc_defaults" => 12,
        "op_defaults" => 13,
        "alert" => 16,
        _ => 1000,
    }
}

/// One printable object: its sort key and its text.
struct Object {
    rank: u32,
    id: String,
    text: String,
}

/// The whole configuration, as `crm configure show` prints it.
pub fn show(cib: &Cib) -> String {
    join(objects(&cib.configuration))
}

/// Just the objects named by `ids` (in show order), or the first unknown id.
pub fn show_ids(cib: &Cib, ids: &[&str]) -> Result<String, CrmError> {
    let all = objects(&cib.configuration);
    for id in ids {
        if !all.iter().any(|o| o.id == *id) {
            return Err(CrmError::NoSuchObject {
                pos: Pos::default(),
                id: id.to_string(),
            });
        }
    }
    Ok(join(
        all.into_iter()
            .filter(|o| ids.contains(&o.id.as_str()))
            .collect(),
    ))
}

/// What `crm configure show xml` prints: an XML declaration, the CIB
/// without its status section, `passw*` values obscured, and a blank line.
pub fn show_xml(cib: &Cib) -> String {
    let mut root = xml::cib_to_element(&obscured(cib));
    root.children
        .retain(|c| !matches!(c, XmlNode::Element(e) if e.name == "status"));
    format!("<?xml version=\"1.0\" ?>\n{}\n", xml::write_element(&root))
}

/// A copy with every `passw*` value replaced by `******`.
pub fn obscured(cib: &Cib) -> Cib {
    let mut cib = cib.clone();
    cib.configuration.for_each_attr_set_mut(&mut |set| {
        for p in &mut set.pairs {
            if p.name.starts_with("passw") && p.value.is_some() {
                p.value = Some("******".into());
            }
        }
    });
    cib
}

fn join(mut objs: Vec<Object>) -> String {
    objs.sort_by(|a, b| (a.rank, &a.id).cmp(&(b.rank, &b.id)));
    let mut out = String::new();
    for o in objs {
        out.push_str(&o.text);
        out.push('\n');
    }
    out
}

fn objects(cfg: &Configuration) -> Vec<Object> {
    let mut out = Vec::new();
    let mut push = |kind: &str, id: &str, text: String| {
        out.push(Object {
            rank: rank(kind),
            id: id.to_string(),
            text,
        });
    };
    for n in &cfg.nodes {
        let id = if n.id.is_empty() { &n.uname } else { &n.id };
        push("node", id, node(n));
    }
    for r in cfg.all_resources() {
        match r {
            Resource::Primitive(p) => push("primitive", &p.id, primitive(p)),
            Resource::Group(g) => push("group", &g.id, group(g)),
            Resource::Clone(c) => push(
                if c.legacy_master { "ms" } else { "clone" },
                &c.id,
                clone(c),
            ),
            Resource::Unknown(e) if e.name == "template" => {
                let text = xml::template_as_primitive(e)
                    .map(|p| primitive_like("rsc_template", &p))
                    .unwrap_or_else(|_| xml_object(e));
                push("rsc_template", r.id(), text)
            }
            Resource::Unknown(e) => push(&e.name, r.id(), xml_object(e)),
        }
    }
    for t in cfg.tags.iter().flatten() {
        let mut words = vec!["tag".to_string(), t.id.clone()];
        words.extend(t.refs.iter().cloned());
        push("tag", &t.id, words.join(" "));
    }
    for k in &cfg.constraints {
        match k {
            Constraint::Location(_) => push("location", k.id(), constraint(k)),
            Constraint::Colocation(_) => push("colocation", k.id(), constraint(k)),
            Constraint::Order(_) => push("order", k.id(), constraint(k)),
            Constraint::Unknown(e) if e.name == "rsc_ticket" => push(
                "rsc_ticket",
                k.id(),
                ticket(e).unwrap_or_else(|| xml_object(e)),
            ),
            Constraint::Unknown(e) => push(&e.name, k.id(), xml_object(e)),
        }
    }
    for section in &cfg.unknown {
        match section.name.as_str() {
            "fencing-topology" => push(
                "fencing_topology",
                "fencing_topology",
                fencing_topology(section, cfg.nodes.len()),
            ),
            "alerts" => {
                for a in section.elements().filter(|a| a.name == "alert") {
                    push("alert", a.attr("id").unwrap_or(""), alert(a));
                }
            }
            _ => {}
        }
    }
    for s in &cfg.crm_config {
        push("property", &s.id, property("property", s));
    }
    for s in cfg.rsc_defaults.iter().flatten() {
        push("rsc_defaults", &s.id, property("rsc_defaults", s));
    }
    for s in cfg.op_defaults.iter().flatten() {
        push("op_defaults", &s.id, property("op_defaults", s));
    }
    out
}

/// Objects crm has no syntax for are shown as `xml <element .../>`.
fn xml_object(e: &XmlElement) -> String {
    let text = xml::write_element(e);
    let lines: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    format!("xml {}", lines.join(" \\\n"))
}

fn cli_format(parts: &[String]) -> String {
    parts.join(" \\\n\t")
}

/// crmsh's `noquotes`: `^[\w.-]+$`.
fn noquotes(v: &str) -> bool {
    !v.is_empty()
        && v.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Bare when safe, else in double quotes with inner quotes escaped. A
/// backslash is doubled only where the lexer would otherwise take it as an
/// escape (before `\\`, `"` or the closing quote); crm does not double it
/// at all, so its show of such a value does not read back as the same value,
/// while ours does, and the two agree on every value crm gets right.
pub fn quote_wrap(v: &str) -> String {
    if noquotes(v) {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    let mut chars = v.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' if matches!(chars.peek(), None | Some('\\') | Some('"')) => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn nvpair_format(name: &str, value: Option<&str>) -> String {
    match value {
        Some(v) => format!("{name}={}", quote_wrap(v)),
        None => name.to_string(),
    }
}

/// crmsh hides values of attributes named `passw*` (its `obscure_pattern`).
fn cli_nvpair(p: &NvPair) -> String {
    if let Some(r) = &p.id_ref {
        return if p.name.is_empty() {
            format!("@{r}")
        } else {
            format!("@{r}:{}", p.name)
        };
    }
    let value = match &p.value {
        Some(_) if p.name.starts_with("passw") => Some("******"),
        v => v.as_deref(),
    };
    nvpair_format(&p.name, value)
}

fn attr_set(keyword: &str, s: &AttrSet) -> String {
    let mut words = vec![keyword.to_string()];
    if let Some(r) = &s.id_ref {
        words.push(nvpair_format("$id-ref", Some(r)));
    }
    if let Some(score) = &s.score {
        words.push(format!("{score}:"));
    }
    if let Some(r) = &s.rule {
        words.push(format!("rule {}", rule(r)));
    }
    words.extend(s.pairs.iter().map(cli_nvpair));
    words.join(" ")
}

fn description(parts: &mut Vec<String>, d: &Option<String>) {
    if let Some(d) = d.as_deref().filter(|d| !d.is_empty()) {
        parts.push(nvpair_format("description", Some(d)));
    }
}

fn node(n: &NodeDef) -> String {
    let id = if n.id.is_empty() { &n.uname } else { &n.id };
    let mut head = "node".to_string();
    if *id != n.uname {
        if noquotes(id) {
            head.push_str(&format!(" {id}:"));
        } else {
            head.push_str(&format!(" $id=\"{id}\""));
        }
    }
    head.push(' ');
    head.push_str(&n.uname);
    if let Some(t) = n
        .kind
        .as_deref()
        .filter(|t| !t.is_empty() && *t != "normal")
    {
        head.push_str(&format!(":{t}"));
    }
    let mut parts = vec![head];
    description(&mut parts, &n.description);
    parts.extend(n.instance_attrs.iter().map(|s| attr_set("attributes", s)));
    parts.extend(n.utilization.iter().map(|s| attr_set("utilization", s)));
    cli_format(&parts)
}

/// crmsh's `mk_rsc_type`: `ocf:heartbeat:X` (and any heartbeat provider)
/// is shown as the bare type.
pub fn agent_spec(a: &Agent) -> String {
    let unique =
        a.provider.as_deref() == Some("heartbeat") || (a.class == "ocf" && a.provider.is_none());
    if unique {
        return a.kind.clone();
    }
    let mut s = String::new();
    if !a.class.is_empty() {
        s.push_str(&a.class);
        s.push(':');
    }
    if let Some(p) = &a.provider {
        s.push_str(p);
        s.push(':');
    }
    s.push_str(&a.kind);
    s
}

fn primitive(p: &Primitive) -> String {
    primitive_like("primitive", p)
}

/// A primitive, or a template (`rsc_template`, which has the same content).
fn primitive_like(keyword: &str, p: &Primitive) -> String {
    let spec = match &p.template {
        Some(t) => format!("@{t}"),
        None => agent_spec(&p.agent),
    };
    let mut parts = vec![format!("{keyword} {} {}", p.id, spec)];
    description(&mut parts, &p.description);
    for part in p.parts() {
        match part {
            PartRef::Params(s) => parts.push(attr_set("params", s)),
            PartRef::Meta(s) => parts.push(attr_set("meta", s)),
            PartRef::Utilization(s) => parts.push(attr_set("utilization", s)),
            PartRef::Operations => {
                let mut ops: Vec<String> = Vec::new();
                // An <operations> block with its own id is shown by crmsh.
                if let Some((_, id)) = p.operations_attrs.iter().find(|(k, _)| k == "id") {
                    ops.push(format!("operations $id={id}"));
                }
                ops.extend(p.ops.iter().map(op));
                if !ops.is_empty() {
                    parts.push(cli_format(&ops));
                }
            }
        }
    }
    cli_format(&parts)
}

fn op(o: &Op) -> String {
    let mut head = vec![format!("op {}", o.name)];
    head.extend(
        o.attrs
            .iter()
            .filter(|(k, _)| k != "id" && k != "name")
            .map(|(k, v)| nvpair_format(k, Some(v))),
    );
    let mut parts = vec![head.join(" ")];
    parts.extend(o.params.iter().map(|s| attr_set("op_params", s)));
    parts.extend(o.meta.iter().map(|s| attr_set("op_meta", s)));
    cli_format(&parts)
}

fn group(g: &Group) -> String {
    let children: Vec<&str> = g.children.iter().map(Resource::id).collect();
    let mut parts = vec![format!("group {} {}", g.id, children.join(" "))];
    description(&mut parts, &g.description);
    parts.extend(g.params.iter().map(|s| attr_set("params", s)));
    parts.extend(g.meta.iter().map(|s| attr_set("meta", s)));
    cli_format(&parts)
}

fn clone(c: &Clone) -> String {
    let kw = if c.legacy_master { "ms" } else { "clone" };
    let mut parts = vec![format!("{kw} {} {}", c.id, c.child.id())];
    description(&mut parts, &c.description);
    parts.extend(c.params.iter().map(|s| attr_set("params", s)));
    parts.extend(c.meta.iter().map(|s| attr_set("meta", s)));
    cli_format(&parts)
}

/// crmsh's `get_score`: INFINITY spelled `inf`.
fn score_text(s: &str) -> String {
    s.replace("INFINITY", "inf")
}

fn rule(r: &Rule) -> String {
    if let Some((_, v)) = r.extra_attrs.iter().find(|(k, _)| k == "id-ref") {
        return nvpair_format("$id-ref", Some(v));
    }
    let mut words = Vec::new();
    if let Some(role) = r.role {
        words.push(format!("$role={role}"));
    }
    let score = match (&r.score, &r.score_attribute) {
        (Some(s), _) if s == "INFINITY" => None,
        (Some(s), _) if !s.is_empty() => Some(score_text(s)),
        (_, Some(a)) if !a.is_empty() => Some(a.clone()),
        _ => None,
    };
    if let Some(s) = score {
        words.push(format!("{s}:"));
    }
    let op = match r.boolean_op {
        Some(crate::cib::model::BoolOp::Or) => " or ",
        _ => " and ",
    };
    let exprs: Vec<String> = r
        .expressions
        .iter()
        .filter_map(|e| match e {
            RuleExpr::Attr(x) => {
                let mut operation = x.operation.to_string();
                // crmsh drops type="string" on reading: it is the default.
                if let Some(t) = x
                    .value_type
                    .filter(|t| *t != crate::cib::model::ValueType::String)
                {
                    operation = format!("{t}:{operation}");
                }
                Some(match x.value.as_deref().filter(|v| !v.is_empty()) {
                    None => format!("{operation} {}", x.attribute),
                    Some(v) => match x.extra_attrs.iter().find(|(k, _)| k == "value-source") {
                        Some((_, src)) if src != "literal" => {
                            format!("{} {operation} {src}{{{v}}}", x.attribute)
                        }
                        _ => format!("{} {operation} {v}", x.attribute),
                    },
                })
            }
            RuleExpr::Date(d) => Some(date(d)),
            RuleExpr::Rule(_) | RuleExpr::Unknown(_) => None,
        })
        .collect();
    words.push(exprs.join(op));
    words.join(" ")
}

fn date(d: &DateExpression) -> String {
    let op = match d.operation.as_str() {
        "in_range" => "in",
        "date_spec" => "spec",
        o => o,
    };
    let mut words = vec!["date".to_string(), op.to_string()];
    match d.operation.as_str() {
        "lt" => words.push(quote_wrap(d.end.as_deref().unwrap_or(""))),
        "gt" => words.push(quote_wrap(d.start.as_deref().unwrap_or(""))),
        _ => {
            if d.operation == "in_range" {
                for (k, v) in [("start", &d.start), ("end", &d.end)] {
                    if let Some(v) = v {
                        words.push(nvpair_format(k, Some(v)));
                    }
                }
            }
            for list in [&d.date_spec, &d.duration].into_iter().flatten() {
                words.extend(
                    list.iter()
                        .filter(|(k, _)| k != "id")
                        .map(|(k, v)| nvpair_format(k, Some(v))),
                );
            }
        }
    }
    words.join(" ")
}

/// crmsh's `rsc_set_constraint`.
fn sets_text(sets: &[ResourceSet], kind: &str) -> Vec<String> {
    let mut col = Vec::new();
    let mut cnt = 0;
    let (mut last_seq, mut last_all) = (None, None);
    for s in sets {
        let (seq, all) = (s.sequential, s.require_all);
        if all == Some(false) {
            col.push("[".to_string());
        } else if seq == Some(false) {
            col.push("(".to_string());
        }
        let q = if kind == "order" {
            s.action.map(|a| a.to_string())
        } else {
            s.role.map(|r| r.to_string())
        };
        for r in &s.resources {
            col.push(match &q {
                Some(q) => format!("{r}:{q}"),
                None => r.clone(),
            });
            cnt += 1;
        }
        if all == Some(false) {
            if seq.unwrap_or(true) {
                col.push("sequential=true".to_string());
            }
            col.push("]".to_string());
        } else if seq == Some(false) {
            col.push(")".to_string());
        }
        (last_seq, last_all) = (seq, all);
    }
    let seq_all = last_seq.unwrap_or(true) && last_all.unwrap_or(true);
    // A set crm could not tell from the plain form is marked `_rsc_set_`.
    let degenerate = if kind == "rsc_ticket" {
        cnt <= 1
    } else {
        seq_all && cnt <= 2
    };
    if kind != "location" && degenerate {
        col.insert(0, "_rsc_set_".to_string());
    }
    col
}

/// One constraint as `show` prints it.
pub fn constraint_text(k: &Constraint) -> String {
    constraint(k)
}

fn constraint(k: &Constraint) -> String {
    match k {
        Constraint::Location(l) => {
            let rsc = match &l.target {
                LocationTarget::Resource(r) => r.clone(),
                LocationTarget::Pattern(p) => format!("/{p}/"),
                LocationTarget::Sets(s) => format!("{{ {} }}", sets_text(s, "location").join(" ")),
            };
            let mut head = format!("location {} {rsc}", l.id);
            if let Some(r) = l.role {
                head.push_str(&format!(" role={r}"));
            }
            if let Some(d) = &l.resource_discovery {
                head.push_str(&format!(" resource-discovery={d}"));
            }
            let mut parts = Vec::new();
            match &l.placement {
                LocationPlacement::Node { node, score } => {
                    head.push_str(&format!(" {}: {node}", score_text(score)));
                    parts.push(head);
                }
                LocationPlacement::Rules(rules) => {
                    parts.push(head);
                    parts.extend(rules.iter().map(|r| format!("rule {}", rule(r))));
                }
            }
            cli_format(&parts)
        }
        Constraint::Colocation(c) => {
            let mut col = match &c.target {
                ColocationTarget::Sets(s) => sets_text(s, "colocation"),
                ColocationTarget::Pair {
                    rsc,
                    with_rsc,
                    rsc_role,
                    with_rsc_role,
                } => vec![
                    with_q(rsc, rsc_role.map(|r| r.to_string())),
                    with_q(with_rsc, with_rsc_role.map(|r| r.to_string())),
                ],
            };
            if let Some(a) = &c.node_attribute {
                col.push(format!("node-attribute={a}"));
            }
            head_with_score("colocation", &c.id, c.score.as_deref().map(score_text), col)
        }
        Constraint::Order(o) => {
            let mut col = match &o.target {
                OrderTarget::Sets(s) => sets_text(s, "order"),
                OrderTarget::Pair {
                    first,
                    then,
                    first_action,
                    then_action,
                } => vec![
                    with_q(first, first_action.map(|a| a.to_string())),
                    with_q(then, then_action.map(|a| a.to_string())),
                ],
            };
            if let Some(s) = o.symmetrical {
                col.push(format!("symmetrical={s}"));
            }
            let score = o
                .score
                .as_deref()
                .map(score_text)
                .or_else(|| o.kind.map(|k| k.to_string()));
            head_with_score("order", &o.id, score, col)
        }
        Constraint::Unknown(e) => xml_object(e),
    }
}

/// `rsc_ticket ID TICKET: rsc[:role]... [loss-policy=P]`; None when the
/// element has a shape crm would show as XML.
fn ticket(e: &XmlElement) -> Option<String> {
    let (id, ticket) = (e.attr("id")?, e.attr("ticket")?);
    let mut col = if e.elements().any(|c| c.name == "resource_set") {
        sets_text(&xml::kept_resource_sets(e).ok()?, "rsc_ticket")
    } else {
        vec![with_q(
            e.attr("rsc")?,
            e.attr("rsc-role").map(str::to_string),
        )]
    };
    if let Some(policy) = e.attr("loss-policy") {
        col.push(format!("loss-policy={policy}"));
    }
    Some(format!("rsc_ticket {id} {ticket}: {}", col.join(" ")))
}

/// `fencing_topology`, levels grouped by target in document order, each
/// target's levels by index. When every configured node has the same
/// devices, crm prints them once without targets.
fn fencing_topology(e: &XmlElement, node_count: usize) -> String {
    let mut targets: Vec<(String, Vec<(i64, String)>)> = Vec::new();
    for level in e.elements().filter(|l| l.name == "fencing-level") {
        let target = if let Some(p) = level.attr("target-pattern") {
            format!("pattern:{p}")
        } else if let Some(a) = level.attr("target-attribute") {
            format!("attr:{a}={}", level.attr("target-value").unwrap_or(""))
        } else {
            format!("{}:", level.attr("target").unwrap_or(""))
        };
        let index = level
            .attr("index")
            .and_then(|i| i.parse().ok())
            .unwrap_or(0);
        let devices = level.attr("devices").unwrap_or("").to_string();
        match targets.iter_mut().find(|(t, _)| *t == target) {
            Some((_, levels)) => levels.push((index, devices)),
            None => targets.push((target, vec![(index, devices)])),
        }
    }
    let per_target: Vec<(String, String)> = targets
        .into_iter()
        .map(|(t, mut levels)| {
            levels.sort_by_key(|(i, _)| *i);
            let devs: Vec<String> = levels.into_iter().map(|(_, d)| d).collect();
            (t, devs.join(" "))
        })
        .collect();
    let first = per_target.first().map(|(_, d)| d.clone());
    let all_same = per_target.iter().all(|(_, d)| Some(d) == first.as_ref());
    if let Some(devs) = first.filter(|_| all_same && per_target.len() == node_count) {
        return format!("fencing_topology {devs}");
    }
    let mut parts = vec!["fencing_topology".to_string()];
    parts.extend(per_target.into_iter().map(|(t, d)| format!("{t} {d}")));
    cli_format(&parts)
}

/// `alert ID PATH` with its attribute sets, selections and recipients.
fn alert(e: &XmlElement) -> String {
    let mut parts = vec![format!(
        "alert {} {}",
        e.attr("id").unwrap_or(""),
        quote_wrap(e.attr("path").unwrap_or(""))
    )];
    let set_text = |c: &XmlElement| {
        let kw = if c.name == "meta_attributes" {
            "meta"
        } else {
            "attributes"
        };
        let mut words = vec![kw.to_string()];
        words.extend(
            c.elements()
                .filter(|n| n.name == "nvpair")
                .map(|n| nvpair_format(n.attr("name").unwrap_or(""), n.attr("value"))),
        );
        words.join(" ")
    };
    for c in e.elements() {
        match c.name.as_str() {
            "instance_attributes" | "meta_attributes" => parts.push(set_text(c)),
            "select" => {
                let mut words = vec!["select".to_string()];
                for sel in c.elements() {
                    let Some(what) = sel.name.strip_prefix("select_") else {
                        continue;
                    };
                    words.push(what.to_string());
                    if what == "attributes" {
                        words.push("{".into());
                        words.extend(
                            sel.elements()
                                .filter_map(|a| a.attr("name"))
                                .map(str::to_string),
                        );
                        words.push("}".into());
                    }
                }
                parts.push(words.join(" "));
            }
            "recipient" => {
                let sets: Vec<String> = c
                    .elements()
                    .filter(|s| {
                        matches!(s.name.as_str(), "instance_attributes" | "meta_attributes")
                    })
                    .map(set_text)
                    .collect();
                let path = quote_wrap(c.attr("value").unwrap_or(""));
                parts.push(if sets.is_empty() {
                    format!("to {path}")
                } else {
                    format!("to {{ {path} {} }}", sets.join(" "))
                });
            }
            _ => {}
        }
    }
    cli_format(&parts)
}

fn with_q(rsc: &str, q: Option<String>) -> String {
    match q {
        Some(q) => format!("{rsc}:{q}"),
        None => rsc.to_string(),
    }
}

fn head_with_score(kw: &str, id: &str, score: Option<String>, col: Vec<String>) -> String {
    let mut s = format!("{kw} {id} ");
    if let Some(score) = score.filter(|s| !s.is_empty()) {
        s.push_str(&format!("{score}: "));
    }
    s + &col.join(" ")
}

fn property(kw: &str, s: &AttrSet) -> String {
    let head = if noquotes(&s.id) {
        format!("{kw} {}:", s.id)
    } else {
        format!("{kw} $id=\"{}\"", s.id)
    };
    let mut parts = vec![head];
    if let Some(r) = &s.rule {
        parts.push(format!("rule {}", rule(r)));
    }
    parts.extend(s.pairs.iter().map(cli_nvpair));
    cli_format(&parts)
}
