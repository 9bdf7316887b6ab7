//! Import/export tests: the Pacemaker regression corpus, typed facts, errors.

// Tests may read files (the shared corpus); core's own code may not.
#![allow(clippy::disallowed_methods)]

use super::*;
use crate::cib::{Constraint, Resource};

fn cts_dir() -> std::path::PathBuf {
    std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/pacemaker-cts/xml"
    ))
}

#[test]
fn cts_corpus_round_trips() {
    let dir = cts_dir();
    if !dir.is_dir() {
        eprintln!(
            "note: {} is absent; skipping the CTS corpus test",
            dir.display()
        );
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let cib = match parse_cib(&text) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{name}: {e}"));
                continue;
            }
        };
        let written = write_cib(&cib);
        match parse_cib(&written) {
            Ok(again) if again == cib => {
                if write_cib(&again) != written {
                    failures.push(format!("{name}: second export differs"));
                }
            }
            Ok(_) => failures.push(format!("{name}: re-import differs")),
            Err(e) => failures.push(format!("{name}: re-import failed: {e}")),
        }
    }
    eprintln!("CTS: {} files, {} failures", files.len(), failures.len());
    assert!(files.len() > 700, "only {} CTS inputs found", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn cts_file(name: &str) -> Option<Cib> {
    let path = cts_dir().join(name);
    if !path.is_file() {
        eprintln!("note: {} is absent; skipping", path.display());
        return None;
    }
    Some(parse_cib(&std::fs::read_to_string(path).unwrap()).unwrap())
}

/// parse → write → parse gives the same model, and writing is a fixpoint.
fn assert_round_trip(cib: &Cib) {
    let text = write_cib(cib);
    let again = parse_cib(&text).unwrap_or_else(|e| panic!("re-import failed: {e}\n{text}"));
    assert_eq!(&again, cib);
    assert_eq!(write_cib(&again), text);
}

#[test]
fn cibadmin_empty_is_reproduced_exactly() {
    let text = include_str!("testdata/empty.xml");
    let cib = parse_cib(text).unwrap();
    assert_eq!(cib, Cib::empty());
    assert_eq!(write_cib(&Cib::empty()), text);
}

/// `testdata/crmsh.xml` is what `crm configure load update` wrote (crmsh 4.x).
#[test]
fn crmsh_output_is_reproduced_byte_for_byte() {
    let text = include_str!("testdata/crmsh.xml");
    let cib = parse_cib(text).unwrap();
    assert_eq!(write_cib(&cib), text);
    let web = cib.configuration.find_resource("web").unwrap();
    let Resource::Primitive(web) = web else {
        panic!("web is a primitive")
    };
    let monitor = &web.ops[1];
    let names: Vec<&str> = monitor.attrs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        ["interval", "timeout", "on-fail", "role", "start-delay"]
    );
    assert_eq!(web.ops[2].params[0].get("OCF_CHECK_LEVEL"), Some("10"));
}

#[test]
fn typed_facts_of_cts_inputs() {
    let Some(simple1) = cts_file("simple1.xml") else {
        return;
    };
    let Some(Resource::Primitive(rsc1)) = simple1.configuration.find_resource("rsc1") else {
        panic!("rsc1")
    };
    assert_eq!(rsc1.agent.to_string(), "ocf:heartbeat:apache");
    assert_eq!(
        simple1.configuration.property("no-quorum-policy"),
        Some("ignore")
    );
    assert_eq!(simple1.validate_with, "pacemaker-3.0");
    assert_eq!(
        simple1.crm_feature_set, "",
        "absent in the input, and kept absent"
    );
    assert_eq!(simple1.extra_attr("have-quorum"), Some("false"));

    let Some(simple4) = cts_file("simple4.xml") else {
        return;
    };
    let op = &simple4.status.node_states[0]
        .lrm
        .as_ref()
        .unwrap()
        .resources[0]
        .ops[0];
    assert_eq!(
        (
            op.operation.as_str(),
            op.rc_code,
            op.op_status,
            op.interval_ms,
            op.call_id
        ),
        ("start", 1, 4, 0, 1)
    );
    assert_eq!(
        op.extra_attrs,
        [("crm_feature_set".to_string(), "1.0.6".to_string())]
    );

    let Some(moved) = cts_file("1-a-then-bm-move-b.xml") else {
        return;
    };
    let monitor = moved
        .status
        .node_states
        .iter()
        .flat_map(|n| &n.lrm.as_ref().unwrap().resources)
        .flat_map(|r| &r.ops)
        .find(|o| o.id == "B_monitor_60000")
        .unwrap();
    assert_eq!(
        (monitor.interval_ms, monitor.rc_code, monitor.last_rc_change),
        (60_000, 0, Some(1380754729))
    );
}

#[test]
fn pacemaker_oddities_are_kept() {
    // <operations id-ref>: the model's operations_attrs.
    let Some(shared_ops) = cts_file("bug-lf-2613.xml") else {
        return;
    };
    let with_ref = shared_ops
        .configuration
        .all_resources()
        .into_iter()
        .find_map(|r| match r {
            Resource::Primitive(p) if p.operations_attrs.iter().any(|(k, _)| k == "id-ref") => {
                Some(p.clone())
            }
            _ => None,
        });
    assert_eq!(
        with_ref.unwrap().operations_attrs,
        [("id-ref".to_string(), "Dummy_default".to_string())]
    );
    assert!(write_cib(&shared_ops).contains("<operations id-ref=\"Dummy_default\"/>"));

    // An order kind Pacemaker does not know stays as written.
    let Some(wrong_kind) = cts_file("order-wrong-kind.xml") else {
        return;
    };
    let Constraint::Order(order) = &wrong_kind.configuration.constraints[0] else {
        panic!("an order")
    };
    assert_eq!(order.kind, None);
    assert_eq!(order.extra_attrs, [("kind".to_string(), "foo".to_string())]);
    assert_round_trip(&wrong_kind);

    // Bundles and status tickets are kept verbatim; a node_state without id.
    let Some(bundle) = cts_file("bundle-order-fencing.xml") else {
        return;
    };
    assert!(bundle
        .configuration
        .resources
        .iter()
        .any(|r| matches!(r, Resource::Unknown(e) if e.name == "bundle")));
    let Some(tickets) = cts_file("ticket-clone-2.xml") else {
        return;
    };
    assert_eq!(
        tickets.status.unknown.first().map(|e| e.name.as_str()),
        Some("tickets")
    );
    let Some(no_id) = cts_file("failcount-block.xml") else {
        return;
    };
    assert!(no_id
        .status
        .node_states
        .iter()
        .any(|n| n.id.is_empty() && n.uname == "pcmk-4"));
    assert!(write_cib(&no_id).contains("<node_state uname=\"pcmk-4\" in_ccm=\"false\""));
}

#[test]
fn escaping_round_trips() {
    let text = "<cib epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\" note=\"a &lt;b&gt; &amp; &quot;c&quot; &#10;d&#9;'\">\n\
                <configuration><crm_config/><nodes/><resources/><constraints/>\
                <acls><acl_target id=\"x\">some &lt;text&gt; <role id=\"r\"/> more</acl_target></acls>\
                </configuration></cib>";
    let cib = parse_cib(text).unwrap();
    assert_eq!(cib.extra_attr("note"), Some("a <b> & \"c\" \nd\t'"));
    let written = write_cib(&cib);
    assert!(
        written.contains("note=\"a &lt;b&gt; &amp; &quot;c&quot; &#10;d&#9;'\""),
        "{written}"
    );
    assert!(
        written
            .contains("<acl_target id=\"x\">some &lt;text&gt; <role id=\"r\"/> more</acl_target>"),
        "{written}"
    );
    assert_round_trip(&cib);
}

/// A document whose configuration children start on line 3.
fn doc(configuration: &str) -> String {
    format!("<cib epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n<configuration>\n{configuration}\n</configuration>\n</cib>\n")
}

fn error_of(text: &str) -> XmlError {
    parse_cib(text).expect_err("the input is bad")
}

/// The error's line, and its message naming everything in `parts`.
fn assert_error(err: &XmlError, line: u32, parts: &[&str]) {
    assert_eq!(err.line(), line, "{err}");
    let message = err.to_string();
    for p in parts {
        assert!(message.contains(p), "{message:?} should name {p:?}");
    }
}

#[test]
fn errors_name_line_element_id_and_attribute() {
    let err = error_of("<cib>\n<configuration>\n</cib>");
    assert!(matches!(err, XmlError::Syntax { .. }), "{err}");
    assert_error(&err, 3, &["not well-formed"]);

    let err = error_of("\n<configuration/>");
    assert!(matches!(err, XmlError::WrongRoot { .. }), "{err}");
    assert_error(&err, 2, &["<configuration>"]);

    let deep = format!("<acls>{}{}</acls>", "<a>".repeat(200), "</a>".repeat(200));
    let err = error_of(&doc(&deep));
    assert!(matches!(err, XmlError::TooDeep { .. }), "{err}");

    let err = error_of(&doc(
        "<resources>\n<primitive id=\"web\" type=\"apache\"/>\n</resources>",
    ));
    assert!(matches!(err, XmlError::MissingAttribute { .. }), "{err}");
    assert_error(&err, 4, &["<primitive id=\"web\">", "'class'"]);

    let err = error_of(&doc("<constraints>\n\n<rsc_location id=\"loc1\" rsc=\"web\" role=\"Boss\" node=\"n1\" score=\"1\"/></constraints>"));
    assert!(matches!(err, XmlError::InvalidValue { .. }), "{err}");
    assert_error(&err, 5, &["<rsc_location id=\"loc1\">", "'role'", "Boss"]);

    let err = error_of(&doc("<resources><primitive id=\"p\" class=\"ocf\" type=\"x\">\n<operations><op id=\"p-mon\" name=\"monitor\" on-fail=\"explode\"/></operations></primitive></resources>"));
    assert!(matches!(err, XmlError::InvalidValue { .. }), "{err}");
    assert_error(&err, 4, &["<op id=\"p-mon\">", "'on-fail'", "explode"]);

    let err = error_of(&doc(
        "<tags><tag id=\"t\">\n<obj_ref id=\"a\" color=\"red\"/></tag></tags>",
    ));
    assert!(matches!(err, XmlError::UnexpectedAttribute { .. }), "{err}");
    assert_error(&err, 4, &["<obj_ref id=\"a\">", "'color'"]);

    let err = error_of(&doc(
        "<op_defaults id=\"od\">\n<instance_attributes id=\"x\"/></op_defaults>",
    ));
    assert!(matches!(err, XmlError::UnexpectedElement { .. }), "{err}");
    assert_error(&err, 4, &["<op_defaults", "<instance_attributes>"]);

    let err = error_of(&doc("<nodes/>\n<nodes/>"));
    assert!(matches!(err, XmlError::DuplicateElement { .. }), "{err}");
    assert_error(&err, 4, &["<configuration>", "<nodes>"]);

    let err = error_of(&doc(
        "<resources>\n\n<clone id=\"c1\"><meta_attributes id=\"m\"/></clone></resources>",
    ));
    assert!(matches!(err, XmlError::MissingElement { .. }), "{err}");
    assert_error(&err, 5, &["<clone id=\"c1\">", "<primitive>"]);

    let err = error_of(&doc(
        "<nodes>\n<node id=\"1\" uname=\"n1\">hello</node></nodes>",
    ));
    assert!(matches!(err, XmlError::UnexpectedText { .. }), "{err}");
    assert_error(&err, 4, &["<node id=\"1\">", "hello"]);
}

#[test]
fn unknown_attributes_and_elements_are_written_back() {
    let text = doc(
        "<crm_config/><nodes/><resources>\
         <primitive id=\"p\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\" future=\"yes\">\
         <instance_attributes id=\"p-ia\"><nvpair id=\"p-ia-a\" name=\"a\" value=\"1\"/></instance_attributes>\
         <gadget id=\"g\"><part/></gadget></primitive>\
         <bundle id=\"b\"><docker image=\"x\"/></bundle></resources>\
         <constraints><rsc_ticket id=\"t\" rsc=\"p\" ticket=\"T\"/>\
         <rsc_location id=\"l\" rsc=\"p\"><rule id=\"r\" score=\"1\">\
         <rsc_expression id=\"re\" class=\"ocf\"/></rule></rsc_location></constraints>\
         <alerts><alert id=\"a\" path=\"/x\"/></alerts>",
    );
    let cib = parse_cib(&text).unwrap();
    let written = write_cib(&cib);
    for piece in [
        "type=\"Dummy\" future=\"yes\"",
        "<gadget id=\"g\">",
        "<part/>",
        "<bundle id=\"b\">",
        "<rsc_ticket id=\"t\" rsc=\"p\" ticket=\"T\"/>",
        "<rsc_expression id=\"re\" class=\"ocf\"/>",
        "<alert id=\"a\" path=\"/x\"/>",
    ] {
        assert!(written.contains(piece), "{piece} missing from\n{written}");
    }
    assert_round_trip(&cib);
}

mod generated {
    use super::*;
    use crate::cib::arbitrary;
    use proptest::prelude::*;

    /// Every `id` a configuration defines (references excluded), in order.
    fn defined_ids(e: &XmlElement, out: &mut Vec<String>) {
        if !matches!(e.name.as_str(), "resource_ref" | "obj_ref") {
            out.extend(e.attr("id").map(str::to_string));
        }
        for c in e.elements() {
            defined_ids(c, out);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn model_to_xml_to_model_is_identity(cib in arbitrary::cib()) {
            let text = write_cib(&cib);
            let again = parse_cib(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(&again, &cib);
            prop_assert_eq!(write_cib(&again), text);
        }

        #[test]
        fn generated_configuration_ids_are_unique(cfg in arbitrary::configuration()) {
            let mut ids = Vec::new();
            defined_ids(&configuration_to_element(&cfg), &mut ids);
            let mut sorted = ids.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(sorted.len(), ids.len(), "duplicate ids in {:?}", ids);
        }
    }

    /// Writes a few generated CIBs to /tmp/cohort-arbitrary-cibs when asked
    /// (COHORT_DUMP_ARBITRARY=1), for checking them with crm_verify by hand.
    #[test]
    fn dump_samples_when_asked() {
        if std::env::var("COHORT_DUMP_ARBITRARY").as_deref() != Ok("1") {
            return;
        }
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let dir = std::env::temp_dir().join("cohort-arbitrary-cibs");
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..30 {
            let cib = arbitrary::cib().new_tree(&mut runner).unwrap().current();
            std::fs::write(dir.join(format!("{i}.xml")), write_cib(&cib)).unwrap();
        }
    }
}

/// Replays the fuzz corpus (seeds and any crashers found) on stable Rust.
#[test]
fn fuzz_corpus_replays() {
    let dir = std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fuzz/corpus/xml_import"
    ));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(
        files.len() >= 12,
        "only {} seeds in {}",
        files.len(),
        dir.display()
    );
    let mut imported = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(text) = std::str::from_utf8(&bytes) else {
            continue;
        };
        if let Err(e) = check_round_trip(text) {
            panic!("{}: {e}", path.display());
        }
        imported += usize::from(parse_cib(text).is_ok());
    }
    // Both kinds of seed are there: ones that import and ones that must not.
    assert!(
        imported >= 6 && imported < files.len(),
        "{imported} of {} imported",
        files.len()
    );
}
