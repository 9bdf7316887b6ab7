//! `cohort keygen`: corosync-keygen's job. Writes the cluster's
//! authentication key: random bytes from /dev/urandom (or `-r SOURCE`),
//! 256 by default, 128 to 4096, mode 0400, replacing an existing file as
//! corosync-keygen does. Every node needs the same file.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::{exit, Io};
use crate::cib_file::write_atomic_bytes;

const DEFAULT_KEYFILE: &str = "/etc/corosync/authkey";
const DEFAULT_SOURCE: &str = "/dev/urandom";
const DEFAULT_BYTES: usize = 256;
const MIN_BYTES: usize = 128;
const MAX_BYTES: usize = 4096;

pub fn run(words: &[&str], io: &mut Io<'_>) -> u8 {
    let mut keyfile = PathBuf::from(DEFAULT_KEYFILE);
    let mut source = PathBuf::from(DEFAULT_SOURCE);
    let mut size_bytes = DEFAULT_BYTES;
    let mut words = words.iter();
    while let Some(w) = words.next() {
        let value = match *w {
            "-k" | "-r" | "-s" => match words.next() {
                Some(v) => *v,
                None => return usage(io, &format!("{w} needs a value")),
            },
            other => return usage(io, &format!("unexpected argument '{other}'")),
        };
        match *w {
            "-k" => keyfile = PathBuf::from(value),
            "-r" => source = PathBuf::from(value),
            _ => match value.parse::<usize>() {
                Ok(n) => size_bytes = n,
                Err(_) => return usage(io, &format!("-s: '{value}' is not a number of bytes")),
            },
        }
    }
    if !(MIN_BYTES..=MAX_BYTES).contains(&size_bytes) {
        let _ = writeln!(
            io.err,
            "Unsupported key size (supported <{MIN_BYTES},{MAX_BYTES}>)"
        );
        return exit::ERROR;
    }
    let _ = writeln!(io.out, "cohort authentication key generator.");
    let _ = writeln!(
        io.out,
        "Gathering {} bits for key from {}.",
        size_bytes * 8,
        source.display()
    );
    let mut key = vec![0u8; size_bytes];
    let read = fs::File::open(&source).and_then(|mut f| f.read_exact(&mut key));
    if let Err(e) = read {
        let _ = writeln!(
            io.err,
            "Could not read {} bytes from {}: {e}",
            size_bytes,
            source.display()
        );
        return exit::ERROR;
    }
    let _ = writeln!(io.out, "Writing corosync key to {}.", keyfile.display());
    let written = write_atomic_bytes(&keyfile, &key, fs::Permissions::from_mode(0o400));
    if let Err(e) = written {
        let _ = writeln!(io.err, "{e}");
        return exit::ERROR;
    }
    exit::OK
}

fn usage(io: &mut Io<'_>, message: &str) -> u8 {
    let _ = writeln!(
        io.err,
        "cohort keygen: {message}\nusage: cohort keygen [-k KEYFILE] [-r SOURCE] [-s BYTES]"
    );
    exit::USAGE
}
