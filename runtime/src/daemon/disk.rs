//! The node's files: written atomically and durably (temp file, fsync,
//! rename, fsync of the directory) before the node hears they are done,
//! and read back at start with a digest check. A torn or unreadable CIB
//! is set aside under another name, never deleted, and the node takes
//! the cluster's copy.

use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use cohort_core::cib::xml::parse_cib;
use cohort_core::cib::Cib;
use cohort_core::wire::sha256_hex;

/// The file that keeps the highest ring seq this node saw.
pub const RING_SEQ_FILE: &str = "ringid";

/// The state directory.
#[derive(Debug, Clone)]
pub struct StateDir {
    pub dir: PathBuf,
}

/// What start-up found of the CIB on disk.
#[derive(Debug)]
pub enum Loaded {
    /// No CIB yet: a fresh node.
    Fresh,
    Cib(Box<Cib>),
    /// The file was torn or unreadable: moved to `set_aside`.
    SetAside {
        set_aside: PathBuf,
        why: String,
    },
}

impl StateDir {
    fn path(&self, key: &str) -> PathBuf {
        // Keys are core's own names; keep them inside the directory.
        let name: String = key
            .chars()
            .map(|c| if c == '/' || c == '\0' { '_' } else { c })
            .collect();
        self.dir.join(name)
    }

    fn sig_path(&self, key: &str) -> PathBuf {
        let mut p = self.path(key).into_os_string();
        p.push(".sig");
        PathBuf::from(p)
    }

    /// Writes `bytes` under `key` and its digest beside it, durably.
    pub fn write(&self, key: &str, bytes: &[u8]) -> io::Result<()> {
        write_durably(&self.path(key), bytes)?;
        write_durably(&self.sig_path(key), sha256_hex(bytes).as_bytes())
    }

    /// The CIB kept under `key`, checked against its digest.
    pub fn load_cib(&self, key: &str, epoch_s: i64) -> Loaded {
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Loaded::Fresh,
            Err(e) => return self.set_aside(key, epoch_s, format!("unreadable: {e}")),
        };
        // The file and its digest are two renames: a crash between them
        // leaves a whole file beside the other one's digest. A mismatch
        // with a file that parses whole is that, not a torn write.
        let sig = fs::read_to_string(self.sig_path(key)).unwrap_or_default();
        let digest_ok = sig.trim() == sha256_hex(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        match parse_cib(&text) {
            Ok(cib) => Loaded::Cib(Box::new(cib)),
            Err(e) if digest_ok => self.set_aside(key, epoch_s, format!("does not parse: {e}")),
            Err(e) => self.set_aside(
                key,
                epoch_s,
                format!("does not match its digest and does not parse (torn write?): {e}"),
            ),
        }
    }

    fn set_aside(&self, key: &str, epoch_s: i64, why: String) -> Loaded {
        let from = self.path(key);
        let mut to = from.clone().into_os_string();
        to.push(format!(".bad-{epoch_s}"));
        let to = PathBuf::from(to);
        let _ = fs::rename(&from, &to);
        let _ = fs::remove_file(self.sig_path(key));
        Loaded::SetAside { set_aside: to, why }
    }

    /// The ring seq floor kept by an earlier life (0 if none).
    pub fn ring_seq(&self) -> u64 {
        fs::read_to_string(self.path(RING_SEQ_FILE))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn write_ring_seq(&self, seq: u64) -> io::Result<()> {
        write_durably(&self.path(RING_SEQ_FILE), format!("{seq}\n").as_bytes())
    }
}

/// Temp file, fsync, rename over the target, fsync of the directory.
pub fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = path.to_path_buf().into_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        // The CIB holds fence devices' passwords: owner only.
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::cib::xml::write_cib;

    fn temp_dir(name: &str) -> StateDir {
        let dir = std::env::temp_dir().join(format!("cohortd-disk-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        StateDir { dir }
    }

    #[test]
    fn a_cib_written_is_read_back() {
        let s = temp_dir("roundtrip");
        assert!(matches!(s.load_cib("cib.xml", 1), Loaded::Fresh));
        let mut cib = Cib::empty();
        cohort_core::cib::crm::run(&mut cib, "primitive a ocf:heartbeat:Dummy\ncommit").unwrap();
        s.write("cib.xml", write_cib(&cib).as_bytes()).unwrap();
        match s.load_cib("cib.xml", 1) {
            Loaded::Cib(back) => assert_eq!(back.configuration, cib.configuration),
            other => panic!("{other:?}"),
        }
        s.write_ring_seq(42).unwrap();
        assert_eq!(s.ring_seq(), 42);
    }

    #[test]
    fn a_torn_cib_is_set_aside_not_deleted() {
        let s = temp_dir("torn");
        let text = write_cib(&Cib::empty());
        s.write("cib.xml", text.as_bytes()).unwrap();
        fs::write(s.dir.join("cib.xml"), &text.as_bytes()[..text.len() / 2]).unwrap();
        match s.load_cib("cib.xml", 77) {
            Loaded::SetAside { set_aside, why } => {
                assert!(why.contains("torn"), "{why}");
                assert_eq!(
                    fs::read(&set_aside).unwrap(),
                    &text.as_bytes()[..text.len() / 2]
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(s.load_cib("cib.xml", 78), Loaded::Fresh));
    }

    #[test]
    fn a_whole_file_beside_an_older_digest_is_kept() {
        let s = temp_dir("sig-behind");
        s.write("cib.xml", write_cib(&Cib::empty()).as_bytes())
            .unwrap();
        let mut newer = Cib::empty();
        cohort_core::cib::crm::run(&mut newer, "primitive a ocf:heartbeat:Dummy\ncommit").unwrap();
        // Crash after the file's rename, before the digest's.
        write_durably(&s.dir.join("cib.xml"), write_cib(&newer).as_bytes()).unwrap();
        match s.load_cib("cib.xml", 1) {
            Loaded::Cib(back) => assert_eq!(back.configuration, newer.configuration),
            other => panic!("{other:?}"),
        }
    }
}
