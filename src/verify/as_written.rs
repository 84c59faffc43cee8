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
//! block is contained (own scratch folder as `HOME`, scrubbed environment, the same
//! timeout, and its own network namespace with only loopback where available).

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
    /// The `docsnip` executable, re-run as the sandbox helper for network isolation;
    /// `None` runs blocks without it (scrubbed environment only).
    pub sandbox_exe: Option<PathBuf>,
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
    let mut relay = None;
    let untrusted = match (&opts.sandbox_exe, addr) {
        (Some(exe), Some(addr)) => match sandbox::probe(exe)
            .and_then(|()| Relay::start(addr).map_err(|e| format!("cannot start the relay: {e}")))
        {
            Ok(r) => {
                let wrapper = vec![
                    exe.display().to_string(),
                    sandbox::HELPER_ARG.to_string(),
                    "--net".to_string(),
                    addr.port().to_string(),
                    r.socket().display().to_string(),
                    "--".to_string(),
                ];
                relay = Some(r);
                report.isolation = "each block ran in its own scratch folder with a scrubbed environment and its own network namespace (loopback only)".into();
                Untrusted { wrapper }
            }
            Err(why) => {
                report.isolation = format!(
                    "each block ran in its own scratch folder with a scrubbed environment, but NOT network-isolated: {why}"
                );
                Untrusted {
                    wrapper: Vec::new(),
                }
            }
        },
        _ => {
            report.isolation = "each block ran in its own scratch folder with a scrubbed environment, but NOT network-isolated (no sandbox helper)".into();
            Untrusted {
                wrapper: Vec::new(),
            }
        }
    };
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
    drop(relay);
    report
}
