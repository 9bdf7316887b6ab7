//! The admin socket: a Unix stream socket in the run directory where the
//! `cohort` CLI sends one request frame and reads one response frame. A
//! malformed frame closes that client only.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cohort_core::control::{Request, Response};
use cohort_core::wire::frame::{encode_frame, FrameReader};
use mio::net::{UnixListener, UnixStream};
use mio::{Interest, Registry, Token};

/// The socket's file name in the run directory.
pub const SOCKET_NAME: &str = "cohort.sock";
/// Most clients at once; more wait in the kernel's backlog.
const MAX_CLIENTS: usize = 256;
/// Most bytes a client may send without finishing a frame.
const MAX_PENDING_BYTES: usize = 1 << 20;
/// Most answer bytes a client may leave unread.
const MAX_UNREAD_BYTES: usize = 256 << 20;

struct Client {
    stream: UnixStream,
    reader: FrameReader,
    out: Vec<u8>,
    writable_registered: bool,
    /// Requests read and not answered yet.
    owed: usize,
    /// The client closed its end (it still waits for what is owed).
    eof: bool,
}

/// The listener and its clients; client tokens start at `first_token`.
pub struct AdminServer {
    listener: UnixListener,
    pub path: PathBuf,
    clients: BTreeMap<Token, Client>,
    first_token: usize,
    next_token: usize,
}

impl AdminServer {
    /// Binds the socket (a stale one from an earlier life is replaced):
    /// mode 0660 with group `haclient` when that group exists, else 0600.
    pub fn open(run_dir: &Path, first_token: usize) -> io::Result<AdminServer> {
        let path = run_dir.join(SOCKET_NAME);
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("another cohortd answers on {}", path.display()),
            ));
        }
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        let mode = match haclient_gid() {
            Some(gid) => {
                let c = CString::new(path.as_os_str().as_bytes()).expect("no NUL in a path");
                // SAFETY: chown(2) on the socket we just made, by its path.
                unsafe { libc::chown(c.as_ptr(), u32::MAX, gid) };
                0o660
            }
            None => 0o600,
        };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))?;
        Ok(AdminServer {
            listener,
            path,
            clients: BTreeMap::new(),
            first_token,
            next_token: first_token,
        })
    }

    pub fn register(&mut self, registry: &Registry, token: Token) -> io::Result<()> {
        registry.register(&mut self.listener, token, Interest::READABLE)
    }

    pub fn owns(&self, token: Token) -> bool {
        token.0 >= self.first_token
    }

    /// Accepts every waiting client.
    pub fn accept(&mut self, registry: &Registry) {
        loop {
            match self.listener.accept() {
                Ok((mut stream, _)) => {
                    if self.clients.len() >= MAX_CLIENTS {
                        continue; // dropped: the client sees the close
                    }
                    let token = Token(self.next_token);
                    self.next_token += 1;
                    if registry
                        .register(&mut stream, token, Interest::READABLE)
                        .is_ok()
                    {
                        self.clients.insert(
                            token,
                            Client {
                                stream,
                                reader: FrameReader::default(),
                                out: Vec::new(),
                                writable_registered: false,
                                owed: 0,
                                eof: false,
                            },
                        );
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                // A client that gave up before we accepted it, or no
                // descriptor left: the next client is still waiting.
                Err(e) if e.kind() == io::ErrorKind::ConnectionAborted => continue,
                Err(_) => return,
            }
        }
    }

    /// Reads what `token` sent; the whole requests it completed.
    pub fn readable(&mut self, registry: &Registry, token: Token) -> Vec<Request> {
        let mut requests = Vec::new();
        let Some(c) = self.clients.get_mut(&token) else {
            return requests;
        };
        let mut buf = [0u8; 16 * 1024];
        let mut closed = false;
        loop {
            if c.reader.pending() > MAX_PENDING_BYTES {
                closed = true; // a frame this large is no request
                break;
            }
            match c.stream.read(&mut buf) {
                Ok(0) => {
                    c.eof = true;
                    break;
                }
                Ok(n) => c.reader.push(&buf[..n]),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        loop {
            match c.reader.next_frame::<Request>() {
                Ok(Some(r)) => requests.push(r),
                Ok(None) => break,
                Err(_) => {
                    closed = true;
                    break;
                }
            }
        }
        c.owed += requests.len();
        // A client that closed its end may still wait for our answer
        // (it shut down writing); drop it only when nothing is owed.
        if closed || (c.eof && c.owed == 0) {
            self.close(registry, token);
            return Vec::new();
        }
        requests
    }

    /// Queues `response` for `token` and writes what the socket takes.
    pub fn respond(&mut self, registry: &Registry, token: Token, response: &Response) {
        let Some(c) = self.clients.get_mut(&token) else {
            return; // it went away meanwhile
        };
        c.owed = c.owed.saturating_sub(1);
        if c.out.len() > MAX_UNREAD_BYTES {
            // It asks and never reads: not a CLI.
            return self.close(registry, token);
        }
        c.out.extend_from_slice(&encode_frame(response));
        self.writable(registry, token);
    }

    /// Writes what is queued for `token`.
    pub fn writable(&mut self, registry: &Registry, token: Token) {
        let Some(c) = self.clients.get_mut(&token) else {
            return;
        };
        while !c.out.is_empty() {
            match c.stream.write(&c.out) {
                Ok(0) => break,
                Ok(n) => {
                    c.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.close(registry, token);
                    return;
                }
            }
        }
        let want = !c.out.is_empty();
        if !want && c.eof && c.owed == 0 {
            return self.close(registry, token);
        }
        if want != c.writable_registered {
            let interest = if want {
                Interest::READABLE | Interest::WRITABLE
            } else {
                Interest::READABLE
            };
            let _ = registry.reregister(&mut c.stream, token, interest);
            c.writable_registered = want;
        }
    }

    fn close(&mut self, registry: &Registry, token: Token) {
        if let Some(mut c) = self.clients.remove(&token) {
            let _ = registry.deregister(&mut c.stream);
        }
    }

    /// Flushes what is owed to every client, blocking briefly: at exit.
    pub fn flush_all(&mut self) {
        for c in self.clients.values_mut() {
            let mut tries = 0;
            while !c.out.is_empty() && tries < 100 {
                match c.stream.write(&c.out) {
                    Ok(n) if n > 0 => {
                        c.out.drain(..n);
                    }
                    _ => {
                        tries += 1;
                        std::thread::sleep(std::time::Duration::from_millis(5));
                    }
                }
            }
        }
    }
}

impl Drop for AdminServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The `haclient` group's id, when the group exists.
fn haclient_gid() -> Option<u32> {
    let name = CString::new("haclient").expect("no NUL");
    // SAFETY: getgrnam(3) returns a pointer into static storage or null;
    // we read one field before any other call could overwrite it.
    unsafe {
        let g = libc::getgrnam(name.as_ptr());
        (!g.is_null()).then(|| (*g).gr_gid)
    }
}
