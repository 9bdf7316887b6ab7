//! A CIB kept in a file, as `CIB_file=PATH crm ...` and `crm_verify -x` use it.
//!
//! Writes are atomic: the new text goes to a temporary file in the same
//! directory, is synced, then renamed over the old one, and the directory is
//! synced, so a crash leaves either the old file or the new one, never half
//! of each.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use cohort_core::cib::{xml, Cib};

/// Why a CIB file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CibFileError {
    /// The file could not be read (missing, unreadable).
    #[error("{path}: cannot read CIB: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The file was read but is not a CIB we can import (the message starts
    /// with the line, so this reads `FILE:LINE: ...`).
    #[error("{path}:{message}")]
    Parse { path: PathBuf, message: String },
    /// The new file could not be written; the old one is unchanged.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Reads and imports a CIB file.
pub fn load(path: &Path) -> Result<Cib, CibFileError> {
    let text = read_text(path)?;
    xml::parse_cib(&text).map_err(|e| CibFileError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Reads the whole file as text.
pub fn read_text(path: &Path) -> Result<String, CibFileError> {
    fs::read_to_string(path).map_err(|source| CibFileError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// Replaces `path` with `text` atomically (temp file, fsync, rename, fsync
/// dir), keeping the old file's permissions.
pub fn write_atomic(path: &Path, text: &str) -> Result<(), CibFileError> {
    let keep = fs::metadata(path).ok().map(|m| m.permissions());
    write_atomic_inner(path, text.as_bytes(), keep)
}

/// Replaces `path` with `bytes` atomically, with the given permissions set
/// before the new file becomes visible (a key must never be readable by others).
pub fn write_atomic_bytes(
    path: &Path,
    bytes: &[u8],
    permissions: fs::Permissions,
) -> Result<(), CibFileError> {
    write_atomic_inner(path, bytes, Some(permissions))
}

fn write_atomic_inner(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> Result<(), CibFileError> {
    let err = |source| CibFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.cohort-{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        if let Some(p) = permissions {
            fs::set_permissions(&tmp, p)?;
        }
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        fs::File::open(dir)?.sync_all()
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = std::env::temp_dir().join(format!("cohort-cibfile-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("cib.xml");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, "new").unwrap();
        assert_eq!(read_text(&path).unwrap(), "new");
        let leftovers: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers, vec![std::ffi::OsString::from("cib.xml")]);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn write_into_missing_directory_fails_cleanly() {
        let path = Path::new("/nonexistent-cohort-dir/cib.xml");
        let e = write_atomic(path, "x").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("/nonexistent-cohort-dir/cib.xml: cannot write"),
            "{e}"
        );
    }
}
