//! crm_mon's "Cluster Summary": stack, DC and quorum, last change, and the
//! counts of nodes and resource instances. Wall-clock text ("Last updated")
//! comes from the caller: core reads no clock.

use crate::cib::{is_true, Cib, Role};
use crate::policy::resources::{ResourceTable, RscKind};

/// The summary block; `now` is the "Last updated" text, None to leave the
/// times out (crm_mon's `--exclude=times`).
pub fn render(cib: &Cib, now: Option<&str>) -> String {
    let config = &cib.configuration;
    let mut out = String::from("Cluster Summary:\n");
    let stack = config
        .property("cluster-infrastructure")
        .unwrap_or("unknown");
    out.push_str(&format!("  * Stack: {stack}\n"));
    let dc = cib.extra_attr("dc-uuid").and_then(|id| {
        config
            .nodes
            .iter()
            .find(|n| n.id == id)
            .map(|n| n.uname.clone())
    });
    match dc {
        Some(name) => {
            let version = config.property("dc-version").unwrap_or("unknown");
            let quorum = if cib.extra_attr("have-quorum").is_some_and(is_true) {
                "partition with quorum"
            } else {
                "partition WITHOUT quorum"
            };
            out.push_str(&format!(
                "  * Current DC: {name} (version {version}) - {quorum}\n"
            ));
        }
        None => out.push_str("  * Current DC: NONE\n"),
    }
    if let Some(now) = now {
        out.push_str(&format!("  * Last updated: {now}\n"));
        let mut change = format!(
            "  * Last change:  {}",
            cib.extra_attr("cib-last-written").unwrap_or("")
        );
        for (word, attr) in [
            ("by", "update-user"),
            ("via", "update-client"),
            ("on", "update-origin"),
        ] {
            if let Some(v) = cib.extra_attr(attr) {
                change.push_str(&format!(" {word} {v}"));
            }
        }
        out.push_str(&change);
        out.push('\n');
    }
    let nodes = config.nodes.len();
    out.push_str(&format!(
        "  * {nodes} node{} configured\n",
        if nodes == 1 { "" } else { "s" }
    ));
    let table = ResourceTable::build(config, nodes);
    let instances: Vec<_> = table
        .rscs
        .iter()
        .filter(|r| r.kind == RscKind::Primitive)
        .collect();
    let disabled = instances
        .iter()
        .filter(|r| r.meta.target_role == Some(Role::Stopped))
        .count();
    out.push_str(&format!(
        "  * {} resource instance{} configured",
        instances.len(),
        if instances.len() == 1 { "" } else { "s" }
    ));
    if disabled > 0 {
        out.push_str(&format!(" ({disabled} DISABLED)"));
    }
    out.push('\n');
    out
}
