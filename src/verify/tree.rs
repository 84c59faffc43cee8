//! `docsnip verify DOCS`: render every endpoint page's snippets against a local echo
//! server, run each with its real runtime, and report per page and language.
//!
//! The project's own execution tests call [`verify_tree`] too, so the command and the
//! tests can never drift apart.

use crate::build::{self, Site};
use crate::diag::Diagnostic;
use crate::render::{Language, RenderError, Renderer};
use crate::request::Request;
use crate::verify::cache::{CANONICAL_BASE, Cache, Key};
use crate::verify::echo::EchoServer;
use crate::verify::{self, Need, Outcome, Report, RunSpec};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The base URL the expected requests are normalized against: it has no path of its own,
/// so `Request::path` is the page's path, as the echo server records it.
const EXPECTED_BASE: &str = "http://127.0.0.1";

/// How a verify run behaves.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Snippets run at once.
    pub jobs: usize,
    /// How long one snippet may run.
    pub timeout: Duration,
    /// Where passes are cached (see [`crate::verify::cache`]); `None` runs everything.
    pub cache: Option<PathBuf>,
    /// Run Python snippets and HTTPie through a preloaded interpreter that forks a
    /// child per snippet (see [`crate::verify::forkserver`]).
    pub preload: bool,
    /// Compile the snippets of a language with a `run.batch` in one step per batch (see
    /// [`crate::verify::batch`]); `DOCSNIP_NO_BATCH=1` turns it off.
    pub batch: bool,
    /// docsnip's executable, run as the fork server's client (`docsnip __fork-client`,
    /// about 1 ms per snippet); `None` uses the Python client (about 17 ms).
    pub fork_client: Option<PathBuf>,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: Duration::from_secs(30),
            cache: None,
            preload: std::env::var_os("DOCSNIP_NO_PRELOAD").is_none(),
            batch: std::env::var_os("DOCSNIP_NO_BATCH").is_none(),
            fork_client: None,
        }
    }
}

/// How far a verify run is, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub pages_done: usize,
    pub pages: usize,
    pub snippets_done: usize,
    pub snippets: usize,
    /// Failures so far.
    pub failed: usize,
}

/// The verdict for one page and language.
#[derive(Debug)]
pub struct Verdict {
    /// The page, as shown in messages (DOCS joined with its relative path).
    pub page: PathBuf,
    /// The request, on a page with several (`LINE: NAME`, a comment's request).
    pub request: Option<String>,
    pub language: String,
    pub outcome: Outcome,
    /// Files the snippet created in its work folder (an injected command would).
    pub created_files: Vec<String>,
    /// The pass comes from the verify cache: nothing that decides it changed since the
    /// snippet last ran and passed.
    pub cached: bool,
    /// Set when the snippet timed out while other snippets ran and was run once more,
    /// alone, with a longer limit: what happened.
    pub rerun: Option<String>,
}

/// A snippet that times out while other snippets run is run once more, alone, with
/// this many times the timeout; a snippet that really hangs fails after at most
/// `1 + RERUN_FACTOR` times the timeout (per step: build and run).
pub const RERUN_FACTOR: u32 = 2;

impl Verdict {
    /// `PATH: language: ok` (`ok (cached)`), or one line per difference; a comment's
    /// request as `PATH:LINE: NAME: language: …`.
    pub fn lines(&self) -> Vec<String> {
        let head = match &self.request {
            Some(r) => format!("{}:{r}: {}", self.page.display(), self.language),
            None => format!("{}: {}", self.page.display(), self.language),
        };
        if self.outcome.is_ok() && self.cached {
            vec![format!("{head}: ok (cached)")]
        } else if let (true, Some(note)) = (self.outcome.is_ok(), &self.rerun) {
            vec![format!("{head}: ok ({note})")]
        } else if self.outcome.is_ok() {
            vec![format!("{head}: ok")]
        } else {
            let mut lines: Vec<String> = self
                .outcome
                .lines()
                .into_iter()
                .map(|l| format!("{head}: {l}"))
                .collect();
            lines.extend(self.rerun.iter().map(|note| format!("{head}: {note}")));
            lines
        }
    }
}

/// What a verify run found.
#[derive(Debug, Default)]
pub struct VerifyReport {
    pub verdicts: Vec<Verdict>,
    /// Page errors and warnings, and runtime problems (a missing runtime is an error).
    pub diagnostics: Vec<Diagnostic>,
}

impl VerifyReport {
    pub fn failed(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| v.outcome.is_failure())
            .count()
    }

    /// Page/language pairs whose template refused the request (no snippet to run).
    pub fn refused(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| matches!(v.outcome, Outcome::Refused { .. }))
            .count()
    }

    /// Passes that came from the cache.
    pub fn cached(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| v.cached && v.outcome.is_ok())
            .count()
    }

    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn ok(&self) -> bool {
        self.failed() == 0 && self.errors() == 0
    }
}

/// How `verify` runs a language: its folder's runner, or the one its template comment or
/// `languages:` entry declares.
fn runner_for(lang: &Language) -> Result<RunSpec, String> {
    lang.run.clone().ok_or_else(|| format!(
        "language `{}` declares no runner: add run=\"PROGRAM\" ext=\".EXT\" to the `{{# docsnip: … #}}` comment of its template, or run/ext to its `languages:` entry",
        lang.name
    ))
}

/// Check that every runtime the active languages need is installed; one error each.
pub fn check_languages(site: &Site) -> Vec<String> {
    check_languages_fingerprinted(site, None).0
}

/// [`check_languages`], also returning each installed need's fingerprint.
fn check_languages_fingerprinted(
    site: &Site,
    bin_dir: Option<&Path>,
) -> (Vec<String>, Vec<(Need, String)>) {
    let mut problems = Vec::new();
    let mut needs = Vec::new();
    for lang in &site.languages {
        match runner_for(lang) {
            Ok(r) => needs.extend(r.needs),
            Err(e) => problems.push(e),
        }
    }
    let (more, prints) = verify::check_needs_fingerprinted(&needs, bin_dir);
    problems.extend(more);
    (problems, prints)
}

/// The fingerprint of a runner's runtimes: its needs' fingerprints and where its build
/// and run programs really are.
fn runtime_fingerprint(runner: &RunSpec, prints: &[(Need, String)]) -> String {
    let bin = runner.bin_dir.as_deref();
    let mut out = String::new();
    for need in &runner.needs {
        if let Some((_, fp)) = prints.iter().find(|(n, _)| n == need) {
            out.push_str(fp);
        }
        out.push('\n');
    }
    let batch = runner.batch.iter().flat_map(|b| [&b.build, &b.command]);
    let programs = runner.build.iter().chain([&runner.command]).chain(batch);
    for program in programs.filter_map(|argv| argv.first()) {
        out.push_str(&verify::program_fingerprint_in(program, bin).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// One endpoint page, read once.
/// One request of a page.
struct PageJob {
    shown: PathBuf,
    text: std::sync::Arc<str>,
    expected: Request,
    /// Which of the page's requests ([`build::Parsed::requests`]).
    index: usize,
    /// How reports name it (a comment's request), see [`build::PageRequest::label`].
    label: Option<String>,
}

/// Verify every endpoint page under `docs` in every active language of `site`.
pub fn verify_tree(docs: &Path, site: &Site, opts: &VerifyOptions) -> VerifyReport {
    verify_tree_with(docs, site, opts, &|_| {})
}

/// [`verify_tree`], calling `progress` after each snippet.
pub fn verify_tree_with(
    docs: &Path,
    site: &Site,
    opts: &VerifyOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> VerifyReport {
    let mut report = VerifyReport::default();
    // The runtimes' real executables, resolved once for the whole run.
    let programs: Vec<String> = site
        .languages
        .iter()
        .filter_map(|l| l.run.as_ref())
        .flat_map(|r| {
            let mut p: Vec<String> = r.needs.iter().map(|n| n.check[0].clone()).collect();
            p.extend(r.command.first().cloned());
            p.extend(r.build.as_ref().and_then(|b| b.first().cloned()));
            if let Some(b) = &r.batch {
                p.extend(b.build.first().cloned());
                p.extend(b.command.first().cloned());
            }
            p
        })
        .collect();
    let real = verify::RealRuntimes::resolve(&programs).ok();
    let bin_dir = real.as_ref().map(|r| r.path().to_path_buf());
    let (problems, prints) = check_languages_fingerprinted(site, bin_dir.as_deref());
    for p in problems {
        report.diagnostics.push(Diagnostic::error(docs, None, p));
    }
    if !report.diagnostics.is_empty() {
        return report;
    }
    let mut diags = Vec::new();
    let entries = build::walk(docs, None, &mut diags);
    let mut pages = Vec::new();
    for e in entries.iter().filter(|e| site.reads(&e.rel)) {
        let shown = docs.join(&e.rel);
        let text = match std::fs::read(&e.abs).map(String::from_utf8) {
            Ok(Ok(t)) => t,
            Ok(Err(_)) => continue, // not a page docsnip reads; the build reports it
            Err(err) => {
                diags.push(Diagnostic::error(
                    &shown,
                    None,
                    format!("cannot read: {err}"),
                ));
                continue;
            }
        };
        // Pages that fail to build are reported through `diags`.
        if let Ok(Some(parsed)) =
            build::parse_page_for_host(&shown, &text, site, EXPECTED_BASE, &mut diags)
        {
            let shared: std::sync::Arc<str> = text.as_str().into();
            for (index, r) in parsed.requests.into_iter().enumerate() {
                pages.push(PageJob {
                    shown: shown.clone(),
                    text: shared.clone(),
                    label: r.label(),
                    expected: r.request,
                    index,
                });
            }
        }
    }
    report.diagnostics.extend(diags);

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
    let runners: Vec<(usize, RunSpec, String)> = site
        .languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            runner_for(l).ok().map(|mut r| {
                r.bin_dir = bin_dir.clone();
                let fp = runtime_fingerprint(&r, &prints);
                (i, r, fp)
            })
        })
        .collect();
    // The runners as they are run: Python through the fork server when there is one.
    let fork = if opts.preload {
        bin_dir
            .as_deref()
            .and_then(|b| start_fork_server(b, &runners, opts.fork_client.as_deref()))
    } else {
        None
    };
    let exec_runners: Vec<RunSpec> = runners
        .iter()
        .map(|(_, r, _)| {
            let mut r = r.clone();
            if let Some(f) = &fork
                && r.command.len() == 2
                && r.command[0] == "python3"
                && r.command[1] == r.file
            {
                r.command = f.command(&r.file);
            }
            r
        })
        .collect();
    let runners: Vec<(usize, RunSpec, String)> = runners
        .into_iter()
        .zip(exec_runners)
        .map(|((i, _, fp), r)| (i, r, fp))
        .collect();
    let jobs: Vec<(usize, &PageJob, &Language, &RunSpec, &str)> = pages
        .iter()
        .enumerate()
        .flat_map(|(n, p)| {
            runners
                .iter()
                .map(move |(i, r, fp)| (n, p, &site.languages[*i], r, fp.as_str()))
        })
        .collect();
    let cache = opts.cache.as_ref().map(Cache::new);
    let left: Vec<AtomicUsize> = pages
        .iter()
        .map(|_| AtomicUsize::new(runners.len()))
        .collect();
    let (pages_done, snippets_done, failed) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let tick = |n: usize, v: &Verdict| {
        if v.outcome.is_failure() {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        if left[n].fetch_sub(1, Ordering::Relaxed) == 1 {
            pages_done.fetch_add(1, Ordering::Relaxed);
        }
        progress(Progress {
            pages_done: pages_done.load(Ordering::Relaxed),
            pages: pages.len(),
            snippets_done: snippets_done.fetch_add(1, Ordering::Relaxed) + 1,
            snippets: jobs.len(),
            failed: failed.load(Ordering::Relaxed),
        });
    };
    let pool = match worker_pool(opts.jobs, docs) {
        Ok(p) => p,
        Err(d) => {
            report.diagnostics.push(d);
            return report;
        }
    };
    report.verdicts = pool.install(|| run_jobs(&server, site, opts, cache.as_ref(), &jobs, &tick));
    report
}

/// The pool snippets run on: `jobs` threads (at least one), or an error naming `docs`.
pub(crate) fn worker_pool(jobs: usize, docs: &Path) -> Result<rayon::ThreadPool, Diagnostic> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.max(1))
        .build()
        .map_err(|e| Diagnostic::error(docs, None, format!("cannot start worker threads: {e}")))
}

/// One page in one language: the page's index, the page, the language, its runner as
/// run and its runtime fingerprint.
type Job<'a> = (usize, &'a PageJob, &'a Language, &'a RunSpec, &'a str);

/// Runs every job over the current pool: cached passes and refusals first, then the
/// rest, the uncached snippets of a language with a `run.batch` (one compile step for
/// many snippets) in batches, the others one by one. Verdicts in `jobs` order.
fn run_jobs(
    server: &EchoServer,
    site: &Site,
    opts: &VerifyOptions,
    cache: Option<&Cache>,
    jobs: &[Job],
    tick: &(dyn Fn(usize, &Verdict) + Sync),
) -> Vec<Verdict> {
    let looked: Vec<Lookup> = jobs
        .par_iter()
        .map(|&(n, page, lang, runner, runtime)| {
            let l = lookup(site, cache, page, lang, runner, runtime);
            if let Lookup::Done(v) = &l {
                tick(n, v);
            }
            l
        })
        .collect();
    let units = batch_units(jobs, &looked, opts);
    let run_one = |i: usize, timeout: Duration| {
        let (_, page, lang, runner, _) = jobs[i];
        verify::verify_snippet(server, runner, &page.expected, timeout, |base_url| {
            render_for(page, site, lang, base_url).map_err(|e| e.to_string())
        })
    };
    // A timeout while other snippets ran is no evidence: such a snippet runs once more,
    // alone, before it counts (see [`RERUN_FACTOR`]).
    let busy = opts.jobs > 1
        && looked
            .iter()
            .filter(|l| matches!(l, Lookup::Run(_)))
            .count()
            > 1;
    let settle = |i: usize, r: Report, rerun: Option<String>| {
        let (n, page, lang, _, _) = jobs[i];
        let key = match &looked[i] {
            Lookup::Run(key) => key.as_deref(),
            Lookup::Done(_) => None,
        };
        if let (Some(cache), Some(key)) = (cache, key)
            && r.outcome.is_ok()
        {
            // A cache that cannot be written only costs a re-run next time.
            let _ = cache.store_pass(key, &format!("{} {}", page.shown.display(), lang.name));
        }
        let v = Verdict {
            page: page.shown.clone(),
            request: page.label.clone(),
            language: lang.name.clone(),
            outcome: r.outcome,
            created_files: r.created_files,
            cached: false,
            rerun,
        };
        tick(n, &v);
        (i, v)
    };
    let (mut ran, timed_out): (Vec<(usize, Verdict)>, Vec<usize>) = {
        let all: Vec<Result<(usize, Verdict), usize>> = units
            .par_iter()
            .flat_map_iter(|unit| {
                let verdicts = match unit.as_slice() {
                    &[i] => vec![run_one(i, opts.timeout)],
                    many => {
                        let items = many
                            .iter()
                            .map(|&i| {
                                let (_, page, lang, _, _) = jobs[i];
                                crate::verify::batch::Item {
                                    expected: &page.expected,
                                    code_for: Box::new(move |base_url: &str| {
                                        render_for(page, site, lang, base_url)
                                            .map_err(|e| e.to_string())
                                    }),
                                }
                            })
                            .collect();
                        crate::verify::batch::verify_batch(
                            server,
                            jobs[many[0]].3,
                            items,
                            opts.timeout,
                        )
                    }
                };
                unit.iter()
                    .zip(verdicts)
                    .map(|(&i, r)| {
                        if busy && r.outcome.timed_out() {
                            Err(i)
                        } else {
                            Ok(settle(i, r, None))
                        }
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut ran = Vec::new();
        let mut timed_out = Vec::new();
        for x in all {
            match x {
                Ok(v) => ran.push(v),
                Err(t) => timed_out.push(t),
            }
        }
        (ran, timed_out)
    };
    // Every other snippet has finished: one at a time, nothing else running.
    let longer = opts.timeout.saturating_mul(RERUN_FACTOR);
    for i in timed_out {
        let r = run_one(i, longer);
        let note = if r.outcome.is_ok() {
            format!(
                "timed out under load (after {:.1}s); passed when re-run alone",
                opts.timeout.as_secs_f64()
            )
        } else if r.outcome.timed_out() {
            format!(
                "timed out twice: after {:.1}s under load, then after {:.1}s when re-run alone",
                opts.timeout.as_secs_f64(),
                longer.as_secs_f64()
            )
        } else {
            format!(
                "timed out under load (after {:.1}s); re-run alone, it failed as above",
                opts.timeout.as_secs_f64()
            )
        };
        ran.push(settle(i, r, Some(note)));
    }
    let mut out: Vec<Option<Verdict>> = looked
        .into_iter()
        .map(|l| match l {
            Lookup::Done(v) => Some(v),
            Lookup::Run(_) => None,
        })
        .collect();
    for (i, v) in ran {
        out[i] = Some(v);
    }
    out.into_iter()
        .map(|v| v.expect("every job has a verdict"))
        .collect()
}

/// The jobs to run, as units: a batch (several jobs of one language whose runner has a
/// `run.batch`) or one job. Batches come first so their compile steps start early; a
/// language's snippets are split into one batch per worker (at most 64 each), so the
/// workers compile at once.
fn batch_units(jobs: &[Job], looked: &[Lookup], opts: &VerifyOptions) -> Vec<Vec<usize>> {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    let mut singles = Vec::new();
    for (i, l) in looked.iter().enumerate() {
        if !matches!(l, Lookup::Run(_)) {
            continue;
        }
        let (_, _, lang, runner, _) = jobs[i];
        if runner.batch.is_none() || !opts.batch {
            singles.push(vec![i]);
            continue;
        }
        match groups.iter_mut().find(|(name, _)| *name == lang.name) {
            Some((_, g)) => g.push(i),
            None => groups.push((lang.name.as_str(), vec![i])),
        }
    }
    let mut units = Vec::new();
    for (_, group) in groups {
        let size = group.len().div_ceil(opts.jobs.max(1)).clamp(2, 64);
        for chunk in group.chunks(size) {
            units.push(chunk.to_vec());
        }
    }
    units.extend(singles);
    units
}

/// A job before it runs: settled from the cache or by a refusal, or to run (with the
/// cache key its pass is stored under).
enum Lookup {
    Done(Verdict),
    Run(Option<String>),
}

/// One page in one language: its cached pass when it passed before with everything
/// that decides it unchanged, a refusal when the template refuses the request, else
/// the key to store a pass under.
fn lookup(
    site: &Site,
    cache: Option<&Cache>,
    page: &PageJob,
    lang: &Language,
    runner: &RunSpec,
    runtime: &str,
) -> Lookup {
    let verdict = |outcome, cached| {
        Lookup::Done(Verdict {
            page: page.shown.clone(),
            request: page.label.clone(),
            language: lang.name.clone(),
            outcome,
            created_files: Vec::new(),
            cached,
            rerun: None,
        })
    };
    let canonical = render_for(page, site, lang, CANONICAL_BASE);
    if let Err(RenderError::Refused { reason, .. }) = canonical {
        return verdict(Outcome::Refused { reason }, false);
    }
    // The key holds the runner as the language declares it, not as this run executes it
    // (a per-run folder of links, the fork server).
    let declared = runner_for(lang).unwrap_or_else(|_| runner.clone());
    let key = match (cache, &canonical) {
        (Some(_), Ok(snippet)) => Some(
            Key {
                language: &lang.name,
                runner: &declared,
                runtime,
                expected: &page.expected,
                files: &verify::sample_files(&page.expected),
                snippet,
            }
            .digest(),
        ),
        _ => None,
    };
    if let (Some(cache), Some(key)) = (cache, &key)
        && cache.passed(key)
    {
        return verdict(Outcome::Ok, true);
    }
    Lookup::Run(key)
}

/// Starts the Python fork server when a runner runs `python3` or HTTPie's `http` is
/// needed: on the `python3` that `bin_dir` starts (by that path), or else on the Python
/// that HTTPie's script names. Links `http` to a client script when HTTPie's interpreter is
/// the server's Python. `client` is docsnip's executable, run as the client when given.
fn start_fork_server(
    bin_dir: &Path,
    runners: &[(usize, RunSpec, String)],
    client: Option<&Path>,
) -> Option<crate::verify::forkserver::ForkServer> {
    let uses = |p: &str| {
        runners.iter().any(|(_, r, _)| {
            r.command.first().is_some_and(|c| c == p) || r.needs.iter().any(|n| n.check[0] == p)
        })
    };
    // Linux only (tested there: its client's fd passing and signals); elsewhere every
    // snippet runs as its own process.
    if !cfg!(target_os = "linux") || (!uses("python3") && !uses("http")) {
        return None;
    }
    // By the paths the user's shell starts, never their canonical targets: a venv's
    // `python3` is a link to its base interpreter, and only its own path finds the venv.
    let http = verify::started_path(bin_dir, "http");
    let http_python = http
        .as_deref()
        .and_then(crate::verify::forkserver::script_interpreter);
    let python = verify::started_path(bin_dir, "python3").or_else(|| http_python.clone())?;
    let mut server = crate::verify::forkserver::ForkServer::start(&python).ok()?;
    if let Some(exe) = client {
        server.set_native_client(exe.to_path_buf());
    }
    if let Some(real) = &http
        && http_python
            .as_deref()
            .is_some_and(|h| verify::same_interpreter(h, &python))
    {
        use std::os::unix::fs::PermissionsExt;
        let script = server.script_for(real);
        let link = bin_dir.join("http");
        let tmp = bin_dir.join(".http.tmp");
        let written = std::fs::write(&tmp, script)
            .and_then(|()| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755)))
            .and_then(|()| std::fs::rename(&tmp, &link));
        if written.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
    Some(server)
}

/// The snippet of `lang` for a page, rendered with `base_url`.
fn render_for(
    page: &PageJob,
    site: &Site,
    lang: &Language,
    base_url: &str,
) -> Result<String, RenderError> {
    let mut diags = Vec::new();
    let parsed = build::parse_page_for_host(&page.shown, &page.text, site, base_url, &mut diags);
    let request = match parsed
        .ok()
        .flatten()
        .map(|mut p| p.requests.swap_remove(page.index))
    {
        Some(r) => r.request,
        _ => {
            return Err(RenderError::Render {
                template: lang.name.clone(),
                message: diags
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            });
        }
    };
    site.renderer
        .render_with(&lang.name, &Renderer::context(&request))
}
