//! The build: walk DOCS, turn every endpoint page into its new text (in parallel, output
//! in path order), report every diagnostic, and only when nothing failed write OUT
//! (each file staged next to its target and renamed into place).

use crate::config::Config;
use crate::diag::{Diagnostic, line_col};
use crate::format::splice::Snippet;
use crate::format::{self, Format};
use crate::frontmatter;
use crate::page::{self, FrontMatter, Structure};
use crate::render::{Language, Renderer};
use crate::request::{self, Request};
use crate::yaml;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Everything a page needs, loaded once per run.
pub struct Site {
    pub config: Config,
    pub renderer: Renderer,
    /// The active languages, in output order, with config overrides applied.
    pub languages: Vec<Language>,
    pub base_url: String,
    /// The output format (`format:` in the config).
    pub format: Box<dyn Format>,
}

/// Run-wide choices that change how a site is loaded.
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    pub config: Option<PathBuf>,
    pub templates: Option<PathBuf>,
    /// `--lang`: a subset (and order) of the configured languages.
    pub langs: Option<Vec<String>>,
    pub base_url: Option<String>,
}

impl Site {
    /// Load the config (`--config`, else `DOCS/docsnip.yml` when present) and templates.
    pub fn load(docs: &Path, opts: &SiteOptions) -> Result<Site, Diagnostic> {
        Site::load_as(docs, opts, None)
    }

    /// [`Site::load`], with the config's `format:` replaced by `format` when given
    /// (`docsnip page --format`).
    pub fn load_as(
        docs: &Path,
        opts: &SiteOptions,
        format: Option<format::FormatKind>,
    ) -> Result<Site, Diagnostic> {
        let mut config = match &opts.config {
            Some(p) => Config::load(p)?,
            None => {
                let p = docs.join("docsnip.yml");
                if p.is_file() {
                    Config::load(&p)?
                } else {
                    Config::default()
                }
            }
        };
        // A `_config.yml` at the root: a Jekyll site, whose pages go through Liquid.
        config.format.liquid = config
            .liquid
            .unwrap_or_else(|| docs.join("_config.yml").is_file());
        if let Some(kind) = format {
            config.format.kind = kind;
        }
        Site::with_config(config, opts)
    }

    pub fn with_config(config: Config, opts: &SiteOptions) -> Result<Site, Diagnostic> {
        let names: Vec<String> = match &opts.langs {
            Some(l) => l.clone(),
            None => config.languages.iter().map(|l| l.name.clone()).collect(),
        };
        let where_ = opts
            .templates
            .clone()
            .or(config.path.clone())
            .unwrap_or_else(|| PathBuf::from("templates"));
        let renderer = Renderer::new(opts.templates.as_deref(), &names)
            .map_err(|e| template_diagnostic(&where_, &e))?;
        // `all`: every built-in language and every one the templates folder adds.
        let names: Vec<String> = if names.iter().any(|n| n == "all") {
            renderer
                .languages()
                .iter()
                .map(|l| l.name.clone())
                .collect()
        } else {
            names
        };
        let mut languages = Vec::new();
        for name in &names {
            let Some(lang) = renderer.language(name) else {
                return Err(Diagnostic::error(
                    &where_,
                    None,
                    format!("unknown language `{name}`"),
                ));
            };
            let mut lang = lang.clone();
            if let Some(entry) = config.languages.iter().find(|e| &e.name == name) {
                if let Some(t) = &entry.title {
                    lang.title = t.clone();
                }
                if let Some(f) = &entry.fence {
                    lang.fence = f.clone();
                }
                if let Some(run) = &entry.run {
                    let ext = entry
                        .ext
                        .clone()
                        .or_else(|| lang.run.as_ref().map(|r| r.ext()))
                        .unwrap_or_else(|| format!(".{name}"));
                    lang.run = Some(crate::render::RunSpec::simple(run, &ext));
                } else if let (Some(ext), Some(r)) = (&entry.ext, lang.run.as_ref()) {
                    let (program, _) = r.command.split_at(r.command.len() - 1);
                    lang.run = Some(crate::render::RunSpec::simple(program, ext));
                }
            }
            languages.push(lang);
        }
        let base_url = opts
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone());
        let mut config = config;
        if let Some(liquid) = config.liquid {
            config.format.liquid = liquid;
        }
        config.format.slate.languages = languages
            .iter()
            .map(|l| format::slate::Lang {
                name: l.name.clone(),
                fence: l.fence.clone(),
                title: l.title.clone(),
            })
            .collect();
        let format = format::for_settings(&config.format);
        Ok(Site {
            config,
            renderer,
            languages,
            base_url,
            format,
        })
    }

    /// Whether docsnip reads this file as a page: `.md` and `.markdown`, and `.mdx`
    /// for Docusaurus.
    pub fn reads(&self, path: &Path) -> bool {
        path.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| self.config.format.kind.reads_extension(e))
    }
}

/// A template error as `FILE:LINE:COL: error: …` when Tera's report gives a position
/// (`--> FILE:LINE:COL`), else at `where_`.
fn template_diagnostic(where_: &Path, e: &crate::render::RenderError) -> Diagnostic {
    let text = e.to_string();
    let at = text.split("--> ").nth(1).and_then(|rest| {
        let loc = rest.split_whitespace().next()?;
        let mut it = loc.rsplitn(3, ':');
        let col = it.next()?.parse().ok()?;
        let line = it.next()?.parse().ok()?;
        Some((PathBuf::from(it.next()?), line, col))
    });
    match (e, at) {
        (crate::render::RenderError::Syntax { message, .. }, Some((file, line, col))) => {
            let first = message.lines().next().unwrap_or("").trim();
            let first = first.strip_prefix("error: ").unwrap_or(first);
            Diagnostic::error(
                &file,
                Some((line, col)),
                format!("syntax error in template: {first}"),
            )
        }
        _ => Diagnostic::error(where_, None, text),
    }
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// Copied byte for byte.
    Copy,
    /// Copied byte for byte, though it carries blocks titled as configured languages:
    /// not an endpoint page (a warning says so).
    Skipped,
    /// An endpoint page with its snippets placed (`requests`: how many requests it
    /// holds).
    Page {
        text: String,
        snippets: usize,
        requests: usize,
    },
    /// The page could not be built (see its diagnostics).
    Failed,
}

/// One processed file.
#[derive(Debug)]
pub struct Processed {
    /// Path relative to DOCS.
    pub rel: PathBuf,
    pub output: Output,
    pub diagnostics: Vec<Diagnostic>,
}

/// A page that could not be built; its diagnostics say why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageFailed;

/// The result of reading a page up to its requests: none for a non-endpoint page.
pub struct Parsed<'a> {
    /// The page's containers, titled blocks and docsnip comments.
    pub structure: Structure<'a>,
    /// The front-matter's request first (when it has `method:` or `request:`), then each
    /// docsnip comment's, in page order. Never empty.
    pub requests: Vec<PageRequest>,
}

/// One request of a page.
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub request: Request,
    /// Where it is declared (the front-matter's `request:` or `method:`; a comment's
    /// first line), for messages such as a refused language.
    pub at: (usize, usize),
    /// The docsnip comment it comes from (an index into the structure's comments);
    /// `None` for the front-matter's.
    pub comment: Option<usize>,
    /// The host the page sends it to (the comment's `base_url`, else the front-matter's,
    /// else the site's), whatever host it was parsed for.
    pub host: String,
}

impl PageRequest {
    /// How reports name a comment's request: `LINE: NAME` (`LINE: METHOD PATH` when it
    /// has no `name:` or `title:`); `None` for the front-matter's.
    pub fn label(&self) -> Option<String> {
        self.comment?;
        let r = &self.request;
        let name = if r.name.is_empty() {
            format!("{} {}", r.method, r.path)
        } else {
            r.name.clone()
        };
        Some(format!("{}: {name}", self.at.0))
    }
}

/// Parse an endpoint page into its structure and normalized requests. `Ok(None)`: not
/// an endpoint page (copied as is). `base_url` stands for the site's; a page's or
/// comment's own `base_url` still wins. Diagnostics (warnings, and errors on failure)
/// go to `diags`.
pub fn parse_page<'a>(
    shown: &Path,
    text: &'a str,
    site: &Site,
    base_url: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Parsed<'a>>, PageFailed> {
    endpoint(parse(shown, text, site, Host::Site(base_url), diags)?)
}

/// [`parse_page`], every request sent to `host` whatever `base_url` the page gives
/// (verify's echo server).
pub fn parse_page_for_host<'a>(
    shown: &Path,
    text: &'a str,
    site: &Site,
    host: &str,
    diags: &mut Vec<Diagnostic>,
) -> Result<Option<Parsed<'a>>, PageFailed> {
    endpoint(parse(shown, text, site, Host::Forced(host), diags)?)
}

fn endpoint(p: Parse<'_>) -> Result<Option<Parsed<'_>>, PageFailed> {
    Ok(match p {
        Parse::Endpoint(p) => Some(*p),
        Parse::Plain | Parse::HandPasted => None,
    })
}

/// Which host requests are parsed for.
#[derive(Clone, Copy)]
enum Host<'h> {
    /// The site's (`base_url` of the config, or `--base-url`): a page may set its own.
    Site(&'h str),
    /// Every request's, whatever the page says.
    Forced(&'h str),
}

/// What [`parse`] found.
enum Parse<'a> {
    Endpoint(Box<Parsed<'a>>),
    /// Not an endpoint page.
    Plain,
    /// Not an endpoint page, but with blocks titled as configured languages (warned).
    HandPasted,
}

/// The keys a docsnip comment may hold.
const COMMENT_KEYS: [&str; 5] = ["name", "title", "method", "request", "base_url"];

/// A YAML error in the text starting at page offset `start`, at its page position.
fn yaml_error(shown: &Path, text: &str, start: usize, e: &yaml::Error, what: &str) -> Diagnostic {
    let pos = match e.offset {
        Some(o) => line_col(text, start + o),
        None => {
            let (l, c) = line_col(text, start);
            (
                l + e.line - 1,
                if e.line == 1 {
                    c + e.column - 1
                } else {
                    e.column
                },
            )
        }
    };
    Diagnostic::error(
        shown,
        Some(pos),
        format!("invalid YAML {what}: {}", e.message),
    )
}

fn parse<'a>(
    shown: &Path,
    text: &'a str,
    site: &Site,
    host: Host,
    diags: &mut Vec<Diagnostic>,
) -> Result<Parse<'a>, PageFailed> {
    let at = |offset: usize| Some(line_col(text, offset));
    let (yaml_range, body) = match page::front_matter(text) {
        // A page without front-matter is an endpoint page only through comments.
        FrontMatter::None if text.contains("docsnip") => (0..0, 0),
        FrontMatter::None => return Ok(Parse::Plain),
        FrontMatter::Unclosed => {
            diags.push(Diagnostic::warning(
                shown,
                Some((1, 1)),
                "front-matter opens with `---` but never closes; the page is copied as is",
            ));
            return Ok(Parse::Plain);
        }
        FrontMatter::Closed { yaml, body } => (yaml, body),
    };
    let root = match yaml::parse(&text[yaml_range.clone()]) {
        Ok(n) => n,
        Err(e) => {
            diags.push(yaml_error(
                shown,
                text,
                yaml_range.start,
                &e,
                "front-matter",
            ));
            return Err(PageFailed);
        }
    };
    let ep = match frontmatter::interpret(&root, yaml_range.start) {
        Ok(ep) => ep,
        Err(problems) => {
            diags.extend(
                problems
                    .into_iter()
                    .map(|p| Diagnostic::error(shown, at(p.offset), p.message)),
            );
            return Err(PageFailed);
        }
    };
    let (comments, unclosed) = page::comment::comments(&text[body..]);
    if !ep.snippets
        || (yaml_range.is_empty() && body == 0 && comments.is_empty() && unclosed.is_empty())
    {
        return Ok(Parse::Plain);
    }
    for u in &unclosed {
        diags.push(Diagnostic::error(
            shown,
            at(body + u.at),
            format!(
                "this docsnip comment does not close: end it with `{}` on a line of its own (or the whole comment on one line)",
                u.close
            ),
        ));
    }
    let mut refused_comment = false;
    for c in &comments {
        if let Some(why) = site
            .format
            .refuse_comment(&text[body + c.range.start..body + c.range.end])
        {
            diags.push(Diagnostic::error(shown, at(body + c.range.start), why));
            refused_comment = true;
        }
    }
    if refused_comment || (!unclosed.is_empty() && !ep.is_endpoint() && comments.is_empty()) {
        return Err(PageFailed);
    }
    if !(ep.is_endpoint() || !comments.is_empty() || text.contains("title=")) {
        return Ok(Parse::Plain);
    }
    let right_code = ep.right_code_key.map(|key| {
        let value = root
            .as_map()
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.scalar_text() == Some("right_code"))
            })
            .and_then(|(_, v)| v.scalar_text())
            .unwrap_or("");
        (key, value)
    });
    let structure = Structure::new(text, yaml_range.clone(), body, right_code);
    if !ep.is_endpoint() && comments.is_empty() {
        if let Some(d) = hand_pasted_warning(shown, text, &structure, body, &ep, site) {
            diags.push(d);
            return Ok(Parse::HandPasted);
        }
        return Ok(Parse::Plain);
    }
    let page_host = match (host, &ep.base_url) {
        (Host::Site(_), Some(b)) => b.value.as_str(),
        (Host::Site(h) | Host::Forced(h), _) => h,
    };
    let declared = |own: Option<&frontmatter::At<String>>| {
        own.or(ep.base_url.as_ref())
            .map_or(site.base_url.clone(), |b| b.value.clone())
    };
    let mut requests = Vec::new();
    let mut failed = !unclosed.is_empty();

    if ep.is_endpoint() {
        // The right_code Request block is the body when `request:` gives none.
        let has_body = ep.request.as_ref().is_some_and(|r| r.body.is_some());
        let mut block_body = None;
        if !has_body
            && !site.config.request_block.is_empty()
            && let Some((code, line_starts)) =
                structure.right_code_block(&site.config.request_block)
            && !code.trim().is_empty()
        {
            match serde_json::from_str::<serde_json::Value>(&code) {
                Ok(v) => block_body = Some((v, line_starts.first().copied().unwrap_or(0))),
                Err(e) => {
                    let line = e.line().max(1);
                    let pos = line_starts
                        .get(line - 1)
                        .map(|&start| {
                            let (l, c) = line_col(text, start);
                            (l, c + e.column().saturating_sub(1))
                        })
                        .or_else(|| at(line_starts.first().copied().unwrap_or(0)));
                    let msg = e.to_string();
                    let msg = msg.split(" at line ").next().unwrap_or(&msg);
                    diags.push(Diagnostic::error(
                        shown,
                        pos,
                        format!(
                            "the `{}` block in right_code is not valid JSON: {msg}",
                            site.config.request_block
                        ),
                    ));
                    return Err(PageFailed);
                }
            }
        }
        let offset = ep
            .request
            .as_ref()
            .map(|r| r.offset)
            .or(ep.method.as_ref().map(|m| m.offset))
            .unwrap_or(yaml_range.start);
        match normalized(shown, text, &ep, block_body, site, page_host, diags) {
            Some(request) => requests.push(PageRequest {
                request,
                at: line_col(text, offset),
                comment: None,
                host: declared(None),
            }),
            None => failed = true,
        }
    }

    for (i, c) in comments.iter().enumerate() {
        let start = body + c.yaml.start;
        let root = match yaml::parse(&text[start..body + c.yaml.end]) {
            Ok(n) => n,
            Err(e) => {
                diags.push(yaml_error(shown, text, start, &e, "in the docsnip comment"));
                failed = true;
                continue;
            }
        };
        let comment_at = line_col(text, body + c.range.start);
        let unknown: Vec<&yaml::Node> = root
            .as_map()
            .unwrap_or(&[])
            .iter()
            .map(|(k, _)| k)
            .filter(|k| !k.scalar_text().is_some_and(|t| COMMENT_KEYS.contains(&t)))
            .collect();
        for k in &unknown {
            diags.push(Diagnostic::error(
                shown,
                at(start + k.offset),
                format!(
                    "`{}` is not a key of a docsnip comment (it holds {})",
                    k.scalar_text().unwrap_or("?"),
                    COMMENT_KEYS.map(|k| format!("`{k}`")).join(", ")
                ),
            ));
        }
        let cep = match frontmatter::interpret(&root, start) {
            Ok(mut cep) if cep.is_endpoint() && unknown.is_empty() => {
                // Without `request:`, messages about it stand at the comment.
                cep.request.get_or_insert_with(|| frontmatter::RequestSpec {
                    offset: body + c.range.start,
                    ..Default::default()
                });
                cep
            }
            Ok(_) if !unknown.is_empty() => {
                failed = true;
                continue;
            }
            Ok(_) => {
                diags.push(Diagnostic::error(
                    shown,
                    Some(comment_at),
                    "this docsnip comment holds no request: give it `method:` and `request:` (with `path:`)",
                ));
                failed = true;
                continue;
            }
            Err(problems) => {
                diags.extend(
                    problems
                        .into_iter()
                        .map(|p| Diagnostic::error(shown, at(p.offset), p.message)),
                );
                failed = true;
                continue;
            }
        };
        let comment_host = match (host, &cep.base_url) {
            (Host::Site(_), Some(b)) => b.value.as_str(),
            _ => page_host,
        };
        match normalized(shown, text, &cep, None, site, comment_host, diags) {
            Some(request) => requests.push(PageRequest {
                request,
                at: comment_at,
                comment: Some(i),
                host: declared(cep.base_url.as_ref()),
            }),
            None => failed = true,
        }
    }
    if failed {
        return Err(PageFailed);
    }
    Ok(Parse::Endpoint(Box::new(Parsed {
        structure,
        requests,
    })))
}

/// An endpoint's normalized request, its warnings and errors reported; `None` when it
/// has errors.
fn normalized(
    shown: &Path,
    text: &str,
    ep: &frontmatter::Endpoint,
    block_body: Option<(serde_json::Value, usize)>,
    site: &Site,
    host: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Request> {
    let at = |offset: usize| Some(line_col(text, offset));
    match request::normalize(ep, block_body, &site.config, host) {
        Ok((request, warnings)) => {
            diags.extend(
                warnings
                    .into_iter()
                    .map(|p| Diagnostic::warning(shown, at(p.offset), p.message)),
            );
            Some(request)
        }
        Err(problems) => {
            diags.extend(
                problems
                    .into_iter()
                    .map(|p| Diagnostic::error(shown, at(p.offset), p.message)),
            );
            None
        }
    }
}

/// A page that is not an endpoint page but carries blocks titled as configured
/// languages: no silent skip. The warning names the titles and what would make the page
/// an endpoint page; it stands at the first such block in the body, else at `right_code`.
fn hand_pasted_warning(
    shown: &Path,
    text: &str,
    structure: &Structure,
    body: usize,
    ep: &frontmatter::Endpoint,
    site: &Site,
) -> Option<Diagnostic> {
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    let mut found: Vec<String> = Vec::new();
    for (title, _) in site.format.existing(structure, &titles) {
        if !found.contains(&title) {
            found.push(title);
        }
    }
    if found.is_empty() {
        return None;
    }
    let offset = ep.right_code_key.unwrap_or_else(|| {
        page::fenced_blocks(&text[body..])
            .into_iter()
            .find(|b| b.title.as_deref().is_some_and(|t| titles.contains(&t)))
            .map_or(body, |b| body + b.range.start)
    });
    // The hint names `docsnip import` only where import would import the page; where it
    // would refuse, the warning carries import's own reason and position instead.
    let what = match crate::import::import_page(shown, text, site) {
        (crate::import::Imported::Page { .. }, _) => {
            "add one, or run `docsnip import` to write them from the Curl block".to_string()
        }
        (crate::import::Imported::Refused, import_diags) => {
            let refusal = import_diags.iter().find_map(|d| {
                crate::import::refusal_reason(&d.message).map(|why| (d.position, why))
            });
            match refusal {
                Some((position, why)) => format!(
                    "add one by hand: `docsnip import` refuses this page{}: {why}",
                    position.map_or(String::new(), |(l, c)| format!(" at {l}:{c}"))
                ),
                None => "add one by hand: `docsnip import` refuses this page".to_string(),
            }
        }
        _ => "add one by hand (no curl command here that `docsnip import` reads)".to_string(),
    };
    Some(Diagnostic::warning(
        shown,
        Some(line_col(text, offset)),
        format!(
            "hand-pasted {} left as they are: this is not an endpoint page (its front-matter has no `method:` or `request:`); {what}",
            found.join(", ")
        ),
    ))
}

/// Build one file's output from its bytes. `shown` is the path used in messages.
pub fn process(shown: &Path, bytes: &[u8], site: &Site) -> (Output, Vec<Diagnostic>) {
    if !site.reads(shown) {
        return (Output::Copy, Vec::new());
    }
    process_page(shown, bytes, site)
}

/// [`process`] for a file read as a page whatever its extension (`docsnip page` without
/// `--path`).
pub fn process_page(shown: &Path, bytes: &[u8], site: &Site) -> (Output, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            if !bytes.starts_with(b"---") && !bytes.starts_with(b"\xef\xbb\xbf---") {
                // Not a page docsnip reads (no front-matter): copied as is.
                return (Output::Copy, diags);
            }
            let valid = &bytes[..e.valid_up_to()];
            let pos = line_col(std::str::from_utf8(valid).unwrap_or(""), valid.len());
            diags.push(Diagnostic::error(
                shown,
                Some(pos),
                "the page is not valid UTF-8",
            ));
            return (Output::Failed, diags);
        }
    };
    let parsed = match parse(shown, text, site, Host::Site(&site.base_url), &mut diags) {
        Ok(Parse::Endpoint(p)) => p,
        Ok(Parse::Plain) => return (Output::Copy, diags),
        Ok(Parse::HandPasted) => return (Output::Skipped, diags),
        Err(PageFailed) => return (Output::Failed, diags),
    };
    let mut front: Option<Vec<Snippet>> = None;
    let mut by_comment: Vec<Vec<Snippet>> = vec![Vec::new(); parsed.structure.comments().len()];
    for r in &parsed.requests {
        let snippets = match render_snippets(shown, &r.request, r.at, site, &mut diags) {
            Ok(s) => s,
            Err(d) => {
                diags.push(d);
                return (Output::Failed, diags);
            }
        };
        // A snippet is Markdown in a YAML block scalar or in the body: a character that
        // YAML 1.1 (Jekyll's Psych, PyYAML) reads as a line break, or does not allow,
        // would break the page. Built-in templates escape them all; a template that
        // does not is refused here.
        for s in &snippets {
            if let Some(c) = s.code.chars().find(|&c| yaml_unsafe(c)) {
                diags.push(Diagnostic::error(
                    shown,
                    Some(r.at),
                    format!(
                        "the {} snippet holds U+{:04X} unescaped, which a YAML 1.1 parser (Jekyll) reads as a line break or refuses: its template must escape this value",
                        s.title, c as u32
                    ),
                ));
                return (Output::Failed, diags);
            }
        }
        // The request's own YAML: its comment's, else the front-matter.
        let span = match r.comment {
            Some(i) => {
                let y = &parsed.structure.comments()[i].yaml;
                parsed.structure.body_start() + y.start..parsed.structure.body_start() + y.end
            }
            // The YAML between the `---` lines (the delimiters are not values).
            None => {
                let end = parsed.structure.yaml_end;
                text.find('\n').map_or(end, |i| i + 1).min(end)..end
            }
        };
        let refused = format_refusals(shown, site, &snippets, r.at, (text, span));
        if !refused.is_empty() {
            diags.extend(refused);
            return (Output::Failed, diags);
        }
        match r.comment {
            Some(i) => by_comment[i] = snippets,
            None => front = Some(snippets),
        }
    }
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    let mut leaked: Vec<String> = Vec::new();
    let mut first_secret: Option<(&str, &'static str)> = None;
    for (title, code) in site.format.existing(&parsed.structure, &titles) {
        let found = crate::secrets::in_text(&code)
            .into_iter()
            .next()
            .map(|(r, s)| (&code[r], s.kind));
        if let Some((word, kind)) = found {
            leaked.push(title);
            // Where the block holds it (its code is a run of the page in the body),
            // else where the page first holds it.
            let from = text.find(code.as_str()).unwrap_or(0);
            if first_secret.is_none()
                && let Some(i) = text[from..]
                    .find(word)
                    .map(|i| from + i)
                    .or_else(|| text.find(word))
            {
                first_secret = Some((&text[i..i + word.len()], kind));
            }
        }
    }
    if let Some((word, kind)) = first_secret {
        let offset = word.as_ptr() as usize - text.as_ptr() as usize;
        diags.push(Diagnostic::warning(
            shown,
            Some(line_col(text, offset)),
            format!(
                "hand-pasted {} held what looks like a live credential ({kind}); the output uses placeholders, but rotate it: it is still in your sources",
                leaked.join(", ")
            ),
        ));
    }
    if front.is_some()
        && let Some((at, why)) = site.format.refuse_front(&parsed.structure, &titles)
    {
        diags.push(Diagnostic::error(shown, Some(line_col(text, at)), why));
        return (Output::Failed, diags);
    }
    let (out, kept) = format::place_page(
        site.format.as_ref(),
        &parsed.structure,
        front.as_deref(),
        &by_comment,
        &titles,
    );
    for k in kept {
        diags.push(Diagnostic::warning(
            shown,
            Some(line_col(text, k.at)),
            k.message(text),
        ));
    }
    let snippets = front.iter().chain(&by_comment).map(Vec::len).sum();
    let requests = parsed.requests.len();
    (
        Output::Page {
            text: out,
            snippets,
            requests,
        },
        diags,
    )
}

/// What the format's toolchain cannot show byte for byte (the page's kind, or a
/// snippet's label or code), as errors at `at`: such a page is refused, not written.
/// `source`: the page and the range of the request's YAML, where a refused value
/// ([`Format::refused_value`]) is looked for (from the request's line on, then in all
/// of it); found, the error points at it, else at the request (`at`).
///
/// [`Format::refused_value`]: crate::format::Format::refused_value
fn format_refusals(
    shown: &Path,
    site: &Site,
    snippets: &[Snippet],
    at: (usize, usize),
    source: (&str, std::ops::Range<usize>),
) -> Vec<Diagnostic> {
    let (text, span) = source;
    let ext = shown.extension().and_then(|e| e.to_str()).unwrap_or("");
    let page = site
        .format
        .refuse_page(ext)
        .map(|why| Diagnostic::error(shown, Some(at), why));
    // The request's line's offset in the page.
    let from = text
        .split_inclusive('\n')
        .take(at.0.saturating_sub(1))
        .map(str::len)
        .sum::<usize>()
        .clamp(span.start, span.end.max(span.start));
    let locate = |value: &str| {
        let yaml = text.get(span.clone())?;
        let i = text[from..span.end.max(from)]
            .find(value)
            .map(|i| from + i)
            .or_else(|| yaml.find(value).map(|i| span.start + i))?;
        Some(line_col(text, i))
    };
    let each = snippets.iter().filter_map(|s| {
        let why = site.format.refuse(s)?;
        let pos = site
            .format
            .refused_value(s)
            .filter(|v| !v.is_empty())
            .and_then(|v| locate(&v))
            .unwrap_or(at);
        Some(Diagnostic::error(
            shown,
            Some(pos),
            format!("no {} snippet: {why}", s.title),
        ))
    });
    page.into_iter().chain(each).collect()
}

/// Whether a character may not stand raw in a page's Markdown or YAML: CR, NEL,
/// U+2028 and U+2029 (line breaks to YAML 1.1), and what YAML does not allow in a
/// stream (control characters but tab and line feed, U+FFFE, U+FFFF).
pub fn yaml_unsafe(c: char) -> bool {
    matches!(
        c,
        '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    ) || (c.is_control() && c != '\n' && c != '\t')
}

/// Render every active language's snippet for a page. A language whose template
/// refuses the request (its client cannot send it exactly) gets no snippet, and a
/// warning at the endpoint says why.
/// `at` is where the request is declared ([`PageRequest::at`]).
pub fn render_snippets(
    shown: &Path,
    request: &Request,
    at: (usize, usize),
    site: &Site,
    diags: &mut Vec<Diagnostic>,
) -> Result<Vec<Snippet>, Diagnostic> {
    let ctx = Renderer::context(request);
    let mut out = Vec::with_capacity(site.languages.len());
    for lang in &site.languages {
        match site.renderer.render_with(&lang.name, &ctx) {
            Ok(code) => out.push(Snippet {
                name: lang.name.clone(),
                title: lang.title.clone(),
                fence: lang.fence.clone(),
                code,
            }),
            Err(e @ crate::render::RenderError::Refused { .. }) => {
                diags.push(Diagnostic::warning(shown, Some(at), e.to_string()))
            }
            Err(e) => return Err(Diagnostic::error(shown, None, e.to_string())),
        }
    }
    Ok(out)
}

/// Which mode a run is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write OUT.
    Build,
    /// Compare with OUT, write nothing.
    Check,
}

/// What a run did, for the summary line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub pages: usize,
    pub endpoints: usize,
    pub snippets: usize,
    /// Pages with blocks titled as configured languages that are not endpoint pages.
    pub skipped: usize,
    pub warnings: usize,
    pub errors: usize,
    /// Files written (build) or stale (check), relative to DOCS.
    pub changed: Vec<PathBuf>,
}

/// Options of one build.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub docs: PathBuf,
    /// OUT; equal to DOCS for `--in-place`.
    pub out: PathBuf,
    pub mode: Mode,
    pub deny_warnings: bool,
}

/// A file found in DOCS.
pub struct Entry {
    /// Path relative to DOCS.
    pub rel: PathBuf,
    /// Path to read it from.
    pub abs: PathBuf,
}

/// Walk DOCS in sorted order: skip dot-files, OUT, and symlinks that leave the tree.
pub fn walk(docs: &Path, out: Option<&Path>, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let docs_canon = docs.canonicalize().unwrap_or_else(|_| docs.to_path_buf());
    let out_canon = out.and_then(|o| o.canonicalize().ok());
    let mut entries = Vec::new();
    let walker = walkdir::WalkDir::new(docs)
        .sort_by_file_name()
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| {
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            let is_out = e.file_type().is_dir()
                && out_canon.is_some()
                && e.path().canonicalize().ok() == out_canon;
            e.depth() == 0 || !(hidden || is_out)
        });
    for item in walker {
        let e = match item {
            Ok(e) => e,
            Err(err) => {
                let p = err.path().unwrap_or(docs).to_path_buf();
                diags.push(Diagnostic::error(&p, None, format!("cannot read: {err}")));
                continue;
            }
        };
        let rel = e
            .path()
            .strip_prefix(docs)
            .unwrap_or(e.path())
            .to_path_buf();
        if e.file_type().is_symlink() {
            match e.path().canonicalize() {
                Ok(target) if target.starts_with(&docs_canon) && target.is_file() => {
                    entries.push(Entry { rel, abs: e.path().to_path_buf() });
                }
                Ok(target) if target.starts_with(&docs_canon) => diags.push(Diagnostic::warning(
                    e.path(),
                    None,
                    "symbolic link to a folder: not followed (links could loop); the link is skipped",
                )),
                Ok(_) => diags.push(Diagnostic::warning(
                    e.path(),
                    None,
                    "symbolic link pointing outside DOCS: not followed; the link is skipped",
                )),
                Err(err) => diags.push(Diagnostic::warning(
                    e.path(),
                    None,
                    format!("broken or looping symbolic link ({err}); skipped"),
                )),
            }
            continue;
        }
        if e.file_type().is_file() {
            entries.push(Entry {
                rel,
                abs: e.path().to_path_buf(),
            });
        }
    }
    entries
}

/// Whether a walked file is docsnip's config (`DOCS/docsnip.yml`, or the `--config`
/// file when it lies inside DOCS): never copied to OUT.
fn is_config_file(docs: &Path, e: &Entry, config: Option<&Path>) -> bool {
    e.rel == Path::new("docsnip.yml")
        || config.is_some_and(|c| {
            c.file_name() == e.rel.file_name()
                && docs.join(&e.rel).canonicalize().is_ok_and(|p| p == c)
        })
}

/// Run a build or check. Diagnostics are returned in path order; nothing is written when
/// any of them is an error (or a warning, with `deny_warnings`).
///
/// Pages stream: each file is read, processed and compared with OUT on rayon's pool,
/// and a file that changes is staged at once into a hidden staging folder inside OUT,
/// so memory holds no page text beyond the ones in flight. Only when every file
/// succeeded are the staged files renamed into place (see `write_all`); otherwise
/// the staging folder is removed and OUT is left as it was.
pub fn run(site: &Site, opts: &BuildOptions) -> (Summary, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let in_place = same_dir(&opts.docs, &opts.out);
    let mut entries = walk(
        &opts.docs,
        (!in_place).then_some(opts.out.as_path()),
        &mut diags,
    );
    // docsnip's own config is not part of the site: a site generator would publish it.
    let config = site
        .config
        .path
        .as_ref()
        .and_then(|p| p.canonicalize().ok());
    entries.retain(|e| !is_config_file(&opts.docs, e, config.as_deref()));
    let stage = Stage::new(&opts.out);
    // Once a file fails, later ones are still processed (every diagnostic is reported)
    // but no longer staged.
    let failed = AtomicBool::new(diags.iter().any(Diagnostic::is_error));
    let fails = |d: &[Diagnostic]| d.iter().any(|d| opts.deny_warnings || d.is_error());
    let done: Vec<Done> = entries
        .into_par_iter()
        .enumerate()
        .map(|(i, e)| {
            let shown = opts.docs.join(&e.rel);
            let mut done = Done {
                markdown: site.reads(&e.rel),
                snippets: None,
                skipped: false,
                changed: false,
                staged: None,
                diags: Vec::new(),
                rel: e.rel,
            };
            let bytes = match std::fs::read(&e.abs) {
                Ok(b) => b,
                Err(err) => {
                    done.diags.push(Diagnostic::error(
                        &shown,
                        None,
                        format!("cannot read: {err}"),
                    ));
                    failed.store(true, Ordering::Relaxed);
                    return done;
                }
            };
            let (output, d) = process(&shown, &bytes, site);
            done.diags = d;
            let content: &[u8] = match &output {
                Output::Failed => {
                    failed.store(true, Ordering::Relaxed);
                    return done;
                }
                Output::Copy => &bytes,
                Output::Skipped => {
                    done.skipped = true;
                    &bytes
                }
                Output::Page {
                    text,
                    snippets,
                    requests,
                } => {
                    done.snippets = Some((*requests, *snippets));
                    text.as_bytes()
                }
            };
            if fails(&done.diags) {
                failed.store(true, Ordering::Relaxed);
            }
            let target = opts.out.join(&done.rel);
            // Only what differs from OUT is written (in place: only pages that change,
            // compared with the bytes just read rather than reading the file again).
            let unchanged = if in_place {
                content == bytes.as_slice()
            } else {
                same_content(&target, content)
            };
            if unchanged {
                return done;
            }
            done.changed = true;
            if opts.mode == Mode::Check || failed.load(Ordering::Relaxed) {
                return done;
            }
            if in_place
                && let Ok(meta) = std::fs::metadata(&target)
                && meta.permissions().readonly()
            {
                done.diags.push(Diagnostic::error(
                    &target,
                    None,
                    "the file is read-only; nothing was written",
                ));
                failed.store(true, Ordering::Relaxed);
                return done;
            }
            match stage.put(i, content) {
                Ok(()) => done.staged = Some(i),
                Err(d) => {
                    done.diags.push(d);
                    failed.store(true, Ordering::Relaxed);
                }
            }
            done
        })
        .collect();

    let mut summary = Summary {
        files: done.len(),
        ..Summary::default()
    };
    let mut writes: Vec<(usize, PathBuf)> = Vec::new();
    for d in done {
        diags.extend(d.diags);
        if d.markdown {
            summary.pages += 1;
        }
        if d.skipped {
            summary.skipped += 1;
        }
        if let Some((requests, n)) = d.snippets {
            summary.endpoints += requests;
            summary.snippets += n;
        }
        if d.changed {
            if let Some(i) = d.staged {
                writes.push((i, opts.out.join(&d.rel)));
            }
            summary.changed.push(d.rel);
        }
    }
    for d in &diags {
        if d.is_error() {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
    let failed = summary.errors > 0 || (opts.deny_warnings && summary.warnings > 0);
    if failed || opts.mode == Mode::Check {
        stage.discard();
        return (summary, diags);
    }
    if let Err(d) = write_all(&stage, &writes) {
        summary.errors += 1;
        diags.push(d);
    }
    stage.discard();
    (summary, diags)
}

/// What became of one file in [`run`]: no page text, only what the summary needs.
struct Done {
    rel: PathBuf,
    markdown: bool,
    /// `Some((requests, snippets))` for an endpoint page.
    snippets: Option<(usize, usize)>,
    /// Not an endpoint page, but with hand-pasted snippet blocks.
    skipped: bool,
    /// Its output differs from OUT.
    changed: bool,
    /// Staged as file `i` of the staging folder.
    staged: Option<usize>,
    diags: Vec<Diagnostic>,
}

/// Whether `path` holds exactly `content` (compared without reading more than needed).
fn same_content(path: &Path, content: &[u8]) -> bool {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    match f.metadata() {
        Ok(m) if m.is_file() && m.len() == content.len() as u64 => {}
        _ => return false,
    }
    let mut buf = Vec::with_capacity(content.len() + 1);
    match f.read_to_end(&mut buf) {
        Ok(_) => buf == content,
        Err(_) => false,
    }
}

/// A hidden folder inside OUT (so renames stay on one file system) that holds staged
/// outputs, named by their index, until they are moved into place. Created on the
/// first write only: a run that changes nothing creates nothing.
struct Stage {
    out: PathBuf,
    dir: std::sync::OnceLock<Result<(tempfile::TempDir, Vec<PathBuf>), String>>,
}

impl Stage {
    fn new(out: &Path) -> Stage {
        Stage {
            out: out.to_path_buf(),
            dir: std::sync::OnceLock::new(),
        }
    }

    fn dir(&self) -> Result<&Path, Diagnostic> {
        let made = self.dir.get_or_init(|| {
            // Remember which folders up to OUT did not exist, to remove them again
            // when nothing is written.
            let mut created = Vec::new();
            let mut p = self.out.as_path();
            while !p.as_os_str().is_empty() && !p.exists() {
                created.push(p.to_path_buf());
                match p.parent() {
                    Some(parent) => p = parent,
                    None => break,
                }
            }
            std::fs::create_dir_all(&self.out)
                .and_then(|_| {
                    tempfile::Builder::new()
                        .prefix(".docsnip-stage-")
                        .tempdir_in(&self.out)
                })
                .map(|d| (d, created))
                .map_err(|e| e.to_string())
        });
        match made {
            Ok((d, _)) => Ok(d.path()),
            Err(e) => Err(Diagnostic::error(
                &self.out,
                None,
                format!("cannot create folder: {e}; nothing was written"),
            )),
        }
    }

    /// Stage `content` as file `i`. A new file gets the usual mode (0666 less the
    /// umask, as `cp` gives); a file replacing one in OUT takes that file's permissions.
    fn put(&self, i: usize, content: &[u8]) -> Result<(), Diagnostic> {
        let path = self.dir()?.join(i.to_string());
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o666);
        opts.open(&path)
            .and_then(|mut f| f.write_all(content))
            .map_err(|e| {
                Diagnostic::error(
                    &path,
                    None,
                    format!("cannot write: {e}; nothing was written"),
                )
            })
    }

    fn path(&self, i: usize) -> Option<PathBuf> {
        match self.dir.get() {
            Some(Ok((d, _))) => Some(d.path().join(i.to_string())),
            _ => None,
        }
    }

    /// Remove the staging folder with whatever is left in it, and the folders made for
    /// OUT when nothing was moved into them.
    fn discard(self) {
        if let Some(Ok((dir, created))) = self.dir.into_inner() {
            drop(dir);
            for p in &created {
                if std::fs::remove_dir(p).is_err() {
                    break;
                }
            }
        }
    }
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Move every staged file (`(index, target)`, in path order) into place: folders first,
/// then the renames, in parallel. Staging already succeeded for every file, so OUT is
/// never left with a half-written page; a failing rename is reported.
fn write_all(stage: &Stage, writes: &[(usize, PathBuf)]) -> Result<(), Diagnostic> {
    let mut last_dir: Option<&Path> = None;
    for (_, target) in writes {
        let dir = target.parent().unwrap_or(Path::new("."));
        if last_dir != Some(dir) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Diagnostic::error(dir, None, format!("cannot create folder: {e}")))?;
            // A folder nothing can be moved into (read-only, immutable) fails the build
            // here, before any file is renamed: OUT is never left half-written.
            tempfile::Builder::new()
                .prefix(".docsnip-probe-")
                .tempfile_in(dir)
                .map_err(|e| {
                    Diagnostic::error(dir, None, format!("cannot write in folder: {e}"))
                })?;
            last_dir = Some(dir);
        }
    }
    let moved: Vec<Result<(), Diagnostic>> = writes
        .par_iter()
        .map(|(i, target)| {
            let from = stage
                .path(*i)
                .ok_or_else(|| Diagnostic::error(target, None, "the staged file is missing"))?;
            if let Ok(meta) = std::fs::metadata(target) {
                let _ = std::fs::set_permissions(&from, meta.permissions());
            }
            std::fs::rename(&from, target).map_err(|e| {
                Diagnostic::error(target, None, format!("cannot move into place: {e}"))
            })
        })
        .collect();
    moved.into_iter().collect()
}

/// The summary line: `docsnip: 6 pages, 5 endpoints, 20 snippets, 1 warning in 12 ms`.
pub fn summary_line(s: &Summary, started: Instant, verb: &str) -> String {
    let ms = started.elapsed().as_millis();
    let plural = |n: usize, w: &str| {
        if n == 1 {
            format!("{n} {w}")
        } else {
            format!("{n} {w}s")
        }
    };
    let skipped = if s.skipped > 0 {
        format!(
            ", {} with hand-pasted snippets but no request",
            plural(s.skipped, "page")
        )
    } else {
        String::new()
    };
    format!(
        "docsnip: {}, {}, {}, {}{skipped}, {} ({} {verb}) in {ms} ms",
        plural(s.files, "file"),
        plural(s.pages, "page"),
        plural(s.endpoints, "endpoint"),
        plural(s.snippets, "snippet"),
        plural(s.warnings, "warning"),
        s.changed.len(),
    )
}
