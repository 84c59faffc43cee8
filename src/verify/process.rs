//! One program under a timeout: write a snippet, run its build step and command in their own
//! process group with a pseudo-terminal and a scrubbed client environment, wait (pidfd), kill
//! on timeout, and collect its output.

use std::fmt;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::language::RunSpec;

/// Most bytes kept of each of stdout and stderr.
const MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// What a finished program produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub elapsed: Duration,
}

impl RunOutput {
    /// The last lines of stderr (at most 20 lines / 2000 bytes), lossy UTF-8.
    pub fn stderr_tail(&self) -> String {
        tail(&self.stderr)
    }
}

/// Why a program could not be run to completion.
#[derive(Debug)]
pub enum RunError {
    /// The program (or a runtime it needs) is not installed; `hint` says what to install.
    MissingRuntime { program: String, hint: String },
    /// Killed (with its whole process group) after `timeout`.
    TimedOut {
        timeout: Duration,
        stdout: Vec<u8>,
        stderr: Vec<u8>,
    },
    /// Writing the file, spawning or waiting failed.
    Io { context: String, error: io::Error },
    /// The build step (a compiler) failed.
    BuildFailed {
        command: String,
        status: String,
        stderr: Vec<u8>,
    },
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::MissingRuntime { program, hint } => write!(f, "{program} not found: {hint}"),
            RunError::TimedOut { timeout, .. } => {
                write!(
                    f,
                    "timed out after {:.1}s and was killed",
                    timeout.as_secs_f64()
                )
            }
            RunError::Io { context, error } => write!(f, "{context}: {error}"),
            RunError::BuildFailed {
                command, status, ..
            } => write!(f, "the build step `{command}` {status}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Writes `code` to `workdir/<runner.file>`, runs the runner's build step (if any) and
/// then its command, with `workdir` as current directory; see [`run_command`] for the
/// environment and the timeout (which bounds each step). A build step that fails is
/// [`RunError::BuildFailed`].
pub fn run_snippet(
    runner: &RunSpec,
    code: &str,
    workdir: &Path,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    let runner = &runner.expanded();
    prepare_snippet(runner, code, workdir, timeout)?;
    run_step(runner, &runner.command, workdir, timeout, Step::Snippet)
}

/// Runs `argv`, one of `runner`'s steps (its build, command or batch steps), in `dir`
/// with the runner's PATH folder and trust, naming what to install when the program is
/// missing. A build step gets the user's environment ([`Step::Build`]).
pub(crate) fn run_step(
    runner: &RunSpec,
    argv: &[String],
    dir: &Path,
    timeout: Duration,
    step: Step,
) -> Result<RunOutput, RunError> {
    run_program(
        argv,
        dir,
        timeout,
        runner.bin_dir.as_deref(),
        runner.untrusted.as_ref(),
        step,
    )
    .map_err(|e| hint(e, runner))
}

/// The first half of [`run_snippet`]: write the snippet file and run the build step.
pub fn prepare_snippet(
    runner: &RunSpec,
    code: &str,
    workdir: &Path,
    timeout: Duration,
) -> Result<(), RunError> {
    let file = workdir.join(&runner.file);
    std::fs::write(&file, code).map_err(|error| RunError::Io {
        context: format!("writing {}", file.display()),
        error,
    })?;
    if let Some(build) = &runner.build {
        let out = run_step(runner, build, workdir, timeout, Step::Build)?;
        if !out.status.success() {
            return Err(RunError::BuildFailed {
                command: build.join(" "),
                status: describe_status(out.status),
                stderr: out.stderr,
            });
        }
    }
    Ok(())
}

/// Fills in what to install for a missing program from the runner's needs.
fn hint(e: RunError, runner: &RunSpec) -> RunError {
    match e {
        RunError::MissingRuntime { program, hint } => {
            let hint = runner
                .needs
                .iter()
                .find(|n| n.check[0] == program)
                .and_then(|n| n.install.clone())
                .unwrap_or(hint);
            RunError::MissingRuntime { program, hint }
        }
        other => other,
    }
}

/// The CA bundle snippets run with: one self-signed certificate, whose key was thrown
/// away when it was made (`openssl req -x509 -newkey ec … -keyout /dev/null`). Nothing
/// is ever checked against it (see [`run_command_with`]).
pub const UNUSED_CA: &str = include_str!("assets/unused-ca.pem");

/// Runs `argv` in `dir`, capturing stdout and stderr (up to 4 MiB each), and kills its
/// whole process group after `timeout` (and, after a normal exit, whatever it left
/// running in the background). The child runs in its own process group, with:
///
/// * stdin a pseudo-terminal that never delivers input (as in a terminal where the
///   snippet is pasted, so HTTPie does not read stdin as the body); `/dev/null` if no
///   pseudo-terminal can be opened;
/// * proxies disabled (`*_proxy` removed, `NO_PROXY=127.0.0.1,localhost`), no
///   `~/.curlrc` (`CURL_HOME` set to a private empty directory), HTTPie's config in a
///   private directory with update warnings off, `PYTHONDONTWRITEBYTECODE=1`;
/// * a one-certificate CA bundle instead of the system's (`SSL_CERT_FILE` is
///   [`UNUSED_CA`], `SSL_CERT_DIR` an empty directory): snippets talk plain HTTP to the
///   echo server, so no certificate is ever checked, and HTTPie, which builds its TLS
///   context on every run, no longer parses the system's bundle (about 35 ms a run).
///   A bundle, not `/dev/null`: httpx loads `SSL_CERT_FILE` itself and fails on an
///   empty one.
///
/// A program that is not installed gives [`RunError::MissingRuntime`].
pub fn run_command(argv: &[String], dir: &Path, timeout: Duration) -> Result<RunOutput, RunError> {
    run_command_with(argv, dir, timeout, None, None)
}

/// [`run_command`] with `bin_dir` (when given) first on the program's PATH; the
/// program itself is looked up there first too.
///
/// `untrusted` (code docsnip did not write): the environment is cleared and only
/// `PATH`, `LANG` (`C.UTF-8` when unset), `HOME` = `dir` and docsnip's client settings
/// below are set, so nothing of docsnip's own environment (CI secrets) is readable;
/// the program runs through the sandbox wrapper when there is one.
pub fn run_command_with(
    argv: &[String],
    dir: &Path,
    timeout: Duration,
    bin_dir: Option<&Path>,
    untrusted: Option<&crate::verify::sandbox::Untrusted>,
) -> Result<RunOutput, RunError> {
    run_program(argv, dir, timeout, bin_dir, untrusted, Step::Snippet)
}

/// What a program run is, which decides its environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A snippet (or a runner's batch command): the client environment of
    /// [`run_command`] (no proxies, no `~/.curlrc`, the one-certificate CA bundle).
    Snippet,
    /// A language's build step (a compiler, a dependency fetch: cargo, go, npm) or a
    /// runtime check: the user's own environment for network, proxies and certificates,
    /// so a first build can fetch from its registry as it would in the user's shell.
    Build,
}

/// [`run_command_with`] for a `step`: a [`Step::Build`] keeps the user's proxies,
/// certificates, `CURL_HOME` and HTTPie settings (only `bin_dir`, the process group,
/// the pseudo-terminal and the timeout apply).
pub fn run_program(
    argv: &[String],
    dir: &Path,
    timeout: Duration,
    bin_dir: Option<&Path>,
    untrusted: Option<&crate::verify::sandbox::Untrusted>,
    step: Step,
) -> Result<RunOutput, RunError> {
    let wrapped: Vec<String>;
    let argv = match untrusted {
        Some(u) if !u.wrapper.is_empty() => {
            wrapped = u.wrapper.iter().chain(argv).cloned().collect();
            &wrapped[..]
        }
        _ => argv,
    };
    let Some((program, args)) = argv.split_first() else {
        return Err(RunError::Io {
            context: "running a snippet".into(),
            error: io::Error::new(io::ErrorKind::InvalidInput, "empty program"),
        });
    };
    let private = tempfile::Builder::new()
        .prefix("docsnip-env-")
        .tempdir()
        .map_err(|error| RunError::Io {
            context: "creating a private config directory".into(),
            error,
        })?;
    let httpie_dir = private.path().join("httpie");
    let curl_home = private.path().join("curl");
    let no_certs = private.path().join("certs");
    let ca_file = private.path().join("ca.pem");
    let prepared = std::fs::create_dir_all(&httpie_dir)
        .and_then(|_| std::fs::create_dir_all(&curl_home))
        .and_then(|_| std::fs::create_dir_all(&no_certs))
        .and_then(|_| std::fs::write(&ca_file, UNUSED_CA))
        .and_then(|_| {
            std::fs::write(
                httpie_dir.join("config.json"),
                "{\"disable_update_warnings\": true}\n",
            )
        });
    prepared.map_err(|error| RunError::Io {
        context: "writing the private config directory".into(),
        error,
    })?;

    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    if untrusted.is_some() {
        cmd.env_clear()
            .env("HOME", dir)
            .env(
                "LANG",
                std::env::var_os("LANG").unwrap_or_else(|| "C.UTF-8".into()),
            )
            .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    }
    if step == Step::Snippet {
        for var in [
            "http_proxy",
            "HTTP_PROXY",
            "https_proxy",
            "HTTPS_PROXY",
            "all_proxy",
            "ALL_PROXY",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .env("CURL_HOME", &curl_home)
            .env("HTTPIE_CONFIG_DIR", &httpie_dir)
            .env("SSL_CERT_FILE", &ca_file)
            .env("SSL_CERT_DIR", &no_certs);
    }
    cmd.env("PYTHONDONTWRITEBYTECODE", "1");
    if untrusted.is_some_and(|u| !u.wrapper.is_empty()) {
        // The sandbox binds this folder in read-only (and does not pass the variable on).
        cmd.env(crate::verify::sandbox::CONFIG_ENV, private.path());
    }
    if let Some(bin) = bin_dir {
        let mut paths = vec![bin.to_path_buf()];
        paths.extend(
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths),
        );
        if let Ok(joined) = std::env::join_paths(paths) {
            cmd.env("PATH", joined);
        }
    }
    let pty = open_pty();
    match &pty {
        Some((_, slave)) => match slave.try_clone() {
            Ok(fd) => cmd.stdin(Stdio::from(fd)),
            Err(_) => cmd.stdin(Stdio::null()),
        },
        None => cmd.stdin(Stdio::null()),
    };

    let start = Instant::now();
    let spawned = cmd.spawn();
    drop(cmd); // closes our copy of the pty slave
    let mut child = match spawned {
        Ok(child) => child,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(RunError::MissingRuntime {
                program: program.clone(),
                hint: "install it or put it on PATH".to_string(),
            });
        }
        Err(error) => {
            return Err(RunError::Io {
                context: format!("starting {program}"),
                error,
            });
        }
    };
    let stdout = collect(child.stdout.take());
    let stderr = collect(child.stderr.take());

    let pid = child.id() as libc::pid_t;
    let timed_out = !wait_exit_unreaped(pid, start + timeout);
    // The leader is a zombie (or still running): its pid, and so its group id, cannot
    // have been reused, so this kills only what the snippet started.
    // SAFETY: killpg has no memory-safety preconditions.
    unsafe {
        libc::killpg(pid, libc::SIGKILL);
    }
    let status = wait(&mut child).map_err(|error| RunError::Io {
        context: format!("waiting for {program}"),
        error,
    })?;
    let elapsed = start.elapsed();
    drop(pty);
    let grace = Duration::from_secs(2);
    let stdout = stdout.recv_timeout(grace).unwrap_or_default();
    let stderr = stderr.recv_timeout(grace).unwrap_or_default();
    if timed_out {
        return Err(RunError::TimedOut {
            timeout,
            stdout,
            stderr,
        });
    }
    Ok(RunOutput {
        status,
        stdout,
        stderr,
        elapsed,
    })
}

fn wait(child: &mut Child) -> io::Result<ExitStatus> {
    loop {
        match child.wait() {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Waits until child `pid` has exited (true) or `deadline` has passed (false), without
/// reaping it. Woken by the exit itself through a pidfd (Linux 5.3+); elsewhere it
/// polls, every 2 ms at first and at most every 25 ms, which costs a short snippet up
/// to 25 ms of idle waiting.
fn wait_exit_unreaped(pid: libc::pid_t, deadline: Instant) -> bool {
    // SAFETY: pidfd_open takes a pid and flags and returns a new fd or -1.
    #[cfg(target_os = "linux")]
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    // No pidfd elsewhere: the plain polling wait below.
    #[cfg(not(target_os = "linux"))]
    let raw: libc::c_long = -1;
    let pidfd = (raw >= 0).then(|| {
        // SAFETY: pidfd_open succeeded, so the fd is open and ours.
        unsafe { OwnedFd::from_raw_fd(raw as RawFd) }
    });
    let mut pause = Duration::from_millis(2);
    loop {
        if exited_unreaped(pid) {
            return true;
        }
        let now = Instant::now();
        if now >= deadline {
            return false;
        }
        let left = deadline - now;
        match &pidfd {
            Some(fd) => {
                let mut p = libc::pollfd {
                    fd: fd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                let ms = left.as_millis().clamp(1, 1000) as libc::c_int;
                // SAFETY: one valid pollfd; an interrupted or failed poll loops again.
                unsafe {
                    libc::poll(&mut p, 1, ms);
                }
            }
            None => {
                thread::sleep(pause.min(left));
                pause = (pause * 2).min(Duration::from_millis(25));
            }
        }
    }
}

/// True when process `pid` has exited, without reaping it.
fn exited_unreaped(pid: libc::pid_t) -> bool {
    // SAFETY: `info` is a plain C struct that waitid fills in; zeroed is a valid value.
    unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        let r = libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        );
        r == 0 && info.si_pid() != 0
    }
}

/// Opens a pseudo-terminal pair (master, slave), both close-on-exec.
fn open_pty() -> Option<(OwnedFd, OwnedFd)> {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    // SAFETY: openpty writes two fds into the given ints; the other pointers may be null.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            // *mut for the BSDs and macOS, whose libc declares these two mutable.
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    if r != 0 {
        return None;
    }
    // SAFETY: openpty succeeded, so both fds are open and owned by nobody else.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    for fd in [&master, &slave] {
        // SAFETY: fcntl on an fd we own.
        unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC);
        }
    }
    Some((master, slave))
}

/// Reads a pipe to its end on a thread, keeping at most `MAX_OUTPUT` bytes.
fn collect<R: Read + Send + 'static>(pipe: Option<R>) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let Some(mut pipe) = pipe else {
        let _ = tx.send(Vec::new());
        return rx;
    };
    let spawned = thread::Builder::new()
        .name("docsnip-run-output".into())
        .spawn(move || {
            let mut kept = Vec::new();
            let mut buf = [0u8; 16 * 1024];
            loop {
                match pipe.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        let room = MAX_OUTPUT - kept.len();
                        kept.extend_from_slice(&buf[..n.min(room)]);
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let _ = tx.send(kept);
        });
    if spawned.is_err() {
        let (tx, rx) = mpsc::channel();
        let _ = tx.send(Vec::new());
        return rx;
    }
    rx
}

pub(crate) fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_end();
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines[lines.len().saturating_sub(20)..].join("\n");
    if out.len() > 2000 {
        let mut cut = out.len() - 2000;
        while !out.is_char_boundary(cut) {
            cut += 1;
        }
        out = format!("…{}", &out[cut..]);
    }
    out
}

pub(crate) fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "exited abnormally".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::runner_for_language;
    use crate::verify::runtimes::diagnose_missing;

    #[test]
    fn run_snippet_kills_the_process_group_at_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let start = Instant::now();
        let code = "sleep 100 &\nsleep 100\n";
        let result = run_snippet(
            &RunSpec::simple(&["bash".into()], "sh"),
            code,
            dir.path(),
            Duration::from_millis(500),
        );
        let elapsed = start.elapsed();
        match result {
            Err(RunError::TimedOut { timeout, .. }) => {
                assert_eq!(timeout, Duration::from_millis(500))
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        // Killed at the timeout, not after the 100 s sleeps (a bound, not a timing check).
        assert!(elapsed < Duration::from_secs(60), "took {elapsed:?}");
    }

    #[test]
    fn run_snippet_captures_output_and_status() {
        let dir = tempfile::tempdir().unwrap();
        let code = "echo out; echo err >&2; [ -t 0 ] && echo tty; pwd; exit 3\n";
        let out = run_snippet(
            &RunSpec::simple(&["bash".into()], "sh"),
            code,
            dir.path(),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(out.status.code(), Some(3));
        let stdout = String::from_utf8(out.stdout.clone()).unwrap();
        assert!(stdout.starts_with("out\ntty\n"), "{stdout}");
        assert!(stdout.contains(&*dir.path().file_name().unwrap().to_string_lossy()));
        assert_eq!(out.stderr_tail(), "err");
        assert!(dir.path().join("snippet.sh").exists());
    }

    #[test]
    fn a_missing_program_names_what_to_install() {
        let dir = tempfile::tempdir().unwrap();
        let err = run_snippet(
            &RunSpec::simple(&["docsnip-no-such-runtime".into()], "x"),
            "",
            dir.path(),
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(matches!(err, RunError::MissingRuntime { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("docsnip-no-such-runtime not found")
        );
        let needs = runner_for_language("httpie").unwrap().needs;
        assert!(
            diagnose_missing(b"snippet.sh: line 1: http: command not found", &needs)
                .unwrap()
                .contains("pip install 'httpie")
        );
        assert!(
            diagnose_missing(b"ModuleNotFoundError: No module named 'requests'", &needs)
                .unwrap()
                .contains("pip install requests")
        );
    }
}
