//! Running code docsnip did not write (`docsnip verify --as-written`) with less reach.
//!
//! Every such block runs with a scrubbed environment (see
//! [`crate::verify::run_command_with`]: only `PATH`, `LANG`, `HOME` = its scratch
//! folder and docsnip's own client settings) and, where the machine allows it without
//! extra privileges, in a network namespace of its own that has nothing but loopback.
//!
//! The namespace is entered by docsnip itself, re-executed as a helper
//! (`docsnip __sandbox --net PORT SOCKET -- PROGRAM ARGS…`, see [`helper_main`]): it
//! unshares the network and mount namespaces (and a user namespace when not root),
//! brings `lo` up, mounts a fresh `/sys` (so `/sys/class/net` lists the namespace's own
//! interfaces), listens on `127.0.0.1:PORT` inside — the echo server's port, so the
//! base URL is the same — and relays each connection through a Unix socket (Unix
//! sockets are reached by path, not through the network) to the echo server outside
//! ([`Relay`]). Then it runs the program and exits with its status.

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;

/// The hidden first argument that makes `docsnip` the sandbox helper.
pub const HELPER_ARG: &str = "__sandbox";

/// How an untrusted block is wrapped (a [`RunSpec`](crate::language::RunSpec) field).
pub use crate::language::Untrusted;

/// The outside end of the network relay: a Unix socket whose connections are relayed
/// to the echo server.
pub struct Relay {
    dir: tempfile::TempDir,
    stop: Arc<AtomicBool>,
}

impl Relay {
    /// Starts relaying connections on a fresh Unix socket to `target`.
    pub fn start(target: SocketAddr) -> io::Result<Relay> {
        let dir = tempfile::Builder::new()
            .prefix("docsnip-relay-")
            .tempdir()?;
        let listener = UnixListener::bind(dir.path().join("echo.sock"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        thread::Builder::new()
            .name("docsnip-relay".into())
            .spawn(move || {
                for conn in listener.incoming() {
                    if stopped.load(Ordering::Relaxed) {
                        break;
                    }
                    let Ok(unix) = conn else { continue };
                    let Ok(tcp) = TcpStream::connect(target) else {
                        continue;
                    };
                    pipe_both(UnixOrTcp::Unix(unix), UnixOrTcp::Tcp(tcp));
                }
            })?;
        Ok(Relay { dir, stop })
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("echo.sock")
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = UnixStream::connect(self.socket()); // wakes the accept loop
    }
}

enum UnixOrTcp {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl UnixOrTcp {
    fn split(&self) -> io::Result<(Box<dyn io::Read + Send>, Box<dyn io::Write + Send>)> {
        Ok(match self {
            UnixOrTcp::Unix(s) => (Box::new(s.try_clone()?), Box::new(s.try_clone()?)),
            UnixOrTcp::Tcp(s) => (Box::new(s.try_clone()?), Box::new(s.try_clone()?)),
        })
    }

    fn shutdown_write(&self) {
        let _ = match self {
            UnixOrTcp::Unix(s) => s.shutdown(std::net::Shutdown::Write),
            UnixOrTcp::Tcp(s) => s.shutdown(std::net::Shutdown::Write),
        };
    }
}

/// Copies `a` to `b` and `b` to `a` on two threads, closing each direction's write side
/// at the end of its input.
fn pipe_both(a: UnixOrTcp, b: UnixOrTcp) {
    let (Ok((mut ar, _)), Ok((mut br, _))) = (a.split(), b.split()) else {
        return;
    };
    let (a, b) = (Arc::new(a), Arc::new(b));
    let (a2, b2) = (a.clone(), b.clone());
    let _ = thread::Builder::new().spawn(move || {
        if let Ok((_, mut bw)) = b2.split() {
            let _ = io::copy(&mut ar, &mut bw);
        }
        b2.shutdown_write();
    });
    let _ = thread::Builder::new().spawn(move || {
        if let Ok((_, mut aw)) = a2.split() {
            let _ = io::copy(&mut br, &mut aw);
        }
        a2.shutdown_write();
    });
    drop((a, b));
}

/// Whether a helper run with `exe` can enter its own network namespace here; `Err`
/// says why not.
pub fn probe(exe: &Path) -> Result<(), String> {
    let out = Command::new(exe)
        .args([HELPER_ARG, "--probe"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The helper's `main`: `docsnip __sandbox --probe` or
/// `docsnip __sandbox --net PORT SOCKET -- PROGRAM ARGS…`. Returns the exit code.
pub fn helper_main(args: &[String]) -> i32 {
    match args {
        [p] if p == "--probe" => match isolate() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("{e}");
                1
            }
        },
        [net, port, sock, dash, argv @ ..]
            if net == "--net" && dash == "--" && !argv.is_empty() =>
        {
            let Ok(port) = port.parse::<u16>() else {
                eprintln!("docsnip sandbox: bad port {port}");
                return 125;
            };
            if let Err(e) = isolate().and_then(|()| listen(port, PathBuf::from(sock))) {
                eprintln!("docsnip sandbox: {e}");
                return 125;
            }
            run(argv)
        }
        _ => {
            eprintln!(
                "docsnip sandbox: usage: docsnip {HELPER_ARG} --net PORT SOCKET -- PROGRAM ARGS…"
            );
            125
        }
    }
}

fn run(argv: &[String]) -> i32 {
    match Command::new(&argv[0]).args(&argv[1..]).status() {
        Ok(status) => {
            use std::os::unix::process::ExitStatusExt;
            match (status.code(), status.signal()) {
                (Some(c), _) => c,
                (None, Some(sig)) => {
                    // Die of the same signal, so the caller sees what the program saw.
                    // SAFETY: resetting a handler and raising a signal on ourselves.
                    unsafe {
                        libc::signal(sig, libc::SIG_DFL);
                        libc::raise(sig);
                    }
                    128 + sig
                }
                _ => 125,
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            eprintln!("{}: command not found", argv[0]);
            127
        }
        Err(e) => {
            eprintln!("docsnip sandbox: cannot run {}: {e}", argv[0]);
            126
        }
    }
}

#[cfg(target_os = "linux")]
fn last_os_error(what: &str) -> String {
    format!("{what}: {}", io::Error::last_os_error())
}

/// Elsewhere than Linux there are no namespaces to enter: the probe fails, and
/// `verify --as-written` refuses to run (see main.rs).
#[cfg(not(target_os = "linux"))]
fn isolate() -> Result<(), String> {
    Err("the sandbox needs Linux namespaces (network, mount, user)".to_string())
}

/// Enters new network and mount namespaces (and a user namespace when not root), makes
/// mounts private, mounts a fresh sysfs and brings `lo` up.
#[cfg(target_os = "linux")]
fn isolate() -> Result<(), String> {
    // SAFETY: plain system calls on this (single-threaded) process.
    unsafe {
        let (uid, gid) = (libc::geteuid(), libc::getegid());
        let mut flags = libc::CLONE_NEWNET | libc::CLONE_NEWNS;
        if uid != 0 {
            flags |= libc::CLONE_NEWUSER;
        }
        if libc::unshare(flags) != 0 {
            if uid == 0 && libc::unshare(flags | libc::CLONE_NEWUSER) == 0 {
                flags |= libc::CLONE_NEWUSER;
            } else {
                return Err(last_os_error(
                    "unshare(network namespace) is not allowed here",
                ));
            }
        }
        if flags & libc::CLONE_NEWUSER != 0 {
            let _ = std::fs::write("/proc/self/setgroups", "deny");
            std::fs::write("/proc/self/uid_map", format!("0 {uid} 1"))
                .map_err(|e| format!("writing uid_map: {e}"))?;
            std::fs::write("/proc/self/gid_map", format!("0 {gid} 1"))
                .map_err(|e| format!("writing gid_map: {e}"))?;
        }
        let root = c"/";
        if libc::mount(
            std::ptr::null(),
            root.as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return Err(last_os_error("making mounts private"));
        }
        // The namespace's own interfaces under /sys/class/net (best effort: without it
        // /sys shows the host's, but the network itself is still isolated).
        let _ = libc::mount(
            c"sysfs".as_ptr(),
            c"/sys".as_ptr(),
            c"sysfs".as_ptr(),
            0,
            std::ptr::null(),
        );
        let fd = libc::socket(libc::AF_INET, libc::SOCK_DGRAM, 0);
        if fd < 0 {
            return Err(last_os_error("socket"));
        }
        let mut req: libc::ifreq = std::mem::zeroed();
        for (i, b) in b"lo".iter().enumerate() {
            req.ifr_name[i] = *b as libc::c_char;
        }
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) != 0 {
            libc::close(fd);
            return Err(last_os_error("reading lo's flags"));
        }
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) != 0 {
            libc::close(fd);
            return Err(last_os_error("bringing lo up"));
        }
        libc::close(fd);
    }
    Ok(())
}

/// Listens on `127.0.0.1:port` in the namespace and relays each connection to `sock`.
fn listen(port: u16, sock: PathBuf) -> Result<(), String> {
    let listener = TcpListener::bind(("127.0.0.1", port))
        .map_err(|e| format!("listening on 127.0.0.1:{port}: {e}"))?;
    thread::Builder::new()
        .name("docsnip-sandbox-relay".into())
        .spawn(move || {
            for conn in listener.incoming() {
                let Ok(tcp) = conn else { continue };
                let Ok(unix) = UnixStream::connect(&sock) else {
                    continue;
                };
                pipe_both(UnixOrTcp::Tcp(tcp), UnixOrTcp::Unix(unix));
            }
        })
        .map_err(|e| format!("starting the relay: {e}"))?;
    Ok(())
}
