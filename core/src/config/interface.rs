//! `totem.interface` sections: one per link, keyed by `linknumber`.

use super::error::ConfigError;
use super::notice::Notice;
use super::parse::Section;
use super::value::{int, IntType};

/// udp's default port; packets are sent from port − 1.
pub const DEFAULT_MCASTPORT: u16 = 5405;

/// One `interface { }` block, typed. Addresses stay text: core does not
/// resolve names or look at local interfaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    pub linknumber: u8,
    pub bindnetaddr: Option<String>,
    pub mcastaddr: Option<String>,
    pub mcastport: u16,
    pub ttl: u8,
    pub broadcast: bool,
    pub line: u32,
}

impl Interface {
    /// Reads one interface section. `ringnumber`, the 1.x name of the link,
    /// is ignored as corosync 3.1.7 ignores it (the link stays 0).
    pub fn read(
        section: &Section,
        notices: &mut Vec<Notice>,
    ) -> Result<Interface, Vec<ConfigError>> {
        let mut errors = Vec::new();
        let mut num = |key: &str, ty: IntType, default: u32| -> u32 {
            match section.get(key) {
                None => default,
                Some(kv) => int(kv, &format!("totem.interface.{key}"), ty).unwrap_or_else(|e| {
                    errors.push(e);
                    default
                }),
            }
        };
        let linknumber = num("linknumber", IntType::U8, 0);
        let mcastport = num("mcastport", IntType::U16, u32::from(DEFAULT_MCASTPORT));
        let ttl = num("ttl", IntType::U8, 1);
        if let Some(kv) = section.get("ringnumber") {
            notices.push(Notice {
                line: kv.line,
                message: format!(
                    "totem.interface.ringnumber is the corosync 1.x key: ignored as corosync 3 does, the link is {linknumber}"
                ),
            });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Interface {
            linknumber: u8::try_from(linknumber).expect("checked as u8"),
            bindnetaddr: section.get("bindnetaddr").map(|kv| kv.value.clone()),
            mcastaddr: section.get("mcastaddr").map(|kv| kv.value.clone()),
            mcastport: u16::try_from(mcastport).expect("checked as u16"),
            ttl: u8::try_from(ttl).expect("checked as u8"),
            broadcast: section.get("broadcast").is_some_and(|kv| kv.value == "yes"),
            line: section.line,
        })
    }
}
