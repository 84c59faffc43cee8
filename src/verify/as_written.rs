//! `docsnip verify --as-written DOCS`: run the code blocks each endpoint page already
//! carries (hand-pasted or generated), not docsnip's own snippets, and compare what each
//! sent with the page's front-matter request.
//!
//! A block is found by its kramdown title (`{: title="Curl" }`) and run by the language
//! of that title: the site's languages first, then every built-in one. Before it runs,
//! every occurrence of the site's `base_url` (config or `--base-url`, without a
//! trailing `/`) in its text is replaced by the echo server's base URL for the run;
//! a block that calls another host sends nothing to the echo server and is reported so.
//! Blocks whose title names no language with a runner are listed as not verified.
//!
//! This executes code that page authors wrote: see [`crate::verify::sandbox`] for how each
//! block is contained (bubblewrap: read-only filesystem but for its scratch folder, home
//! and docs hidden, own PID and network namespaces, limits, the same timeout). Without a
//! working sandbox the run is refused unless `unsandboxed` is set.

use crate::build::{self, Site};
use crate::diag::Diagnostic;
use crate::format;
use crate::language;
use crate::request::Request;
use crate::verify::echo::EchoServer;
use crate::verify::sandbox::{self, Relay, Untrusted};
use crate::verify::{self, Outcome, RunSpec};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Fence infos of blocks that are data, not code (the `Request`/`Response` JSON of
/// Aviator pages): never listed.
const DATA_FENCES: &[&str] = &["", "json", "yaml", "yml", "text", "txt", "xml", "html"];

/// How an as-written run behaves.
#[derive(Debug, Clone)]
pub struct AsWrittenOptions {
    pub jobs: usize,
    pub timeout: Duration,
    /// The `docsnip` executable, re-run as the sandbox helper; `None` runs blocks
    /// without it (only with `unsandboxed`: scrubbed environment only).
    pub sandbox_exe: Option<PathBuf>,
    /// Run blocks without bubblewrap (`--unsandboxed`: scrubbed environment and, where
    /// possible, a loopback-only network namespace) instead of refusing when no
    /// sandbox is available. Unsafe on untrusted pull requests.
    pub unsandboxed: bool,
}

/// What to install or enable when no sandbox is available.
pub const SANDBOX_HINT: &str = "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow user namespaces (sysctl user.max_user_namespaces above 0; on Ubuntu 24.04 also kernel.apparmor_restrict_unprivileged_userns=0), or pass --unsandboxed to run the blocks without a sandbox (never on untrusted pull requests)";

/// The [`sandbox::Bubblewrap`] of a run: hides the home folder (`$HOME` and `/root`),
/// the docs tree and docsnip's working folder, and binds back read-only the runtime
/// links folder, docsnip's cache folder and the install folder of every runtime
/// (`programs`, as PATH finds them and as `resolved` says they really are) found
/// under a hidden folder.
fn bubblewrap(
    bwrap: PathBuf,
    docs: &Path,
    programs: &[String],
    real: Option<&verify::RealRuntimes>,
) -> sandbox::Bubblewrap {
    let mut hide: Vec<PathBuf> = Vec::new();
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cwd = std::env::current_dir().ok();
    for h in [
        home,
        Some(PathBuf::from("/root")),
        Some(docs.to_path_buf()),
        cwd,
    ]
    .into_iter()
    .flatten()
    {
        if let Ok(h) = std::fs::canonicalize(h)
            && !hide.contains(&h)
        {
            hide.push(h);
        }
    }
    let mut exes: Vec<PathBuf> = programs.iter().filter_map(|p| verify::which(p)).collect();
    if let Some(r) = real {
        exes.extend(
            r.resolved
                .iter()
                .flat_map(|x| [x.found.clone(), x.started.clone()]),
        );
    }
    let mut ro: Vec<PathBuf> = Vec::new();
    if let Some(r) = real {
        ro.push(r.path().to_path_buf());
    }
    if let Ok(c) = std::fs::canonicalize(language::cache_dir()) {
        ro.push(c);
    }
    for dir in exes
        .iter()
        .filter_map(|e| sandbox::Bubblewrap::runtime_folder(e))
    {
        if hide.iter().any(|h| dir.starts_with(h)) && !ro.contains(&dir) {
            ro.push(dir);
        }
    }
    sandbox::Bubblewrap {
        bwrap,
        hide,
        ro,
        stage: None,
    }
}

/// How a run's blocks are contained, and what must live as long as the run.
struct Containment {
    untrusted: Untrusted,
    /// The summary line's account of it.
    isolation: String,
    _relay: Option<Relay>,
    _stage: Option<tempfile::TempDir>,
}

/// The sandbox of a run whose echo server listens on `addr`: bubblewrap, or `Err` why
/// there is none; with `--unsandboxed`, the lighter isolation that is available.
fn contain(
    opts: &AsWrittenOptions,
    addr: std::net::SocketAddr,
    docs: &Path,
    programs: &[String],
    real: Option<&verify::RealRuntimes>,
) -> Result<Containment, String> {
    let unsafe_note = "and could read and write whatever this user can";
    if opts.unsandboxed {
        let netns = opts.sandbox_exe.as_ref().map_or_else(
            || Err("no sandbox helper".to_string()),
            |exe| {
                sandbox::probe(exe, None)?;
                let relay =
                    Relay::start(addr).map_err(|e| format!("cannot start the relay: {e}"))?;
                Ok((
                    sandbox::helper_command(exe, addr.port(), &relay.socket(), &[]),
                    relay,
                ))
            },
        );
        return Ok(match netns {
            Ok((wrapper, relay)) => Containment {
                untrusted: Untrusted { wrapper },
                isolation: format!(
                    "NOT sandboxed (--unsandboxed): each block ran in its own scratch folder with a scrubbed environment and its own network namespace (loopback only), {unsafe_note}"
                ),
                _relay: Some(relay),
                _stage: None,
            },
            Err(why) => Containment {
                untrusted: Untrusted {
                    wrapper: Vec::new(),
                },
                isolation: format!(
                    "NOT sandboxed (--unsandboxed): each block ran in its own scratch folder with a scrubbed environment, but NOT network-isolated ({why}), {unsafe_note}"
                ),
                _relay: None,
                _stage: None,
            },
        });
    }
    let exe = opts
        .sandbox_exe
        .as_ref()
        .ok_or("docsnip cannot find its own executable to run the sandbox helper")?;
    let bwrap = sandbox::Bubblewrap::find().ok_or("bubblewrap (bwrap) is not on PATH")?;
    let mut b = bubblewrap(bwrap, docs, programs, real);
    let stage = b
        .make_stage()
        .map_err(|e| format!("cannot make the sandbox's stage folder: {e}"))?;
    sandbox::probe(exe, Some(&b))
        .map_err(|why| format!("the sandbox does not work here: {why}"))?;
    let relay = Relay::start(addr).map_err(|e| format!("cannot start the relay: {e}"))?;
    let wrapper = sandbox::helper_command(exe, addr.port(), &relay.socket(), &b.helper_args());
    // SAFETY: geteuid has no preconditions.
    let as_user = if unsafe { libc::geteuid() } == 0 {
        format!("; as user {}", sandbox::SANDBOX_UID)
    } else {
        String::new()
    };
    let isolation = format!(
        "sandbox: {} (each block: read-only filesystem except its scratch folder and a private /tmp; home folder, docs tree and working folder hidden; own PID, network (loopback only), mount, IPC and user namespaces; no capabilities, no_new_privs{as_user}; limits: {} MiB memory, {} processes, {} MiB per file, {} s)",
        bwrap_version(&b.bwrap),
        sandbox::MEMORY_LIMIT >> 20,
        sandbox::PROCESS_LIMIT,
        sandbox::FILE_SIZE_LIMIT >> 20,
        opts.timeout.as_secs(),
    );
    Ok(Containment {
        untrusted: Untrusted { wrapper },
        isolation,
        _relay: Some(relay),
        _stage: Some(stage),
    })
}

/// `bwrap --version`, for the summary line.
fn bwrap_version(bwrap: &Path) -> String {
    std::process::Command::new(bwrap)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "bubblewrap".into())
}

/// One block's verdict; `outcome` is `None` when it was not run (no runner).
#[derive(Debug)]
pub struct BlockVerdict {
    pub page: PathBuf,
    /// The request, on a page with several (`LINE: NAME`, a comment's request).
    pub request: Option<String>,
    pub title: String,
    /// The language that ran it.
    pub language: Option<String>,
    pub outcome: Option<Outcome>,
    pub created_files: Vec<String>,
}

impl BlockVerdict {
    pub fn is_failure(&self) -> bool {
        self.outcome.as_ref().is_some_and(Outcome::is_failure)
    }

    /// `PAGE: TITLE: ok`, one line per difference, or `not verified`.
    pub fn lines(&self) -> Vec<String> {
        let head = match &self.request {
            Some(r) => format!("{}:{r}: {}", self.page.display(), self.title),
            None => format!("{}: {}", self.page.display(), self.title),
        };
        match &self.outcome {
            None => vec![format!(
                "{head}: not verified (no language with a runner has this title)"
            )],
            Some(o) if o.is_ok() => vec![format!("{head}: ok")],
            Some(o) => o
                .lines()
                .into_iter()
                .map(|l| format!("{head}: {l}"))
                .collect(),
        }
    }
}

/// What an as-written run found.
#[derive(Debug, Default)]
pub struct AsWrittenReport {
    pub verdicts: Vec<BlockVerdict>,
    pub diagnostics: Vec<Diagnostic>,
    /// How blocks were isolated, or why the network could not be.
    pub isolation: String,
}

impl AsWrittenReport {
    pub fn failed(&self) -> usize {
        self.verdicts.iter().filter(|v| v.is_failure()).count()
    }

    pub fn not_verified(&self) -> usize {
        self.verdicts.iter().filter(|v| v.outcome.is_none()).count()
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    /// Per title: (title, blocks, ok, failed, not verified), in first-seen order.
    pub fn table(&self) -> Vec<(String, usize, usize, usize, usize)> {
        let mut rows: Vec<(String, usize, usize, usize, usize)> = Vec::new();
        for v in &self.verdicts {
            let i = match rows.iter().position(|r| r.0 == v.title) {
                Some(i) => i,
                None => {
                    rows.push((v.title.clone(), 0, 0, 0, 0));
                    rows.len() - 1
                }
            };
            let r = &mut rows[i];
            r.1 += 1;
            match &v.outcome {
                None => r.4 += 1,
                Some(o) if o.is_ok() => r.2 += 1,
                Some(o) if o.is_failure() => r.3 += 1,
                Some(_) => {}
            }
        }
        rows
    }

    /// The summary table as text.
    pub fn table_text(&self) -> String {
        let rows = self.table();
        let w = rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        let mut out = format!(
            "{:w$}  {:>6}  {:>6}  {:>6}  {:>12}\n",
            "language", "blocks", "ok", "failed", "not verified"
        );
        for (t, n, ok, bad, nv) in rows {
            out.push_str(&format!("{t:w$}  {n:>6}  {ok:>6}  {bad:>6}  {nv:>12}\n"));
        }
        out
    }
}

/// The runner for a block titled `title`: the site's language of that title, else the
/// built-in one.
fn runner_for_title(site: &Site, title: &str) -> Option<(String, RunSpec)> {
    if let Some(l) = site.languages.iter().find(|l| l.title == title) {
        return l.run.clone().map(|r| (l.name.clone(), r));
    }
    language::builtins()
        .into_iter()
        .find(|s| s.title == title)
        .and_then(|s| s.run.map(|r| (s.name, r)))
}

struct Block {
    page: PathBuf,
    title: String,
    code: String,
    expected: Request,
    /// The request's label on a page with several ([`build::PageRequest::label`]).
    label: Option<String>,
    /// The host the page sends the request to, replaced by the echo server's.
    host: String,
}

/// Runs every titled code block of every endpoint page under `docs` as written.
pub fn verify_as_written(docs: &Path, site: &Site, opts: &AsWrittenOptions) -> AsWrittenReport {
    let mut report = AsWrittenReport::default();
    let mut diags = Vec::new();
    let mut blocks = Vec::new();
    let mut known: Vec<String> = site.languages.iter().map(|l| l.title.clone()).collect();
    for s in language::builtins() {
        if !known.contains(&s.title) {
            known.push(s.title);
        }
    }
    let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();
    for e in build::walk(docs, None, &mut diags)
        .iter()
        .filter(|e| site.reads(&e.rel))
    {
        let shown = docs.join(&e.rel);
        let Ok(Ok(text)) = std::fs::read(&e.abs).map(String::from_utf8) else {
            continue;
        };
        let Ok(Some(parsed)) =
            build::parse_page_for_host(&shown, &text, site, "http://127.0.0.1", &mut diags)
        else {
            continue;
        };
        // Blocks of a language: as the site's format finds them (kramdown titles,
        // Docusaurus or Hugo tabs, …); a comment's group holds its request's, the
        // others the front-matter request's.
        let claimed = format::claimed(site.format.as_ref(), &parsed.structure, &known_refs);
        let mut front: Vec<(String, String)> = site.format.existing(&parsed.structure, &known_refs);
        for tab in claimed.iter().flatten().flat_map(|g| &g.tabs) {
            if let Some(i) = front.iter().position(|t| t == tab) {
                front.remove(i);
            }
        }
        let block = |r: &build::PageRequest, title: String, code: String| Block {
            page: shown.clone(),
            title,
            code,
            expected: r.request.clone(),
            label: r.label(),
            host: r.host.trim_end_matches('/').to_string(),
        };
        for r in &parsed.requests {
            let tabs = match r.comment {
                Some(i) => claimed[i]
                    .as_ref()
                    .map(|g| g.tabs.clone())
                    .unwrap_or_default(),
                None => std::mem::take(&mut front),
            };
            for (title, code) in tabs {
                blocks.push(block(r, title, code));
            }
        }
        // Other titled code blocks: listed as not verified.
        let first = &parsed.requests[0];
        for (title, info, code) in parsed.structure.all_titled_blocks() {
            let info = info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            if DATA_FENCES.contains(&info.as_str()) || known.contains(&title) {
                continue;
            }
            blocks.push(block(first, title, code));
        }
    }
    report.diagnostics.extend(diags);

    // Runtimes: every language some block needs.
    let mut runners: Vec<(String, String, RunSpec)> = Vec::new();
    for b in &blocks {
        if runners.iter().any(|r| r.0 == b.title) {
            continue;
        }
        if let Some((name, r)) = runner_for_title(site, &b.title) {
            runners.push((b.title.clone(), name, r));
        }
    }
    let programs: Vec<String> = runners
        .iter()
        .flat_map(|(_, _, r)| {
            let mut p: Vec<String> = r.needs.iter().map(|n| n.check[0].clone()).collect();
            p.extend(r.command.first().cloned());
            p
        })
        .collect();
    let real = verify::RealRuntimes::resolve(&programs).ok();
    let bin_dir = real.as_ref().map(|r| r.path().to_path_buf());
    if let Some(b) = &bin_dir {
        // Readable by the sandbox user (docsnip as root runs blocks as another user).
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(b, std::fs::Permissions::from_mode(0o755));
    }
    let needs: Vec<verify::Need> = runners.iter().flat_map(|r| r.2.needs.clone()).collect();
    let (problems, _) = verify::check_needs_fingerprinted(&needs, bin_dir.as_deref());
    for p in problems {
        report.diagnostics.push(Diagnostic::error(docs, None, p));
    }
    if report.errors() > 0 {
        return report;
    }

    let server = match EchoServer::start() {
        Ok(s) => s,
        Err(e) => {
            report.diagnostics.push(Diagnostic::error(
                docs,
                None,
                format!("cannot start the echo server on 127.0.0.1: {e}"),
            ));
            return report;
        }
    };
    // The echo server's port, from a base URL `http://127.0.0.1:PORT/…`.
    let probe_url = server.base_url("probe");
    let addr: Option<std::net::SocketAddr> = probe_url
        .strip_prefix("http://")
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok());
    let containment = match addr
        .ok_or_else(|| "the echo server's address is not 127.0.0.1:PORT".to_string())
        .and_then(|addr| contain(opts, addr, docs, &programs, real.as_ref()))
    {
        Ok(c) => c,
        Err(why) => {
            report.diagnostics.push(Diagnostic::error(
                docs,
                None,
                format!(
                    "verify --as-written runs the pages' code only in a sandbox, and there is none here: {why}; {SANDBOX_HINT}"
                ),
            ));
            return report;
        }
    };
    report.isolation = containment.isolation.clone();
    let untrusted = containment.untrusted.clone();
    let pool = match crate::verify::tree::worker_pool(opts.jobs, docs) {
        Ok(p) => p,
        Err(d) => {
            report.diagnostics.push(d);
            return report;
        }
    };
    report.verdicts = pool.install(|| {
        blocks
            .par_iter()
            .map(|b| {
                let Some((_, name, runner)) = runners.iter().find(|r| r.0 == b.title) else {
                    return BlockVerdict {
                        page: b.page.clone(),
                        request: b.label.clone(),
                        title: b.title.clone(),
                        language: None,
                        outcome: None,
                        created_files: Vec::new(),
                    };
                };
                let mut runner = runner.clone();
                runner.bin_dir = bin_dir.clone();
                runner.untrusted = Some(untrusted.clone());
                let r =
                    verify::verify_snippet(&server, &runner, &b.expected, opts.timeout, |url| {
                        Ok(if b.host.is_empty() {
                            b.code.clone()
                        } else {
                            b.code.replace(&b.host, url)
                        })
                    });
                BlockVerdict {
                    page: b.page.clone(),
                    request: b.label.clone(),
                    title: b.title.clone(),
                    language: Some(name.clone()),
                    outcome: Some(r.outcome),
                    created_files: r.created_files,
                }
            })
            .collect()
    });
    drop(containment);
    report
}
