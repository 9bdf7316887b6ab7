//! Finding resource agents on this machine and asking them for meta-data,
//! as crm does before it commits a primitive.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cohort_core::agent::AgentMetadata;
use cohort_core::cib::Agent;

/// How long an agent may take to print its meta-data.
const METADATA_TIMEOUT: Duration = Duration::from_secs(10);
/// Meta-data larger than this is not meta-data.
const METADATA_MAX_BYTES: u64 = 4 << 20;

/// Where agents live; defaults are Debian's paths, overridable for tests.
#[derive(Debug, Clone)]
pub struct AgentDirs {
    pub ocf_root: PathBuf,
    pub lsb_dir: PathBuf,
    pub systemd_dirs: Vec<PathBuf>,
    pub stonith_dir: PathBuf,
}

impl Default for AgentDirs {
    fn default() -> AgentDirs {
        AgentDirs {
            ocf_root: PathBuf::from("/usr/lib/ocf"),
            lsb_dir: PathBuf::from("/etc/init.d"),
            systemd_dirs: [
                "/etc/systemd/system",
                "/run/systemd/system",
                "/lib/systemd/system",
                "/usr/lib/systemd/system",
            ]
            .iter()
            .map(PathBuf::from)
            .collect(),
            stonith_dir: PathBuf::from("/usr/sbin"),
        }
    }
}

impl AgentDirs {
    /// Debian's paths, with `OCF_ROOT` from the environment when set.
    pub fn from_env() -> AgentDirs {
        let mut dirs = AgentDirs::default();
        if let Some(root) = std::env::var_os("OCF_ROOT") {
            dirs.ocf_root = PathBuf::from(root);
        }
        dirs
    }
}

/// What we learned about an agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentInfo {
    /// The agent exists and described itself (OCF, stonith).
    Described(AgentMetadata),
    /// The agent exists but takes no parameters (LSB, systemd).
    Exists,
}

/// Why an agent could not be used; the wording follows crm's.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// No script, unit or binary for the agent.
    #[error("{0}: got no meta-data, does this RA exist?")]
    NotFound(String),
    /// The agent ran but its meta-data was unusable.
    #[error("{agent}: bad meta-data: {message}")]
    BadMetadata { agent: String, message: String },
}

/// Locates `agent` and reads its meta-data where it has any.
pub fn describe(dirs: &AgentDirs, agent: &Agent) -> Result<AgentInfo, AgentError> {
    let name = agent.to_string();
    let not_found = || AgentError::NotFound(name.clone());
    match agent.class.as_str() {
        "ocf" => {
            let provider = agent.provider.as_deref().ok_or_else(not_found)?;
            let path = dirs
                .ocf_root
                .join("resource.d")
                .join(provider)
                .join(&agent.kind);
            let text = run_metadata(&path, &["meta-data"], &dirs.ocf_root).ok_or_else(not_found)?;
            parse(&name, &text)
        }
        "stonith" => {
            let path = dirs.stonith_dir.join(&agent.kind);
            let text =
                run_metadata(&path, &["-o", "metadata"], &dirs.ocf_root).ok_or_else(not_found)?;
            parse(&name, &text)
        }
        "lsb" => is_file(&dirs.lsb_dir.join(&agent.kind))
            .then_some(AgentInfo::Exists)
            .ok_or_else(not_found),
        "systemd" => systemd_unit_exists(dirs, &agent.kind)
            .then_some(AgentInfo::Exists)
            .ok_or_else(not_found),
        "service" => (is_file(&dirs.lsb_dir.join(&agent.kind))
            || systemd_unit_exists(dirs, &agent.kind))
        .then_some(AgentInfo::Exists)
        .ok_or_else(not_found),
        _ => Err(not_found()),
    }
}

fn parse(name: &str, text: &str) -> Result<AgentInfo, AgentError> {
    AgentMetadata::parse(text)
        .map(AgentInfo::Described)
        .map_err(|e| AgentError::BadMetadata {
            agent: name.to_string(),
            message: e.to_string(),
        })
}

fn is_file(path: &Path) -> bool {
    path.is_file()
}

fn systemd_unit_exists(dirs: &AgentDirs, unit: &str) -> bool {
    let file = if unit.contains('.') {
        unit.to_string()
    } else {
        format!("{unit}.service")
    };
    dirs.systemd_dirs.iter().any(|d| is_file(&d.join(&file)))
}

/// Runs `path args` and returns its stdout, or None if it cannot run, fails,
/// or overruns [`METADATA_TIMEOUT`] (then it is killed).
fn run_metadata(path: &Path, args: &[&str], ocf_root: &Path) -> Option<String> {
    if !is_file(path) {
        return None;
    }
    let mut child = Command::new(path)
        .args(args)
        .env("OCF_ROOT", ocf_root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdout = child.stdout.take()?;
    // Read on a helper thread so a hung agent cannot block us past the timeout.
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = (&mut stdout)
            .take(METADATA_MAX_BYTES)
            .read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + METADATA_TIMEOUT;
    let status = loop {
        match child.try_wait().ok()? {
            Some(status) => break status,
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let text = reader.join().ok()?;
    (status.success() && !text.trim().is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_root() -> (PathBuf, AgentDirs) {
        let root = std::env::temp_dir().join(format!(
            "cohort-agents-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let ocf = root.join("ocf");
        std::fs::create_dir_all(ocf.join("resource.d/test")).unwrap();
        std::fs::create_dir_all(root.join("init.d")).unwrap();
        let script = ocf.join("resource.d/test/Thing");
        std::fs::write(
            &script,
            "#!/bin/sh\n[ \"$1\" = meta-data ] || exit 3\ncat <<'X'\n<resource-agent name=\"Thing\"><parameters><parameter name=\"p\" required=\"1\"><content type=\"string\"/></parameter></parameters><actions><action name=\"start\" timeout=\"30s\"/></actions></resource-agent>\nX\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(root.join("init.d/svc"), "#!/bin/sh\n").unwrap();
        let dirs = AgentDirs {
            ocf_root: ocf,
            lsb_dir: root.join("init.d"),
            systemd_dirs: vec![root.join("systemd")],
            stonith_dir: root.join("sbin"),
        };
        (root, dirs)
    }

    fn agent(class: &str, provider: Option<&str>, kind: &str) -> Agent {
        Agent {
            class: class.into(),
            provider: provider.map(Into::into),
            kind: kind.into(),
        }
    }

    #[test]
    fn finds_ocf_and_lsb_agents_and_reports_missing_ones() {
        let (root, dirs) = fake_root();
        match describe(&dirs, &agent("ocf", Some("test"), "Thing")).unwrap() {
            AgentInfo::Described(m) => {
                assert_eq!(m.name, "Thing");
                assert!(m.parameter("p").unwrap().required);
            }
            other => panic!("expected meta-data, got {other:?}"),
        }
        assert_eq!(
            describe(&dirs, &agent("lsb", None, "svc")).unwrap(),
            AgentInfo::Exists
        );
        let e = describe(&dirs, &agent("ocf", Some("test"), "NoSuch")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "ocf:test:NoSuch: got no meta-data, does this RA exist?"
        );
        assert!(describe(&dirs, &agent("systemd", None, "nosuch")).is_err());
        std::fs::remove_dir_all(root).unwrap();
    }
}
