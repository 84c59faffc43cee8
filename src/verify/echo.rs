//! A local HTTP/1.1 echo server that records every request it receives.
//!
//! `docsnip verify` points each snippet at its own base URL on this server
//! ([`EchoServer::base_url`]), runs it, and collects what arrived with
//! [`EchoServer::take_settled`]. The server answers every well-formed request with
//! `200 OK` and a small JSON body, and closes the connection after one response.
//!
//! Runs are told apart by a path prefix: `http://127.0.0.1:PORT/__docsnip/<run_id>`.
//! The prefix is stripped before recording, so [`Recorded::path`] is the path the
//! snippet appended to its base URL. A request whose path does not carry the prefix
//! is kept as a *stray* ([`EchoServer::take_strays`]).
//!
//! The request head is parsed with `httparse`; bodies are read by `Content-Length`
//! or chunked transfer coding; `Expect: 100-continue` is answered; `HEAD` gets no
//! response body. Everything is bounded: head size, header count, body size, read
//! timeouts, a per-connection deadline, concurrent connections. The server runs on
//! background threads and shuts down when dropped.
//!
//! ```no_run
//! use docsnip::verify::echo::EchoServer;
//! let server = EchoServer::start().unwrap();
//! let run = server.new_run_id();
//! let url = server.base_url(&run); // http://127.0.0.1:PORT/__docsnip/r1
//! // ... let a client request format!("{url}/orders?x=1") ...
//! let got = server.take_settled(&run, std::time::Duration::from_secs(2));
//! ```

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// The path segment that starts every run's base URL.
pub const PREFIX: &str = "/__docsnip/";

/// The JSON body of every `200` answer.
pub const RESPONSE_BODY: &str = "{\"ok\":true,\"server\":\"docsnip echo\"}\n";

/// Maximum size of a request head (request line + headers).
const MAX_HEAD: usize = 64 * 1024;
/// Maximum number of request headers.
const MAX_HEADERS: usize = 256;
/// Maximum size of a chunk-size line or of the trailer section.
const MAX_CHUNK_LINE: usize = 16 * 1024;
/// Maximum number of requests kept per run (and strays kept).
const MAX_RECORDED_PER_RUN: usize = 1000;
/// How many accepted peer addresses are remembered for `take_settled`.
const RECENT_PEERS: usize = 1024;

/// Bytes of a run id that are used as-is in the base URL; others are percent-encoded.
const RUN_ID_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Limits of an [`EchoServer`].
#[derive(Debug, Clone)]
pub struct EchoConfig {
    /// Largest request body accepted (larger ones get `413` and are recorded with an error).
    pub max_body: usize,
    /// Timeout of each single read from a client socket.
    pub read_timeout: Duration,
    /// Total time one connection may take, from accept to response.
    pub connection_deadline: Duration,
    /// Connections handled at once; more are answered `503` and closed.
    pub max_connections: usize,
    /// The answer to every request that is recorded: `None` is `200 OK` with
    /// [`RESPONSE_BODY`]; `Some((status, body))` answers that status (a 4xx or 5xx, to
    /// check how snippets handle an error answer) with that JSON body.
    pub answer: Option<(u16, String)>,
}

impl Default for EchoConfig {
    fn default() -> Self {
        EchoConfig {
            max_body: 64 * 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            connection_deadline: Duration::from_secs(60),
            max_connections: 64,
            answer: None,
        }
    }
}

/// One request as it arrived on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The run it belongs to (the percent-encoded id from the path prefix), or `None`
    /// for a stray request whose path did not start with [`PREFIX`].
    pub run_id: Option<String>,
    /// The method token, as sent.
    pub method: String,
    /// The full raw request target, as sent (for messages).
    pub target: Vec<u8>,
    /// The raw path after the run prefix and before `?` (still percent-encoded).
    /// For a stray request, the whole raw path.
    pub path: Vec<u8>,
    /// The raw query string after the first `?` (without the `?`), `None` when the
    /// target had no `?`.
    pub query: Option<Vec<u8>>,
    /// Headers in arrival order: name as sent, raw value bytes (may be non-ASCII).
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// Set when the request could not be read completely or was malformed; the other
    /// fields then hold whatever could be read.
    pub error: Option<String>,
}

impl Recorded {
    /// The values of every header named `name` (case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a [u8]> + 'a {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(&name))
            .map(|(_, v)| v.as_slice())
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.header_values(name).next()
    }
}

#[derive(Default)]
struct State {
    runs: HashMap<String, Vec<Recorded>>,
    strays: Vec<Recorded>,
    /// Per run: connections whose head named this run and that are still being read.
    in_flight: HashMap<String, usize>,
    /// Connections accepted whose head has not been parsed yet.
    unattributed: usize,
    /// Connection threads alive.
    open: usize,
    /// Peer addresses of the most recently accepted connections (see `take_settled`).
    recent_peers: std::collections::VecDeque<SocketAddr>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    stop: AtomicBool,
    config: EchoConfig,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking connection thread must not take the whole server down.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The echo server. Cheap to share between threads (`&EchoServer` is `Sync`).
/// Dropping it stops accepting connections and joins the accept thread.
pub struct EchoServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    next_run: AtomicU64,
    accept: Option<JoinHandle<()>>,
}

impl EchoServer {
    /// Starts a server on `127.0.0.1` with an ephemeral port and default limits.
    pub fn start() -> io::Result<EchoServer> {
        Self::start_with(EchoConfig::default())
    }

    /// Starts a server on `127.0.0.1` with an ephemeral port and the given limits.
    pub fn start_with(config: EchoConfig) -> io::Result<EchoServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            stop: AtomicBool::new(false),
            config,
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("docsnip-echo-accept".into())
            .spawn(move || accept_loop(listener, accept_shared))?;
        Ok(EchoServer {
            addr,
            shared,
            next_run: AtomicU64::new(1),
            accept: Some(accept),
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// A fresh run id, unique for this server (`r1`, `r2`, …).
    pub fn new_run_id(&self) -> String {
        format!("r{}", self.next_run.fetch_add(1, Ordering::Relaxed))
    }

    /// The base URL of run `run_id`: `http://127.0.0.1:PORT/__docsnip/<run_id>`, no
    /// trailing slash. Bytes of `run_id` other than `A-Za-z0-9-._~` are
    /// percent-encoded, so any string works as an id.
    pub fn base_url(&self, run_id: &str) -> String {
        format!("http://{}{}", self.addr, self.base_path(run_id))
    }

    /// The path prefix of run `run_id`: `/__docsnip/<run_id>`.
    pub fn base_path(&self, run_id: &str) -> String {
        format!("{PREFIX}{}", encode_run_id(run_id))
    }

    /// Removes and returns the requests recorded so far for `run_id`, in arrival order.
    pub fn take(&self, run_id: &str) -> Vec<Recorded> {
        self.shared
            .lock()
            .runs
            .remove(&encode_run_id(run_id))
            .unwrap_or_default()
    }

    /// Like [`take`](Self::take), but first waits (at most `max_wait`) until no
    /// connection is still sending a request for `run_id` and no freshly accepted
    /// connection is still unidentified. Call it after the client process exited, so
    /// that a request whose body was still in flight is not missed.
    pub fn take_settled(&self, run_id: &str, max_wait: Duration) -> Vec<Recorded> {
        let key = encode_run_id(run_id);
        let deadline = Instant::now() + max_wait;
        // Connections are accepted in order: once a marker connection made now has
        // been accepted, every connection the client made earlier has been too.
        let marker = TcpStream::connect_timeout(&self.addr, max_wait)
            .and_then(|s| s.local_addr())
            .ok();
        let mut state = self.shared.lock();
        loop {
            let marker_pending = marker.is_some_and(|m| !state.recent_peers.contains(&m));
            let busy = marker_pending
                || state.unattributed > 0
                || state.in_flight.get(&key).copied().unwrap_or(0) > 0;
            let now = Instant::now();
            if !busy || now >= deadline {
                break;
            }
            state = self
                .shared
                .changed
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.runs.remove(&key).unwrap_or_default()
    }

    /// Removes and returns the requests that did not carry a run prefix.
    pub fn take_strays(&self) -> Vec<Recorded> {
        std::mem::take(&mut self.shared.lock().strays)
    }
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept(); if even that fails, leave the thread detached.
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok()
            && let Some(handle) = self.accept.take()
        {
            let _ = handle.join();
        }
    }
}

impl std::fmt::Debug for EchoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EchoServer")
            .field("addr", &self.addr)
            .finish()
    }
}

fn encode_run_id(run_id: &str) -> String {
    utf8_percent_encode(run_id, RUN_ID_ESCAPE).to_string()
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            // Transient accept errors (EMFILE, aborted handshakes): back off briefly.
            thread::sleep(Duration::from_millis(10));
            continue;
        };
        {
            let mut state = shared.lock();
            if let Ok(peer) = stream.peer_addr() {
                if state.recent_peers.len() >= RECENT_PEERS {
                    state.recent_peers.pop_front();
                }
                state.recent_peers.push_back(peer);
                shared.changed.notify_all();
            }
            if state.open >= shared.config.max_connections {
                drop(state);
                let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                let mut stream = stream;
                let _ = write_response(
                    &mut stream,
                    503,
                    "Service Unavailable",
                    false,
                    "{\"ok\":false}\n",
                );
                continue;
            }
            state.open += 1;
            state.unattributed += 1;
        }
        let conn_shared = Arc::clone(&shared);
        let spawned = thread::Builder::new()
            .name("docsnip-echo-conn".into())
            .spawn(move || {
                let mut conn = Connection {
                    stream,
                    buf: Vec::new(),
                    pos: 0,
                    deadline: Instant::now() + conn_shared.config.connection_deadline,
                    shared: Arc::clone(&conn_shared),
                    run: Attribution::Unknown,
                };
                let _ = conn.serve();
                conn.finish();
            });
        if spawned.is_err() {
            let mut state = shared.lock();
            state.open -= 1;
            state.unattributed -= 1;
            shared.changed.notify_all();
        }
    }
}

/// Which run a connection belongs to, once its head is known.
enum Attribution {
    Unknown,
    Run(String),
    Stray,
    Done,
}

/// The parts of a parsed head we keep.
struct Head {
    method: String,
    target: Vec<u8>,
    version: u8,
    headers: Vec<(String, Vec<u8>)>,
}

struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
    pos: usize,
    deadline: Instant,
    shared: Arc<Shared>,
    run: Attribution,
}

/// Why a request could not be read: the status to answer (if any) and a message.
struct Failure {
    status: Option<(u16, &'static str)>,
    message: String,
}

impl Failure {
    fn io(e: io::Error) -> Failure {
        let message = match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                "timed out reading the request".to_string()
            }
            io::ErrorKind::UnexpectedEof => {
                "connection closed before the request was complete".to_string()
            }
            _ => format!("reading the request failed: {e}"),
        };
        Failure {
            status: None,
            message,
        }
    }

    fn bad(message: impl Into<String>) -> Failure {
        Failure {
            status: Some((400, "Bad Request")),
            message: message.into(),
        }
    }
}

impl Connection {
    /// Reads one request, records it, answers it.
    fn serve(&mut self) -> io::Result<()> {
        let timeout = self.shared.config.read_timeout;
        self.stream.set_read_timeout(Some(timeout))?;
        self.stream.set_write_timeout(Some(timeout))?;
        let _ = self.stream.set_nodelay(true);

        let head = match self.read_head() {
            Ok(Some(head)) => head,
            Ok(None) => return Ok(()), // closed without sending anything
            Err(failure) => {
                let partial = self.partial_from_raw();
                return self.fail(partial, failure);
            }
        };
        let (run, path, query) = split_target(&head.target);
        self.attribute(run.clone());
        let mut rec = Recorded {
            run_id: run,
            method: head.method.clone(),
            target: head.target.clone(),
            path,
            query,
            headers: head.headers.clone(),
            body: Vec::new(),
            error: None,
        };
        match self.read_body(&head, &mut rec.body) {
            Ok(()) => {}
            Err(failure) => return self.fail(rec, failure),
        }
        let is_head = head.method == "HEAD";
        self.record(rec);
        match &self.shared.config.answer {
            None => write_response(&mut self.stream, 200, "OK", is_head, RESPONSE_BODY)?,
            Some((code, body)) => {
                let reason = match code {
                    400 => "Bad Request",
                    401 => "Unauthorized",
                    403 => "Forbidden",
                    404 => "Not Found",
                    422 => "Unprocessable Content",
                    500 => "Internal Server Error",
                    503 => "Service Unavailable",
                    _ => "Error",
                };
                write_response(&mut self.stream, *code, reason, is_head, body)?
            }
        }
        self.close_gracefully();
        Ok(())
    }

    /// Records a failed request and answers it with an error status when one applies.
    fn fail(&mut self, mut rec: Recorded, failure: Failure) -> io::Result<()> {
        rec.error = Some(failure.message.clone());
        self.record(rec);
        if let Some((code, reason)) = failure.status {
            let body = format!(
                "{{\"ok\":false,\"error\":{}}}\n",
                serde_json::Value::String(failure.message)
            );
            write_response(&mut self.stream, code, reason, false, &body)?;
            self.close_gracefully();
        }
        Ok(())
    }

    /// Reads until a complete head parses. `Ok(None)` when the peer closed first
    /// without sending a byte.
    fn read_head(&mut self) -> Result<Option<Head>, Failure> {
        loop {
            if !self.buf.is_empty() {
                let mut headers = vec![httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut req = httparse::Request::new(&mut headers);
                match req.parse(&self.buf) {
                    Ok(httparse::Status::Complete(n)) => {
                        let head = Head {
                            method: req.method.unwrap_or_default().to_string(),
                            target: req.path.unwrap_or_default().as_bytes().to_vec(),
                            version: req.version.unwrap_or(1),
                            headers: req
                                .headers
                                .iter()
                                .map(|h| (h.name.to_string(), trim_ows(h.value).to_vec()))
                                .collect(),
                        };
                        self.pos = n;
                        return Ok(Some(head));
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > MAX_HEAD {
                            return Err(Failure {
                                status: Some((431, "Request Header Fields Too Large")),
                                message: format!("request head larger than {MAX_HEAD} bytes"),
                            });
                        }
                    }
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(Failure {
                            status: Some((431, "Request Header Fields Too Large")),
                            message: format!("more than {MAX_HEADERS} headers"),
                        });
                    }
                    Err(e) => return Err(Failure::bad(format!("malformed request head: {e}"))),
                }
            }
            match self.fill() {
                Ok(0) if self.buf.is_empty() => return Ok(None),
                Ok(0) => {
                    return Err(Failure::io(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "eof",
                    )));
                }
                Ok(_) => {}
                Err(e) => {
                    if self.buf.is_empty() {
                        return Ok(None);
                    }
                    return Err(Failure::io(e));
                }
            }
        }
    }

    /// A best-effort record of a request whose head did not parse: method and target
    /// from the request line, so that it is attributed to its run when possible.
    fn partial_from_raw(&mut self) -> Recorded {
        let line_end = self
            .buf
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(self.buf.len().min(MAX_HEAD));
        let line = &self.buf[..line_end];
        let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
        let method = String::from_utf8_lossy(words.next().unwrap_or_default()).into_owned();
        let target = words.next().unwrap_or_default().to_vec();
        let (run, path, query) = split_target(&target);
        self.attribute(run.clone());
        Recorded {
            run_id: run,
            method,
            target,
            path,
            query,
            headers: Vec::new(),
            body: Vec::new(),
            error: None,
        }
    }

    fn read_body(&mut self, head: &Head, body: &mut Vec<u8>) -> Result<(), Failure> {
        let max = self.shared.config.max_body;
        let values = |name: &str| -> Vec<&[u8]> {
            head.headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_slice())
                .collect()
        };

        // Transfer codings, in order, across all Transfer-Encoding headers.
        let codings: Vec<String> = values("transfer-encoding")
            .iter()
            .flat_map(|v| v.split(|&b| b == b','))
            .map(|c| String::from_utf8_lossy(trim_ows(c)).to_ascii_lowercase())
            .filter(|c| !c.is_empty())
            .collect();
        let chunked = match codings.last() {
            None => false,
            Some(last) if last == "chunked" => true,
            Some(_) => {
                return Err(Failure {
                    status: Some((501, "Not Implemented")),
                    message: format!("unsupported Transfer-Encoding: {}", codings.join(", ")),
                });
            }
        };
        let mut length: Option<u64> = None;
        if !chunked {
            for v in values("content-length") {
                for item in v.split(|&b| b == b',') {
                    let text = std::str::from_utf8(trim_ows(item)).unwrap_or("");
                    let n: u64 = match text.parse() {
                        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) => n,
                        _ => {
                            return Err(Failure::bad(format!(
                                "invalid Content-Length: {:?}",
                                String::from_utf8_lossy(v)
                            )));
                        }
                    };
                    if length.is_some_and(|l| l != n) {
                        return Err(Failure::bad("conflicting Content-Length headers"));
                    }
                    length = Some(n);
                }
            }
        }
        if let Some(n) = length
            && n > max as u64
        {
            return Err(too_large(max));
        }

        let expects_continue = values("expect")
            .iter()
            .any(|v| trim_ows(v).eq_ignore_ascii_case(b"100-continue"));
        let has_body = chunked || length.is_some_and(|n| n > 0);
        if expects_continue && head.version >= 1 && has_body && self.buf.len() == self.pos {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .and_then(|_| self.stream.flush())
                .map_err(Failure::io)?;
        }

        if chunked {
            self.read_chunked(body, max)
        } else if let Some(n) = length {
            let n = n as usize;
            body.reserve(n.min(1 << 20));
            while body.len() < n {
                if self.pos == self.buf.len() {
                    self.fill_some()?;
                }
                let take = (n - body.len()).min(self.buf.len() - self.pos);
                body.extend_from_slice(&self.buf[self.pos..self.pos + take]);
                self.pos += take;
            }
            Ok(())
        } else {
            Ok(())
        }
    }

    fn read_chunked(&mut self, body: &mut Vec<u8>, max: usize) -> Result<(), Failure> {
        loop {
            let (consumed, size) = loop {
                match httparse::parse_chunk_size(&self.buf[self.pos..]) {
                    Ok(httparse::Status::Complete(found)) => break found,
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() - self.pos > MAX_CHUNK_LINE {
                            return Err(Failure::bad("chunk size line too long"));
                        }
                        self.fill_some()?;
                    }
                    Err(_) => return Err(Failure::bad("invalid chunk size")),
                }
            };
            self.pos += consumed;
            if size == 0 {
                return self.skip_trailers();
            }
            if size > (max - body.len()) as u64 {
                return Err(too_large(max));
            }
            let size = size as usize;
            let mut remaining = size;
            while remaining > 0 {
                if self.pos == self.buf.len() {
                    self.fill_some()?;
                }
                let take = remaining.min(self.buf.len() - self.pos);
                body.extend_from_slice(&self.buf[self.pos..self.pos + take]);
                self.pos += take;
                remaining -= take;
            }
            while self.buf.len() - self.pos < 2 {
                self.fill_some()?;
            }
            if &self.buf[self.pos..self.pos + 2] != b"\r\n" {
                return Err(Failure::bad("chunk data not followed by CRLF"));
            }
            self.pos += 2;
        }
    }

    /// After the last chunk: an empty line, or trailer fields and an empty line.
    fn skip_trailers(&mut self) -> Result<(), Failure> {
        loop {
            let rest = &self.buf[self.pos..];
            if rest.starts_with(b"\r\n") {
                self.pos += 2;
                return Ok(());
            }
            if let Some(i) = find(rest, b"\r\n\r\n") {
                self.pos += i + 4;
                return Ok(());
            }
            if rest.len() > MAX_CHUNK_LINE {
                return Err(Failure::bad("trailer section too large"));
            }
            self.fill_some()?;
        }
    }

    /// Reads more bytes into the buffer; `Ok(0)` at end of stream.
    fn fill(&mut self) -> io::Result<usize> {
        if Instant::now() >= self.deadline {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection deadline",
            ));
        }
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > (1 << 20) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Like `fill`, but end of stream is an error (the request is incomplete).
    fn fill_some(&mut self) -> Result<(), Failure> {
        match self.fill() {
            Ok(0) => Err(Failure::io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "eof",
            ))),
            Ok(_) => Ok(()),
            Err(e) => Err(Failure::io(e)),
        }
    }

    /// Moves this connection from "unattributed" to its run (or to the strays).
    fn attribute(&mut self, run: Option<String>) {
        if !matches!(self.run, Attribution::Unknown) {
            return;
        }
        let mut state = self.shared.lock();
        state.unattributed -= 1;
        self.run = match run {
            Some(id) => {
                *state.in_flight.entry(id.clone()).or_insert(0) += 1;
                Attribution::Run(id)
            }
            None => Attribution::Stray,
        };
        self.shared.changed.notify_all();
    }

    fn record(&mut self, rec: Recorded) {
        let mut state = self.shared.lock();
        match std::mem::replace(&mut self.run, Attribution::Done) {
            Attribution::Run(id) => {
                if let Some(n) = state.in_flight.get_mut(&id) {
                    *n -= 1;
                    if *n == 0 {
                        state.in_flight.remove(&id);
                    }
                }
                let list = state.runs.entry(id).or_default();
                if list.len() < MAX_RECORDED_PER_RUN {
                    list.push(rec);
                }
            }
            Attribution::Stray => {
                if state.strays.len() < MAX_RECORDED_PER_RUN {
                    state.strays.push(rec);
                }
            }
            Attribution::Unknown => {
                // `attribute` was not called (cannot happen); keep the books balanced.
                state.unattributed -= 1;
                if state.strays.len() < MAX_RECORDED_PER_RUN {
                    state.strays.push(rec);
                }
            }
            Attribution::Done => {}
        }
        self.shared.changed.notify_all();
    }

    /// Releases this connection's bookkeeping (whatever state it ended in).
    fn finish(&mut self) {
        let mut state = self.shared.lock();
        match std::mem::replace(&mut self.run, Attribution::Done) {
            Attribution::Unknown => state.unattributed -= 1,
            Attribution::Run(id) => {
                if let Some(n) = state.in_flight.get_mut(&id) {
                    *n -= 1;
                    if *n == 0 {
                        state.in_flight.remove(&id);
                    }
                }
            }
            Attribution::Stray | Attribution::Done => {}
        }
        state.open -= 1;
        self.shared.changed.notify_all();
    }

    /// Half-closes and drains briefly, so the client reads the response rather than a
    /// connection reset caused by unread request bytes.
    fn close_gracefully(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let _ = self
            .stream
            .set_read_timeout(Some(Duration::from_millis(500)));
        let mut sink = [0u8; 16 * 1024];
        let mut drained = 0usize;
        while drained < (4 << 20) {
            match self.stream.read(&mut sink) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}

fn too_large(max: usize) -> Failure {
    Failure {
        status: Some((413, "Content Too Large")),
        message: format!("request body larger than {max} bytes"),
    }
}

fn write_response(
    stream: &mut TcpStream,
    code: u16,
    reason: &str,
    head_only: bool,
    body: &str,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if !head_only {
        out.extend_from_slice(body.as_bytes());
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// Splits a raw request target into (run id, path after the run prefix, query).
/// An absolute-form target (`http://host/path`) is reduced to its path first.
fn split_target(target: &[u8]) -> (Option<String>, Vec<u8>, Option<Vec<u8>>) {
    let mut t = target;
    for scheme in [&b"http://"[..], &b"https://"[..]] {
        if t.len() >= scheme.len() && t[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let rest = &t[scheme.len()..];
            t = match rest.iter().position(|&b| b == b'/' || b == b'?') {
                Some(i) => &rest[i..],
                None => b"",
            };
            break;
        }
    }
    let (path, query) = match t.iter().position(|&b| b == b'?') {
        Some(i) => (&t[..i], Some(t[i + 1..].to_vec())),
        None => (t, None),
    };
    match path.strip_prefix(PREFIX.as_bytes()) {
        Some(rest) => {
            let end = rest.iter().position(|&b| b == b'/').unwrap_or(rest.len());
            let run = String::from_utf8_lossy(&rest[..end]).into_owned();
            (Some(run), rest[end..].to_vec(), query)
        }
        None => (None, path.to_vec(), query),
    }
}

/// Strips HTTP optional whitespace (spaces and tabs) from both ends.
pub(crate) fn trim_ows(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &v[start..end]
}

/// The first position of `needle` in `hay` (none for an empty needle).
pub(crate) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn send_raw(server: &EchoServer, bytes: &[u8]) -> Vec<u8> {
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(bytes).unwrap();
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        out
    }

    fn settle(server: &EchoServer, run: &str) -> Vec<Recorded> {
        server.take_settled(run, Duration::from_secs(5))
    }

    #[test]
    fn records_content_length_request_with_non_ascii_header() {
        let server = EchoServer::start().unwrap();
        let run = server.new_run_id();
        let req = format!(
            "POST {}/orders/a%20b?x=1&y=%C3%A9 HTTP/1.1\r\nHost: h\r\nX-A: \u{e9}t\u{e9}\r\nX-Tag: one\r\nx-tag: two\r\nContent-Length: 5\r\n\r\nhello",
            server.base_path(&run)
        );
        let resp = send_raw(&server, req.as_bytes());
        let resp = String::from_utf8_lossy(&resp);
        assert!(resp.starts_with("HTTP/1.1 200 OK\r\n"), "{resp}");
        assert!(resp.ends_with(RESPONSE_BODY), "{resp}");
        let got = settle(&server, &run);
        assert_eq!(got.len(), 1);
        let r = &got[0];
        assert_eq!(r.run_id.as_deref(), Some(run.as_str()));
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, b"/orders/a%20b");
        assert_eq!(r.query.as_deref(), Some(&b"x=1&y=%C3%A9"[..]));
        assert_eq!(r.header("x-a"), Some("\u{e9}t\u{e9}".as_bytes()));
        let tags: Vec<&[u8]> = r.header_values("X-Tag").collect();
        assert_eq!(tags, vec![&b"one"[..], &b"two"[..]]);
        assert_eq!(r.headers[1].0, "X-A");
        assert_eq!(r.body, b"hello");
        assert_eq!(r.error, None);
        assert!(server.take(&run).is_empty(), "take removes");
    }

    #[test]
    fn records_chunked_body_with_extensions_and_trailers() {
        let server = EchoServer::start().unwrap();
        let run = server.new_run_id();
        let req = format!(
            "PUT {}/c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
            server.base_path(&run)
        );
        let resp = send_raw(&server, req.as_bytes());
        assert!(resp.starts_with(b"HTTP/1.1 200 OK"));
        let got = settle(&server, &run);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, b"hello, world");
        assert_eq!(got[0].path, b"/c");
        assert_eq!(got[0].query, None);
    }

    #[test]
    fn answers_expect_100_continue_before_reading_body() {
        let server = EchoServer::start().unwrap();
        let run = server.new_run_id();
        let mut s = TcpStream::connect(server.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let head = format!(
            "POST {}/up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
            server.base_path(&run)
        );
        s.write_all(head.as_bytes()).unwrap();
        let mut interim = [0u8; 25];
        s.read_exact(&mut interim).unwrap();
        assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
        s.write_all(b"abc").unwrap();
        let mut rest = Vec::new();
        s.read_to_end(&mut rest).unwrap();
        assert!(rest.starts_with(b"HTTP/1.1 200 OK"));
        let got = settle(&server, &run);
        assert_eq!(got[0].body, b"abc");
    }

    #[test]
    fn head_gets_no_body_and_strays_are_kept_apart() {
        let server = EchoServer::start().unwrap();
        let resp = send_raw(&server, b"HEAD /elsewhere?q HTTP/1.1\r\nHost: h\r\n\r\n");
        let resp = String::from_utf8(resp).unwrap();
        assert!(resp.starts_with("HTTP/1.1 200 OK"));
        assert!(
            resp.ends_with("\r\n\r\n"),
            "HEAD response has no body: {resp:?}"
        );
        let strays = server.take_strays();
        assert_eq!(strays.len(), 1);
        assert_eq!(strays[0].run_id, None);
        assert_eq!(strays[0].path, b"/elsewhere");
        assert_eq!(strays[0].query.as_deref(), Some(&b"q"[..]));
    }

    #[test]
    fn too_large_and_malformed_requests_are_recorded_with_errors() {
        let server = EchoServer::start_with(EchoConfig {
            max_body: 10,
            ..EchoConfig::default()
        })
        .unwrap();
        let run = server.new_run_id();
        let base = server.base_path(&run);
        let resp = send_raw(
            &server,
            format!("POST {base}/x HTTP/1.1\r\nContent-Length: 11\r\n\r\n01234567890").as_bytes(),
        );
        assert!(
            resp.starts_with(b"HTTP/1.1 413"),
            "{}",
            String::from_utf8_lossy(&resp)
        );
        let resp = send_raw(
            &server,
            format!("POST {base}/y HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
                .as_bytes(),
        );
        assert!(resp.starts_with(b"HTTP/1.1 400"));
        let resp = send_raw(
            &server,
            format!("GET {base}/z HTTP/1.1\r\nBad Header\r\n\r\n").as_bytes(),
        );
        assert!(resp.starts_with(b"HTTP/1.1 400"));
        let got = settle(&server, &run);
        assert_eq!(got.len(), 3);
        assert!(got[0].error.as_deref().unwrap().contains("larger than 10"));
        assert!(got[1].error.as_deref().unwrap().contains("chunk"));
        assert_eq!(got[2].path, b"/z", "attributed from the request line");
        assert!(got[2].error.as_deref().unwrap().contains("malformed"));
    }

    #[test]
    fn truncated_body_is_an_error_and_silent_connections_are_not_recorded() {
        let server = EchoServer::start().unwrap();
        let run = server.new_run_id();
        {
            let mut s = TcpStream::connect(server.addr()).unwrap();
            let head = format!(
                "POST {}/t HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
                server.base_path(&run)
            );
            s.write_all(head.as_bytes()).unwrap();
        }
        drop(TcpStream::connect(server.addr()).unwrap());
        let got = settle(&server, &run);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].body, b"abc");
        assert!(got[0].error.as_deref().unwrap().contains("closed"));
        assert!(server.take_strays().is_empty());
    }

    #[test]
    fn run_ids_are_encoded_and_runs_are_separate() {
        let server = EchoServer::start().unwrap();
        assert!(server.base_url("a b/c").ends_with("/__docsnip/a%20b%2Fc"));
        let (r1, r2) = (server.new_run_id(), server.new_run_id());
        assert_ne!(r1, r2);
        send_raw(
            &server,
            format!("GET {}/one HTTP/1.1\r\n\r\n", server.base_path(&r1)).as_bytes(),
        );
        send_raw(
            &server,
            format!("GET {}/two HTTP/1.1\r\n\r\n", server.base_path(&r2)).as_bytes(),
        );
        assert_eq!(settle(&server, &r2)[0].path, b"/two");
        assert_eq!(settle(&server, &r1)[0].path, b"/one");
    }

    #[test]
    fn records_a_real_curl_request() {
        let server = EchoServer::start().unwrap();
        let run = server.new_run_id();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x"), "from file").unwrap();
        // A body large enough that curl sends `Expect: 100-continue` (curl >= 1 MiB).
        let big = "z".repeat(2 * 1024 * 1024);
        std::fs::write(dir.path().join("big"), &big).unwrap();
        let url = format!("{}/items?q=%C3%A9+x", server.base_url(&run));
        let out = Command::new("curl")
            .current_dir(dir.path())
            .env("NO_PROXY", "127.0.0.1")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .args([
                "-q",
                "-sS",
                "--max-time",
                "20",
                "-X",
                "POST",
                "-H",
                "X-A: \u{e9}",
            ])
            .args(["--data-raw", "@x", &url])
            .output()
            .expect("curl must be installed for this test: apt-get install curl");
        assert!(
            out.status.success(),
            "curl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), RESPONSE_BODY);
        let out = Command::new("curl")
            .current_dir(dir.path())
            .env("NO_PROXY", "127.0.0.1")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY")
            .args([
                "-q",
                "-sS",
                "--max-time",
                "20",
                "-T",
                "big",
                "-H",
                "Transfer-Encoding: chunked",
                &url,
            ])
            .output()
            .expect("curl must be installed for this test: apt-get install curl");
        assert!(
            out.status.success(),
            "curl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = settle(&server, &run);
        assert_eq!(got.len(), 2);
        let r = &got[0];
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, b"/items");
        assert_eq!(r.query.as_deref(), Some(&b"q=%C3%A9+x"[..]));
        assert_eq!(r.header("X-A"), Some("\u{e9}".as_bytes()));
        assert_eq!(r.body, b"@x", "--data-raw sends @x literally");
        assert_eq!(
            r.header("content-type"),
            Some(&b"application/x-www-form-urlencoded"[..])
        );
        let r = &got[1];
        assert_eq!(r.method, "PUT");
        assert_eq!(r.header("expect"), Some(&b"100-continue"[..]));
        assert_eq!(r.body.len(), big.len());
        assert!(r.body == big.as_bytes());
    }
}
