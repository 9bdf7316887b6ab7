//! `cohort`: the command line. See `cohort --help`.

use std::io::Read;
use std::process::ExitCode;

use cohort_runtime::agents::AgentDirs;
use cohort_runtime::cli::{run, Io};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdin = || {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    };
    let mut out = std::io::stdout().lock();
    let mut err = std::io::stderr().lock();
    let mut io = Io {
        stdin: &mut stdin,
        out: &mut out,
        err: &mut err,
        cib_file: std::env::var_os("CIB_file").map(Into::into),
        agent_dirs: AgentDirs::from_env(),
        run_dir: cohort_runtime::cli::run_dir_from_env(),
    };
    ExitCode::from(run(&args, &mut io))
}
