//! What can be wrong with a corosync.conf, with corosync's wording where
//! corosync has one. Every error carries the 1-based line it belongs to (the
//! offending key's line, or the line of the section that lacks something);
//! the caller prints `FILE:LINE: message`.

use super::parse::ParseError;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not corosync.conf syntax.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// A number key holds something else or is out of its type's range
    /// (`coroparse.c`, `safe_atoq_error`).
    #[error("Value of key \"{key}\" is expected to be integer in range ({min}..{max}), but \"{value}\" was given")]
    NotInteger {
        line: u32,
        key: String,
        min: i64,
        max: i64,
        value: String,
    },
    /// `totem.version` is missing or not 2 (`totemconfig.c`).
    #[error("This totem parser can only parse version 2 configurations.")]
    Version { line: u32 },
    /// `totem.transport` is not knet, udpu or udp.
    #[error("Invalid transport type. Should be udpu, udp or knet")]
    Transport { line: u32 },
    /// `totem.crypto_cipher` names no known cipher.
    #[error("Invalid cipher type. Should be none, aes256, aes192 or aes128")]
    Cipher { line: u32 },
    /// `totem.crypto_hash` names no known hash.
    #[error("Invalid hash type. Should be none, md5, sha1, sha256, sha384 or sha512")]
    Hash { line: u32 },
    /// `totem.ip_version` is not ipv4, ipv6, ipv6-4 or ipv4-6.
    #[error("Invalid ip_version type")]
    IpVersion { line: u32 },
    /// Encryption without authentication.
    #[error("crypto_cipher requires crypto_hash with value other than none")]
    CipherWithoutHash { line: u32 },
    /// Crypto asked for with a transport other than knet (corosync 3).
    #[error("crypto_cipher & crypto_hash are only valid for the Knet transport.")]
    CryptoNeedsKnet { line: u32 },
    /// A timer below its floor (3 ticks of a 100 Hz clock, 14 ms for hold).
    #[error("The {what} parameter ({value_ms} ms) may not be less than ({min_ms} ms).")]
    TimeoutTooSmall {
        line: u32,
        what: &'static str,
        value_ms: u64,
        min_ms: u64,
    },
    /// `consensus` shorter than `join`.
    #[error("The consensus timeout parameter ({consensus_ms} ms) may not be less than join timeout ({join_ms} ms).")]
    ConsensusBelowJoin {
        line: u32,
        consensus_ms: u64,
        join_ms: u64,
    },
    /// Neither a nodelist nor an interface section: nothing to bind to.
    #[error("No interfaces defined")]
    NoInterfaces { line: u32 },
    /// knet and udpu name their members; only udp can discover them.
    #[error("transport {transport} needs a nodelist (only udp discovers members by multicast)")]
    NodelistRequired { line: u32, transport: &'static str },
    /// udp without a nodelist needs an address to bind to.
    #[error("udp without a nodelist needs totem.interface.bindnetaddr")]
    NoBindnetaddr { line: u32 },
    /// udp without mcastaddr and without cluster_name to derive one from.
    #[error("No multicast address specified: set totem.interface.mcastaddr or totem.cluster_name")]
    NoMcastaddr { line: u32 },
    /// A nodelist node without `ring0_addr`.
    #[error("nodelist node has no ring0_addr")]
    NoRing0Addr { line: u32 },
    /// A nodelist node without `nodeid` where none can be derived.
    #[error("Knet requires an explicit nodeid for the local node")]
    NodeidRequired { line: u32 },
    /// Node id 0 is reserved.
    #[error("nodeid 0 is reserved")]
    NodeidZero { line: u32 },
    /// Two nodes with one id (`totemconfig.c`, `check_for_duplicate_nodeids`).
    #[error("Nodeid {nodeid} appears twice in corosync.conf")]
    DuplicateNodeid { line: u32, nodeid: u32 },
    /// A quorum provider cohort does not have.
    #[error("quorum provider {provider} is not supported: cohort has corosync_votequorum only")]
    Provider { line: u32, provider: String },
    /// votequorum's startup check (`votequorum_readconfig`).
    #[error("configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster")]
    AtbLmsOdd { line: u32 },
}

impl ConfigError {
    /// The 1-based line the error belongs to.
    pub fn line(&self) -> u32 {
        use ConfigError::*;
        match self {
            Parse(e) => e.line(),
            NotInteger { line, .. }
            | Version { line }
            | Transport { line }
            | Cipher { line }
            | Hash { line }
            | IpVersion { line }
            | CipherWithoutHash { line }
            | CryptoNeedsKnet { line }
            | TimeoutTooSmall { line, .. }
            | ConsensusBelowJoin { line, .. }
            | NoInterfaces { line }
            | NodelistRequired { line, .. }
            | NoBindnetaddr { line }
            | NoMcastaddr { line }
            | NoRing0Addr { line }
            | NodeidRequired { line }
            | NodeidZero { line }
            | DuplicateNodeid { line, .. }
            | Provider { line, .. }
            | AtbLmsOdd { line } => *line,
        }
    }
}
