//! Element tree → typed model.
//!
//! Each reader takes the attributes it knows off the element (through
//! [`Attrs`]) and keeps the rest in `extra_attrs` in document order, so an
//! attribute is either interpreted or kept, never dropped. Child elements go
//! to their typed place, to an `unknown` list, or fail the import where the
//! model has no place for them.

use std::str::FromStr;

use super::tree::{Child, Element};
use super::{Context, XmlError};
use crate::cib::model::*;
use crate::cib::status::*;

/// The attributes of one element, taken one by one.
struct Attrs {
    line: u32,
    context: Context,
    attrs: Vec<Option<(String, String)>>,
}

impl Attrs {
    fn opt(&mut self, name: &str) -> Option<String> {
        let slot = self
            .attrs
            .iter_mut()
            .find(|a| a.as_ref().is_some_and(|(k, _)| k == name))?;
        slot.take().map(|(_, v)| v)
    }

    fn has(&self, name: &str) -> bool {
        self.attrs.iter().flatten().any(|(k, _)| k == name)
    }

    fn req(&mut self, name: &str) -> Result<String, XmlError> {
        self.opt(name).ok_or_else(|| XmlError::MissingAttribute {
            line: self.line,
            context: self.context.clone(),
            attribute: name.to_string(),
        })
    }

    /// `id`, required unless the element is a reference (`id-ref`); the
    /// id-ref itself is left for the caller.
    fn id(&mut self) -> Result<String, XmlError> {
        if self.has("id-ref") {
            Ok(self.opt("id").unwrap_or_default())
        } else {
            self.req("id")
        }
    }

    fn invalid(&self, name: &str, value: &str, reason: String) -> XmlError {
        XmlError::InvalidValue {
            line: self.line,
            context: self.context.clone(),
            attribute: name.to_string(),
            value: value.to_string(),
            reason,
        }
    }

    fn parse<T>(&mut self, name: &str) -> Result<Option<T>, XmlError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        match self.opt(name) {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e| self.invalid(name, &v, format!("invalid value '{v}': {e}"))),
        }
    }

    fn req_parse<T>(&mut self, name: &str) -> Result<T, XmlError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let v = self.req(name)?;
        v.parse()
            .map_err(|e| self.invalid(name, &v, format!("invalid value '{v}': {e}")))
    }

    /// A value Pacemaker reads leniently (it warns and uses the default): a
    /// spelling that does not parse is left in place, so it ends up in
    /// `extra_attrs` and is written back as it was.
    fn lenient<T>(&mut self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Option<T> {
        let slot = self
            .attrs
            .iter_mut()
            .find(|a| a.as_ref().is_some_and(|(k, _)| k == name))?;
        let value = parse(&slot.as_ref()?.1)?;
        *slot = None;
        Some(value)
    }

    fn lenient_bool(&mut self, name: &str) -> Option<bool> {
        self.lenient(name, parse_bool)
    }

    fn lenient_kind(&mut self, name: &str) -> Option<OrderKind> {
        self.lenient(name, |v| v.parse().ok())
    }

    /// Checks that a raw-kept value is a word of an enumeration.
    fn check_word<T>(&self, name: &str) -> Result<(), XmlError>
    where
        T: FromStr,
        T::Err: std::fmt::Display,
    {
        let found = self.attrs.iter().flatten().find(|(k, _)| k == name);
        match found {
            Some((_, v)) => v
                .parse::<T>()
                .map(|_| ())
                .map_err(|e| self.invalid(name, v, e.to_string())),
            None => Ok(()),
        }
    }

    /// The attributes not taken, in document order.
    fn rest(self) -> Vec<(String, String)> {
        self.attrs.into_iter().flatten().collect()
    }

    /// Fails on any attribute not taken: the element has no place for extras.
    fn none_left(self) -> Result<(), XmlError> {
        match self.attrs.into_iter().flatten().next() {
            None => Ok(()),
            Some((k, _)) => Err(XmlError::UnexpectedAttribute {
                line: self.line,
                context: self.context,
                attribute: k,
            }),
        }
    }
}

/// An element split into its attributes and its child elements.
struct Node {
    line: u32,
    context: Context,
    attrs: Attrs,
    children: Vec<Element>,
}

impl Node {
    fn open(e: Element) -> Result<Node, XmlError> {
        let context = e.context();
        let mut children = Vec::new();
        for c in e.children {
            match c {
                Child::Element(child) => children.push(child),
                Child::Text(text) => {
                    return Err(XmlError::UnexpectedText {
                        line: e.line,
                        context,
                        text,
                    });
                }
            }
        }
        let attrs = Attrs {
            line: e.line,
            context: context.clone(),
            attrs: e.attrs.into_iter().map(Some).collect(),
        };
        Ok(Node {
            line: e.line,
            context,
            attrs,
            children,
        })
    }

    fn unexpected(&self, child: &Element) -> XmlError {
        XmlError::UnexpectedElement {
            line: child.line,
            context: self.context.clone(),
            child: child.name.clone(),
        }
    }

    fn duplicate(&self, child: &Element) -> XmlError {
        XmlError::DuplicateElement {
            line: child.line,
            context: self.context.clone(),
            child: child.name.clone(),
        }
    }

    fn missing(&self, child: &str) -> XmlError {
        XmlError::MissingElement {
            line: self.line,
            context: self.context.clone(),
            child: child.to_string(),
        }
    }

    /// Fails when a once-only child was already seen.
    fn once(&self, seen: &mut bool, child: &Element) -> Result<(), XmlError> {
        if std::mem::replace(seen, true) {
            return Err(self.duplicate(child));
        }
        Ok(())
    }
}

pub(crate) fn cib(root: Element) -> Result<Cib, XmlError> {
    if root.name != "cib" {
        return Err(XmlError::WrongRoot {
            line: root.line,
            found: root.name,
        });
    }
    let mut n = Node::open(root)?;
    let crm_feature_set = n.attrs.opt("crm_feature_set").unwrap_or_default();
    let validate_with = n.attrs.opt("validate-with").unwrap_or_default();
    let version = Version {
        admin_epoch: n.attrs.parse("admin_epoch")?.unwrap_or(0),
        epoch: n.attrs.parse("epoch")?.unwrap_or(0),
        num_updates: n.attrs.parse("num_updates")?.unwrap_or(0),
    };
    let mut configuration = None;
    let mut status = None;
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "configuration" if configuration.is_some() => return Err(n.duplicate(&c)),
            "configuration" => configuration = Some(self::configuration(c)?),
            "status" if status.is_some() => return Err(n.duplicate(&c)),
            "status" => status = Some(self::status(c)?),
            _ => return Err(n.unexpected(&c)),
        }
    }
    let configuration = configuration.ok_or_else(|| n.missing("configuration"))?;
    Ok(Cib {
        version,
        crm_feature_set,
        validate_with,
        extra_attrs: n.attrs.rest(),
        configuration,
        status: status.unwrap_or_default(),
    })
}

fn configuration(e: Element) -> Result<Configuration, XmlError> {
    let mut n = Node::open(e)?;
    let mut cfg = Configuration::default();
    let mut seen = [false; 5];
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "crm_config" => {
                n.once(&mut seen[0], &c)?;
                cfg.crm_config = sets_section(c, "cluster_property_set")?;
            }
            "nodes" => {
                n.once(&mut seen[1], &c)?;
                cfg.nodes = section(c, "node", node_def)?;
            }
            "resources" => {
                n.once(&mut seen[2], &c)?;
                cfg.resources = any_section(c, resource)?;
            }
            "constraints" => {
                n.once(&mut seen[3], &c)?;
                cfg.constraints = any_section(c, constraint)?;
            }
            "tags" => {
                n.once(&mut seen[4], &c)?;
                cfg.tags = Some(section(c, "tag", tag)?);
            }
            "rsc_defaults" if cfg.rsc_defaults.is_some() => return Err(n.duplicate(&c)),
            "rsc_defaults" => cfg.rsc_defaults = Some(sets_section(c, "meta_attributes")?),
            "op_defaults" if cfg.op_defaults.is_some() => return Err(n.duplicate(&c)),
            "op_defaults" => cfg.op_defaults = Some(sets_section(c, "meta_attributes")?),
            _ => cfg.unknown.push(c.into_xml()),
        }
    }
    n.attrs.none_left()?;
    Ok(cfg)
}

/// A section holding only `child` elements, each read by `read`.
fn section<T>(
    e: Element,
    child: &str,
    read: fn(Element) -> Result<T, XmlError>,
) -> Result<Vec<T>, XmlError> {
    let mut n = Node::open(e)?;
    let mut out = Vec::new();
    for c in std::mem::take(&mut n.children) {
        if c.name != child {
            return Err(n.unexpected(&c));
        }
        out.push(read(c)?);
    }
    n.attrs.none_left()?;
    Ok(out)
}

fn sets_section(e: Element, child: &str) -> Result<Vec<AttrSet>, XmlError> {
    section(e, child, attr_set)
}

/// A section whose every child is read (unknown kinds kept by `read`).
fn any_section<T>(
    e: Element,
    read: fn(Element) -> Result<T, XmlError>,
) -> Result<Vec<T>, XmlError> {
    let mut n = Node::open(e)?;
    let out = std::mem::take(&mut n.children)
        .into_iter()
        .map(read)
        .collect::<Result<_, _>>()?;
    n.attrs.none_left()?;
    Ok(out)
}

/// `instance_attributes`, `meta_attributes`, `utilization`, `cluster_property_set`.
fn attr_set(e: Element) -> Result<AttrSet, XmlError> {
    let mut n = Node::open(e)?;
    let mut set = AttrSet {
        id: n.attrs.id()?,
        id_ref: n.attrs.opt("id-ref"),
        score: n.attrs.opt("score"),
        ..AttrSet::default()
    };
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "nvpair" => set.pairs.push(nvpair(c)?),
            "rule" if set.rule.is_some() => return Err(n.duplicate(&c)),
            "rule" => set.rule = Some(rule(c)?),
            _ => return Err(n.unexpected(&c)),
        }
    }
    set.extra_attrs = n.attrs.rest();
    Ok(set)
}

fn nvpair(e: Element) -> Result<NvPair, XmlError> {
    let mut n = Node::open(e)?;
    if let Some(c) = n.children.first() {
        return Err(n.unexpected(c));
    }
    let id = n.attrs.id()?;
    let id_ref = n.attrs.opt("id-ref");
    let name = if id_ref.is_some() {
        n.attrs.opt("name").unwrap_or_default()
    } else {
        n.attrs.req("name")?
    };
    let value = n.attrs.opt("value");
    n.attrs.none_left()?;
    Ok(NvPair {
        id,
        id_ref,
        name,
        value,
    })
}

fn node_def(e: Element) -> Result<NodeDef, XmlError> {
    let mut n = Node::open(e)?;
    let mut node = NodeDef {
        id: n.attrs.req("id")?,
        uname: n.attrs.req("uname")?,
        kind: n.attrs.opt("type"),
        description: n.attrs.opt("description"),
        ..NodeDef::default()
    };
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "instance_attributes" => node.instance_attrs.push(attr_set(c)?),
            "utilization" => node.utilization.push(attr_set(c)?),
            _ => node.unknown.push(c.into_xml()),
        }
    }
    node.extra_attrs = n.attrs.rest();
    Ok(node)
}

fn is_resource(name: &str) -> bool {
    matches!(name, "primitive" | "group" | "clone" | "master")
}

/// Any child of `<resources>`: the kinds the model knows, or kept verbatim.
pub(crate) fn resource(e: Element) -> Result<Resource, XmlError> {
    Ok(match e.name.as_str() {
        "primitive" => Resource::Primitive(primitive(e)?),
        "group" => Resource::Group(group(e)?),
        "clone" | "master" => Resource::Clone(clone(e)?),
        _ => Resource::Unknown(e.into_xml()),
    })
}

fn primitive(e: Element) -> Result<Primitive, XmlError> {
    let mut n = Node::open(e)?;
    let template = n.attrs.opt("template");
    // A primitive built from a template takes its agent from there.
    let from_template = template.is_some();
    let agent_part = |attrs: &mut Attrs, name: &str| {
        if from_template {
            Ok(attrs.opt(name).unwrap_or_default())
        } else {
            attrs.req(name)
        }
    };
    let id = n.attrs.req("id")?;
    let class = agent_part(&mut n.attrs, "class")?;
    let kind = agent_part(&mut n.attrs, "type")?;
    let mut p = Primitive {
        id,
        agent: Agent {
            class,
            provider: n.attrs.opt("provider"),
            kind,
        },
        template,
        description: n.attrs.opt("description"),
        ..Primitive::default()
    };
    let mut seen_operations = false;
    let mut order = Vec::new();
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "instance_attributes" => {
                p.params.push(attr_set(c)?);
                order.push(PrimitivePart::Params);
            }
            "meta_attributes" => {
                p.meta.push(attr_set(c)?);
                order.push(PrimitivePart::Meta);
            }
            "utilization" => {
                p.utilization.push(attr_set(c)?);
                order.push(PrimitivePart::Utilization);
            }
            "operations" => {
                n.once(&mut seen_operations, &c)?;
                order.push(PrimitivePart::Operations);
                let mut ops = Node::open(c)?;
                for o in std::mem::take(&mut ops.children) {
                    if o.name != "op" {
                        return Err(ops.unexpected(&o));
                    }
                    p.ops.push(op(o)?);
                }
                p.operations_attrs = ops.attrs.rest();
            }
            _ => p.unknown.push(c.into_xml()),
        }
    }
    p.extra_attrs = n.attrs.rest();
    p.set_part_order(order);
    // Pushed one by one, a list of one op keeps room for four: thousands
    // of primitives make that the model's largest waste.
    p.ops.shrink_to_fit();
    Ok(p)
}

fn op(e: Element) -> Result<Op, XmlError> {
    let mut n = Node::open(e)?;
    n.attrs.check_word::<Role>("role")?;
    n.attrs.check_word::<OnFail>("on-fail")?;
    let mut op = Op {
        id: n.attrs.req("id")?,
        name: n.attrs.req("name")?,
        ..Op::default()
    };
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "instance_attributes" => op.params.push(attr_set(c)?),
            "meta_attributes" => op.meta.push(attr_set(c)?),
            _ => return Err(n.unexpected(&c)),
        }
    }
    op.attrs = n.attrs.rest();
    Ok(op)
}

fn group(e: Element) -> Result<Group, XmlError> {
    let mut n = Node::open(e)?;
    let mut g = Group {
        id: n.attrs.req("id")?,
        description: n.attrs.opt("description"),
        ..Group::default()
    };
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "instance_attributes" => g.params.push(attr_set(c)?),
            "meta_attributes" => g.meta.push(attr_set(c)?),
            name if is_resource(name) => g.children.push(resource(c)?),
            _ => g.unknown.push(c.into_xml()),
        }
    }
    g.extra_attrs = n.attrs.rest();
    Ok(g)
}

fn clone(e: Element) -> Result<Clone, XmlError> {
    let legacy_master = e.name == "master";
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let description = n.attrs.opt("description");
    let (mut params, mut meta, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    let mut child = None;
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "instance_attributes" => params.push(attr_set(c)?),
            "meta_attributes" => meta.push(attr_set(c)?),
            name if is_resource(name) && child.is_some() => return Err(n.duplicate(&c)),
            name if is_resource(name) => child = Some(resource(c)?),
            _ => unknown.push(c.into_xml()),
        }
    }
    let child = Box::new(child.ok_or_else(|| n.missing("primitive"))?);
    Ok(Clone {
        id,
        legacy_master,
        description,
        params,
        meta,
        child,
        extra_attrs: n.attrs.rest(),
        unknown,
    })
}

fn tag(e: Element) -> Result<Tag, XmlError> {
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let refs = std::mem::take(&mut n.children)
        .into_iter()
        .map(|c| reference(&n, c, "obj_ref"))
        .collect::<Result<_, _>>()?;
    n.attrs.none_left()?;
    Ok(Tag { id, refs })
}

/// An `<obj_ref id/>` or `<resource_ref id/>`: the id and nothing else.
fn reference(parent: &Node, e: Element, name: &str) -> Result<String, XmlError> {
    if e.name != name {
        return Err(parent.unexpected(&e));
    }
    let mut n = Node::open(e)?;
    if let Some(c) = n.children.first() {
        return Err(n.unexpected(c));
    }
    let id = n.attrs.req("id")?;
    n.attrs.none_left()?;
    Ok(id)
}

pub(crate) fn constraint(e: Element) -> Result<Constraint, XmlError> {
    Ok(match e.name.as_str() {
        "rsc_location" => Constraint::Location(location(e)?),
        "rsc_colocation" => Constraint::Colocation(colocation(e)?),
        "rsc_order" => Constraint::Order(order(e)?),
        _ => Constraint::Unknown(e.into_xml()),
    })
}

fn location(e: Element) -> Result<Location, XmlError> {
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let (mut sets, mut rules) = (Vec::new(), Vec::new());
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "resource_set" => sets.push(resource_set(c)?),
            "rule" => rules.push(rule(c)?),
            _ => return Err(n.unexpected(&c)),
        }
    }
    // With sets (or rules) present, rsc (or node/score) would be ignored by
    // Pacemaker; they stay in extra_attrs rather than being dropped.
    let target = if !sets.is_empty() {
        LocationTarget::Sets(sets)
    } else if let Some(rsc) = n.attrs.opt("rsc") {
        LocationTarget::Resource(rsc)
    } else if let Some(pattern) = n.attrs.opt("rsc-pattern") {
        LocationTarget::Pattern(pattern)
    } else {
        return Err(XmlError::MissingAttribute {
            line: n.line,
            context: n.context,
            attribute: "rsc".to_string(),
        });
    };
    let role = n.attrs.parse("role")?;
    let resource_discovery = n.attrs.opt("resource-discovery");
    let placement = if !rules.is_empty() {
        LocationPlacement::Rules(rules)
    } else {
        let score = n.attrs.req("score")?;
        LocationPlacement::Node {
            node: n.attrs.req("node")?,
            score,
        }
    };
    Ok(Location {
        id,
        target,
        role,
        resource_discovery,
        placement,
        extra_attrs: n.attrs.rest(),
    })
}

pub(crate) fn rule(e: Element) -> Result<Rule, XmlError> {
    let mut n = Node::open(e)?;
    let mut r = Rule {
        id: n.attrs.id()?,
        score: n.attrs.opt("score"),
        score_attribute: n.attrs.opt("score-attribute"),
        boolean_op: n.attrs.parse("boolean-op")?,
        role: n.attrs.parse("role")?,
        ..Rule::default()
    };
    for c in std::mem::take(&mut n.children) {
        r.expressions.push(match c.name.as_str() {
            "expression" => RuleExpr::Attr(expression(c)?),
            "date_expression" => RuleExpr::Date(date_expression(c)?),
            "rule" => RuleExpr::Rule(rule(c)?),
            _ => RuleExpr::Unknown(c.into_xml()),
        });
    }
    r.extra_attrs = n.attrs.rest();
    Ok(r)
}

fn expression(e: Element) -> Result<Expression, XmlError> {
    let mut n = Node::open(e)?;
    if let Some(c) = n.children.first() {
        return Err(n.unexpected(c));
    }
    Ok(Expression {
        id: n.attrs.id()?,
        attribute: n.attrs.req("attribute")?,
        operation: n.attrs.req_parse("operation")?,
        value: n.attrs.opt("value"),
        value_type: n.attrs.parse("type")?,
        extra_attrs: n.attrs.rest(),
    })
}

fn date_expression(e: Element) -> Result<DateExpression, XmlError> {
    let mut n = Node::open(e)?;
    let mut d = DateExpression {
        id: n.attrs.id()?,
        operation: n.attrs.req("operation")?,
        start: n.attrs.opt("start"),
        end: n.attrs.opt("end"),
        ..DateExpression::default()
    };
    for c in std::mem::take(&mut n.children) {
        let slot = match c.name.as_str() {
            "date_spec" => &mut d.date_spec,
            "duration" => &mut d.duration,
            _ => return Err(n.unexpected(&c)),
        };
        if slot.is_some() {
            return Err(n.duplicate(&c));
        }
        let inner = Node::open(c)?;
        if let Some(g) = inner.children.first() {
            return Err(inner.unexpected(g));
        }
        *slot = Some(inner.attrs.rest());
    }
    d.extra_attrs = n.attrs.rest();
    Ok(d)
}

fn colocation(e: Element) -> Result<Colocation, XmlError> {
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let sets = constraint_sets(&mut n)?;
    let target = if !sets.is_empty() {
        ColocationTarget::Sets(sets)
    } else {
        ColocationTarget::Pair {
            rsc: n.attrs.req("rsc")?,
            with_rsc: n.attrs.req("with-rsc")?,
            rsc_role: n.attrs.parse("rsc-role")?,
            with_rsc_role: n.attrs.parse("with-rsc-role")?,
        }
    };
    Ok(Colocation {
        id,
        score: n.attrs.opt("score"),
        target,
        node_attribute: n.attrs.opt("node-attribute"),
        influence: n.attrs.lenient_bool("influence"),
        extra_attrs: n.attrs.rest(),
    })
}

fn order(e: Element) -> Result<Order, XmlError> {
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let sets = constraint_sets(&mut n)?;
    let target = if !sets.is_empty() {
        OrderTarget::Sets(sets)
    } else {
        OrderTarget::Pair {
            first: n.attrs.req("first")?,
            then: n.attrs.req("then")?,
            first_action: n.attrs.parse("first-action")?,
            then_action: n.attrs.parse("then-action")?,
        }
    };
    Ok(Order {
        id,
        kind: n.attrs.lenient_kind("kind"),
        score: n.attrs.opt("score"),
        symmetrical: n.attrs.lenient_bool("symmetrical"),
        target,
        extra_attrs: n.attrs.rest(),
    })
}

/// The `resource_set` children of a colocation or order (nothing else allowed).
fn constraint_sets(n: &mut Node) -> Result<Vec<ResourceSet>, XmlError> {
    let mut sets = Vec::new();
    for c in std::mem::take(&mut n.children) {
        if c.name != "resource_set" {
            return Err(n.unexpected(&c));
        }
        sets.push(resource_set(c)?);
    }
    Ok(sets)
}

fn resource_set(e: Element) -> Result<ResourceSet, XmlError> {
    let mut n = Node::open(e)?;
    let mut set = ResourceSet {
        id: n.attrs.id()?,
        id_ref: n.attrs.opt("id-ref"),
        sequential: n.attrs.lenient_bool("sequential"),
        require_all: n.attrs.lenient_bool("require-all"),
        action: n.attrs.parse("action")?,
        role: n.attrs.parse("role")?,
        score: n.attrs.opt("score"),
        kind: n.attrs.lenient_kind("kind"),
        ..ResourceSet::default()
    };
    set.resources = std::mem::take(&mut n.children)
        .into_iter()
        .map(|c| reference(&n, c, "resource_ref"))
        .collect::<Result<_, _>>()?;
    set.extra_attrs = n.attrs.rest();
    Ok(set)
}

/// Reads a kept `<template>` (rsc_template) as the primitive it defines:
/// templates have a primitive's content.
pub(crate) fn template_as_primitive(e: &XmlElement) -> Result<Primitive, XmlError> {
    primitive(Element::from_xml(e))
}

/// Reads the `<resource_set>` children of a kept element (rsc_ticket).
pub(crate) fn kept_resource_sets(e: &XmlElement) -> Result<Vec<ResourceSet>, XmlError> {
    e.elements()
        .filter(|c| c.name == "resource_set")
        .map(|c| resource_set(Element::from_xml(c)))
        .collect()
}

fn status(e: Element) -> Result<Status, XmlError> {
    let mut n = Node::open(e)?;
    let mut status = Status::default();
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "node_state" => status.node_states.push(node_state(c)?),
            _ => status.unknown.push(c.into_xml()),
        }
    }
    n.attrs.none_left()?;
    Ok(status)
}

fn node_state(e: Element) -> Result<NodeState, XmlError> {
    let mut n = Node::open(e)?;
    // Pacemaker tolerates (and some regression inputs have) a node_state
    // without id or uname; absent is kept as empty.
    let mut state = NodeState {
        id: n.attrs.opt("id").unwrap_or_default(),
        uname: n.attrs.opt("uname").unwrap_or_default(),
        in_ccm: n.attrs.opt("in_ccm"),
        crmd: n.attrs.opt("crmd"),
        join: n.attrs.opt("join"),
        expected: n.attrs.opt("expected"),
        ..NodeState::default()
    };
    for c in std::mem::take(&mut n.children) {
        match c.name.as_str() {
            "lrm" if state.lrm.is_some() => return Err(n.duplicate(&c)),
            "lrm" => state.lrm = Some(lrm(c)?),
            "transient_attributes" if state.transient_attributes.is_some() => {
                return Err(n.duplicate(&c))
            }
            "transient_attributes" => state.transient_attributes = Some(transient_attributes(c)?),
            _ => state.unknown.push(c.into_xml()),
        }
    }
    state.extra_attrs = n.attrs.rest();
    Ok(state)
}

fn lrm(e: Element) -> Result<Lrm, XmlError> {
    let mut n = Node::open(e)?;
    let mut lrm = Lrm {
        id: n.attrs.req("id")?,
        ..Lrm::default()
    };
    let mut seen = false;
    for c in std::mem::take(&mut n.children) {
        if c.name != "lrm_resources" {
            return Err(n.unexpected(&c));
        }
        n.once(&mut seen, &c)?;
        let mut resources = Node::open(c)?;
        for r in std::mem::take(&mut resources.children) {
            if r.name != "lrm_resource" {
                return Err(resources.unexpected(&r));
            }
            lrm.resources.push(lrm_resource(r)?);
        }
        lrm.lrm_resources_attrs = resources.attrs.rest();
    }
    lrm.extra_attrs = n.attrs.rest();
    Ok(lrm)
}

fn lrm_resource(e: Element) -> Result<LrmResource, XmlError> {
    let mut n = Node::open(e)?;
    let mut r = LrmResource {
        id: n.attrs.req("id")?,
        class: n.attrs.req("class")?,
        provider: n.attrs.opt("provider"),
        kind: n.attrs.req("type")?,
        ..LrmResource::default()
    };
    for c in std::mem::take(&mut n.children) {
        if c.name != "lrm_rsc_op" {
            return Err(n.unexpected(&c));
        }
        r.ops.push(lrm_rsc_op(c)?);
    }
    r.ops.shrink_to_fit();
    r.extra_attrs = n.attrs.rest();
    Ok(r)
}

fn lrm_rsc_op(e: Element) -> Result<LrmRscOp, XmlError> {
    let mut n = Node::open(e)?;
    if let Some(c) = n.children.first() {
        return Err(n.unexpected(c));
    }
    let a = &mut n.attrs;
    Ok(LrmRscOp {
        id: a.req("id")?,
        operation_key: a.opt("operation_key"),
        operation: a.req("operation")?,
        call_id: a.req_parse("call-id")?,
        rc_code: a.req_parse("rc-code")?,
        op_status: a.req_parse("op-status")?,
        interval_ms: a.req_parse("interval")?,
        last_rc_change: a.parse("last-rc-change")?,
        last_run: a.parse("last-run")?,
        exec_time_ms: a.parse("exec-time")?,
        queue_time_ms: a.parse("queue-time")?,
        op_digest: a.opt("op-digest"),
        transition_key: a.opt("transition-key"),
        transition_magic: a.opt("transition-magic"),
        exit_reason: a.opt("exit-reason"),
        on_node: a.opt("on_node"),
        extra_attrs: n.attrs.rest(),
    })
}

fn transient_attributes(e: Element) -> Result<TransientAttributes, XmlError> {
    let mut n = Node::open(e)?;
    let id = n.attrs.req("id")?;
    let sets = std::mem::take(&mut n.children)
        .into_iter()
        .map(|c| {
            if c.name == "instance_attributes" {
                attr_set(c)
            } else {
                Err(n.unexpected(&c))
            }
        })
        .collect::<Result<_, _>>()?;
    n.attrs.none_left()?;
    Ok(TransientAttributes { id, sets })
}
