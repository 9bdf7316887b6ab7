//! This machine's IPv4 interfaces (getifaddrs), to find the one that owns
//! bindnetaddr's network as corosync 1.x does.

use std::net::Ipv4Addr;

/// One local IPv4 address and its netmask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr {
    pub addr: Ipv4Addr,
    pub netmask: Ipv4Addr,
}

impl LocalAddr {
    /// Whether `net` (a network or any address in it) is on this
    /// interface's network.
    pub fn same_network(&self, net: Ipv4Addr) -> bool {
        let mask = u32::from(self.netmask);
        u32::from(self.addr) & mask == u32::from(net) & mask
    }
}

/// Every IPv4 address of every interface that is up.
pub fn local_ipv4() -> Vec<LocalAddr> {
    let mut found = Vec::new();
    let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `head` with a list we free below; we read
    // only the fields it documents, checking each pointer for null.
    unsafe {
        if libc::getifaddrs(&mut head) != 0 {
            return found;
        }
        let mut cur = head;
        while !cur.is_null() {
            let ifa = &*cur;
            let up = ifa.ifa_flags & (libc::IFF_UP as libc::c_uint) != 0;
            if up
                && !ifa.ifa_addr.is_null()
                && !ifa.ifa_netmask.is_null()
                && i32::from((*ifa.ifa_addr).sa_family) == libc::AF_INET
            {
                let a = &*(ifa.ifa_addr as *const libc::sockaddr_in);
                let m = &*(ifa.ifa_netmask as *const libc::sockaddr_in);
                found.push(LocalAddr {
                    addr: Ipv4Addr::from(u32::from_be(a.sin_addr.s_addr)),
                    netmask: Ipv4Addr::from(u32::from_be(m.sin_addr.s_addr)),
                });
            }
            cur = ifa.ifa_next;
        }
        libc::freeifaddrs(head);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindnetaddr_matches_its_network_only() {
        let eth = LocalAddr {
            addr: "192.168.78.11".parse().unwrap(),
            netmask: "255.255.255.0".parse().unwrap(),
        };
        assert!(eth.same_network("192.168.78.0".parse().unwrap()));
        assert!(eth.same_network("192.168.78.12".parse().unwrap()));
        assert!(!eth.same_network("192.168.79.0".parse().unwrap()));
    }

    #[test]
    fn loopback_is_listed() {
        assert!(local_ipv4().iter().any(|a| a.addr.is_loopback()));
    }
}
