//! `cohort config check` as a user runs it, on the seed (corosync 1.x) and on
//! broken files.
//!
//! Compared with the real parser: corosync 3.1.7 (Debian 12), `corosync -t -c
//! FILE`, on the same broken texts. Each case below printed
//! `parser error: FILE:LINE: <message>` (or `parse error in config: <message>`
//! for the checks after parsing) with the same line and message, and exit
//! status 8:
//! - `nodelist { node {` on line 4 → 4: Extra characters after opening bracket '{'
//! - `{` alone on line 1 → 1: Missing section name before opening bracket '{'
//! - `} x` on line 3 → 3: Extra characters before or after closing bracket '}'
//! - a 4th-line `}` at the top level → 4: Unexpected closing brace
//! - ` version = 2` on line 2 → 2: Line is not opening or closing section or key value
//! - a 2-line file ending inside `totem {` → 2: Missing closing brace
//! - `token: abc` on line 3 → 3: Value of key "totem.token" is expected to be
//!   integer in range (0..4294967295), but "abc" was given
//! - 511 bytes before the newline → 1: Line too long (510 bytes pass)
//! - `mcastport: 70000` → Value of key "totem.interface.mcastport" is expected
//!   to be integer in range (0..65535), but "70000" was given
//! - `transport: foo` → Invalid transport type. Should be udpu, udp or knet
//! - `join: 5000` → The consensus timeout parameter (3600 ms) may not be less
//!   than join timeout (5000 ms).
//! - `transport: udp` + `secauth: on` (with a keyfile present) →
//!   crypto_cipher & crypto_hash are only valid for the Knet transport.
//!
//! corosync -t exits 7 on the seed itself here, because its logfile
//! directory /var/log/cluster does not exist, and with a directory it would
//! fail for lack of a nodelist: cohort runs the seed (see core::config).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/seed/corosync.conf"
);

fn check(path: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cohort"))
        .args(["config", "check"])
        .arg(path)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cohort-config-check-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    fs::write(&file, text).unwrap();
    file
}

#[test]
fn seed_is_accepted_with_settings_and_notices() {
    let (code, out, err) = check(Path::new(SEED));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    for want in [
        "totem.version = 2",
        "totem.transport = udp",
        "totem.secauth = on",
        "totem.crypto_cipher = aes256",
        "totem.interface.0.bindnetaddr = 172.16.11.1",
        "totem.interface.0.mcastaddr = 226.100.7.1",
        "totem.interface.0.mcastport = 5405",
        "runtime.config.totem.token = 3000",
        "runtime.config.totem.token_retransmit = 714",
        "runtime.config.totem.hold = 561",
        "runtime.config.totem.consensus = 3600",
        "runtime.config.quorum.expected_votes = highest_seen",
        "logging.to_logfile = yes",
    ] {
        assert!(lines.contains(&want), "missing {want:?} in\n{out}");
    }
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted, "settings are listed sorted");
    assert!(!out.contains("service") && !out.contains("aisexec") && !out.contains("compatibility"));
    for want in [
        ":3: notice: corosync 1.x key 'compatibility' ignored",
        ":8: notice: totem.threads is a corosync 1.x key: ignored",
        ":31: notice: corosync 1.x section 'amf' ignored",
        ":35: notice: corosync 1.x section 'service' ignored",
        ":40: notice: corosync 1.x section 'aisexec' ignored",
    ] {
        assert!(err.contains(want), "missing {want:?} in\n{err}");
    }
}

#[test]
fn broken_files_print_file_line_message_and_exit_8() {
    let cases: [(&str, &str, &str); 8] = [
        (
            "extra_open.conf",
            "totem {\n version: 2\n}\nnodelist { node {\n}\n}\n",
            ":4: Extra characters after opening bracket '{'",
        ),
        ("noname.conf", "{\n}\n", ":1: Missing section name before opening bracket '{'"),
        (
            "extra_close.conf",
            "totem {\n version: 2\n} x\n",
            ":3: Extra characters before or after closing bracket '}'",
        ),
        ("unexpected.conf", "totem {\n version: 2\n}\n}\n", ":4: Unexpected closing brace"),
        (
            "equals.conf",
            "totem {\n version = 2\n}\n",
            ":2: Line is not opening or closing section or key value",
        ),
        ("missing.conf", "totem {\n version: 2\n", ":2: Missing closing brace"),
        (
            "badint.conf",
            "totem {\n version: 2\n token: abc\n}\n",
            ":3: Value of key \"totem.token\" is expected to be integer in range (0..4294967295), but \"abc\" was given",
        ),
        ("long.conf", &format!("#{}\n", "a".repeat(510)), ":1: Line too long"),
    ];
    for (name, text, want) in cases {
        let path = scratch(name, text);
        let (code, out, err) = check(&path);
        assert_eq!(code, 8, "{name}: {err}");
        assert_eq!(out, "", "{name}");
        // Syntax errors stop at the first, as in corosync; a bad number is
        // reported first and the checks after parsing may add more lines.
        let first = err.lines().next().unwrap_or_default();
        assert_eq!(first, format!("{}{want}", path.display()), "{name}");
        if name != "badint.conf" {
            assert_eq!(err.lines().count(), 1, "{name}: {err}");
        }
    }
}

#[test]
fn every_check_error_is_reported() {
    let text = "totem {\n version: 3\n transport: foo\n join: 5000\n}\n";
    let path = scratch("many.conf", text);
    let (code, _, err) = check(&path);
    assert_eq!(code, 8);
    let p = path.display();
    assert!(
        err.contains(&format!(
            "{p}:2: This totem parser can only parse version 2 configurations."
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{p}:3: Invalid transport type. Should be udpu, udp or knet"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("{p}:4: The consensus timeout parameter (3600 ms) may not be less than join timeout (5000 ms).")),
        "{err}"
    );
}

#[test]
fn usage_and_missing_file() {
    let out = Command::new(env!("CARGO_BIN_EXE_cohort"))
        .args(["config", "check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (code, _, err) = check(Path::new("/nonexistent/corosync.conf"));
    assert_eq!(code, 8);
    assert!(
        err.contains("Can't read file /nonexistent/corosync.conf"),
        "{err}"
    );
}
