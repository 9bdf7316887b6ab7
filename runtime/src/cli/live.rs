//! Commands against a running cohortd, through its admin socket: the
//! daemon is found through `--run-dir DIR`, else `COHORT_RUN_DIR`, else
//! /run/cohort. One request frame out, one response frame back.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;

use cohort_core::cib::xml::parse_cib;
use cohort_core::cib::Cib;
use cohort_core::control::{Request, Response};
use cohort_core::controller::AdminCommand;
use cohort_core::wire::frame::{encode_frame, FrameReader};

use super::args::{NodeCommand, ResourceCommand};
use super::{exit, Io};
use crate::daemon::admin::SOCKET_NAME;

/// Why the daemon could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// No socket: the daemon is not running here.
    #[error("cohortd is not running (no socket at {0})")]
    NotRunning(PathBuf),
    /// The socket's mode keeps this user out.
    #[error("permission denied: {0}")]
    Permission(PathBuf),
    /// The conversation broke off.
    #[error("talking to cohortd at {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The daemon answered something that is not a response frame.
    #[error("cohortd at {0} answered a malformed frame")]
    Malformed(PathBuf),
}

/// Sends `req` to the daemon of `io.run_dir` and waits for its answer
/// (configuration changes answer once committed cluster-wide).
pub fn ask(io: &Io<'_>, req: &Request) -> Result<Response, LiveError> {
    let path = io.run_dir.join(SOCKET_NAME);
    let mut stream = UnixStream::connect(&path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => {
            LiveError::NotRunning(path.clone())
        }
        io::ErrorKind::PermissionDenied => LiveError::Permission(path.clone()),
        _ => LiveError::Io {
            path: path.clone(),
            source: e,
        },
    })?;
    let broken = |source| LiveError::Io {
        path: path.clone(),
        source,
    };
    stream.write_all(&encode_frame(req)).map_err(broken)?;
    let mut reader = FrameReader::default();
    let mut buf = [0u8; 64 * 1024];
    loop {
        match reader.next_frame::<Response>() {
            Ok(Some(r)) => return Ok(r),
            Ok(None) => {}
            Err(_) => return Err(LiveError::Malformed(path.clone())),
        }
        let n = stream.read(&mut buf).map_err(broken)?;
        if n == 0 {
            return Err(broken(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "cohortd closed the connection without an answer",
            )));
        }
        reader.push(&buf[..n]);
    }
}

/// Prints a response (text to stdout, a refusal to stderr); the exit code.
pub fn print(io: &mut Io<'_>, cmd: &str, answer: Result<Response, LiveError>) -> u8 {
    match answer {
        Ok(Response::Text(t)) => {
            let _ = io.out.write_all(t.as_bytes());
            exit::OK
        }
        Ok(Response::Refused(why)) => {
            let _ = writeln!(io.err, "ERROR: {cmd}: {why}");
            exit::ERROR
        }
        Err(e) => {
            let _ = writeln!(io.err, "ERROR: {e}");
            exit::ERROR
        }
    }
}

/// The daemon's replica of the CIB.
pub fn fetch_cib(io: &Io<'_>) -> Result<Cib, String> {
    match ask(io, &Request::CibXml) {
        Ok(Response::Text(xml)) => parse_cib(&xml).map_err(|e| format!("the live CIB: {e}")),
        Ok(Response::Refused(why)) => Err(why),
        Err(e) => Err(e.to_string()),
    }
}

fn admin(io: &mut Io<'_>, cmd: &str, command: AdminCommand) -> u8 {
    let answer = ask(io, &Request::Admin(command));
    // crm prints nothing when a change succeeds.
    match answer {
        Ok(Response::Text(_)) => exit::OK,
        other => print(io, cmd, other),
    }
}

/// `cohort node standby|online [NODE]` (default: this node).
pub fn node(command: NodeCommand, io: &mut Io<'_>) -> u8 {
    let (verb, given) = match command {
        NodeCommand::Standby { node } => ("standby", node),
        NodeCommand::Online { node } => ("online", node),
    };
    let name = match given {
        Some(n) => n,
        None => match local_name(io) {
            Ok(n) => n,
            Err(code) => return code,
        },
    };
    let command = match verb {
        "standby" => AdminCommand::Standby { node: name },
        _ => AdminCommand::Online { node: name },
    };
    admin(io, &format!("node {verb}"), command)
}

/// This node's name, as the daemon's status shows it.
fn local_name(io: &mut Io<'_>) -> Result<String, u8> {
    match ask(io, &Request::Quorum) {
        Ok(Response::Text(t)) => t
            .lines()
            .find_map(|l| l.strip_suffix(" (local)"))
            .and_then(|l| l.split_whitespace().last())
            .map(str::to_string)
            .ok_or_else(|| {
                let _ = writeln!(io.err, "ERROR: cohortd did not say this node's name");
                exit::ERROR
            }),
        other => Err(print(io, "node", other)),
    }
}

/// `cohort resource start|stop|move|unmove|cleanup|locate RSC [NODE]`.
pub fn resource(command: ResourceCommand, io: &mut Io<'_>) -> u8 {
    let (verb, command) = match command {
        ResourceCommand::Start { rsc } => ("start", AdminCommand::Start { rsc }),
        ResourceCommand::Stop { rsc } => ("stop", AdminCommand::Stop { rsc }),
        ResourceCommand::Move { rsc, node } => ("move", AdminCommand::Move { rsc, node }),
        ResourceCommand::Unmove { rsc } => ("unmove", AdminCommand::Unmove { rsc }),
        ResourceCommand::Cleanup { rsc, node } => ("cleanup", AdminCommand::Cleanup { rsc, node }),
        ResourceCommand::Locate { rsc } => {
            let answer = ask(io, &Request::Locate { rsc });
            return print(io, "resource locate", answer);
        }
    };
    admin(io, &format!("resource {verb}"), command)
}

/// `cohort quorum`, `cohort ring`, `cohort cluster stop`.
pub fn simple(io: &mut Io<'_>, cmd: &str, req: Request) -> u8 {
    let answer = ask(io, &req);
    print(io, cmd, answer)
}
