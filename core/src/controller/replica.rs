//! This node's copy of the CIB and its durability: a configuration change
//! counts as durable only once the disk acknowledged a write holding it.
//! At most one write is in flight; changes made meanwhile are coalesced
//! into the next one, so the queue of writes is bounded by one.

use crate::cib::xml::write_cib;
use crate::cib::{Cib, Status, Version};

/// The file key of the persisted CIB (the runtime maps it to `cib.xml`).
pub const CIB_KEY: &str = "cib.xml";

/// Names one write, echoed back by `Input::DiskDone`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct WriteToken(pub u64);

/// A write to hand to the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub key: String,
    pub bytes: Vec<u8>,
    pub token: WriteToken,
}

/// The configuration part of a version: what a write makes durable
/// (status changes are never written).
fn config_part(v: Version) -> (u64, u64) {
    (v.admin_epoch, v.epoch)
}

#[derive(Debug, Clone)]
pub struct Replica {
    cib: Cib,
    next_token: u64,
    in_flight: Option<(WriteToken, Version)>,
    /// A configuration newer than the write in flight waits for it.
    dirty: bool,
    durable: Version,
}

impl Replica {
    /// `persisted`: the copy the runtime read from disk at start, if any.
    pub fn new(persisted: Option<Cib>) -> Replica {
        let (cib, durable) = match persisted {
            Some(mut c) => {
                c.status = Status::default();
                let v = c.version;
                (c, v)
            }
            None => (Cib::empty(), Version::default()),
        };
        Replica {
            cib,
            next_token: 1,
            in_flight: None,
            dirty: false,
            durable,
        }
    }

    pub fn cib(&self) -> &Cib {
        &self.cib
    }

    pub fn cib_mut(&mut self) -> &mut Cib {
        &mut self.cib
    }

    /// The configuration as persisted and synced: the CIB without status.
    pub fn config_xml(&self) -> String {
        let mut copy = self.cib.clone();
        copy.status = Status::default();
        write_cib(&copy)
    }

    /// The configuration changed: the write to issue now, or None when one
    /// is in flight (the change rides on the next).
    pub fn persist(&mut self) -> Option<Write> {
        if self.in_flight.is_some() {
            self.dirty = true;
            return None;
        }
        Some(self.start_write())
    }

    fn start_write(&mut self) -> Write {
        let token = WriteToken(self.next_token);
        self.next_token += 1;
        self.in_flight = Some((token, self.cib.version));
        self.dirty = false;
        Write {
            key: CIB_KEY.to_string(),
            bytes: self.config_xml().into_bytes(),
            token,
        }
    }

    /// The disk acknowledged `token`: the next write if changes waited.
    /// An unknown token (from before a restart) is ignored.
    pub fn disk_done(&mut self, token: WriteToken) -> Option<Write> {
        match self.in_flight {
            Some((t, v)) if t == token => {
                self.durable = self.durable.max(v);
                self.in_flight = None;
            }
            _ => return None,
        }
        self.dirty.then(|| self.start_write())
    }

    /// The configuration of `v` is on disk.
    pub fn is_durable(&self, v: Version) -> bool {
        config_part(self.durable) >= config_part(v)
    }

    pub fn durable(&self) -> Version {
        self.durable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durable_only_after_the_ack_and_writes_coalesce() {
        let mut r = Replica::new(None);
        r.cib_mut().bump_epoch();
        let v2 = r.cib().version;
        let w1 = r.persist().expect("nothing in flight");
        assert!(!r.is_durable(v2));
        r.cib_mut().bump_epoch();
        let v3 = r.cib().version;
        assert!(r.persist().is_none(), "one write in flight at most");
        let w2 = r
            .disk_done(w1.token)
            .expect("the waiting change is written");
        assert!(r.is_durable(v2) && !r.is_durable(v3));
        assert!(String::from_utf8(w2.bytes).unwrap().contains("epoch=\"3\""));
        assert!(
            r.disk_done(w1.token).is_none(),
            "a stale ack changes nothing"
        );
        assert!(r.disk_done(w2.token).is_none());
        assert!(r.is_durable(v3));
    }
}
