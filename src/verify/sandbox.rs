//! Running code docsnip did not write (`docsnip verify --as-written`) with less reach.
//!
//! Every such block runs with a scrubbed environment (see
//! [`crate::verify::run_command_with`]: only `PATH`, `LANG`, `HOME` = its scratch
//! folder and docsnip's own client settings) inside a sandbox, entered by docsnip
//! itself re-executed as a helper (`docsnip __sandbox --net PORT SOCKET [--bwrap BWRAP
//! --hide DIR… --ro DIR…] -- PROGRAM ARGS…`, see [`helper_main`]):
//!
//! 1. as root, it hands the block's scratch folder (its working directory) to the
//!    unprivileged user [`SANDBOX_UID`] and becomes that user, so no file is readable
//!    through root's rights and the process-count limit applies (the kernel never
//!    limits root's processes);
//! 2. it unshares a user, network and mount namespace, brings `lo` up, mounts a fresh
//!    `/sys` (so `/sys/class/net` lists the namespace's own interfaces), listens on
//!    `127.0.0.1:PORT` inside — the echo server's port, so the base URL is the same —
//!    and relays each connection through a Unix socket (reached by path, not through
//!    the network) to the echo server outside ([`Relay`]);
//! 3. it sets the limits ([`MEMORY_LIMIT`], [`PROCESS_LIMIT`], [`FILE_SIZE_LIMIT`])
//!    and `no_new_privs`;
//! 4. it runs the program under bubblewrap ([`Bubblewrap`]): the whole filesystem
//!    read-only, a private `/tmp`, the home folder, the docs tree and docsnip's working
//!    folder hidden (empty, read-only), the runtimes found there bound back read-only,
//!    the scratch folder the only writable one; its own PID namespace (`/proc` shows
//!    only its processes), IPC and UTS namespaces, no capabilities, its own session,
//!    killed with the helper.
//!
//! Without `--bwrap` (`--as-written --unsandboxed`) the helper does only step 2, as
//! root without a user namespace when docsnip runs as root.

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
        // Reachable by the sandbox user when docsnip runs as root (it leads only to
        // the echo server, which listens on 127.0.0.1 anyway).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        std::fs::set_permissions(
            dir.path().join("echo.sock"),
            std::fs::Permissions::from_mode(0o777),
        )?;
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

/// The unprivileged user a sandboxed block runs as when docsnip runs as root
/// (`nobody` on Debian).
pub const SANDBOX_UID: u32 = 65534;
/// Most bytes of writable private memory one process of a block may map
/// (`RLIMIT_DATA`, not `RLIMIT_AS`: the JVM, V8 and Go reserve large address ranges
/// they never use, which `RLIMIT_AS` counts and `RLIMIT_DATA` does not).
pub const MEMORY_LIMIT: u64 = 2 << 30;
/// Most processes and threads a block may have at once (`RLIMIT_NPROC`, counted in
/// the block's own user namespace).
pub const PROCESS_LIMIT: u64 = 256;
/// Largest file a block may write (`RLIMIT_FSIZE`).
pub const FILE_SIZE_LIMIT: u64 = 1 << 30;
/// Size of the private `/tmp` (a tmpfs, so memory).
const TMP_SIZE: &str = "268435456";
/// The environment variable that names the private config folder of one run (see
/// [`crate::verify::run_command_with`]): bound read-only into the sandbox, not passed on.
pub const CONFIG_ENV: &str = "DOCSNIP_SANDBOX_CONFIG";

/// What bubblewrap hides and binds back: the `--bwrap`, `--hide` and `--ro` arguments
/// of the helper.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bubblewrap {
    /// The `bwrap` executable.
    pub bwrap: PathBuf,
    /// Folders shown empty and read-only (the home folder, the docs tree, docsnip's
    /// working folder).
    pub hide: Vec<PathBuf>,
    /// Folders bound back read-only at the same path (runtimes under a hidden folder,
    /// docsnip's cache folder, the runtime links folder).
    pub ro: Vec<PathBuf>,
    /// A folder anyone may enter, with one empty sub-folder per `ro` folder (`0`, `1`,
    /// …): as root, the helper binds each `ro` folder there before becoming the
    /// sandbox user, which could not reach one under root's home (mode 0700) itself.
    pub stage: Option<PathBuf>,
}

impl Bubblewrap {
    /// `bwrap` on PATH, if any.
    pub fn find() -> Option<PathBuf> {
        crate::verify::which("bwrap")
    }

    /// The helper arguments that carry this.
    pub fn helper_args(&self) -> Vec<String> {
        let mut a = vec!["--bwrap".to_string(), self.bwrap.display().to_string()];
        for (flag, dirs) in [("--hide", &self.hide), ("--ro", &self.ro)] {
            for d in dirs {
                a.push(flag.to_string());
                a.push(d.display().to_string());
            }
        }
        if let Some(s) = &self.stage {
            a.push("--stage".to_string());
            a.push(s.display().to_string());
        }
        a
    }

    /// Makes [`stage`](Self::stage): a fresh folder (mode 0755) with one empty
    /// sub-folder per `ro` folder; removed when the returned guard drops.
    pub fn make_stage(&mut self) -> io::Result<tempfile::TempDir> {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("docsnip-stage-")
            .tempdir()?;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
        for i in 0..self.ro.len() {
            std::fs::create_dir(dir.path().join(i.to_string()))?;
        }
        self.stage = Some(dir.path().to_path_buf());
        Ok(dir)
    }

    /// The folder to bind back for a runtime executable under a hidden folder: its
    /// install prefix (the parent of its `bin` folder), else its folder.
    pub fn runtime_folder(exe: &Path) -> Option<PathBuf> {
        let real = std::fs::canonicalize(exe).ok()?;
        let dir = real.parent()?;
        if dir.file_name().is_some_and(|n| n == "bin") {
            dir.parent().map(Path::to_path_buf)
        } else {
            Some(dir.to_path_buf())
        }
    }
}

/// The argv prefix that runs a program through the helper `exe`: its network relayed
/// from `127.0.0.1:port` inside to `socket`, with `options` (see
/// [`Bubblewrap::helper_args`]).
pub fn helper_command(exe: &Path, port: u16, socket: &Path, options: &[String]) -> Vec<String> {
    let mut argv = vec![
        exe.display().to_string(),
        HELPER_ARG.to_string(),
        "--net".to_string(),
        port.to_string(),
        socket.display().to_string(),
    ];
    argv.extend(options.iter().cloned());
    argv.push("--".to_string());
    argv
}

/// Whether a helper run with `exe` (and `bwrap`, when given) can isolate a block here;
/// `Err` says why not.
pub fn probe(exe: &Path, bwrap: Option<&Bubblewrap>) -> Result<(), String> {
    let mut cmd = Command::new(exe);
    cmd.args([HELPER_ARG, "--probe"]);
    if let Some(b) = bwrap {
        cmd.args(b.helper_args());
    }
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&out.stderr);
        Err(text.lines().map(str::trim).collect::<Vec<_>>().join("; "))
    }
}

/// Parses `[--bwrap P] [--hide P]… [--ro P]… [--stage P]`.
fn parse_options(mut args: &[String]) -> Result<Option<Bubblewrap>, String> {
    let mut b = Bubblewrap::default();
    let mut any = false;
    while let [flag, value, rest @ ..] = args {
        match flag.as_str() {
            "--bwrap" => {
                b.bwrap = value.into();
                any = true;
            }
            "--hide" => b.hide.push(value.into()),
            "--ro" => b.ro.push(value.into()),
            "--stage" => b.stage = Some(value.into()),
            _ => return Err(format!("unknown option {flag}")),
        }
        args = rest;
    }
    if !args.is_empty() {
        return Err(format!("unknown option {}", args[0]));
    }
    Ok(any.then_some(b))
}

/// The helper's `main`: `docsnip __sandbox --probe [OPTIONS]` or
/// `docsnip __sandbox --net PORT SOCKET [OPTIONS] -- PROGRAM ARGS…`. Returns the exit
/// code.
pub fn helper_main(args: &[String]) -> i32 {
    let usage = || {
        eprintln!(
            "docsnip sandbox: usage: docsnip {HELPER_ARG} --net PORT SOCKET [--bwrap BWRAP --hide DIR… --ro DIR…] -- PROGRAM ARGS…"
        );
        125
    };
    if let [p, opts @ ..] = args
        && p == "--probe"
    {
        let r = parse_options(opts).and_then(|b| match b {
            None => isolate(),
            Some(b) => confine(&b, None, None)
                .and_then(|cmd| finish(cmd, &["true".to_string()]))
                .and_then(|code| {
                    if code == 0 {
                        Ok(())
                    } else {
                        Err(format!("bubblewrap failed (exit status {code})"))
                    }
                }),
        });
        return match r {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("{e}");
                1
            }
        };
    }
    let [net, port, sock, rest @ ..] = args else {
        return usage();
    };
    let Some(dash) = rest.iter().position(|a| a == "--") else {
        return usage();
    };
    let (opts, argv) = (&rest[..dash], &rest[dash + 1..]);
    if net != "--net" || argv.is_empty() {
        return usage();
    }
    let Ok(port) = port.parse::<u16>() else {
        eprintln!("docsnip sandbox: bad port {port}");
        return 125;
    };
    let bwrap = match parse_options(opts) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("docsnip sandbox: {e}");
            return usage();
        }
    };
    let sock = PathBuf::from(sock);
    let Some(b) = bwrap else {
        if let Err(e) = isolate().and_then(|()| listen(port, sock)) {
            eprintln!("docsnip sandbox: {e}");
            return 125;
        }
        return run(argv);
    };
    let scratch = match std::env::current_dir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("docsnip sandbox: no working folder: {e}");
            return 125;
        }
    };
    let config = std::env::var_os(CONFIG_ENV).map(PathBuf::from);
    match confine(&b, Some(&scratch), config.as_deref())
        .and_then(|cmd| listen(port, sock).map(|()| cmd))
        .and_then(|cmd| finish(cmd, argv))
    {
        Ok(code) => code,
        Err(e) => {
            eprintln!("docsnip sandbox: {e}");
            125
        }
    }
}

/// Steps 1–3 of the module comment, and the `bwrap` command line of step 4 up to the
/// program: `scratch` is the one writable folder (none for a probe), `config` a
/// read-only one.
fn confine(
    b: &Bubblewrap,
    scratch: Option<&Path>,
    config: Option<&Path>,
) -> Result<Command, String> {
    use std::os::unix::fs::{PermissionsExt, chown};
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        if let Some(s) = scratch {
            chown(s, Some(SANDBOX_UID), Some(SANDBOX_UID))
                .map_err(|e| format!("handing {} to the sandbox user: {e}", s.display()))?;
        }
        if let Some(c) = config {
            std::fs::set_permissions(c, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("opening {} to the sandbox user: {e}", c.display()))?;
        }
    }
    // Bind sources, as the sandbox user can reach them: as root, each `ro` folder is
    // bound into the stage first, in a private mount namespace of this helper.
    let mut binds: Vec<(&str, PathBuf, PathBuf)> = Vec::new();
    let ro: Vec<(usize, &PathBuf)> =
        b.ro.iter()
            .enumerate()
            .filter(|(_, d)| d.is_dir())
            .collect();
    match (&b.stage, root) {
        (Some(stage), true) => {
            private_mounts()?;
            for (i, d) in ro {
                let at = stage.join(i.to_string());
                bind(d, &at)?;
                binds.push(("--ro-bind", at, d.clone()));
            }
        }
        (None, true) if !ro.is_empty() => {
            return Err("--ro needs --stage when run as root".into());
        }
        _ => binds.extend(
            ro.into_iter()
                .map(|(_, d)| ("--ro-bind", d.clone(), d.clone())),
        ),
    }
    if let Some(c) = config {
        binds.push(("--ro-bind", c.to_path_buf(), c.to_path_buf()));
    }
    if let Some(s) = scratch {
        binds.push(("--bind", s.to_path_buf(), s.to_path_buf()));
    }
    if root {
        drop_root()?;
    }
    isolate()?;
    // No user namespaces inside (fewer kernel paths for a block to attack); best
    // effort, as /proc/sys may be read-only: the hidden folders stay hidden either way,
    // since a nested namespace cannot unmount what covers them (the kernel locks those
    // mounts).
    let _ = std::fs::write("/proc/sys/user/max_user_namespaces", "0");
    set_limits()?;
    let mut cmd = Command::new(&b.bwrap);
    cmd.args([
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--ro-bind",
        "/",
        "/",
        "--size",
        TMP_SIZE,
        "--tmpfs",
        "/tmp",
    ]);
    let tmp = Path::new("/tmp");
    let hides: Vec<&PathBuf> = b
        .hide
        .iter()
        // Under /tmp: already hidden by the private /tmp; under another hidden folder:
        // hidden by it.
        .filter(|h| h.is_absolute() && h.is_dir() && !tmp.starts_with(h) && !h.starts_with(tmp))
        .filter(|h| !b.hide.iter().any(|o| o != *h && h.starts_with(o)))
        .collect();
    for h in &hides {
        cmd.args(["--size", "65536", "--tmpfs"]).arg(h);
    }
    for (flag, from, to) in &binds {
        cmd.arg(flag).arg(from).arg(to);
    }
    for h in &hides {
        cmd.arg("--remount-ro").arg(h);
    }
    cmd.args(["--proc", "/proc", "--dev", "/dev", "--chdir"])
        .arg(scratch.unwrap_or(Path::new("/")))
        .arg("--")
        .env_remove(CONFIG_ENV);
    Ok(cmd)
}

/// Enters a mount namespace of this helper's own, with every mount private.
fn private_mounts() -> Result<(), String> {
    // SAFETY: plain system calls on this (single-threaded) process.
    unsafe {
        if libc::unshare(libc::CLONE_NEWNS) != 0 {
            return Err(last_os_error("unshare(mount namespace)"));
        }
        if libc::mount(
            std::ptr::null(),
            c"/".as_ptr(),
            std::ptr::null(),
            libc::MS_REC | libc::MS_PRIVATE,
            std::ptr::null(),
        ) != 0
        {
            return Err(last_os_error("making mounts private"));
        }
    }
    Ok(())
}

/// Bind-mounts folder `from` (with what is mounted under it) on `to`.
fn bind(from: &Path, to: &Path) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|_| format!("{}: NUL in path", p.display()))
    };
    let (f, t) = (c(from)?, c(to)?);
    // SAFETY: two valid C strings.
    let r = unsafe {
        libc::mount(
            f.as_ptr(),
            t.as_ptr(),
            std::ptr::null(),
            libc::MS_BIND | libc::MS_REC,
            std::ptr::null(),
        )
    };
    if r != 0 {
        return Err(last_os_error(&format!("binding {}", from.display())));
    }
    Ok(())
}

/// Becomes [`SANDBOX_UID`] (user and group, no supplementary groups), keeping the
/// process dumpable so it can still write its own user namespace's id maps.
fn drop_root() -> Result<(), String> {
    // SAFETY: plain system calls on this (still single-threaded) process.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0 {
            return Err(last_os_error("dropping supplementary groups"));
        }
        if libc::setgid(SANDBOX_UID) != 0 || libc::setuid(SANDBOX_UID) != 0 {
            return Err(last_os_error("becoming the sandbox user"));
        }
        if libc::setuid(0) == 0 {
            return Err("could not drop root".into());
        }
        libc::prctl(libc::PR_SET_DUMPABLE, 1, 0, 0, 0);
    }
    Ok(())
}

/// Sets the memory, process-count, file-size and core limits, and `no_new_privs`.
/// Called inside the new user namespace: the kernel counts processes per user
/// namespace, so only the block's own processes count.
fn set_limits() -> Result<(), String> {
    for (resource, limit, what) in [
        (libc::RLIMIT_DATA, MEMORY_LIMIT, "memory"),
        (libc::RLIMIT_NPROC, PROCESS_LIMIT, "process count"),
        (libc::RLIMIT_FSIZE, FILE_SIZE_LIMIT, "file size"),
        (libc::RLIMIT_CORE, 0, "core size"),
    ] {
        let l = libc::rlimit {
            rlim_cur: limit,
            rlim_max: limit,
        };
        // SAFETY: a valid rlimit struct.
        if unsafe { libc::setrlimit(resource, &l) } != 0 {
            return Err(last_os_error(&format!("limiting the {what}")));
        }
    }
    // SAFETY: prctl with integer arguments.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(last_os_error("setting no_new_privs"));
    }
    Ok(())
}

/// Runs `cmd` with `argv` appended; its exit code, as [`run`].
fn finish(mut cmd: Command, argv: &[String]) -> Result<i32, String> {
    cmd.args(argv);
    Ok(status_code(cmd, &argv[0]))
}

fn run(argv: &[String]) -> i32 {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).env_remove(CONFIG_ENV);
    status_code(cmd, &argv[0])
}

/// Runs `cmd` and returns its exit code (dying of the signal that killed it).
fn status_code(mut cmd: Command, name: &str) -> i32 {
    match cmd.status() {
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
            eprintln!("{name}: command not found");
            127
        }
        Err(e) => {
            eprintln!("docsnip sandbox: cannot run {name}: {e}");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helper_arguments_parse_back_to_the_same_bubblewrap() {
        let b = Bubblewrap {
            bwrap: "/usr/bin/bwrap".into(),
            hide: vec!["/root".into(), "/work/site docs".into()],
            ro: vec!["/root/.pyenv/versions/3.11.7".into()],
            stage: Some("/tmp/docsnip-stage-x".into()),
        };
        assert_eq!(parse_options(&b.helper_args()), Ok(Some(b)));
        assert_eq!(parse_options(&[]), Ok(None));
        assert!(parse_options(&["--bogus".into(), "x".into()]).is_err());
        assert!(parse_options(&["--ro".into()]).is_err());
    }

    #[test]
    fn the_helper_command_ends_with_the_separator() {
        let argv = helper_command(
            Path::new("/bin/docsnip"),
            8080,
            Path::new("/tmp/r/echo.sock"),
            &["--bwrap".into(), "/usr/bin/bwrap".into()],
        );
        assert_eq!(
            argv,
            [
                "/bin/docsnip",
                HELPER_ARG,
                "--net",
                "8080",
                "/tmp/r/echo.sock",
                "--bwrap",
                "/usr/bin/bwrap",
                "--"
            ]
        );
    }

    #[test]
    fn a_runtime_folder_is_its_install_prefix() {
        let tmp = tempfile::tempdir().unwrap();
        let prefix = std::fs::canonicalize(tmp.path())
            .unwrap()
            .join("versions/3.11.7");
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::write(prefix.join("bin/python3.11"), "").unwrap();
        std::os::unix::fs::symlink("python3.11", prefix.join("bin/python3")).unwrap();
        assert_eq!(
            Bubblewrap::runtime_folder(&prefix.join("bin/python3")),
            Some(prefix.clone())
        );
        std::fs::write(prefix.join("tool"), "").unwrap();
        assert_eq!(
            Bubblewrap::runtime_folder(&prefix.join("tool")),
            Some(prefix)
        );
        assert_eq!(Bubblewrap::runtime_folder(Path::new("/no/such/exe")), None);
    }
}
