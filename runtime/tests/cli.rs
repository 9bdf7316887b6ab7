//! The `cohort` binary as a user runs it: exit codes, messages, and files
//! that a refused command leaves alone. Uses only Debian paths that
//! scripts/test installs (resource-agents) where an agent must exist.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const EMPTY_CIB: &str = r#"<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cohort-cli-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    let cib = dir.join("cib.xml");
    fs::write(&cib, EMPTY_CIB).unwrap();
    cib
}

fn cohort(cib: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_cohort"))
        .args(args)
        .env("CIB_file", cib)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_bad_word_is_named_and_the_file_is_untouched() {
    let cib = scratch("badword");
    let out = cohort(
        &cib,
        &[
            "configure",
            "primitive",
            "r1",
            "ocf:heartbeat:Dummy",
            "parms",
            "x=1",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("parms"),
        "the message should name the offending word: {err}"
    );
    assert_eq!(fs::read_to_string(&cib).unwrap(), EMPTY_CIB);
}

#[test]
fn statements_on_stdin_commit_once_and_show_like_crm() {
    let cib = scratch("stdin");
    let out = cohort(
        &cib,
        &["-F", "configure"],
        "property stonith-enabled=false\nprimitive a ocf:heartbeat:Dummy\nprimitive b Dummy\norder o1 mandatory: a b\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let written = fs::read_to_string(&cib).unwrap();
    assert!(
        written.contains(r#"epoch="2""#),
        "one commit raises the epoch by one:\n{written}"
    );
    let show = cohort(&cib, &["configure", "show"], "");
    assert_eq!(
        text(&show.stdout),
        "primitive a Dummy\nprimitive b Dummy\norder o1 Mandatory: a b\nproperty cib-bootstrap-options: \\\n\tstonith-enabled=false\n"
    );
}

#[test]
fn a_failing_statement_after_a_commit_keeps_the_commit_only() {
    let cib = scratch("partial");
    let out = cohort(
        &cib,
        &["-F", "configure"],
        "property stonith-enabled=false\ncommit\nprimitive a Dummy\nprimitive a Dummy\n",
    );
    assert_eq!(out.status.code(), Some(1));
    let show = text(&cohort(&cib, &["configure", "show"], "").stdout);
    assert_eq!(
        show,
        "property cib-bootstrap-options: \\\n\tstonith-enabled=false\n"
    );
}

#[test]
fn a_new_primitive_is_refused_without_fencing_unless_forced() {
    let cib = scratch("stonith");
    let out = cohort(
        &cib,
        &["configure", "primitive", "r1", "ocf:heartbeat:Dummy"],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no STONITH resources"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(fs::read_to_string(&cib).unwrap(), EMPTY_CIB);
    let forced = cohort(
        &cib,
        &["-F", "configure", "primitive", "r1", "ocf:heartbeat:Dummy"],
        "",
    );
    assert_eq!(forced.status.code(), Some(0));
    assert!(text(&forced.stderr).contains("INFO: commit forced"));
    assert!(fs::read_to_string(&cib)
        .unwrap()
        .contains(r#"<primitive id="r1""#));
}

#[test]
fn verify_exit_codes_follow_crm_verify() {
    let cib = scratch("verify");
    // An empty CIB with stonith-enabled unset is invalid, as crm_verify says.
    let out = cohort(&cib, &["verify"], "");
    assert_eq!(out.status.code(), Some(78));
    assert!(text(&out.stderr).contains("-V may provide more details"));
    let verbose = cohort(&cib, &["verify", "-V"], "");
    assert!(
        text(&verbose.stderr).contains("error: Resource start-up disabled"),
        "{}",
        text(&verbose.stderr)
    );
    fs::write(&cib, EMPTY_CIB.replace("<crm_config/>", r#"<crm_config><cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>"#)).unwrap();
    let ok = cohort(&cib, &["verify", "-x", cib.to_str().unwrap()], "");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    assert!(ok.stdout.is_empty() && ok.stderr.is_empty());
    let missing = cohort(&cib, &["verify", "-x", "/nonexistent/cib.xml"], "");
    assert_eq!(missing.status.code(), Some(66));
}

#[test]
fn demo_runs_without_files_or_agents() {
    let out = Command::new(env!("CARGO_BIN_EXE_cohort"))
        .arg("demo")
        .env_remove("CIB_file")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("colocation mysqld_with_mynfs_vip inf: vip mynfs mysqld"),
        "{shown}"
    );
    assert!(shown.contains("# verify: valid"), "{shown}");
}

#[test]
fn keygen_writes_a_private_key_of_the_asked_size() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("keygen").parent().unwrap().to_path_buf();
    let key = dir.join("authkey");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_cohort"))
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["keygen", "-k", key.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Gathering 2048 bits for key from /dev/urandom."));
    let meta = fs::metadata(&key).unwrap();
    assert_eq!(meta.len(), 256);
    assert_eq!(meta.permissions().mode() & 0o777, 0o400);
    let first = fs::read(&key).unwrap();
    let again = run(&["keygen", "-k", key.to_str().unwrap(), "-s", "128"]);
    assert_eq!(again.status.code(), Some(0), "an existing key is replaced");
    let second = fs::read(&key).unwrap();
    assert_eq!(second.len(), 128);
    assert_ne!(first[..128], second[..], "a new key is new random bytes");
    for bad in ["127", "4097"] {
        let out = run(&["keygen", "-k", key.to_str().unwrap(), "-s", bad]);
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains("Unsupported key size (supported <128,4096>)"));
    }
    assert_eq!(
        fs::read(&key).unwrap(),
        second,
        "a refused size leaves the key alone"
    );
}
