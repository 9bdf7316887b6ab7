//! The `totem` section: protocol version, transport, crypto and timers.
//!
//! Defaults and derivations follow corosync 3.1.7's `exec/totemconfig.c`
//! (`totem_volatile_config_read` and `_validate`), with HZ = 100.

use super::error::ConfigError;
use super::parse::{KeyValue, Section};
use super::value::{int, IntType};

/// How totem packets travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Knet,
    Udpu,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Knet => "knet",
            Transport::Udpu => "udpu",
            Transport::Udp => "udp",
        }
    }
}

const CIPHERS: [&str; 4] = ["none", "aes256", "aes192", "aes128"];
const HASHES: [&str; 6] = ["none", "md5", "sha1", "sha256", "sha384", "sha512"];
const IP_VERSIONS: [&str; 4] = ["ipv4", "ipv6", "ipv6-4", "ipv4-6"];

/// One clock tick of the 100 Hz kernel corosync assumes, in ms.
const TICK_MS: u32 = 1000 / 100;
/// corosync's MINIMUM_TIMEOUT: three ticks.
pub const MINIMUM_TIMEOUT_MS: u32 = 3 * TICK_MS;
/// corosync's MINIMUM_TIMEOUT_HOLD: `(int)(MINIMUM_TIMEOUT * 0.8 - 1000/HZ)`.
pub const MINIMUM_HOLD_MS: u32 = 14;

/// Timer settings as written, with corosync's defaults filled in. The three
/// that corosync derives from the token (retransmit, hold, consensus) stay
/// `None` unless set, because they follow the *effective* token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timers {
    pub token_ms: u32,
    pub token_coefficient_ms: u32,
    pub token_retransmits_before_loss_const: u32,
    pub token_retransmit_ms: Option<u32>,
    pub hold_ms: Option<u32>,
    pub join_ms: u32,
    pub consensus_ms: Option<u32>,
    pub merge_ms: u32,
    pub downcheck_ms: u32,
    pub fail_recv_const: u32,
    pub seqno_unchanged_const: u32,
    pub max_messages: u32,
    pub window_size: u32,
    pub send_join_ms: u32,
    pub miss_count_const: u32,
    pub max_network_delay_ms: u32,
}

/// The timers totem runs with, after the node count and derivations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveTimers {
    /// `token + (N-2)·token_coefficient` with N ≥ 3 nodelist nodes.
    pub token_ms: u32,
    pub token_retransmit_ms: u32,
    pub hold_ms: u32,
    pub join_ms: u32,
    pub consensus_ms: u32,
}

impl Timers {
    /// The effective timers for a nodelist of `node_count` nodes (0 when
    /// members are discovered by multicast: no coefficient then, as in 1.x).
    pub fn effective(&self, node_count: usize) -> EffectiveTimers {
        let mut token_ms = self.token_ms;
        if node_count > 2 {
            let extra = u32::try_from(node_count - 2).unwrap_or(u32::MAX);
            token_ms = token_ms.saturating_add(extra.saturating_mul(self.token_coefficient_ms));
        }
        // C casts truncate toward zero; `as` on positive floats does too.
        let retransmit_default = (f64::from(token_ms)
            / (f64::from(self.token_retransmits_before_loss_const) + 0.2))
            as u32;
        let token_retransmit_ms = self.token_retransmit_ms.unwrap_or(retransmit_default);
        let hold_default =
            (f64::from(token_retransmit_ms) * 0.8 - f64::from(TICK_MS)).max(0.0) as u32;
        let hold_ms = self.hold_ms.unwrap_or(hold_default);
        // `(int)(float)(1.2 * token)`: the float cast rounds 4379.999… to 4380.
        let consensus_default = (1.2 * f64::from(token_ms)) as f32 as u32;
        EffectiveTimers {
            token_ms,
            token_retransmit_ms,
            hold_ms,
            join_ms: self.join_ms,
            consensus_ms: self.consensus_ms.unwrap_or(consensus_default),
        }
    }
}

/// The `totem` section, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totem {
    pub version: u32,
    pub cluster_name: Option<String>,
    /// Explicit `transport`, if any; the effective one depends on the
    /// nodelist (see [`super::Config::transport`]).
    pub transport: Option<Transport>,
    pub transport_line: u32,
    /// Only the literal `on` turns it on.
    pub secauth: bool,
    pub crypto_cipher: &'static str,
    pub crypto_hash: &'static str,
    /// Whether cipher or hash were named explicitly (not only by secauth).
    pub crypto_explicit: bool,
    pub crypto_model: String,
    pub keyfile: String,
    pub ip_version: Option<&'static str>,
    pub netmtu: Option<u32>,
    pub timers: Timers,
    /// Line of the `totem {`, for errors about the section as a whole.
    pub line: u32,
}

fn timer(section: &Section, key: &str, default: u32) -> Result<u32, ConfigError> {
    // corosync treats 0 as "not set" for every timer but send_join.
    Ok(match optional(section, key)? {
        Some(0) | None => default,
        Some(v) => v,
    })
}

fn optional(section: &Section, key: &str) -> Result<Option<u32>, ConfigError> {
    section
        .get(key)
        .map(|kv| int(kv, &format!("totem.{key}"), IntType::U32))
        .transpose()
}

/// Keeps a good value, or records the error and goes on with `default`, so
/// one run reports every bad key.
fn take<T>(errors: &mut Vec<ConfigError>, r: Result<T, ConfigError>, default: T) -> T {
    r.unwrap_or_else(|err| {
        errors.push(err);
        default
    })
}

fn one_of(kv: &KeyValue, allowed: &[&'static str]) -> Option<&'static str> {
    allowed.iter().copied().find(|a| *a == kv.value)
}

impl Totem {
    /// Reads the `totem` section (an empty one when the file has none),
    /// with the errors found; a bad key leaves its default in place so the
    /// later checks still run and every problem is reported at once.
    pub fn read(section: &Section) -> (Totem, Vec<ConfigError>) {
        let mut errors = Vec::new();
        let e = &mut errors;
        let version = take(e, optional(section, "version"), None).unwrap_or(0);
        let timers = Timers {
            token_ms: take(e, timer(section, "token", 3000), 3000),
            token_coefficient_ms: take(e, optional(section, "token_coefficient"), None)
                .unwrap_or(650),
            token_retransmits_before_loss_const: take(
                e,
                timer(section, "token_retransmits_before_loss_const", 4),
                4,
            ),
            token_retransmit_ms: take(e, optional(section, "token_retransmit"), None)
                .filter(|v| *v != 0),
            hold_ms: take(e, optional(section, "hold"), None).filter(|v| *v != 0),
            join_ms: take(e, timer(section, "join", 50), 50),
            consensus_ms: take(e, optional(section, "consensus"), None).filter(|v| *v != 0),
            merge_ms: take(e, timer(section, "merge", 200), 200),
            downcheck_ms: take(e, timer(section, "downcheck", 1000), 1000),
            fail_recv_const: take(e, timer(section, "fail_recv_const", 2500), 2500),
            seqno_unchanged_const: take(e, timer(section, "seqno_unchanged_const", 30), 30),
            max_messages: take(e, timer(section, "max_messages", 17), 17),
            window_size: take(e, timer(section, "window_size", 50), 50),
            // send_join is the one timer where 0 is a value (no delay).
            send_join_ms: take(e, optional(section, "send_join"), None).unwrap_or(0),
            miss_count_const: take(e, timer(section, "miss_count_const", 5), 5),
            max_network_delay_ms: take(e, timer(section, "max_network_delay", 50), 50),
        };
        let netmtu = take(e, optional(section, "netmtu"), None);

        let transport = section.get("transport").and_then(|kv| {
            let t = match kv.value.as_str() {
                "knet" => Some(Transport::Knet),
                "udpu" => Some(Transport::Udpu),
                "udp" => Some(Transport::Udp),
                _ => None,
            };
            if t.is_none() {
                errors.push(ConfigError::Transport { line: kv.line });
            }
            t
        });
        let secauth = section.get("secauth").is_some_and(|kv| kv.value == "on");
        let (mut cipher, mut hash) = if secauth {
            ("aes256", "sha256")
        } else {
            ("none", "none")
        };
        let mut crypto_explicit = false;
        if let Some(kv) = section.get("crypto_cipher") {
            crypto_explicit = true;
            match one_of(kv, &CIPHERS) {
                Some(c) => cipher = c,
                None => errors.push(ConfigError::Cipher { line: kv.line }),
            }
        }
        if let Some(kv) = section.get("crypto_hash") {
            crypto_explicit = true;
            match one_of(kv, &HASHES) {
                Some(h) => hash = h,
                None => errors.push(ConfigError::Hash { line: kv.line }),
            }
        }
        let ip_version = section.get("ip_version").and_then(|kv| {
            let v = one_of(kv, &IP_VERSIONS);
            if v.is_none() {
                errors.push(ConfigError::IpVersion { line: kv.line });
            }
            v
        });
        let totem = Totem {
            version,
            cluster_name: section.get("cluster_name").map(|kv| kv.value.clone()),
            transport,
            transport_line: section.get("transport").map_or(section.line, |kv| kv.line),
            secauth,
            crypto_cipher: cipher,
            crypto_hash: hash,
            crypto_explicit,
            crypto_model: section
                .get("crypto_model")
                .map_or_else(|| "nss".to_string(), |kv| kv.value.clone()),
            keyfile: section.get("keyfile").map_or_else(
                || "/etc/corosync/authkey".to_string(),
                |kv| kv.value.clone(),
            ),
            ip_version,
            netmtu,
            timers,
            line: section.line,
        };
        (totem, errors)
    }

    /// Whether packets are authenticated/encrypted.
    pub fn crypto_enabled(&self) -> bool {
        self.crypto_cipher != "none" || self.crypto_hash != "none"
    }

    /// The line of `key` if set, else the section's line.
    pub fn line_of(section: &Section, key: &str) -> u32 {
        section.get(key).map_or(section.line, |kv| kv.line)
    }

    /// corosync's timer checks, on the effective values, in its order.
    pub fn check_timers(section: &Section, t: &EffectiveTimers, raw: &Timers) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let mut floor = |key: &str, what: &'static str, value: u32, min: u32| {
            if value < min {
                errors.push(ConfigError::TimeoutTooSmall {
                    line: Totem::line_of(section, key),
                    what,
                    value_ms: value.into(),
                    min_ms: min.into(),
                });
            }
        };
        floor(
            "max_network_delay",
            "max_network_delay",
            raw.max_network_delay_ms,
            MINIMUM_TIMEOUT_MS,
        );
        floor("token", "token timeout", t.token_ms, MINIMUM_TIMEOUT_MS);
        floor(
            "token_retransmit",
            "token retransmit timeout",
            t.token_retransmit_ms,
            MINIMUM_TIMEOUT_MS,
        );
        floor("hold", "token hold timeout", t.hold_ms, MINIMUM_HOLD_MS);
        floor("join", "join timeout", t.join_ms, MINIMUM_TIMEOUT_MS);
        floor(
            "consensus",
            "consensus timeout",
            t.consensus_ms,
            MINIMUM_TIMEOUT_MS,
        );
        floor("merge", "merge timeout", raw.merge_ms, MINIMUM_TIMEOUT_MS);
        floor(
            "downcheck",
            "downcheck timeout",
            raw.downcheck_ms,
            MINIMUM_TIMEOUT_MS,
        );
        if t.consensus_ms < t.join_ms {
            errors.push(ConfigError::ConsensusBelowJoin {
                line: Totem::line_of(
                    section,
                    if raw.consensus_ms.is_some() {
                        "consensus"
                    } else {
                        "join"
                    },
                ),
                consensus_ms: t.consensus_ms.into(),
                join_ms: t.join_ms.into(),
            });
        }
        errors
    }
}

/// The multicast address corosync derives from the cluster name for udp
/// without `mcastaddr` (`totemconfig.c`, `get_cluster_mcast_addr`): a
/// shift-and-add hash over the name's (signed) chars, plus the link number.
pub fn derived_mcastaddr(cluster_name: &str, linknumber: u8, ipv6: bool) -> String {
    let mut value: i32 = 0;
    for byte in cluster_name.bytes() {
        // `char` is signed on the platforms corosync ships for.
        value = value.wrapping_shl(1).wrapping_add(i32::from(byte as i8));
    }
    let id = ((value & 0xFFFF) as u16).wrapping_add(u16::from(linknumber));
    if ipv6 {
        format!("ff15::{id:x}")
    } else {
        // The modulus really is 255 (0xFF), as in corosync.
        format!("239.192.{}.{}", id >> 8, id % 0xFF)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers(token_ms: u32) -> Timers {
        let root =
            super::super::parse::parse(&format!("totem {{\n version: 2\n token: {token_ms}\n}}\n"))
                .unwrap();
        let (totem, errors) = Totem::read(root.sections("totem").next().unwrap());
        assert!(errors.is_empty());
        totem.timers
    }

    #[test]
    fn derived_timers_follow_the_effective_token() {
        // SPEC §3: 3000 ms → retransmit 714; hold = 714·0.8 − 10 = 561;
        // consensus 1.2·3000 = 3600.
        let t = timers(3000).effective(2);
        assert_eq!(
            (t.token_ms, t.token_retransmit_ms, t.hold_ms, t.consensus_ms),
            (3000, 714, 561, 3600)
        );
        // Three nodes: 3000 + 650 = 3650 (SPEC's example), consensus 4380.
        let t = timers(3000).effective(3);
        assert_eq!(
            (t.token_ms, t.token_retransmit_ms, t.consensus_ms),
            (3650, 869, 4380)
        );
        // The man page's 238 ms retransmit is for a 1000 ms token.
        assert_eq!(timers(1000).effective(0).token_retransmit_ms, 238);
    }

    #[test]
    fn mcastaddr_from_cluster_name() {
        // "debian": v = ((((d·2+e)·2+b)·2+i)·2+a)·2+n with d=100 e=101 b=98
        // i=105 a=97 n=110: 100, 301, 700, 1505, 3107, 6324 = 0x18b4;
        // 0x18 = 24, 6324 % 255 = 204.
        assert_eq!(derived_mcastaddr("debian", 0, false), "239.192.24.204");
        assert_eq!(derived_mcastaddr("debian", 1, false), "239.192.24.205");
        assert_eq!(derived_mcastaddr("debian", 0, true), "ff15::18b4");
    }
}
