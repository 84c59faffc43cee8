//! `docsnip verify DOCS`: render every endpoint page's snippets against a local echo
//! server, run each with its real runtime, and report per page and language.
//!
//! The project's own execution tests call [`verify_tree`] too, so the command and the
//! tests can never drift apart.

use crate::build::{self, Site};
use crate::diag::Diagnostic;
use crate::echo::EchoServer;
use crate::render::{Language, RenderError, Renderer};
use crate::request::Request;
use crate::verify::{self, Outcome, RunSpec};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
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
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
            timeout: Duration::from_secs(30),
        }
    }
}

/// The verdict for one page and language.
#[derive(Debug)]
pub struct Verdict {
    /// The page, as shown in messages (DOCS joined with its relative path).
    pub page: PathBuf,
    pub language: String,
    pub outcome: Outcome,
    /// Files the snippet created in its work folder (an injected command would).
    pub created_files: Vec<String>,
}

impl Verdict {
    /// `PATH: language: ok`, or one line per difference.
    pub fn lines(&self) -> Vec<String> {
        let head = format!("{}: {}", self.page.display(), self.language);
        if self.outcome.is_ok() {
            vec![format!("{head}: ok")]
        } else {
            self.outcome
                .lines()
                .into_iter()
                .map(|l| format!("{head}: {l}"))
                .collect()
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
    let mut problems = Vec::new();
    let mut needs = Vec::new();
    for lang in &site.languages {
        match runner_for(lang) {
            Ok(r) => needs.extend(r.needs),
            Err(e) => problems.push(e),
        }
    }
    problems.extend(verify::check_needs(&needs));
    problems
}

/// One endpoint page, read once.
struct PageJob {
    shown: PathBuf,
    text: String,
    expected: Request,
}

/// Verify every endpoint page under `docs` in every active language of `site`.
pub fn verify_tree(docs: &Path, site: &Site, opts: &VerifyOptions) -> VerifyReport {
    let mut report = VerifyReport::default();
    for p in check_languages(site) {
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
        if let Ok(Some(parsed)) = build::parse_page(&shown, &text, site, EXPECTED_BASE, &mut diags)
        {
            let expected = parsed.request;
            pages.push(PageJob {
                shown,
                text,
                expected,
            });
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
    let runners: Vec<(usize, RunSpec)> = site
        .languages
        .iter()
        .enumerate()
        .filter_map(|(i, l)| runner_for(l).ok().map(|r| (i, r)))
        .collect();
    let jobs: Vec<(&PageJob, &Language, &RunSpec)> = pages
        .iter()
        .flat_map(|p| {
            runners
                .iter()
                .map(move |(i, r)| (p, &site.languages[*i], r))
        })
        .collect();
    let pool = match rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.max(1))
        .build()
    {
        Ok(p) => p,
        Err(e) => {
            report.diagnostics.push(Diagnostic::error(
                docs,
                None,
                format!("cannot start worker threads: {e}"),
            ));
            return report;
        }
    };
    report.verdicts = pool.install(|| {
        jobs.par_iter()
            .map(|(page, lang, runner)| {
                if let Err(RenderError::Refused { reason, .. }) =
                    render_for(page, site, lang, EXPECTED_BASE)
                {
                    return Verdict {
                        page: page.shown.clone(),
                        language: lang.name.clone(),
                        outcome: Outcome::Refused { reason },
                        created_files: Vec::new(),
                    };
                }
                let r = verify::verify_snippet(
                    &server,
                    runner,
                    &page.expected,
                    opts.timeout,
                    |base_url| render_for(page, site, lang, base_url).map_err(|e| e.to_string()),
                );
                Verdict {
                    page: page.shown.clone(),
                    language: lang.name.clone(),
                    outcome: r.outcome,
                    created_files: r.created_files,
                }
            })
            .collect()
    });
    report
}

/// The snippet of `lang` for a page, rendered with `base_url`.
fn render_for(
    page: &PageJob,
    site: &Site,
    lang: &Language,
    base_url: &str,
) -> Result<String, RenderError> {
    let mut diags = Vec::new();
    let parsed = match build::parse_page(&page.shown, &page.text, site, base_url, &mut diags) {
        Ok(Some(p)) => p,
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
        .render_with(&lang.name, &Renderer::context(&parsed.request))
}
