//! The command line: parse arguments, run the library, map the result to an exit code.

use clap::{Parser, Subcommand};
use docsnip::build::{self, BuildOptions, Mode, Site, SiteOptions};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const EXAMPLES: &str = "\
Examples:
  docsnip docs/ out/                  build: mirror docs/ into out/ with snippets
  docsnip --check docs/ out/          CI: exit 1 and list pages whose out/ copy is stale
  docsnip --in-place docs/            rewrite the pages of docs/ themselves
  docsnip --lang curl,python docs/ out/
  docsnip --lang all docs/ out/       every built-in language (17; docsnip --list-languages)
  docsnip verify docs/                run every snippet against a local echo server
  docsnip import --in-place docs/     write method: + request: from each page's hand-pasted curl

A page is an endpoint page when its front-matter has `method:` or `request:`;
every other file is copied byte for byte. Exit codes: 0 ok, 1 a page or check
failed, 2 bad usage.";

const AS_WRITTEN_HELP: &str = "\
Examples:
  docsnip verify docs/
  docsnip verify --lang python --templates my-templates/ docs/
  docsnip verify --cache-dir .docsnip-cache docs/
  docsnip verify --as-written docs/

--as-written runs the code blocks each endpoint page already carries (hand-pasted or
generated), each by the language whose title its `{: title=\"…\"}` line names, and
compares what it sent with the page's front-matter request. The base URL is pointed at
the echo server by replacing, in the block's text, every occurrence of the site's
base_url (config or --base-url, without a trailing /) with the echo server's URL; a
block that calls another host sends nothing there and fails. Blocks whose title has no
runner are listed as not verified.

WARNING: --as-written EXECUTES CODE WRITTEN BY PAGE AUTHORS. Each block runs in a
bubblewrap sandbox (bwrap; Debian package bubblewrap): the filesystem is read-only but
for its scratch folder (also its HOME) and a private /tmp; your home folder, the docs
tree and the working folder are hidden; it sees only its own processes and only a
loopback network; as root, it runs as user nobody; no_new_privs; memory, process-count
and file-size limits and the same timeout; a scrubbed environment (PATH, LANG, HOME and
docsnip's client settings only: CI secrets are not passed). Where no such sandbox works
(bwrap missing, user namespaces disabled), --as-written refuses to run.
--unsandboxed runs the blocks anyway with only the scrubbed environment and a
loopback-only network namespace: the blocks can then read and write whatever you can.
NEVER use --unsandboxed on untrusted pull requests.";

/// Generate API request snippets (curl, HTTPie, Python and Node.js by default; 17 clients
/// with --lang all) from each page's front-matter, so that every example sends exactly
/// the documented request.
#[derive(Parser, Debug)]
#[command(name = "docsnip", version, after_help = EXAMPLES, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// The docs tree to read
    docs: Option<PathBuf>,
    /// Where to write the built tree (not with --in-place)
    out: Option<PathBuf>,

    /// Write nothing: exit 1 and list the pages whose output is stale
    #[arg(long)]
    check: bool,
    /// Rewrite the pages of DOCS themselves (atomically, per file)
    #[arg(long)]
    in_place: bool,
    /// With --check: show a diff of the first stale block of each page
    #[arg(long, short)]
    verbose: bool,
    /// List the built-in languages (name, block title, client) and exit
    #[arg(long)]
    list_languages: bool,

    #[command(flatten)]
    common: Common,
}

#[derive(clap::Args, Debug, Clone)]
struct Common {
    /// Config file (default: DOCS/docsnip.yml when present)
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
    /// Folder of .tera templates that override or add languages
    #[arg(long, value_name = "DIR", global = true)]
    templates: Option<PathBuf>,
    /// Only these languages, in this order (e.g. curl,python; `all` for every built-in one)
    #[arg(long, value_name = "LANGS", value_delimiter = ',', global = true)]
    lang: Option<Vec<String>>,
    /// Override the config's base_url (e.g. for staging docs)
    #[arg(long, value_name = "URL", global = true)]
    base_url: Option<String>,
    /// Treat warnings as errors (for CI)
    #[arg(long, global = true)]
    deny_warnings: bool,
    /// Print only errors
    #[arg(long, short, global = true)]
    quiet: bool,
}

const IMPORT_HELP: &str = "\
Examples:
  docsnip import docs/ imported/          mirror docs/ into imported/, pages imported
  docsnip import --in-place docs/         rewrite the pages of docs/ themselves
  docsnip import --check docs/ imported/  CI: exit 1 when an import would change something
  docsnip import --in-place docs/ && docsnip --in-place docs/ && docsnip verify docs/

For every page with a hand-pasted Curl block and no `request:`, the curl command is read
as bash hands it to curl (quotes, $'…', continuations, comments) and with curl's option
rules (-X -H -d --data-raw --data-binary --data-urlencode --json -F --form-string -u -G
--url -b -A -e -I, bundled short options); `method:` and `request:` for what curl sends
are written into the front-matter, every other byte of the page kept. An Authorization
header that matches a configured auth scheme becomes that scheme. The HTTPie, Python and
Node.js blocks are checked against it: a disagreement is a warning with both readings.
A command that cannot be read (a shell variable, a pipe, an unknown option) is reported
at its line and the page left unchanged. A second import changes nothing.";

const PAGE_HELP: &str = "\
Examples:
  docsnip page --path api/ping.md < docs/api/ping.md
  docsnip page --config docsnip.yml --format mkdocs --path ping.md < docs/ping.md

Reads one page on stdin and writes on stdout exactly the bytes `docsnip DOCS OUT`
would write for it, DOCS being the current folder: the config is --config, else
./docsnip.yml when present, and a ./_config.yml makes it a Jekyll (Liquid) site.
--path names the page in messages (PATH:LINE:COL: …) and by its extension says
whether it is a page (.md, .markdown; .mdx for Docusaurus): any other file is
written back as it came. Without --path every input is read as a page. On an error
nothing is written to stdout and the exit code is 1. This is what the MkDocs,
remark and Jekyll plugins call for each page.";

#[derive(Subcommand, Debug)]
enum Command {
    /// Build one page read on stdin: write what a build would write for it on stdout
    #[command(after_help = PAGE_HELP)]
    Page {
        /// The page's path relative to the docs folder (messages, and its extension)
        #[arg(long, value_name = "REL")]
        path: Option<PathBuf>,
        /// The output format, instead of the config's `format:` (aviator, kramdown,
        /// docusaurus, mkdocs, hugo)
        #[arg(long, value_name = "F")]
        format: Option<String>,
    },
    /// Write `method:` and `request:` into each page from its hand-pasted curl command
    #[command(after_help = IMPORT_HELP)]
    Import {
        /// The docs tree to read
        docs: PathBuf,
        /// Where to write the imported tree (not with --in-place)
        out: Option<PathBuf>,
        /// Write nothing: exit 1 and list the pages an import would change
        #[arg(long)]
        check: bool,
        /// Rewrite the pages of DOCS themselves (atomically, per file)
        #[arg(long)]
        in_place: bool,
    },
    /// Run every snippet with its real runtime against a local echo server
    #[command(
        after_help = AS_WRITTEN_HELP
    )]
    Verify {
        /// The docs tree to verify
        #[arg(required_unless_present = "list_runtimes")]
        docs: Option<PathBuf>,
        /// Snippets run at once (default: the number of cores)
        #[arg(long, value_name = "N")]
        jobs: Option<usize>,
        /// Seconds one snippet may run before it is stopped
        #[arg(long, value_name = "SECONDS", default_value_t = 30)]
        timeout: u64,
        /// Keep passes here and skip snippets whose pass is current (default:
        /// $DOCSNIP_CACHE_DIR/verify, $XDG_CACHE_HOME/docsnip/verify or
        /// ~/.cache/docsnip/verify; point CI's cache at it)
        #[arg(long, value_name = "DIR")]
        cache_dir: Option<PathBuf>,
        /// Run every snippet, ignoring and not writing the cache
        #[arg(long, conflicts_with = "cache_dir")]
        no_cache: bool,
        /// Run the code blocks the pages already carry instead of generating them.
        /// THIS EXECUTES THE PAGES' CODE: see below; never on untrusted pull requests
        /// without isolation
        #[arg(long)]
        as_written: bool,
        /// With --as-written: run the blocks even where no sandbox (bubblewrap) works,
        /// with only a scrubbed environment. UNSAFE on untrusted pull requests
        #[arg(long, requires = "as_written")]
        unsandboxed: bool,
        /// Print, per language, each program verify runs: the path it starts, the
        /// environment it comes from (venv, version manager, system), its version, or
        /// what to install; exit 1 when one is missing. DOCS (optional) picks the
        /// languages as its config does; else --lang, else every built-in language
        #[arg(long)]
        list_runtimes: bool,
    },
}

fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args
        .get(1)
        .is_some_and(|a| a == docsnip::verify::forkserver::CLIENT_ARG)
    {
        let code = docsnip::verify::forkserver::client_main(&args[2..]);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    if args
        .get(1)
        .is_some_and(|a| a == docsnip::verify::sandbox::HELPER_ARG)
    {
        let args: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let code = docsnip::verify::sandbox::helper_main(&args);
        return ExitCode::from(code.clamp(0, 255) as u8);
    }
    let cli = Cli::parse();
    if cli.list_languages {
        println!("{:<12} {:<22} {:<8} client", "name", "title", "default");
        for l in docsnip::language::builtins() {
            let default = if l.default { "yes" } else { "" };
            println!("{:<12} {:<22} {default:<8} {}", l.name, l.title, l.client);
        }
        return ExitCode::SUCCESS;
    }
    let started = Instant::now();
    let c = &cli.common;
    let site_opts = SiteOptions {
        config: c.config.clone(),
        templates: c.templates.clone(),
        langs: c.lang.clone(),
        base_url: c.base_url.clone(),
    };
    if let Some(Command::Verify {
        docs,
        jobs,
        timeout,
        cache_dir,
        no_cache,
        as_written,
        unsandboxed,
        list_runtimes,
    }) = &cli.command
    {
        if *list_runtimes {
            return print_runtimes(docs.as_deref(), &site_opts);
        }
        let Some(docs) = docs else {
            return usage("missing DOCS");
        };
        if *as_written {
            let run = AsWrittenRun {
                jobs: *jobs,
                timeout: *timeout,
                unsandboxed: *unsandboxed,
            };
            return verify_as_written(docs, &site_opts, run, c, started);
        }
        let cache = match (no_cache, cache_dir) {
            (true, _) => None,
            (false, Some(d)) => Some(d.clone()),
            (false, None) => Some(docsnip::verify::cache::Cache::default_dir()),
        };
        return verify(docs, &site_opts, *jobs, *timeout, cache, c, started);
    }
    if let Some(Command::Page { path, format }) = &cli.command {
        return page(path.as_deref(), format.as_deref(), &site_opts, c);
    }
    if let Some(Command::Import {
        docs,
        out,
        check,
        in_place,
    }) = &cli.command
    {
        return import(docs, out.as_deref(), *check, *in_place, &site_opts, c);
    }
    let Some(docs) = cli.docs.clone() else {
        eprintln!("docsnip: error: missing DOCS (see docsnip --help)");
        return ExitCode::from(2);
    };
    let out = match (&cli.out, cli.in_place) {
        (Some(_), true) => return usage("--in-place takes DOCS only, not OUT"),
        (None, true) => docs.clone(),
        (Some(o), false) => o.clone(),
        (None, false) => return usage("missing OUT (or use --in-place to rewrite DOCS itself)"),
    };
    if let Err(code) = require_folder(&docs) {
        return code;
    }
    if !cli.in_place
        && let (Ok(d), Ok(o)) = (docs.canonicalize(), out.canonicalize())
    {
        if d == o {
            return usage("OUT is DOCS: use --in-place to rewrite DOCS itself");
        }
        if d.starts_with(&o) {
            return usage("OUT contains DOCS: choose an OUT outside the docs tree");
        }
    }
    let site = match load_site(&docs, &site_opts) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mode = if cli.check { Mode::Check } else { Mode::Build };
    let opts = BuildOptions {
        docs,
        out,
        mode,
        deny_warnings: c.deny_warnings,
    };
    let (summary, diags) = build::run(&site, &opts);
    for d in &diags {
        if d.is_error() || !c.quiet {
            eprintln!("{d}");
        }
    }
    let failed = summary.errors > 0 || (c.deny_warnings && summary.warnings > 0);
    if failed {
        eprintln!(
            "docsnip: {} error(s), {} warning(s); nothing was written",
            summary.errors, summary.warnings
        );
        return ExitCode::from(1);
    }
    if mode == Mode::Check {
        if !summary.changed.is_empty() {
            for p in &summary.changed {
                println!("stale: {}", opts.out.join(p).display());
                if cli.verbose {
                    print!("{}", stale_diff(&site, &opts, p));
                }
            }
            eprintln!(
                "docsnip: {} of {} files stale; run docsnip without --check to update them",
                summary.changed.len(),
                summary.files
            );
            return ExitCode::from(1);
        }
        if !c.quiet {
            eprintln!("{}", build::summary_line(&summary, started, "stale"));
        }
        return ExitCode::SUCCESS;
    }
    if cli.in_place && !c.quiet {
        for p in &summary.changed {
            println!("updated: {}", opts.docs.join(p).display());
        }
        if summary.changed.is_empty() {
            println!("every page is current: nothing changed");
        }
    }
    if !c.quiet {
        eprintln!("{}", build::summary_line(&summary, started, "written"));
    }
    ExitCode::SUCCESS
}

/// A short unified diff of the first stale block of one file: OUT as it is (`-`) against
/// what a build would write (`+`).
fn stale_diff(site: &Site, opts: &BuildOptions, rel: &std::path::Path) -> String {
    let src = opts.docs.join(rel);
    let Ok(bytes) = std::fs::read(&src) else {
        return String::new();
    };
    let want = match build::process(&src, &bytes, site).0 {
        build::Output::Page { text, .. } => text,
        _ => String::from_utf8_lossy(&bytes).into_owned(),
    };
    let have = std::fs::read_to_string(opts.out.join(rel)).unwrap_or_default();
    docsnip::diag::first_hunk(&have, &want, &format!("{}", opts.out.join(rel).display()))
}

fn verify(
    docs: &std::path::Path,
    site_opts: &SiteOptions,
    jobs: Option<usize>,
    timeout: u64,
    cache: Option<PathBuf>,
    c: &Common,
    started: Instant,
) -> ExitCode {
    use docsnip::verify::tree::{VerifyOptions, verify_tree_with};
    if let Err(code) = require_folder(docs) {
        return code;
    }
    let site = match load_site(docs, site_opts) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut opts = VerifyOptions {
        timeout: std::time::Duration::from_secs(timeout.max(1)),
        cache,
        fork_client: std::env::current_exe().ok(),
        ..VerifyOptions::default()
    };
    if let Some(j) = jobs {
        opts.jobs = j.max(1);
    }
    let line = ProgressLine::new(!c.quiet && std::io::stderr().is_terminal(), started);
    let report = verify_tree_with(docs, &site, &opts, &|p| line.show(p));
    line.clear();
    for d in &report.diagnostics {
        if d.is_error() || !c.quiet {
            eprintln!("{d}");
        }
    }
    for v in &report.verdicts {
        if v.outcome.is_failure() || !c.quiet {
            for line in v.lines() {
                println!("{line}");
            }
        }
    }
    let warnings = report.diagnostics.len() - report.errors();
    let failed = !report.ok() || (c.deny_warnings && warnings > 0);
    let cached = match report.cached() {
        0 => String::new(),
        n => format!(" ({n} ok from the cache)"),
    };
    eprintln!(
        "docsnip verify: {} snippets, {} ok, {} failed, {} refused, {} errors, {} warnings{cached} in {:.1} s",
        report.verdicts.len(),
        report.verdicts.len() - report.failed() - report.refused(),
        report.failed(),
        report.refused(),
        report.errors(),
        warnings,
        started.elapsed().as_secs_f64()
    );
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn import(
    docs: &std::path::Path,
    out: Option<&std::path::Path>,
    check: bool,
    in_place: bool,
    site_opts: &SiteOptions,
    c: &Common,
) -> ExitCode {
    let out = match (out, in_place) {
        (Some(_), true) => return usage("--in-place takes DOCS only, not OUT"),
        (None, true) => docs.to_path_buf(),
        (Some(o), false) => o.to_path_buf(),
        (None, false) => return usage("missing OUT (or use --in-place to rewrite DOCS itself)"),
    };
    if let Err(code) = require_folder(docs) {
        return code;
    }
    if !in_place
        && let (Ok(d), Ok(o)) = (docs.canonicalize(), out.canonicalize())
        && d.starts_with(&o)
    {
        return usage(
            "OUT is or contains DOCS: use --in-place, or choose an OUT outside the docs tree",
        );
    }
    let site = match load_site(docs, site_opts) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = BuildOptions {
        docs: docs.to_path_buf(),
        out,
        mode: if check { Mode::Check } else { Mode::Build },
        deny_warnings: c.deny_warnings,
    };
    let (summary, diags) = docsnip::import::run(&site, &opts);
    for d in &diags {
        if d.is_error() || !c.quiet {
            eprintln!("{d}");
        }
    }
    if summary.errors > 0 || (c.deny_warnings && summary.warnings > 0) {
        eprintln!(
            "{}; nothing was written",
            summary.line(if check { "stale" } else { "to write" })
        );
        return ExitCode::from(1);
    }
    if check {
        for p in &summary.changed {
            println!("stale: {}", opts.out.join(p).display());
        }
        eprintln!("{}", summary.line("stale"));
        return if summary.changed.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
    }
    if in_place && !c.quiet {
        for p in &summary.changed {
            println!("imported: {}", opts.docs.join(p).display());
        }
    }
    if !c.quiet {
        eprintln!("{}", summary.line("written"));
    }
    ExitCode::SUCCESS
}

/// `docsnip page`: one page from stdin to stdout, as a build of the current folder
/// would write it; diagnostics on stderr, and on an error nothing on stdout.
fn page(
    path: Option<&std::path::Path>,
    format: Option<&str>,
    site_opts: &SiteOptions,
    c: &Common,
) -> ExitCode {
    use std::io::{Read, Write};
    let kind = match format {
        None => None,
        Some(f) => match docsnip::format::FormatKind::parse(f) {
            Some(k) => Some(k),
            None => {
                return usage(&format!(
                    "--format must be one of {}, not `{f}`",
                    docsnip::format::FormatKind::NAMES.join(", ")
                ));
            }
        },
    };
    let site = match Site::load_as(std::path::Path::new("."), site_opts, kind) {
        Ok(s) => s,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::from(1);
        }
    };
    let mut bytes = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut bytes) {
        eprintln!("docsnip: error: cannot read the page on stdin: {e}");
        return ExitCode::from(1);
    }
    let (output, diags) = match path {
        Some(p) => build::process(p, &bytes, &site),
        None => build::process_page(std::path::Path::new("<stdin>"), &bytes, &site),
    };
    for d in &diags {
        if d.is_error() || !c.quiet {
            eprintln!("{d}");
        }
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    if matches!(output, build::Output::Failed)
        || errors > 0
        || (c.deny_warnings && !diags.is_empty())
    {
        eprintln!(
            "docsnip page: {errors} error(s), {} warning(s); nothing was written",
            diags.len() - errors
        );
        return ExitCode::from(1);
    }
    let text: &[u8] = match &output {
        build::Output::Page { text, .. } => text.as_bytes(),
        _ => &bytes,
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text).and_then(|()| out.flush()) {
        eprintln!("docsnip: error: cannot write the page to stdout: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The command-line settings of `verify --as-written`.
struct AsWrittenRun {
    jobs: Option<usize>,
    timeout: u64,
    unsandboxed: bool,
}

fn verify_as_written(
    docs: &std::path::Path,
    site_opts: &SiteOptions,
    AsWrittenRun {
        jobs,
        timeout,
        unsandboxed,
    }: AsWrittenRun,
    c: &Common,
    started: Instant,
) -> ExitCode {
    use docsnip::verify::as_written::{AsWrittenOptions, verify_as_written};
    if !cfg!(target_os = "linux") {
        eprintln!(
            "docsnip verify --as-written: error: runs the pages' own code only in its sandbox (a Linux network namespace): run it on Linux or in a Linux container"
        );
        return ExitCode::from(1);
    }
    if let Err(code) = require_folder(docs) {
        return code;
    }
    let site = match load_site(docs, site_opts) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let opts = AsWrittenOptions {
        jobs: jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1),
        timeout: std::time::Duration::from_secs(timeout.max(1)),
        sandbox_exe: std::env::current_exe().ok(),
        unsandboxed,
    };
    let report = verify_as_written(docs, &site, &opts);
    for d in &report.diagnostics {
        if d.is_error() || !c.quiet {
            eprintln!("{d}");
        }
    }
    for v in &report.verdicts {
        if v.is_failure() || !c.quiet {
            for line in v.lines() {
                println!("{line}");
            }
        }
    }
    if !c.quiet {
        print!("\n{}", report.table_text());
    }
    if !report.isolation.is_empty() {
        eprintln!("docsnip verify --as-written: {}", report.isolation);
    }
    let n = report.verdicts.len();
    eprintln!(
        "docsnip verify --as-written: {n} blocks, {} ok, {} failed, {} not verified, {} errors in {:.1} s",
        n - report.failed() - report.not_verified(),
        report.failed(),
        report.not_verified(),
        report.errors(),
        started.elapsed().as_secs_f64()
    );
    if report.failed() > 0 || report.errors() > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The progress line of a verify run on a terminal: rewritten in place on stderr, at
/// most ten times a second, and erased before the report is printed.
struct ProgressLine {
    on: bool,
    started: Instant,
    last: std::sync::Mutex<Option<Instant>>,
}

impl ProgressLine {
    fn new(on: bool, started: Instant) -> ProgressLine {
        ProgressLine {
            on,
            started,
            last: std::sync::Mutex::new(None),
        }
    }

    fn show(&self, p: docsnip::verify::tree::Progress) {
        if !self.on {
            return;
        }
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let now = Instant::now();
        let done = p.snippets_done == p.snippets;
        if !done && last.is_some_and(|t| now - t < std::time::Duration::from_millis(100)) {
            return;
        }
        *last = Some(now);
        eprint!(
            "\r\x1b[Kverify: {}/{} pages, {}/{} snippets, {} failed, {:.1} s",
            p.pages_done,
            p.pages,
            p.snippets_done,
            p.snippets,
            p.failed,
            self.started.elapsed().as_secs_f64()
        );
    }

    fn clear(&self) {
        if self.on && self.last.lock().is_ok_and(|l| l.is_some()) {
            eprint!("\r\x1b[K");
        }
    }
}

/// DOCS must be a folder: otherwise an error and exit code 2 (bad usage).
fn require_folder(docs: &std::path::Path) -> Result<(), ExitCode> {
    if docs.is_dir() {
        Ok(())
    } else {
        eprintln!("{}: error: DOCS is not a folder", docs.display());
        Err(ExitCode::from(2))
    }
}

/// The site (config and templates) for DOCS: otherwise its diagnostic and exit code 1.
fn load_site(docs: &std::path::Path, opts: &SiteOptions) -> Result<Site, ExitCode> {
    Site::load(docs, opts).map_err(|d| {
        eprintln!("{d}");
        ExitCode::from(1)
    })
}

/// `docsnip verify --list-runtimes [DOCS]`.
fn print_runtimes(docs: Option<&std::path::Path>, site_opts: &SiteOptions) -> ExitCode {
    let langs: Vec<(String, docsnip::verify::RunSpec)> = match docs {
        Some(docs) => {
            if let Err(code) = require_folder(docs) {
                return code;
            }
            let site = match load_site(docs, site_opts) {
                Ok(s) => s,
                Err(code) => return code,
            };
            site.languages
                .iter()
                .filter_map(|l| l.run.clone().map(|r| (l.name.clone(), r)))
                .collect()
        }
        None => {
            let wanted = site_opts.langs.clone().unwrap_or_default();
            let all = wanted.is_empty() || wanted.iter().any(|w| w == "all");
            let builtins = docsnip::language::builtins();
            if let Some(unknown) = wanted
                .iter()
                .find(|w| *w != "all" && !builtins.iter().any(|b| &b.name == *w))
            {
                return usage(&format!(
                    "unknown language `{unknown}` (docsnip --list-languages names them)"
                ));
            }
            let order: Vec<String> = if all {
                builtins.iter().map(|b| b.name.clone()).collect()
            } else {
                wanted
            };
            order
                .iter()
                .filter_map(|n| builtins.iter().find(|b| &b.name == n))
                .filter_map(|b| b.run.clone().map(|r| (b.name.clone(), r)))
                .collect()
        }
    };
    let (lines, missing) = docsnip::verify::list_runtimes(&langs);
    for l in lines {
        println!("{l}");
    }
    if missing > 0 {
        eprintln!("docsnip verify: {missing} runtime(s) missing: install what is named above");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("docsnip: error: {msg} (see docsnip --help)");
    ExitCode::from(2)
}
