//! cohortd: the cluster node on a real machine. A thin shell around
//! [`cohort_core::node::Node`], the same node the simulator drives: one
//! thread, one `mio::Poll` over the UDP socket, the admin socket and
//! signals; agents as child processes; the CIB on disk. Every decision
//! is the node's; this loop only carries inputs in and outputs out, and
//! reads the clocks (monotonic for the node's `now`, the wall clock for
//! the epoch seconds core asks for).

pub mod admin;
pub mod args;
pub mod disk;
pub mod executor;
pub mod interfaces;
pub mod log;
pub mod net;
pub mod setup;

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::process::ExitCode;
use std::time::{Duration, Instant as WallInstant, SystemTime, UNIX_EPOCH};

use cohort_core::control::{self, Request, Response};
use cohort_core::controller::replica::CIB_KEY;
use cohort_core::node::{Input, Node, Output, RequestId};
use cohort_core::time::Instant;
use cohort_core::wire::DropCounters;
use mio::{Events, Interest, Poll, Token};
use signal_hook::consts::{SIGCHLD, SIGHUP, SIGINT, SIGTERM};
use signal_hook_mio::v1_0::Signals;

use self::admin::AdminServer;
use self::args::Args;
use self::disk::{Loaded, StateDir};
use self::executor::{Done, Environment, Executor};
use self::log::LogTarget;
use self::net::Transport;
use self::setup::{Reach, Setup};
use crate::agents::AgentDirs;

const UDP: Token = Token(0);
const SIGNALS: Token = Token(1);
const LISTENER: Token = Token(2);
const FIRST_CLIENT: usize = 16;
/// How often a rise in dropped datagrams may be logged.
const DROP_LOG_EVERY: Duration = Duration::from_secs(10);

/// Wall-clock epoch seconds: the only wall-clock read, for core's epoch
/// fields and the log.
#[allow(clippy::disallowed_methods)]
pub fn epoch_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What the admin socket is waiting for from the node.
enum Waiting {
    Reply(Token),
    Exit(Token),
}

struct Daemon {
    node: Node,
    setup: Setup,
    start: WallInstant,
    poll: Poll,
    transport: Transport,
    admin: AdminServer,
    executor: Executor,
    state: StateDir,
    log: LogTarget,
    waiting: BTreeMap<u64, Waiting>,
    next_req: u64,
    ring_seq_saved: u64,
    drops_logged: DropCounters,
    drops_logged_at: WallInstant,
    exiting: bool,
    stop_clients: Vec<Token>,
    /// Datagrams may be waiting past the per-turn bound.
    udp_pending: bool,
}

/// Runs cohortd with `args`; the exit code.
pub fn main(args: Args) -> ExitCode {
    let log = match LogTarget::install(args.log_file.clone()) {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "cohortd: cannot open the log file {}: {e}",
                args.log_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            return ExitCode::FAILURE;
        }
    };
    let uname = hostname();
    let setup = match setup::prepare(&args, &uname) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cohortd: {e}");
            return ExitCode::FAILURE;
        }
    };
    match Daemon::start(setup, log).and_then(|mut d| d.run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cohortd: {e}");
            tracing::error!("cohortd stops: {e}");
            ExitCode::FAILURE
        }
    }
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname(2) writes at most buf.len() bytes into buf.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    if ok {
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        "localhost".into()
    }
}

impl Daemon {
    fn start(mut setup: Setup, log: LogTarget) -> io::Result<Daemon> {
        let state = StateDir {
            dir: setup.state_dir.clone(),
        };
        let epoch = epoch_s();
        setup.node.cib = match state.load_cib(CIB_KEY, epoch) {
            Loaded::Fresh => None,
            Loaded::Cib(c) => Some(*c),
            Loaded::SetAside { set_aside, why } => {
                tracing::error!(
                    "the CIB on disk {why}: set aside as {}; taking the cluster's copy",
                    set_aside.display()
                );
                None
            }
        };
        let ring_seq_saved = state.ring_seq();
        setup.node.totem.ring_seq_floor = ring_seq_saved;
        setup.node.epoch_at_start_s = epoch;
        let poll = Poll::new()?;
        let mut transport = Transport::open(&setup.reach, setup.node.node_id)
            .map_err(|e| io::Error::new(e.kind(), format!("opening the cluster socket: {e}")))?;
        poll.registry()
            .register(&mut transport.socket, UDP, Interest::READABLE)?;
        let mut admin = AdminServer::open(&setup.run_dir, FIRST_CLIENT).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!("admin socket in {}: {e}", setup.run_dir.display()),
            )
        })?;
        admin.register(poll.registry(), LISTENER)?;
        let executor = Executor::new(
            Environment {
                dirs: AgentDirs::from_env(),
                node_name: setup.node.uname.clone(),
                node_id: setup.node.node_id,
                rsctmp: setup.run_dir.join("rsctmp"),
                varrun: setup.run_dir.join("varrun"),
                spool: setup.run_dir.join("agents"),
            },
            epoch_s,
        )?;
        let seed = u64::from(setup.node.node_id) ^ (epoch as u64).rotate_left(17);
        let start = WallInstant::now();
        let node = Node::new(setup.node.clone(), Instant::ZERO, seed);
        let reach = match &setup.reach {
            Reach::Unicast { bind, peers } => {
                format!(
                    "udpu on {bind}, peers {:?}",
                    peers.values().collect::<Vec<_>>()
                )
            }
            Reach::Multicast {
                group, port, iface, ..
            } => format!("udp multicast {group}:{port} on {iface}"),
        };
        tracing::info!(
            "cohortd {} starts: node {} (id {}), {reach}, config {}",
            env!("CARGO_PKG_VERSION"),
            setup.node.uname,
            setup.node.node_id,
            setup.config_path.display()
        );
        Ok(Daemon {
            node,
            setup,
            start,
            poll,
            transport,
            admin,
            executor,
            state,
            log,
            waiting: BTreeMap::new(),
            next_req: 1,
            ring_seq_saved,
            drops_logged: DropCounters::default(),
            drops_logged_at: start,
            exiting: false,
            stop_clients: Vec::new(),
            udp_pending: false,
        })
    }

    /// One input to the node, then everything it has to say (the node's
    /// contract: drain after every `handle`).
    fn feed(&mut self, input: Input) -> io::Result<()> {
        let now = self.now();
        self.node.handle(now, input);
        self.drain()
    }

    /// The node's clock: nanoseconds since start, monotonic.
    fn now(&self) -> Instant {
        Instant::from_nanos(self.start.elapsed().as_nanos() as u64)
    }

    fn run(&mut self) -> io::Result<()> {
        let result = self.run_loop();
        // Agents never outlive the daemon, also when it fails.
        self.executor.kill_all();
        result
    }

    fn run_loop(&mut self) -> io::Result<()> {
        let mut signals = Signals::new([SIGTERM, SIGINT, SIGHUP, SIGCHLD])?;
        self.poll
            .registry()
            .register(&mut signals, SIGNALS, Interest::READABLE)?;
        let mut events = Events::with_capacity(256);
        self.drain()?;
        while !self.exiting {
            let timeout = self.next_wakeup();
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if self.udp_pending {
                self.on_datagrams()?;
            }
            for ev in events.iter() {
                match ev.token() {
                    UDP => self.on_datagrams()?,
                    SIGNALS => {
                        let sigs: Vec<i32> = signals.pending().collect();
                        for sig in sigs {
                            self.on_signal(sig)?;
                        }
                    }
                    LISTENER => self.admin.accept(self.poll.registry()),
                    t if self.admin.owns(t) => {
                        if ev.is_writable() {
                            self.admin.writable(self.poll.registry(), t);
                        }
                        if ev.is_readable() {
                            let reqs = self.admin.readable(self.poll.registry(), t);
                            for r in reqs {
                                self.on_request(t, r)?;
                            }
                        }
                    }
                    _ => {}
                }
            }
            self.on_agents()?;
            let now = self.now();
            if self.node.poll_timeout().is_some_and(|t| t <= now) {
                self.feed(Input::Timeout)?;
            }
            self.log_drops();
        }
        for t in std::mem::take(&mut self.stop_clients) {
            let text = format!("{} left the cluster\n", self.setup.node.uname);
            self.admin
                .respond(self.poll.registry(), t, &Response::Text(text));
        }
        self.admin.flush_all();
        tracing::info!("cohortd stops: this node left the cluster");
        Ok(())
    }

    fn next_wakeup(&self) -> Option<Duration> {
        if self.udp_pending {
            return Some(Duration::ZERO);
        }
        let now = self.now();
        let node = self.node.poll_timeout().map(|t| t.saturating_since(now));
        let agents = self
            .executor
            .next_deadline()
            .map(|t| t.saturating_duration_since(WallInstant::now()));
        // SIGCHLD wakes us for exits; a floor keeps a lost wakeup bounded.
        let floor = Some(Duration::from_millis(if self.executor.running() > 0 {
            50
        } else {
            1000
        }));
        [node, agents, floor].into_iter().flatten().min()
    }

    fn on_datagrams(&mut self) -> io::Result<()> {
        // Bounded per wakeup so a flood cannot starve timers and agents;
        // the poll is edge-triggered, so what is left is read on the next
        // turn without waiting for an event.
        self.udp_pending = true;
        for _ in 0..1024 {
            match self.transport.recv() {
                Ok(Some(d)) => self.feed(Input::Datagram {
                    from: d.from,
                    bytes: d.bytes,
                })?,
                Ok(None) => {
                    self.udp_pending = false;
                    break;
                }
                Err(e) => {
                    // An ICMP error reported on the socket: go on reading.
                    tracing::debug!("receiving on the cluster socket: {e}");
                }
            }
        }
        Ok(())
    }

    fn on_signal(&mut self, sig: i32) -> io::Result<()> {
        match sig {
            SIGTERM | SIGINT => {
                tracing::info!("signal {sig}: leaving the cluster cleanly");
                self.feed(Input::Shutdown)?;
            }
            SIGHUP => self.log.reopen(),
            _ => {} // SIGCHLD: agents are reaped after the events
        }
        Ok(())
    }

    fn on_agents(&mut self) -> io::Result<()> {
        let mut done = Vec::new();
        self.executor.poll(WallInstant::now(), &mut done);
        for d in done {
            match d {
                Done::Op { op, outcome } => self.feed(Input::OpDone { op, outcome })?,
                Done::Fence { id, ok, detail } => {
                    if ok {
                        tracing::warn!("fence done: {detail}");
                    } else {
                        tracing::error!("fence failed: {detail}");
                    }
                    self.feed(Input::FenceDone { id, ok })?;
                }
            }
        }
        Ok(())
    }

    fn on_request(&mut self, client: Token, req: Request) -> io::Result<()> {
        let reply = |text: String| Some(Response::Text(text));
        let answer = match req {
            Request::Admin(cmd) => {
                let id = self.next_req;
                self.next_req += 1;
                self.waiting.insert(id, Waiting::Reply(client));
                self.feed(Input::Admin {
                    req: RequestId(id),
                    cmd,
                })?;
                None
            }
            Request::Stop => {
                let id = self.next_req;
                self.next_req += 1;
                self.waiting.insert(id, Waiting::Exit(client));
                self.feed(Input::Shutdown)?;
                None
            }
            Request::Status => reply(self.node.status_text()),
            Request::CibXml => reply(control::cib_xml(&self.node)),
            Request::Quorum => reply(control::quorum_text(
                &self.node,
                &cohort_core::mon::oneshot::asctime_utc(epoch_s()),
            )),
            Request::Ring => reply(self.ring_text()),
            Request::Locate { rsc } => Some(match control::locate(&self.node, &rsc) {
                Ok(t) => Response::Text(t),
                Err(e) => Response::Refused(e),
            }),
        };
        if let Some(a) = answer {
            self.admin.respond(self.poll.registry(), client, &a);
        }
        Ok(())
    }

    /// `corosync-cfgtool -s`, and the dropped datagrams by reason.
    fn ring_text(&self) -> String {
        let totem = self.node.totem();
        let members = totem.members();
        let mut out = format!(
            "Local node ID {}, transport {}\nLINK ID 0 udp\n\taddr\t= {}\n\tstatus:\n",
            self.node.id(),
            self.setup.transport_name,
            self.transport.local_addr()
        );
        out.push_str(&format!("\t\tnodeid: {:>10}:\tlocalhost\n", self.node.id()));
        for (id, addr) in self.transport.peers() {
            let state = if members.contains(&id) {
                "connected"
            } else {
                "disconnected"
            };
            out.push_str(&format!("\t\tnodeid: {id:>10}:\t{state} ({addr})\n"));
        }
        let ring = totem.ring_id();
        out.push_str(&format!(
            "Ring {}.{:x} {}, members {:?}\n",
            ring.rep,
            ring.seq,
            totem.phase_name(),
            members
        ));
        let d = totem.drop_counters();
        out.push_str(&format!(
            "Dropped datagrams: total={} oversize={} malformed={} bad_magic={} bad_version={} \
             wrong_cluster={} unauthenticated={} stale={} not_for_us={}\nSend errors: {}\n",
            d.total(),
            d.oversize,
            d.malformed,
            d.bad_magic,
            d.bad_version,
            d.wrong_cluster,
            d.unauthenticated,
            d.stale,
            d.not_for_us,
            self.transport.send_errors
        ));
        out
    }

    /// Carries every output of the node out, until it is quiet; a
    /// completion known at once (a disk write) goes back in, one at a
    /// time, each drained before the next.
    fn drain(&mut self) -> io::Result<()> {
        let mut done = VecDeque::new();
        loop {
            // A new ring's seq is on disk before anything is sent in it:
            // after a crash this node never numbers a ring it knew.
            let seq = self.node.totem().max_ring_seq();
            if seq > self.ring_seq_saved {
                self.state.write_ring_seq(seq)?;
                self.ring_seq_saved = seq;
            }
            while let Some(out) = self.node.poll_output() {
                self.on_output(out, &mut done)?;
            }
            let Some(input) = done.pop_front() else {
                return Ok(());
            };
            let now = self.now();
            self.node.handle(now, input);
        }
    }

    /// One output; completions that are known at once go to `done`.
    fn on_output(&mut self, out: Output, done: &mut VecDeque<Input>) -> io::Result<()> {
        match out {
            Output::Send { to, bytes } => self.transport.send(to, &bytes),
            Output::Exec(req) => {
                let mut finished = Vec::new();
                self.executor.exec(WallInstant::now(), req, &mut finished);
                for d in finished {
                    if let Done::Op { op, outcome } = d {
                        done.push_back(Input::OpDone { op, outcome });
                    }
                }
            }
            Output::Cancel(op) => self.executor.cancel(op),
            Output::Fence(req) => {
                let mut finished = Vec::new();
                self.executor.fence(WallInstant::now(), req, &mut finished);
                for d in finished {
                    if let Done::Fence { id, ok, detail } = d {
                        tracing::error!("fence failed: {detail}");
                        done.push_back(Input::FenceDone { id, ok });
                    }
                }
            }
            Output::WriteDisk { key, bytes, token } => {
                // Durable before the node hears it: an acknowledged change
                // must survive a power cut here.
                self.state.write(&key, &bytes).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("writing {} in {}: {e}", key, self.state.dir.display()),
                    )
                })?;
                done.push_back(Input::DiskDone { token });
            }
            Output::Reply { req, reply } => {
                let response = match reply {
                    Ok(v) => Response::Text(format!(
                        "ok (CIB {}.{}.{})\n",
                        v.admin_epoch, v.epoch, v.num_updates
                    )),
                    Err(e) => Response::Refused(e.to_string()),
                };
                if let Some(Waiting::Reply(client)) = self.waiting.remove(&req.0) {
                    self.admin.respond(self.poll.registry(), client, &response);
                }
            }
            Output::Event(e) => log::event(&e),
            Output::Exit => {
                // The clients of `cohort cluster stop` hear back at exit.
                let stops = &mut self.stop_clients;
                self.waiting.retain(|_, w| match w {
                    Waiting::Exit(t) => {
                        stops.push(*t);
                        false
                    }
                    Waiting::Reply(_) => true,
                });
                self.exiting = true;
            }
        }
        Ok(())
    }

    /// Logs a rise in dropped datagrams, at most every [`DROP_LOG_EVERY`].
    fn log_drops(&mut self) {
        if self.drops_logged_at.elapsed() < DROP_LOG_EVERY {
            return;
        }
        let d = self.node.totem().drop_counters();
        if d.total() > self.drops_logged.total() {
            let was = self.drops_logged;
            tracing::warn!(
                "dropped datagrams since last report: unauthenticated +{} malformed +{} \
                 wrong_cluster +{} bad_magic +{} oversize +{} (stale +{}, not for us +{})",
                d.unauthenticated - was.unauthenticated,
                d.malformed - was.malformed,
                d.wrong_cluster - was.wrong_cluster,
                d.bad_magic - was.bad_magic,
                d.oversize - was.oversize,
                d.stale - was.stale,
                d.not_for_us - was.not_for_us,
            );
            self.drops_logged = d;
        }
        self.drops_logged_at = WallInstant::now();
    }
}
