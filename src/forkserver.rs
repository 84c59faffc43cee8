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
//! The client ([`CLIENT`], run with `python3 -SE`: no site, no `PYTHON*` variables)
//! falls back to running the file itself with `os.execv` when the server cannot be
//! reached.

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

    /// The command that runs `file` through the server: `python3 -SE -c CLIENT SOCK
    /// FILE`.
    pub fn command(&self, file: &str) -> Vec<String> {
        vec![
            self.python.display().to_string(),
            "-SE".into(),
            "-c".into(),
            CLIENT.into(),
            self.socket().display().to_string(),
            file.into(),
        ]
    }

    /// A script that runs the Python console script `target` (e.g. HTTPie's `http`)
    /// through the server with the argv it is given.
    pub fn script_for(&self, target: &Path) -> String {
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
    use crate::echo::EchoServer;
    use crate::request::Request;
    use crate::verify::{RealRuntimes, runner_for_language, verify_snippet};

    fn get(path: &str) -> Request {
        Request::loopback_get(path)
    }

    #[test]
    fn forked_snippets_still_fail_hang_and_write_files_visibly() {
        let real =
            RealRuntimes::resolve(&["python3".into(), "http".into(), "bash".into()]).unwrap();
        let python = std::fs::canonicalize(real.path().join("python3"))
            .expect("python3 not found: install python3 and pip install requests");
        let server = ForkServer::start(&python).unwrap();
        let mut runner = runner_for_language("python").unwrap();
        runner.command = server.command(&runner.file);
        let echo = EchoServer::start().unwrap();
        let r = get("/a");
        let t = Duration::from_secs(60);
        let code = |extra: &'static str| {
            move |base: &str| {
                Ok(format!(
                    "import requests, sys\nrequests.get(\"{base}/a\")\n{extra}\n"
                ))
            }
        };
        let ok = verify_snippet(&echo, &runner, &r, t, code("print('done')"));
        assert!(ok.outcome.is_ok(), "{}", ok.outcome);
        assert_eq!(ok.output.unwrap().stdout, b"done\n");
        let exit = verify_snippet(&echo, &runner, &r, t, code("sys.exit(5)"));
        assert!(
            exit.outcome.to_string().contains("exited with status 5"),
            "{}",
            exit.outcome
        );
        let raised = verify_snippet(&echo, &runner, &r, t, code("raise ValueError('boom')"));
        assert!(
            raised.outcome.to_string().contains("ValueError: boom"),
            "{}",
            raised.outcome
        );
        let wrote = verify_snippet(&echo, &runner, &r, t, code("open('pwned', 'w').write('x')"));
        assert_eq!(wrote.created_files, ["pwned"]);
        let hang = verify_snippet(
            &echo,
            &runner,
            &r,
            Duration::from_millis(1500),
            code("import time\ntime.sleep(100)"),
        );
        assert!(
            hang.outcome.to_string().contains("timed out"),
            "{}",
            hang.outcome
        );
        // Fresh globals: a snippet that forgets its import fails although the server
        // has requests loaded.
        let forgot = verify_snippet(&echo, &runner, &r, t, |base| {
            Ok(format!("requests.get(\"{base}/a\")\n"))
        });
        assert!(
            forgot.outcome.to_string().contains("NameError"),
            "{}",
            forgot.outcome
        );

        // HTTPie through the client script, its argv from bash.
        let http = std::fs::canonicalize(real.path().join("http"))
            .expect("http not found: pip install 'httpie>=3.2'");
        let bin = tempfile::tempdir().unwrap();
        let script = bin.path().join("http");
        std::fs::write(&script, server.script_for(&http)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut httpie = runner_for_language("httpie").unwrap();
        httpie.bin_dir = Some(bin.path().to_path_buf());
        let sent = verify_snippet(&echo, &httpie, &r, t, |base| {
            Ok(format!("A=/a\nhttp GET \"{base}$A\"\n"))
        });
        assert!(
            sent.outcome.is_ok(),
            "{}\n{:?}",
            sent.outcome,
            sent.output
                .as_ref()
                .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        );
        let bad = verify_snippet(&echo, &httpie, &r, t, |base| {
            Ok(format!("http --no-such-option GET '{base}/a'\n"))
        });
        assert!(bad.outcome.is_failure(), "{}", bad.outcome);
        let stderr = String::from_utf8_lossy(&bad.output.unwrap().stderr).into_owned();
        assert!(stderr.contains("unrecognized arguments"), "{stderr}");
    }
}
