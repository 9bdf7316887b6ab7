//! Typed model → element tree, with attributes in the order crmsh writes them
//! (observed with `crm configure` on crmsh 4.x; `crm configure show` prints
//! op attributes in file order, so the order is visible to users). Attributes
//! the model keeps verbatim (`extra_attrs`) follow the known ones.

use crate::cib::model::*;
use crate::cib::status::*;

/// A small builder: attributes and children in the order they are added.
struct El(XmlElement);

impl El {
    fn new(name: &str) -> El {
        El(XmlElement::new(name))
    }

    fn attr(mut self, name: &str, value: &str) -> El {
        self.0.attrs.push((name.to_string(), value.to_string()));
        self
    }

    fn opt(self, name: &str, value: Option<&str>) -> El {
        match value {
            Some(v) => self.attr(name, v),
            None => self,
        }
    }

    /// Writes `value` unless it is empty and `may_omit` (the reader's
    /// convention for an optional attribute that was absent).
    fn unless_empty(self, name: &str, value: &str, may_omit: bool) -> El {
        if value.is_empty() && may_omit {
            self
        } else {
            self.attr(name, value)
        }
    }

    fn display(self, name: &str, value: Option<impl ToString>) -> El {
        match value {
            Some(v) => self.attr(name, &v.to_string()),
            None => self,
        }
    }

    fn boolean(self, name: &str, value: Option<bool>) -> El {
        self.display(name, value)
    }

    fn extra(mut self, attrs: &[(String, String)]) -> El {
        self.0.attrs.extend(attrs.iter().cloned());
        self
    }

    fn child(mut self, e: XmlElement) -> El {
        self.0.children.push(XmlNode::Element(e));
        self
    }

    fn children(mut self, es: impl IntoIterator<Item = XmlElement>) -> El {
        self.0.children.extend(es.into_iter().map(XmlNode::Element));
        self
    }

    fn done(self) -> XmlElement {
        self.0
    }
}

fn has_ref(extra: &[(String, String)]) -> bool {
    extra.iter().any(|(k, _)| k == "id-ref")
}

fn sets<'a>(name: &'a str, sets: &'a [AttrSet]) -> impl Iterator<Item = XmlElement> + 'a {
    sets.iter().map(move |s| attr_set_to_element(name, s))
}

fn unknown(es: &[XmlElement]) -> impl Iterator<Item = XmlElement> + '_ {
    es.iter().cloned()
}

/// The whole `<cib>`: version attributes first, as cibadmin writes them.
pub fn cib_to_element(cib: &Cib) -> XmlElement {
    El::new("cib")
        .unless_empty("crm_feature_set", &cib.crm_feature_set, true)
        .unless_empty("validate-with", &cib.validate_with, true)
        .attr("epoch", &cib.version.epoch.to_string())
        .attr("num_updates", &cib.version.num_updates.to_string())
        .attr("admin_epoch", &cib.version.admin_epoch.to_string())
        .extra(&cib.extra_attrs)
        .child(configuration_to_element(&cib.configuration))
        .child(status_to_element(&cib.status))
        .done()
}

/// `<configuration>`: the four mandatory sections, then tags and defaults
/// (where crmsh appends them), then the sections kept verbatim.
pub fn configuration_to_element(cfg: &Configuration) -> XmlElement {
    let mut el = El::new("configuration")
        .child(
            El::new("crm_config")
                .children(sets("cluster_property_set", &cfg.crm_config))
                .done(),
        )
        .child(
            El::new("nodes")
                .children(cfg.nodes.iter().map(node_to_element))
                .done(),
        )
        .child(
            El::new("resources")
                .children(cfg.resources.iter().map(resource_to_element))
                .done(),
        )
        .child(
            El::new("constraints")
                .children(cfg.constraints.iter().map(constraint_to_element))
                .done(),
        );
    if let Some(tags) = &cfg.tags {
        el = el.child(
            El::new("tags")
                .children(tags.iter().map(tag_to_element))
                .done(),
        );
    }
    if let Some(d) = &cfg.rsc_defaults {
        el = el.child(
            El::new("rsc_defaults")
                .children(sets("meta_attributes", d))
                .done(),
        );
    }
    if let Some(d) = &cfg.op_defaults {
        el = el.child(
            El::new("op_defaults")
                .children(sets("meta_attributes", d))
                .done(),
        );
    }
    el.children(unknown(&cfg.unknown)).done()
}

/// An attribute set under the given element name (`instance_attributes`,
/// `meta_attributes`, `utilization`, `cluster_property_set`).
pub fn attr_set_to_element(name: &str, set: &AttrSet) -> XmlElement {
    El::new(name)
        .unless_empty("id", &set.id, set.id_ref.is_some())
        .opt("id-ref", set.id_ref.as_deref())
        .opt("score", set.score.as_deref())
        .extra(&set.extra_attrs)
        .children(set.rule.as_ref().map(rule_to_element))
        .children(set.pairs.iter().map(nvpair))
        .done()
}

fn nvpair(p: &NvPair) -> XmlElement {
    El::new("nvpair")
        .unless_empty("name", &p.name, p.id_ref.is_some())
        .opt("value", p.value.as_deref())
        .unless_empty("id", &p.id, p.id_ref.is_some())
        .opt("id-ref", p.id_ref.as_deref())
        .done()
}

/// A `<node>` of the configuration.
pub fn node_to_element(n: &NodeDef) -> XmlElement {
    // crmsh writes `uname id` when it made the id from the uname (`node n1`)
    // and `id uname` when the id was given (`node 1: n1`), as Pacemaker does.
    let el = if n.id == n.uname {
        El::new("node").attr("uname", &n.uname).attr("id", &n.id)
    } else {
        El::new("node").attr("id", &n.id).attr("uname", &n.uname)
    };
    el.opt("type", n.kind.as_deref())
        .opt("description", n.description.as_deref())
        .extra(&n.extra_attrs)
        .children(sets("instance_attributes", &n.instance_attrs))
        .children(sets("utilization", &n.utilization))
        .children(unknown(&n.unknown))
        .done()
}

/// Any resource, with its children nested.
pub fn resource_to_element(r: &Resource) -> XmlElement {
    match r {
        Resource::Primitive(p) => primitive(p),
        Resource::Group(g) => group(g),
        Resource::Clone(c) => clone(c),
        Resource::Unknown(e) => e.clone(),
    }
}

fn primitive(p: &Primitive) -> XmlElement {
    let from_template = p.template.is_some();
    let mut el = El::new("primitive")
        .attr("id", &p.id)
        .unless_empty("class", &p.agent.class, from_template)
        .opt("provider", p.agent.provider.as_deref())
        .unless_empty("type", &p.agent.kind, from_template)
        .opt("template", p.template.as_deref())
        .opt("description", p.description.as_deref())
        .extra(&p.extra_attrs);
    for part in p.parts() {
        el = el.child(match part {
            PartRef::Params(s) => attr_set_to_element("instance_attributes", s),
            PartRef::Meta(s) => attr_set_to_element("meta_attributes", s),
            PartRef::Utilization(s) => attr_set_to_element("utilization", s),
            PartRef::Operations => El::new("operations")
                .extra(&p.operations_attrs)
                .children(p.ops.iter().map(op_to_element))
                .done(),
        });
    }
    el.children(unknown(&p.unknown)).done()
}

/// `<op name ...attrs in model order... id>`, as crmsh writes it.
pub fn op_to_element(op: &Op) -> XmlElement {
    El::new("op")
        .attr("name", &op.name)
        .extra(&op.attrs)
        .attr("id", &op.id)
        .children(sets("instance_attributes", &op.params))
        .children(sets("meta_attributes", &op.meta))
        .done()
}

fn group(g: &Group) -> XmlElement {
    El::new("group")
        .attr("id", &g.id)
        .opt("description", g.description.as_deref())
        .extra(&g.extra_attrs)
        .children(sets("instance_attributes", &g.params))
        .children(sets("meta_attributes", &g.meta))
        .children(g.children.iter().map(resource_to_element))
        .children(unknown(&g.unknown))
        .done()
}

fn clone(c: &Clone) -> XmlElement {
    El::new(if c.legacy_master { "master" } else { "clone" })
        .attr("id", &c.id)
        .opt("description", c.description.as_deref())
        .extra(&c.extra_attrs)
        .children(sets("instance_attributes", &c.params))
        .children(sets("meta_attributes", &c.meta))
        .child(resource_to_element(&c.child))
        .children(unknown(&c.unknown))
        .done()
}

/// `<tag id>` with its `<obj_ref>`s.
pub fn tag_to_element(t: &Tag) -> XmlElement {
    El::new("tag")
        .attr("id", &t.id)
        .children(
            t.refs
                .iter()
                .map(|r| El::new("obj_ref").attr("id", r).done()),
        )
        .done()
}

/// Any constraint.
pub fn constraint_to_element(c: &Constraint) -> XmlElement {
    match c {
        Constraint::Location(l) => location(l),
        Constraint::Colocation(c) => colocation(c),
        Constraint::Order(o) => order(o),
        Constraint::Unknown(e) => e.clone(),
    }
}

fn location(l: &Location) -> XmlElement {
    let mut el = El::new("rsc_location").attr("id", &l.id);
    let mut set_children = Vec::new();
    match &l.target {
        LocationTarget::Resource(r) => el = el.attr("rsc", r),
        LocationTarget::Pattern(p) => el = el.attr("rsc-pattern", p),
        LocationTarget::Sets(s) => set_children.extend(s.iter().map(resource_set)),
    }
    el = el
        .display("role", l.role)
        .opt("resource-discovery", l.resource_discovery.as_deref());
    let mut rule_children = Vec::new();
    match &l.placement {
        LocationPlacement::Node { node, score } => el = el.attr("score", score).attr("node", node),
        LocationPlacement::Rules(rules) => rule_children.extend(rules.iter().map(rule_to_element)),
    }
    el.extra(&l.extra_attrs)
        .children(set_children)
        .children(rule_children)
        .done()
}

/// `<rule role score score-attribute boolean-op id>` and its terms.
pub fn rule_to_element(r: &Rule) -> XmlElement {
    El::new("rule")
        .display("role", r.role)
        .opt("score", r.score.as_deref())
        .opt("score-attribute", r.score_attribute.as_deref())
        .display("boolean-op", r.boolean_op)
        .unless_empty("id", &r.id, has_ref(&r.extra_attrs))
        .extra(&r.extra_attrs)
        .children(r.expressions.iter().map(|e| match e {
            RuleExpr::Attr(x) => expression(x),
            RuleExpr::Date(d) => date_expression(d),
            RuleExpr::Rule(r) => rule_to_element(r),
            RuleExpr::Unknown(e) => e.clone(),
        }))
        .done()
}

fn expression(x: &Expression) -> XmlElement {
    El::new("expression")
        .attr("operation", x.operation.as_str())
        .attr("attribute", &x.attribute)
        .display("type", x.value_type)
        .opt("value", x.value.as_deref())
        .unless_empty("id", &x.id, has_ref(&x.extra_attrs))
        .extra(&x.extra_attrs)
        .done()
}

fn date_expression(d: &DateExpression) -> XmlElement {
    let part = |name: &str, attrs: &Option<Vec<(String, String)>>| {
        attrs.as_ref().map(|a| El::new(name).extra(a).done())
    };
    El::new("date_expression")
        .attr("operation", &d.operation)
        .opt("start", d.start.as_deref())
        .opt("end", d.end.as_deref())
        .unless_empty("id", &d.id, has_ref(&d.extra_attrs))
        .extra(&d.extra_attrs)
        .children(part("date_spec", &d.date_spec))
        .children(part("duration", &d.duration))
        .done()
}

fn colocation(c: &Colocation) -> XmlElement {
    let el = El::new("rsc_colocation")
        .attr("id", &c.id)
        .opt("score", c.score.as_deref())
        .opt("node-attribute", c.node_attribute.as_deref())
        .boolean("influence", c.influence);
    let el = match &c.target {
        ColocationTarget::Pair {
            rsc,
            with_rsc,
            rsc_role,
            with_rsc_role,
        } => el
            .attr("rsc", rsc)
            .display("rsc-role", *rsc_role)
            .attr("with-rsc", with_rsc)
            .display("with-rsc-role", *with_rsc_role),
        ColocationTarget::Sets(s) => el.children(s.iter().map(resource_set)),
    };
    el.extra(&c.extra_attrs).done()
}

fn order(o: &Order) -> XmlElement {
    let el = El::new("rsc_order")
        .attr("id", &o.id)
        .display("kind", o.kind)
        .opt("score", o.score.as_deref())
        .boolean("symmetrical", o.symmetrical);
    let el = match &o.target {
        OrderTarget::Pair {
            first,
            then,
            first_action,
            then_action,
        } => el
            .attr("first", first)
            .display("first-action", *first_action)
            .attr("then", then)
            .display("then-action", *then_action),
        OrderTarget::Sets(s) => el.children(s.iter().map(resource_set)),
    };
    el.extra(&o.extra_attrs).done()
}

fn resource_set(s: &ResourceSet) -> XmlElement {
    El::new("resource_set")
        .boolean("require-all", s.require_all)
        .boolean("sequential", s.sequential)
        .display("role", s.role)
        .display("action", s.action)
        .display("kind", s.kind)
        .opt("score", s.score.as_deref())
        .unless_empty("id", &s.id, s.id_ref.is_some())
        .opt("id-ref", s.id_ref.as_deref())
        .extra(&s.extra_attrs)
        .children(
            s.resources
                .iter()
                .map(|r| El::new("resource_ref").attr("id", r).done()),
        )
        .done()
}

/// `<status>` with every node_state, then the parts kept verbatim (tickets).
pub fn status_to_element(s: &Status) -> XmlElement {
    El::new("status")
        .children(s.node_states.iter().map(node_state_to_element))
        .children(unknown(&s.unknown))
        .done()
}

/// One `<node_state>`, attributes in the order the controller writes them.
pub fn node_state_to_element(n: &NodeState) -> XmlElement {
    El::new("node_state")
        .unless_empty("id", &n.id, true)
        .unless_empty("uname", &n.uname, true)
        .opt("in_ccm", n.in_ccm.as_deref())
        .opt("crmd", n.crmd.as_deref())
        .opt("join", n.join.as_deref())
        .opt("expected", n.expected.as_deref())
        .extra(&n.extra_attrs)
        .children(n.lrm.as_ref().map(lrm))
        .children(n.transient_attributes.as_ref().map(|t| {
            El::new("transient_attributes")
                .attr("id", &t.id)
                .children(sets("instance_attributes", &t.sets))
                .done()
        }))
        .children(unknown(&n.unknown))
        .done()
}

fn lrm(l: &Lrm) -> XmlElement {
    let resources = El::new("lrm_resources")
        .extra(&l.lrm_resources_attrs)
        .children(l.resources.iter().map(lrm_resource));
    El::new("lrm")
        .attr("id", &l.id)
        .extra(&l.extra_attrs)
        .child(resources.done())
        .done()
}

fn lrm_resource(r: &LrmResource) -> XmlElement {
    El::new("lrm_resource")
        .attr("id", &r.id)
        .attr("type", &r.kind)
        .attr("class", &r.class)
        .opt("provider", r.provider.as_deref())
        .extra(&r.extra_attrs)
        .children(r.ops.iter().map(lrm_rsc_op))
        .done()
}

fn lrm_rsc_op(o: &LrmRscOp) -> XmlElement {
    El::new("lrm_rsc_op")
        .attr("id", &o.id)
        .opt("operation_key", o.operation_key.as_deref())
        .attr("operation", &o.operation)
        .opt("transition-key", o.transition_key.as_deref())
        .opt("transition-magic", o.transition_magic.as_deref())
        .opt("exit-reason", o.exit_reason.as_deref())
        .opt("on_node", o.on_node.as_deref())
        .attr("call-id", &o.call_id.to_string())
        .attr("rc-code", &o.rc_code.to_string())
        .attr("op-status", &o.op_status.to_string())
        .attr("interval", &o.interval_ms.to_string())
        .display("last-rc-change", o.last_rc_change)
        .display("last-run", o.last_run)
        .display("exec-time", o.exec_time_ms)
        .display("queue-time", o.queue_time_ms)
        .opt("op-digest", o.op_digest.as_deref())
        .extra(&o.extra_attrs)
        .done()
}
