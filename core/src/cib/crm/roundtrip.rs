//! Property tests: crm text → model → `show` text → model gives the same
//! configuration, and `show` is a fixed point. Inputs are generated as crm
//! statements (so every model is one crm can reach).

use proptest::prelude::*;

use crate::cib::model::Cib;

use super::{check_round_trip, run};

const RSC: &[&str] = &["a", "b", "c", "d", "e"];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("\"a b\"".to_string()),
        Just("/var/x".to_string()),
        Just("'say \"hi\"'".to_string()),
        Just("10s".to_string()),
        "[a-z0-9_.-]{1,6}",
    ]
}

fn pairs() -> impl Strategy<Value = String> {
    prop::collection::btree_map("[a-z][a-z_-]{0,5}", value(), 1..4).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| !k.starts_with("passw") && !is_keyword(k))
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn is_keyword(k: &str) -> bool {
    super::cursor::TERMINATORS.contains(&k) || k == "description"
}

fn primitive(id: &'static str) -> impl Strategy<Value = String> {
    let agent = prop::sample::select(vec![
        "Dummy",
        "ocf:pacemaker:Stateful",
        "lsb:cron",
        "IPaddr2",
        "stonith:fence_x",
    ]);
    let op = (
        prop::sample::select(vec!["monitor", "start", "stop"]),
        prop::option::of(1u32..100),
        prop::option::of(1u32..60),
        any::<bool>(),
    )
        .prop_map(|(n, i, t, lvl)| {
            let mut s = format!("op {n}");
            if let Some(t) = t {
                s.push_str(&format!(" timeout={t}s"));
            }
            if let Some(i) = i {
                s.push_str(&format!(" interval={i}s"));
            }
            if lvl {
                s.push_str(" OCF_CHECK_LEVEL=10");
            }
            s
        });
    (
        agent,
        prop::option::of(pairs()),
        prop::option::of(pairs()),
        prop::option::of(pairs()),
        prop::collection::vec(op, 0..3),
    )
        .prop_map(move |(agent, params, meta, util, ops)| {
            let mut s = format!("primitive {id} {agent}");
            if let Some(p) = params {
                s.push_str(&format!(" params {p}"));
            }
            if let Some(m) = meta {
                s.push_str(&format!(" meta {m}"));
            }
            if let Some(u) = util {
                s.push_str(&format!(" utilization {u}"));
            }
            let mut seen = Vec::new();
            for op in ops {
                // One op per (name, interval): crm refuses twins.
                let key: Vec<&str> = op
                    .split(' ')
                    .filter(|w| !w.starts_with("timeout") && !w.starts_with("OCF"))
                    .collect();
                let key = key.join(" ");
                if !seen.contains(&key) {
                    seen.push(key);
                    s.push_str(&format!(" {op}"));
                }
            }
            s
        })
}

fn rsc() -> impl Strategy<Value = &'static str> {
    prop::sample::select(RSC.to_vec())
}

fn constraint(n: usize) -> impl Strategy<Value = String> {
    let score = prop::sample::select(vec!["inf", "-inf", "100", "0", "+inf", "mandatory", "-20"]);
    let kind = prop::sample::select(vec![
        "",
        "Mandatory: ",
        "Optional: ",
        "Serialize: ",
        "inf: ",
        "0: ",
        "50: ",
    ]);
    let expr = prop::sample::select(vec![
        "#uname eq n1",
        "defined pingd",
        "not_defined pingd",
        "pingd integer:gt 5",
        "v version:lte 1.2",
        "date gt 2020-01-01",
        "date in start=2020-01-01 end=2021-01-01",
        "date spec hours=9-17 weekdays=1-5",
    ]);
    let set_words = || {
        prop::collection::vec(
            (rsc(), 0..4u8).prop_map(|(r, b)| {
                let next = RSC[(RSC.iter().position(|x| *x == r).unwrap_or(0) + 1) % RSC.len()];
                match b {
                    0 => format!("( {r} {next} )"),
                    1 => format!("[ {r} ]"),
                    _ => r.to_string(),
                }
            }),
            3..5,
        )
    };
    prop_oneof![
        (rsc(), score.clone(), "n[1-3]")
            .prop_map(move |(r, s, node)| format!("location l{n} {r} {s}: {node}")),
        (
            rsc(),
            prop::sample::select(vec!["", "-inf: ", "10: ", "pingd: ", "$role=Promoted 5: "]),
            prop::collection::vec(expr, 1..3),
            any::<bool>()
        )
            .prop_map(move |(r, s, e, or)| format!(
                "location l{n} {r} rule {s}{}",
                e.join(if or { " or " } else { " and " })
            )),
        (
            score.clone(),
            rsc(),
            rsc(),
            prop::option::of(prop::sample::select(vec!["Promoted", "Started"]))
        )
            .prop_filter("distinct", |(_, a, b, _)| a != b)
            .prop_map(move |(s, a, b, role)| format!(
                "colocation c{n} {s}: {a} {b}{}",
                role.map(|r| format!(":{r}")).unwrap_or_default()
            )),
        (score, set_words())
            .prop_map(move |(s, w)| format!("colocation c{n} {s}: {}", w.join(" "))),
        (
            kind.clone(),
            rsc(),
            rsc(),
            prop::option::of(prop::sample::select(vec!["start", "promote", "stop"])),
            any::<bool>()
        )
            .prop_filter("distinct", |(_, a, b, _, _)| a != b)
            .prop_map(move |(k, a, b, act, sym)| {
                format!(
                    "order o{n} {k}{a}{} {b}{}",
                    act.map(|x| format!(":{x}")).unwrap_or_default(),
                    if sym { " symmetrical=false" } else { "" }
                )
            }),
        (kind, set_words()).prop_map(move |(k, w)| format!("order o{n} {k}{}", w.join(" "))),
    ]
}

fn script() -> impl Strategy<Value = String> {
    let prims = (
        primitive("a"),
        primitive("b"),
        primitive("c"),
        primitive("d"),
        primitive("e"),
    );
    let extras = prop::sample::select(vec![
        "",
        "group g d e",
        "clone cl e meta interleave=true",
        "group g d e meta target-role=Stopped\nclone cl g",
        "ms m e",
    ]);
    (
        prims,
        extras,
        prop::collection::vec(0..6usize, 0..5),
        prop::option::of(pairs()),
        prop::option::of(pairs()),
        prop::option::of(pairs()),
        any::<bool>(),
    )
        .prop_flat_map(|(p, extra, cons, prop_, rscd, opd, node)| {
            let n = cons.len();
            (
                Just((p, extra, prop_, rscd, opd, node)),
                prop::collection::vec(any::<prop::sample::Index>(), n),
            )
                .prop_flat_map(move |(head, _)| {
                    let cs: Vec<_> = (0..n).map(constraint).collect();
                    (Just(head), cs)
                })
        })
        .prop_map(|((p, extra, prop_, rscd, opd, node), cons)| {
            let mut lines = vec![p.0, p.1, p.2, p.3, p.4, extra.to_string()];
            lines.extend(cons);
            if let Some(x) = prop_ {
                lines.push(format!("property {x}"));
            }
            if let Some(x) = rscd {
                lines.push(format!("rsc_defaults {x}"));
            }
            if let Some(x) = opd {
                lines.push(format!("op_defaults my-ops: {x}"));
            }
            if node {
                lines.push("node 1: n1 attributes standby=off utilization cpu=2".to_string());
            }
            lines.join("\n")
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn text_model_text_round_trip(text in script()) {
        let mut cib = Cib::empty();
        let applied = run(&mut cib, &text);
        prop_assert!(applied.is_ok(), "generated text refused: {:?}\n{}", applied.err(), text);
        if let Err(e) = check_round_trip(&text) {
            prop_assert!(false, "{}", e);
        }
    }
}
