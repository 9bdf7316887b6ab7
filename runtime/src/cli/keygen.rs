//! `cohort keygen`: corosync-keygen's job. Writes the cluster's
//! authentication key: random bytes from /dev/urandom (or `-r SOURCE`),
//! 256 by default, 128 to 4096, mode 0400, replacing an existing file as
//! corosync-keygen does. Every node needs the same file.

use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;

use super::args::KeygenArgs;
use super::{exit, Io};
use crate::cib_file::write_atomic_bytes;

const MIN_BYTES: usize = 128;
const MAX_BYTES: usize = 4096;

pub fn run(args: KeygenArgs, io: &mut Io<'_>) -> u8 {
    let (keyfile, source, size_bytes) = (args.keyfile, args.source, args.size_bytes);
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
