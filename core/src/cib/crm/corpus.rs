//! Replays the fuzz seed corpus (fuzz/corpus/crm_parse) on stable Rust
//! through the fuzz target's property.

#[test]
fn corpus_files_keep_the_round_trip_property() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/corpus/crm_parse");
    let mut seen = 0;
    #[allow(clippy::disallowed_methods)] // test code: reading the corpus from disk is the point
    for entry in std::fs::read_dir(dir).expect("corpus directory") {
        let path = entry.expect("entry").path();
        #[allow(clippy::disallowed_methods)]
        let bytes = std::fs::read(&path).expect("corpus file");
        let text = String::from_utf8_lossy(&bytes);
        if let Err(e) = super::check_round_trip(&text) {
            panic!("{}: {e}", path.display());
        }
        seen += 1;
    }
    assert!(seen >= 12, "only {seen} corpus files");
}
