//! The datagram transport: one UDP socket, unicast to a node list (udpu)
//! or a multicast group (udp, corosync 1.x), registered with the poll.

use std::collections::BTreeMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};

use cohort_core::node::Destination;
use cohort_core::totem::NodeId;
use cohort_core::wire::{peek_header, MAX_DATAGRAM_BYTES};
use mio::net::UdpSocket;
use socket2::{Domain, Protocol, Socket, Type};

use super::setup::Reach;

/// One received datagram, with the node the transport knows sent it.
pub struct Received {
    pub from: Option<NodeId>,
    pub bytes: Vec<u8>,
}

/// The socket and where each node is.
pub struct Transport {
    pub socket: UdpSocket,
    reach: Reach,
    own_id: NodeId,
    /// Multicast: where each sender was last heard from, for unicasts
    /// (the token) to it.
    learned: BTreeMap<NodeId, SocketAddr>,
    /// udpu: who is at which address.
    by_addr: BTreeMap<SocketAddr, NodeId>,
    buf: Vec<u8>,
    /// Sends the kernel refused, by errno text (logged by the daemon).
    pub send_errors: u64,
}

impl Transport {
    pub fn open(reach: &Reach, own_id: NodeId) -> io::Result<Transport> {
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
        socket.set_nonblocking(true)?;
        // Room for a burst of full-size datagrams while the loop is busy.
        let _ = socket.set_recv_buffer_size(4 << 20);
        let _ = socket.set_send_buffer_size(4 << 20);
        let mut by_addr = BTreeMap::new();
        match reach {
            Reach::Unicast { bind, peers } => {
                socket.bind(&(*bind).into())?;
                by_addr = peers.iter().map(|(id, a)| (*a, *id)).collect();
            }
            Reach::Multicast {
                group,
                port,
                iface,
                ttl,
            } => {
                // Several nodes of one host share the group's port; a
                // unicast socket stays exclusive (a second daemon for the
                // same address fails to start).
                socket.set_reuse_address(true)?;
                socket.bind(&SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), *port).into())?;
                socket.join_multicast_v4(group, iface)?;
                // Namespaces have no default route: without this a send to
                // the group fails with ENETUNREACH.
                socket.set_multicast_if_v4(iface)?;
                socket.set_multicast_ttl_v4(*ttl)?;
                socket.set_multicast_loop_v4(true)?;
            }
        }
        let std_socket: std::net::UdpSocket = socket.into();
        Ok(Transport {
            socket: UdpSocket::from_std(std_socket),
            reach: reach.clone(),
            own_id,
            learned: BTreeMap::new(),
            by_addr,
            buf: vec![0; MAX_DATAGRAM_BYTES + 1],
            send_errors: 0,
        })
    }

    /// The address the socket is bound to, as `cohort ring` shows it.
    pub fn local_addr(&self) -> String {
        match &self.reach {
            Reach::Unicast { bind, .. } => bind.ip().to_string(),
            Reach::Multicast { iface, .. } => iface.to_string(),
        }
    }

    /// Every peer and whether we have heard from it (udpu: configured;
    /// multicast: as learned).
    pub fn peers(&self) -> Vec<(NodeId, SocketAddr)> {
        match &self.reach {
            Reach::Unicast { peers, .. } => peers.iter().map(|(i, a)| (*i, *a)).collect(),
            Reach::Multicast { .. } => self.learned.iter().map(|(i, a)| (*i, *a)).collect(),
        }
    }

    /// Sends one datagram; a refused send is counted (totem retransmits).
    pub fn send(&mut self, to: Destination, bytes: &[u8]) {
        let group = |g: &Ipv4Addr, port: &u16| SocketAddr::V4(SocketAddrV4::new(*g, *port));
        match (&self.reach, to) {
            (Reach::Unicast { peers, .. }, Destination::Group) => {
                for addr in peers.values() {
                    self.send_errors += u64::from(self.socket.send_to(bytes, *addr).is_err());
                }
            }
            (Reach::Unicast { peers, .. }, Destination::Node(id)) => {
                if let Some(addr) = peers.get(&id) {
                    self.send_errors += u64::from(self.socket.send_to(bytes, *addr).is_err());
                }
            }
            (Reach::Multicast { group: g, port, .. }, to) => {
                // A node not heard from yet is reached through the group,
                // and the envelope says whom it is for.
                let addr = match to {
                    Destination::Node(id) => self.learned.get(&id).copied(),
                    Destination::Group => None,
                }
                .unwrap_or_else(|| group(g, port));
                self.send_errors += u64::from(self.socket.send_to(bytes, addr).is_err());
            }
        }
    }

    /// The next datagram waiting, if any. Our own multicasts come back
    /// (loop is on, so nodes on one host hear each other) and are skipped.
    pub fn recv(&mut self) -> io::Result<Option<Received>> {
        loop {
            let (len, from_addr) = match self.socket.recv_from(&mut self.buf) {
                Ok(r) => r,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let bytes = self.buf[..len].to_vec();
            let from = match &self.reach {
                Reach::Unicast { .. } => self.by_addr.get(&from_addr).copied(),
                Reach::Multicast { .. } => {
                    // Learned before authentication: a forged sender can at
                    // worst misdirect our unicasts to it until the real
                    // node is heard again; totem drops what it cannot open.
                    if let Some(h) = peek_header(&bytes) {
                        if h.sender == self.own_id {
                            continue;
                        }
                        if self.learned.len() < 4096 || self.learned.contains_key(&h.sender) {
                            self.learned.insert(h.sender, from_addr);
                        }
                    }
                    None
                }
            };
            return Ok(Some(Received { from, bytes }));
        }
    }
}
