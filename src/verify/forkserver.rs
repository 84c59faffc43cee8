//! A preloaded Python interpreter that forks a fresh child per snippet.
//!
//! Starting `python3` and importing `requests` costs most of a Python snippet's run,
//! and HTTPie (a Python program) pays the same on every `http` call. During a verify
//! run docsnip starts one server (`python3 -SE -c SERVER SOCKET`, with the real
//! executable) that imports the client libraries once (`requests`, `httpx`,
//! `http.client`, HTTPie's modules: whichever are installed) and then, per request,
//! forks a child that runs a Python file with the caller's argv, working folder,
//! environment and standard streams, as `python3 FILE ARGS…` would.
//!
//! What still runs for each snippet, so the proof is unchanged:
//!
//! * the snippet's own file, through the real interpreter and the real client library,
//!   in fresh globals (a snippet that forgets `import requests` still fails);
//! * for HTTPie, the snippet's shell text, parsed by bash: `http` is a small client
//!   script first on PATH that hands the argv bash produced to the server, which runs
//!   HTTPie's own console script with it;
//! * the child joins the caller's process group, so the timeout kills it with the
//!   caller; its exit status (or signal) is the caller's; files it writes land in the
//!   caller's working folder.
//!
//! The client hands the caller's argv, folder, environment and standard streams to the
//! server and exits as the child did. It is docsnip's own executable when the caller
//! names it ([`ForkServer::set_native_client`]: `docsnip __fork-client`, about 1 ms to
//! start; the `docsnip` command does) and otherwise a small Python script ([`CLIENT`],
//! run with `python3 -SE`: no site, no `PYTHON*` variables, about 17 ms). Both fall
//! back to running the file with the interpreter itself when the server cannot be
//! reached.

use std::ffi::{OsStr, OsString};
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The server: `python3 -c SERVER SOCKET`.
pub const SERVER: &str = r#"
import os, sys, socket, json, signal, threading, runpy, traceback
# HTTPie's own modules are imported again in each child (see child()); what they
# import (requests, rich, pygments, …) stays loaded.
for m in ("requests", "httpx", "http.client", "json", "urllib3", "httpie.core", "httpie.__main__"):
    try:
        __import__(m)
    except Exception:
        pass
# What is loaded now stays out of the collector's way: a child's collections do not
# touch (and so copy) the pages the server's objects are on.
import gc
gc.collect()
gc.freeze()
sock_path = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
srv.listen(64)
def recv_all(conn):
    msg, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
    while not msg.endswith(b"\n"):
        more = conn.recv(1 << 20)
        if not more:
            break
        msg += more
    return json.loads(msg), fds
def child(req, fds):
    try:
        os.setpgid(0, req["pgid"])
    except OSError:
        pass
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        os.close(fd)
    # Fresh standard streams for the caller's descriptors, as Python makes them at
    # start-up, and no module that looked at the old ones when it was imported
    # (HTTPie records whether stdin is a terminal at import): those import again.
    import io
    def stream(fd, mode):
        raw = io.open(fd, mode + "b", buffering=0 if fd == 2 else -1, closefd=False)
        return io.TextIOWrapper(raw, line_buffering=os.isatty(fd), write_through=(fd == 2),
                                errors="backslashreplace" if fd == 2 else None)
    sys.stdin, sys.stdout, sys.stderr = stream(0, "r"), stream(1, "w"), stream(2, "w")
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    for name in [m for m in sys.modules if m == "httpie" or m.startswith("httpie.")]:
        del sys.modules[name]
    os.chdir(req["cwd"])
    os.environ.clear()
    os.environ.update(req["env"])
    os.umask(req["umask"])
    sys.argv = req["argv"]
    sys.path[0] = os.path.dirname(os.path.abspath(req["file"]))
    code = 0
    try:
        runpy.run_path(req["file"], run_name="__main__")
    except SystemExit as e:
        c = e.code
        if c is None:
            code = 0
        elif isinstance(c, int):
            code = c & 0xFF
        else:
            print(c, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass
    os._exit(code)
def reply(conn, pid):
    _, status = os.waitpid(pid, 0)
    try:
        if os.WIFSIGNALED(status):
            conn.sendall(json.dumps({"signal": os.WTERMSIG(status)}).encode() + b"\n")
        else:
            conn.sendall(json.dumps({"code": os.WEXITSTATUS(status)}).encode() + b"\n")
    except OSError:
        pass
    conn.close()
while True:
    conn, _ = srv.accept()
    try:
        req, fds = recv_all(conn)
    except Exception:
        conn.close()
        continue
    pid = os.fork()
    if pid == 0:
        srv.close()
        conn.close()
        child(req, fds)
    for fd in fds:
        os.close(fd)
    threading.Thread(target=reply, args=(conn, pid), daemon=True).start()
"#;

/// The client: `python3 -SE -c CLIENT SOCKET FILE ARGS…` (or a script with this code
/// and `SOCKET`/`FILE` filled in). Sends its streams, argv, folder and environment;
/// exits as the child did.
pub const CLIENT: &str = r#"
import os, sys, socket, json
sock_path, file, args = sys.argv[1], sys.argv[2], sys.argv[3:]
argv = [file] + args
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    umask = os.umask(0); os.umask(umask)
    msg = json.dumps({"file": file, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                      "pgid": os.getpgrp(), "umask": umask}).encode() + b"\n"
    socket.send_fds(s, [msg], [0, 1, 2])
    answer = b""
    while not answer.endswith(b"\n"):
        more = s.recv(4096)
        if not more:
            raise ConnectionError("the fork server closed the connection")
        answer += more
except OSError:
    os.execv(sys.executable, [sys.executable, file] + args)
result = json.loads(answer)
if "signal" in result:
    import signal
    signal.signal(result["signal"], signal.SIG_DFL)
    os.kill(os.getpid(), result["signal"])
os._exit(result.get("code", 1))
"#;

/// A running fork server; stopped (killed and reaped) on drop.
pub struct ForkServer {
    child: Child,
    dir: tempfile::TempDir,
    /// The interpreter it runs on.
    pub python: PathBuf,
    /// docsnip's executable, run as the client (`docsnip __fork-client`) instead of
    /// the Python [`CLIENT`].
    native_client: Option<PathBuf>,
}

impl ForkServer {
    /// Starts a server on `python` and waits (at most 30 s) until it listens.
    pub fn start(python: &Path) -> io::Result<ForkServer> {
        let dir = tempfile::Builder::new().prefix("docsnip-fork-").tempdir()?;
        let sock = dir.path().join("fork.sock");
        let child = Command::new(python)
            .args(["-c", SERVER])
            .arg(&sock)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let mut server = ForkServer {
            child,
            dir,
            python: python.to_path_buf(),
            native_client: None,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !sock.exists() {
            if Instant::now() > deadline || server.child.try_wait()?.is_some() {
                return Err(io::Error::other("the Python fork server did not start"));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(server)
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("fork.sock")
    }

    /// Runs the client as `exe __fork-client …` (docsnip's own executable, whose
    /// `main` hands that argument to [`client_main`]) instead of the Python client.
    pub fn set_native_client(&mut self, exe: PathBuf) {
        self.native_client = Some(exe);
    }

    /// The command that runs `file` through the server: `docsnip __fork-client SOCK
    /// PYTHON FILE`, or `python3 -SE -c CLIENT SOCK FILE`.
    pub fn command(&self, file: &str) -> Vec<String> {
        match &self.native_client {
            Some(exe) => vec![
                exe.display().to_string(),
                CLIENT_ARG.into(),
                self.socket().display().to_string(),
                self.python.display().to_string(),
                file.into(),
            ],
            None => vec![
                self.python.display().to_string(),
                "-SE".into(),
                "-c".into(),
                CLIENT.into(),
                self.socket().display().to_string(),
                file.into(),
            ],
        }
    }

    /// A script that runs the Python console script `target` (e.g. HTTPie's `http`)
    /// through the server with the argv it is given.
    pub fn script_for(&self, target: &Path) -> String {
        if let Some(exe) = &self.native_client {
            let q = |p: &Path| crate::escape::sh_single_quoted(&p.display().to_string());
            return format!(
                "#!/bin/sh\nexec {} {CLIENT_ARG} {} {} {} \"$@\"\n",
                q(exe),
                q(&self.socket()),
                q(&self.python),
                q(target)
            );
        }
        let client = CLIENT.replace(
            "sock_path, file, args = sys.argv[1], sys.argv[2], sys.argv[3:]",
            &format!(
                "sock_path, file, args = {:?}, {:?}, sys.argv[1:]",
                self.socket().display().to_string(),
                target.display().to_string()
            ),
        );
        format!("#!{} -SE\n{client}", self.python.display())
    }
}

/// The argument that makes docsnip's `main` run [`client_main`].
pub const CLIENT_ARG: &str = "__fork-client";

/// The native client, `docsnip __fork-client SOCKET PYTHON FILE ARGS…` (`args` starts
/// at SOCKET): does what the Python [`CLIENT`] does (sends argv, folder, environment,
/// process group, umask and standard streams; exits with the child's status or dies of
/// its signal). When the server cannot be reached, or a value is not valid JSON text
/// (never the case for what docsnip writes), it runs `PYTHON FILE ARGS…` itself.
pub fn client_main(args: &[OsString]) -> i32 {
    let [sock, python, file, rest @ ..] = args else {
        eprintln!("docsnip {CLIENT_ARG}: usage: docsnip {CLIENT_ARG} SOCKET PYTHON FILE ARGS…");
        return 2;
    };
    if let Ok(answer) = ask_server(Path::new(sock), file, rest) {
        if let Some(sig) = answer.signal {
            // SAFETY: plain libc calls on this process; nothing else runs.
            unsafe {
                libc::signal(sig, libc::SIG_DFL);
                libc::raise(sig);
            }
            return 128 + sig;
        }
        return answer.code;
    }
    use std::os::unix::process::CommandExt;
    let error = std::process::Command::new(python)
        .arg0(python)
        .arg(file)
        .args(rest)
        .exec();
    eprintln!(
        "docsnip {CLIENT_ARG}: cannot run {}: {error}",
        Path::new(python).display()
    );
    127
}

struct Answer {
    code: i32,
    signal: Option<i32>,
}

fn ask_server(sock: &Path, file: &OsStr, rest: &[OsString]) -> io::Result<Answer> {
    use std::io::{Read, Write};
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;
    let mut msg = String::from("{\"file\": ");
    push_json_os(&mut msg, file);
    msg.push_str(", \"argv\": [");
    push_json_os(&mut msg, file);
    for a in rest {
        msg.push_str(", ");
        push_json_os(&mut msg, a);
    }
    msg.push_str("], \"cwd\": ");
    push_json_os(&mut msg, std::env::current_dir()?.as_os_str());
    msg.push_str(", \"env\": {");
    for (i, (k, v)) in std::env::vars_os().enumerate() {
        if i > 0 {
            msg.push_str(", ");
        }
        push_json_os(&mut msg, &k);
        msg.push_str(": ");
        push_json_os(&mut msg, &v);
    }
    // SAFETY: getpgrp and umask cannot fail; umask is set back at once.
    let (pgid, umask) = unsafe {
        let m = libc::umask(0);
        libc::umask(m);
        (libc::getpgrp(), m)
    };
    msg.push_str(&format!("}}, \"pgid\": {pgid}, \"umask\": {umask}}}\n"));

    let mut stream = UnixStream::connect(sock)?;
    send_with_fds(stream.as_raw_fd(), msg.as_bytes(), &[0, 1, 2])?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.ends_with(b"\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(io::Error::other("the fork server closed the connection"));
        }
        answer.extend_from_slice(&buf[..n]);
    }
    let _ = stream.flush();
    let value: serde_json::Value = serde_json::from_slice(&answer).map_err(io::Error::other)?;
    let int = |k: &str| {
        value
            .get(k)
            .and_then(serde_json::Value::as_i64)
            .map(|n| n as i32)
    };
    Ok(Answer {
        code: int("code").unwrap_or(1),
        signal: int("signal"),
    })
}

/// Sends `bytes` with `fds` attached (SCM_RIGHTS), then whatever `sendmsg` did not.
fn send_with_fds(sock: i32, bytes: &[u8], fds: &[i32]) -> io::Result<()> {
    let fd_len = std::mem::size_of_val(fds);
    // SAFETY: CMSG_SPACE only computes a size.
    let space = unsafe { libc::CMSG_SPACE(fd_len as u32) } as usize;
    let mut control = vec![0u64; space.div_ceil(8)];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: msghdr is plain data; every pointer set below outlives the call, and
    // the control buffer is CMSG_SPACE bytes, aligned for cmsghdr.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(fd_len as u32) as _;
        std::ptr::copy_nonoverlapping(fds.as_ptr(), libc::CMSG_DATA(cmsg).cast::<i32>(), fds.len());
        libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL)
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut rest = &bytes[sent as usize..];
    while !rest.is_empty() {
        // SAFETY: writes from a live slice.
        let n = unsafe { libc::send(sock, rest.as_ptr().cast(), rest.len(), libc::MSG_NOSIGNAL) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        rest = &rest[n as usize..];
    }
    Ok(())
}

/// `s` as a JSON string the way Python reads the same OS string: bytes that are not
/// UTF-8 become lone surrogates `\udcXX` (Python's `surrogateescape`), which `json`
/// reads back into the same `str` Python's own argv or environ would hold.
fn push_json_os(out: &mut String, s: &OsStr) {
    use std::fmt::Write as _;
    use std::os::unix::ffi::OsStrExt;
    out.push('"');
    for chunk in s.as_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 => {
                    let _ = write!(out, "\\u{:04x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\udc{b:02x}");
        }
    }
    out.push('"');
}

impl Drop for ForkServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The interpreter a Python console script's `#!` line names, when it is one.
pub fn script_interpreter(script: &Path) -> Option<PathBuf> {
    let head = std::fs::read(script).ok()?;
    let head = &head[..head.len().min(512)];
    let text = std::str::from_utf8(head).ok()?;
    let first = text.lines().next()?.strip_prefix("#!")?;
    let interp = first.split_whitespace().next()?;
    let is_python = Path::new(interp)
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("python"));
    is_python.then(|| PathBuf::from(interp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_strings_reach_python_as_its_own_argv_would() {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        push_json_os(&mut out, OsStr::from_bytes(b"a\"\\\n\x01\xff\xe2\x80\xa8z"));
        // Python's json reads "\udcff" back as the lone surrogate that surrogateescape
        // gives a 0xff byte; U+2028 stays as it is.
        assert_eq!(out, "\"a\\\"\\\\\\u000a\\u0001\\udcff\u{2028}z\"");
    }
}
