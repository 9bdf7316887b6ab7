//! The ids crmsh generates (its `idmgmt` and `fix_node_ids`): every element
//! without a typed id gets `<prefix>-<suffix>`, where the prefix is the id
//! of the nearest ancestor and the suffix depends on the element; an id in
//! use gets `-0`, `-1`, ... appended.

use std::collections::BTreeSet;

use crate::cib::model::{
    AttrSet, ColocationTarget, Configuration, Constraint, DateExpression, LocationPlacement,
    LocationTarget, NodeDef, Op, OrderTarget, Primitive, Resource, ResourceSet, Rule, RuleExpr,
    XmlElement,
};

/// Every id in the configuration (crmsh's id store).
#[derive(Debug, Clone, Default)]
pub struct IdStore {
    used: BTreeSet<String>,
}

/// The element kinds whose generated ids differ.
#[derive(Debug, Clone, Copy)]
pub enum Elem<'a> {
    NvPair(&'a str),
    Op(&'a str, Option<&'a str>),
    /// instance_attributes, meta_attributes, utilization, rule, expression,
    /// duration or date_spec: `<prefix>-<suffix>`.
    Sub(&'static str),
    /// resource_set and others with no suffix: `<prefix>` (so `-0` at once).
    Plain,
}

impl IdStore {
    pub fn from_cib_config(c: &Configuration) -> IdStore {
        let mut s = IdStore::default();
        for set in c
            .crm_config
            .iter()
            .chain(c.rsc_defaults.iter().flatten())
            .chain(c.op_defaults.iter().flatten())
        {
            s.save_set(set);
        }
        for n in &c.nodes {
            s.save_node(n);
        }
        for r in &c.resources {
            s.save_resource(r);
        }
        for k in &c.constraints {
            s.save_constraint(k);
        }
        for t in c.tags.iter().flatten() {
            s.save(&t.id);
            for r in &t.refs {
                s.save(r);
            }
        }
        for e in &c.unknown {
            s.save_xml(e);
        }
        s
    }

    pub fn is_used(&self, id: &str) -> bool {
        self.used.contains(id)
    }

    pub fn save(&mut self, id: &str) {
        if !id.is_empty() {
            self.used.insert(id.to_string());
        }
    }

    /// A fresh id for an element under `prefix` (crmsh's `idmgmt.new`).
    pub fn new_id(&mut self, elem: Elem, prefix: &str) -> String {
        let pfx = if !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_digit()) {
            format!("num-{prefix}")
        } else {
            prefix.to_string()
        };
        let mut id = match elem {
            Elem::NvPair(name) => format!("{pfx}-{name}"),
            Elem::Op(name, Some(interval)) => format!("{pfx}-{name}-{interval}"),
            Elem::Op(name, None) => format!("{pfx}-{name}"),
            Elem::Sub(sub) => format!("{pfx}-{sub}"),
            Elem::Plain => pfx,
        };
        if self.is_used(&id) {
            if let Some(free) = (0..99)
                .map(|n| format!("{id}-{n}"))
                .find(|t| !self.is_used(t))
            {
                id = free;
            }
        }
        self.save(&id);
        id
    }

    /// Keeps a typed id, or generates one.
    fn fill(&mut self, id: &mut String, elem: Elem, prefix: &str) {
        if id.is_empty() {
            *id = self.new_id(elem, prefix);
        } else {
            let typed = id.clone();
            self.save(&typed);
        }
    }

    fn save_set(&mut self, set: &AttrSet) {
        self.save(&set.id);
        if let Some(r) = &set.rule {
            self.save_rule(r);
        }
        for p in &set.pairs {
            self.save(&p.id);
        }
    }

    fn save_node(&mut self, n: &NodeDef) {
        self.save(&n.id);
        for s in n.instance_attrs.iter().chain(&n.utilization) {
            self.save_set(s);
        }
    }

    fn save_resource(&mut self, r: &Resource) {
        match r {
            Resource::Primitive(p) => {
                self.save(&p.id);
                for s in p.params.iter().chain(&p.meta).chain(&p.utilization) {
                    self.save_set(s);
                }
                for op in &p.ops {
                    self.save(&op.id);
                    for s in op.params.iter().chain(&op.meta) {
                        self.save_set(s);
                    }
                }
            }
            Resource::Group(g) => {
                self.save(&g.id);
                for s in g.params.iter().chain(&g.meta) {
                    self.save_set(s);
                }
                for c in &g.children {
                    self.save_resource(c);
                }
            }
            Resource::Clone(c) => {
                self.save(&c.id);
                for s in c.params.iter().chain(&c.meta) {
                    self.save_set(s);
                }
                self.save_resource(&c.child);
            }
            Resource::Unknown(e) => self.save_xml(e),
        }
    }

    fn save_xml(&mut self, e: &XmlElement) {
        if let Some(id) = e.attr("id") {
            self.save(id);
        }
        for c in e.elements() {
            self.save_xml(c);
        }
    }

    fn save_rule(&mut self, r: &Rule) {
        self.save(&r.id);
        for e in &r.expressions {
            match e {
                RuleExpr::Attr(x) => self.save(&x.id),
                RuleExpr::Date(d) => self.save(&d.id),
                RuleExpr::Rule(r) => self.save_rule(r),
                RuleExpr::Unknown(x) => self.save_xml(x),
            }
        }
    }

    fn save_sets(&mut self, sets: &[ResourceSet]) {
        for s in sets {
            self.save(&s.id);
            for r in &s.resources {
                self.save(r);
            }
        }
    }

    fn save_constraint(&mut self, k: &Constraint) {
        self.save(k.id());
        match k {
            Constraint::Location(l) => {
                if let LocationTarget::Sets(s) = &l.target {
                    self.save_sets(s);
                }
                if let LocationPlacement::Rules(rules) = &l.placement {
                    for r in rules {
                        self.save_rule(r);
                    }
                }
            }
            Constraint::Colocation(c) => {
                if let ColocationTarget::Sets(s) = &c.target {
                    self.save_sets(s);
                }
            }
            Constraint::Order(o) => {
                if let OrderTarget::Sets(s) = &o.target {
                    self.save_sets(s);
                }
            }
            Constraint::Unknown(e) => self.save_xml(e),
        }
    }

    // ----- filling in ids of freshly parsed objects, in document order -----

    pub fn fill_set(&mut self, set: &mut AttrSet, sub: &'static str, prefix: &str) {
        if set.id_ref.is_some() {
            return;
        }
        self.fill(&mut set.id, Elem::Sub(sub), prefix);
        let pfx = set.id.clone();
        if let Some(r) = &mut set.rule {
            self.fill_rule(r, &pfx);
        }
        for p in &mut set.pairs {
            if p.id_ref.is_none() {
                self.fill(&mut p.id, Elem::NvPair(&p.name.clone()), &pfx);
            }
        }
    }

    pub fn fill_sets(&mut self, sets: &mut [AttrSet], sub: &'static str, prefix: &str) {
        for s in sets {
            self.fill_set(s, sub, prefix);
        }
    }

    pub fn fill_node(&mut self, n: &mut NodeDef) {
        if n.id.is_empty() {
            n.id = n.uname.clone();
        }
        self.save(&n.id.clone());
        let pfx = n.uname.clone();
        self.fill_sets(&mut n.instance_attrs, "instance_attributes", &pfx);
        self.fill_sets(&mut n.utilization, "utilization", &pfx);
    }

    pub fn fill_primitive(&mut self, p: &mut Primitive) {
        self.save(&p.id.clone());
        let pfx = p.id.clone();
        self.fill_sets(&mut p.params, "instance_attributes", &pfx);
        self.fill_sets(&mut p.meta, "meta_attributes", &pfx);
        self.fill_sets(&mut p.utilization, "utilization", &pfx);
        // crmsh names ops after their <operations> block when it has an id.
        let ops_id = p
            .operations_attrs
            .iter()
            .find(|(k, _)| k == "id")
            .map(|(_, v)| v.clone());
        if let Some(id) = &ops_id {
            self.save(id);
        }
        let op_pfx = ops_id.unwrap_or(pfx);
        for op in &mut p.ops {
            self.fill_op(op, &op_pfx);
        }
    }

    fn fill_op(&mut self, op: &mut Op, prefix: &str) {
        let interval = op.attr("interval").map(str::to_string);
        let name = op.name.clone();
        self.fill(&mut op.id, Elem::Op(&name, interval.as_deref()), prefix);
        let pfx = op.id.clone();
        self.fill_sets(&mut op.params, "instance_attributes", &pfx);
        self.fill_sets(&mut op.meta, "meta_attributes", &pfx);
    }

    pub fn fill_rule(&mut self, r: &mut Rule, prefix: &str) {
        if r.extra_attrs.iter().any(|(k, _)| k == "id-ref") {
            return;
        }
        self.fill(&mut r.id, Elem::Sub("rule"), prefix);
        let pfx = r.id.clone();
        for e in &mut r.expressions {
            match e {
                RuleExpr::Attr(x) => self.fill(&mut x.id, Elem::Sub("expression"), &pfx),
                RuleExpr::Date(d) => self.fill_date(d, &pfx),
                RuleExpr::Rule(inner) => self.fill_rule(inner, &pfx),
                RuleExpr::Unknown(_) => {}
            }
        }
    }

    fn fill_date(&mut self, d: &mut DateExpression, prefix: &str) {
        self.fill(&mut d.id, Elem::Sub("expression"), prefix);
        let pfx = d.id.clone();
        // date_spec and duration keep their id inside the attribute list.
        for (list, sub) in [
            (&mut d.date_spec, "date_spec"),
            (&mut d.duration, "duration"),
        ] {
            if let Some(attrs) = list {
                if !attrs.iter().any(|(k, _)| k == "id") {
                    let id = self.new_id(Elem::Sub(sub), &pfx);
                    attrs.push(("id".into(), id));
                }
            }
        }
    }

    pub fn fill_resource_sets(&mut self, sets: &mut [ResourceSet], prefix: &str) {
        for s in sets {
            self.fill(&mut s.id, Elem::Plain, prefix);
            for r in &s.resources {
                self.save(r);
            }
        }
    }

    pub fn fill_constraint(&mut self, k: &mut Constraint) {
        let pfx = k.id().to_string();
        self.save(&pfx);
        match k {
            Constraint::Location(l) => {
                if let LocationTarget::Sets(s) = &mut l.target {
                    self.fill_resource_sets(s, &pfx);
                }
                if let LocationPlacement::Rules(rules) = &mut l.placement {
                    for r in rules {
                        self.fill_rule(r, &pfx);
                    }
                }
            }
            Constraint::Colocation(c) => {
                if let ColocationTarget::Sets(s) = &mut c.target {
                    self.fill_resource_sets(s, &pfx);
                }
            }
            Constraint::Order(o) => {
                if let OrderTarget::Sets(s) = &mut o.target {
                    self.fill_resource_sets(s, &pfx);
                }
            }
            Constraint::Unknown(_) => {}
        }
    }
}

/// An XML ID (NCName): what the schema demands of generated ids.
pub fn is_xml_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
