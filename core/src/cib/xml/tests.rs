//! Import/export tests: the Pacemaker regression corpus, typed facts, errors.

// Tests may read files (the shared corpus); core's own code may not.
#![allow(clippy::disallowed_methods)]

use super::*;

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
            Ok(again) if again == cib => {}
            Ok(_) => failures.push(format!("{name}: re-import differs")),
            Err(e) => failures.push(format!("{name}: re-import failed: {e}")),
        }
    }
    eprintln!("CTS: {} files, {} failures", files.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
