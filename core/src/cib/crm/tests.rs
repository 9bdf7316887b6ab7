//! Table tests against the real crm's output (testdata/show.txt, captured by
//! testdata/capture.sh) and error cases.

use crate::cib::model::Cib;

use super::{parse, run, show, show_ids, CrmError};

const TABLE: &str = include_str!("testdata/show.txt");

/// Cases where cohort knowingly differs from crmsh, with the reason.
const DIVERGENT: &[(&str, &str)] = &[];

struct Case {
    name: String,
    input: String,
    show: String,
    epoch: u64,
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for chunk in TABLE.split("\n=== ").skip(1) {
        let (name, rest) = chunk.split_once('\n').expect("case name line");
        let (input, rest) = rest.split_once("--- show\n").expect("--- show");
        let (show, epoch) = rest.split_once("--- epoch\n").expect("--- epoch");
        out.push(Case {
            name: name.trim().to_string(),
            input: input.to_string(),
            show: show.to_string(),
            epoch: epoch.trim().parse().expect("epoch number"),
        });
    }
    out
}

#[test]
fn table_matches_real_crm() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        if DIVERGENT.iter().any(|(n, _)| *n == case.name) {
            continue;
        }
        let mut cib = Cib::empty();
        let result = run(&mut cib, &case.input);
        // crm refused the whole batch (nothing committed): so must we.
        if case.epoch == 1 && case.show.is_empty() {
            if result.is_ok() {
                failures.push(format!(
                    "{}: crm refused this input, cohort accepted it",
                    case.name
                ));
            }
            assert_eq!(
                cib,
                Cib::empty(),
                "{}: a refused batch changed the CIB",
                case.name
            );
            continue;
        }
        match result {
            Err(e) => failures.push(format!("{}: {e}", case.name)),
            Ok(_) => {
                let got = show(&cib);
                if got != case.show {
                    failures.push(format!(
                        "{}:\n--- want\n{}--- got\n{}",
                        case.name, case.show, got
                    ));
                }
                if cib.version.epoch != case.epoch {
                    failures.push(format!(
                        "{}: epoch {} want {}",
                        case.name, cib.version.epoch, case.epoch
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Applies `setup`, then `bad`; the error must mention `word`, and the CIB
/// must be as it was after `setup`.
fn refused(setup: &str, bad: &str, word: &str) -> CrmError {
    let mut cib = Cib::empty();
    run(&mut cib, setup).unwrap_or_else(|e| panic!("setup failed: {e}"));
    let before = cib.clone();
    let err = run(&mut cib, bad).expect_err(bad);
    assert_eq!(cib, before, "{bad}: a failed statement changed the CIB");
    let msg = err.to_string();
    assert!(
        msg.contains(word),
        "{bad}: message {msg:?} does not name {word:?}"
    );
    err
}

#[test]
fn errors_name_the_offending_word_and_leave_the_cib_alone() {
    let two = "primitive a Dummy\nprimitive b Dummy";
    let e = refused(two, "order o advisory: a b", "advisory");
    assert_eq!(
        e.to_string(),
        "line 1, column 9: syntax in order: Invalid kind: advisory"
    );
    let e = refused("primitive r1 Dummy", "primitive r1 Dummy", "r1");
    assert_eq!(
        e.to_string(),
        "line 1, column 11: Cannot create primitive with ID 'r1': Found existing primitive with same ID."
    );
    refused(two, "location a Dummy 10: n1", "Found existing primitive");
    let e = refused("", "frobnicate x y", "frobnicate");
    assert_eq!(
        e.to_string(),
        "line 1, column 1: configure.frobnicate: No such command"
    );
    let e = refused("", "group g1 nosuch", "nosuch");
    assert_eq!(
        e.to_string(),
        "line 1, column 10: g1 refers to missing object nosuch"
    );
    let e = refused("primitive a Dummy", "colocation c inf: a nosuch", "nosuch");
    assert_eq!(
        e.to_string(),
        "line 1, column 21: c: resource nosuch does not exist"
    );
    refused("primitive a Dummy", "order o inf: a b:start", "b");
    refused("primitive a Dummy", "location l { a x } 10: n1", "x");
    refused(two, "colocation c abc: a b", "abc");
    refused("primitive a Dummy", "location l a abc: node1", "abc");
    refused("", "primitive r2", "primitive");
    refused("", "primitive r2 a:b:c:d", "a:b:c:d");
    refused(two, "colocation c inf: a:Boss b", "Boss");
    refused(two, "order o inf: a:jump b", "jump");
    refused(two, "order o inf: a ( b", "Unmatched opening bracket");
    refused(two, "order o inf: a b ]", "]");
    refused(
        two,
        "location l a rule 10: x eq 1 and y eq 2 or z eq 3",
        "Mixing bool ops",
    );
    refused(two, "location l a rule 10: x frob 1", "frob");
    refused(
        "",
        "primitive p Dummy params a=\"unterminated",
        "No closing quotation",
    );
    refused(
        "",
        "primitive p Dummy op monitor interval=10 OCF_CHECK_LEVEL=1 timeout=5",
        "timeout",
    );
    refused(
        "",
        "primitive p Dummy op monitor interval=10 op monitor interval=10",
        "monitor",
    );
    refused("", "primitive a Dummy # comment", "a-instance_attributes-#");
    refused("", "delete nosuch", "nosuch");
    refused(two, "group g a a", "listed more than once");
    refused(two, "group g a b\ngroup h a", "already in g");
    // A failure late in a batch undoes the batch's earlier statements too.
    refused("", "primitive ok Dummy\nprimitive bad", "primitive");
}

#[test]
fn error_positions_cover_continuation_lines() {
    let err = parse("primitive a Dummy \\\n  op monitor interval=10 \\\n  bogus:word").unwrap_err();
    assert_eq!((err.pos().line, err.pos().col), (3, 3), "{err}");
}

#[test]
fn ids_match_crmsh() {
    let mut cib = Cib::empty();
    run(
        &mut cib,
        "primitive A ocf:pacemaker:Dummy params x=1 params y=2 op monitor interval=30s OCF_CHECK_LEVEL=10\n\
         location loc4 A rule -inf: not_defined pingd or pingd lte 0\n\
         location loc11 A rule 10: date spec hours=9-17\n\
         colocation col4 -100: A ( A ) A\n\
         property stonith-enabled=false\n\
         node 1: node1 attributes standby=off",
    )
    .unwrap();
    let xml = crate::cib::xml::write_cib(&cib);
    for id in [
        "A-instance_attributes",
        "A-instance_attributes-x",
        "A-instance_attributes-0",
        "A-instance_attributes-0-y",
        "A-monitor-30s",
        "A-monitor-30s-instance_attributes-OCF_CHECK_LEVEL",
        "loc4-rule",
        "loc4-rule-expression",
        "loc4-rule-expression-0",
        "loc11-rule-expression-date_spec",
        "col4-0",
        "col4-1",
        "col4-2",
        "cib-bootstrap-options-stonith-enabled",
        "node1-instance_attributes-standby",
    ] {
        assert!(
            xml.contains(&format!("id=\"{id}\"")),
            "missing id {id} in\n{xml}"
        );
    }
}

#[test]
fn grouping_retargets_constraints_and_warns_about_ms() {
    let mut cib = Cib::empty();
    let out = run(
        &mut cib,
        "primitive a Dummy\nprimitive b Dummy\nprimitive c Dummy\nlocation l1 a 10: n1\n\
         colocation c1 inf: a b\norder o1 a b c\ngroup g a b\nprimitive st Stateful\nms m st",
    )
    .unwrap();
    assert_eq!(
        show_ids(&cib, &["l1", "o1", "g"]).unwrap(),
        "group g a b\nlocation l1 g 10: n1\norder o1 g c\n"
    );
    assert!(
        show_ids(&cib, &["c1"]).is_err(),
        "a colocation of g with itself is dropped"
    );
    assert!(out
        .warnings
        .iter()
        .any(|w| w.msg.contains("\"ms\" is deprecated")));
    assert!(out
        .warnings
        .iter()
        .any(|w| w.msg == "modified location:l1 from a to g"));
    assert_eq!(out.touched.last().map(String::as_str), Some("m"));
}

#[test]
fn show_xml_obscures_passwords_and_declares_xml() {
    let mut cib = Cib::empty();
    run(&mut cib, "primitive r Dummy params passwd=secret").unwrap();
    let x = super::show_xml(&cib);
    assert!(x.starts_with("<?xml version=\"1.0\" ?>\n<cib "), "{x}");
    // crm leaves the status section out and ends with a blank line.
    assert!(x.ends_with("</configuration>\n</cib>\n\n"), "{x}");
    assert!(
        x.contains("value=\"******\"") && !x.contains("secret"),
        "{x}"
    );
    let p = cib.configuration.find_resource("r").unwrap();
    let crate::cib::model::Resource::Primitive(p) = p else {
        panic!()
    };
    assert_eq!(
        p.param("passwd"),
        Some("secret"),
        "the stored value is unchanged"
    );
}

#[test]
fn show_statements_print_into_the_report() {
    let mut cib = Cib::empty();
    let out = run(&mut cib, "primitive a Dummy\nshow a\nshow").unwrap();
    assert_eq!(
        out.shown,
        vec![
            "primitive a Dummy\n".to_string(),
            "primitive a Dummy\n".to_string()
        ]
    );
    assert_eq!(cib.version.epoch, 2);
}
