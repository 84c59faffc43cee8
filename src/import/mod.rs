//! `docsnip import`: turn a page's hand-pasted Curl block into `method:` + `request:`
//! front-matter, so the page becomes an endpoint page whose snippets docsnip generates.
//!
//! The curl command is read as bash hands it to curl ([`shell`]), then with curl's
//! option rules ([`curl`]); what curl would send is written as front-matter (path
//! relative to the configured `base_url`, query, headers, cookies, auth scheme, body).
//! The other hand-pasted blocks (HTTPie, Python, Node.js, the `Request` block) are
//! cross-checked where they can be read: a disagreement is a warning with both
//! readings. A command that cannot be read is reported and its page left unchanged.
//! Every byte of the page but the inserted lines is kept.

pub mod curl;
pub mod find;
pub mod shell;

use crate::build::Site;
use crate::config::Scheme;
use crate::diag::{Diagnostic, line_col};
use crate::frontmatter;
use crate::page::Structure;
use crate::page::{self, FrontMatter};
use crate::yaml;
use curl::{Curl, CurlBody};
use percent_encoding::percent_decode_str;
use std::path::Path;

/// What import did with one page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    /// Nothing to import: not a page, no Curl block, or already an endpoint request.
    NotApplicable,
    /// The page's new text; `disagreements` counts the blocks that read differently.
    Page { text: String, disagreements: usize },
    /// The curl command could not be read (or the page could not); left unchanged.
    Refused,
    /// A Markdown page the configured format does not read (`.mdx` outside
    /// `docusaurus`) that shows curl commands: warned, left unchanged.
    NotRead,
}

/// A name/value list as written under `request:`.
type Pairs = Vec<(String, String)>;

/// The request read from the curl command, ready to be written as front-matter.
#[derive(Debug, Default)]
struct Spec {
    method: String,
    /// The request's own host, when it is not the site's `base_url`.
    base_url: Option<String>,
    path: String,
    /// Path parameters: placeholders in the path, with the value a reader replaces.
    params: Pairs,
    query: Pairs,
    headers: Pairs,
    cookies: Pairs,
    auth: String,
    body: Option<(String, String)>,
    content_type: Option<String>,
}

/// How one curl command of a page was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// As the page's front-matter `method:` and `request:`.
    FrontMatter,
    /// As a request comment holding this YAML (`base_url:`, `method:`, `request:`).
    Comment(String),
}

/// What import did with one curl command of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    /// Page offset of the command.
    pub offset: usize,
    /// The command as the page shows it (a `$ ` prompt left out).
    pub code: String,
    /// How its request was written; `None`: not imported, and a warning says why.
    pub written: Option<Written>,
}

/// The reason a refusal of a curl command gives (the messages this module writes as
/// `cannot import this curl command: REASON; the page is left unchanged`, or `…; it is
/// left as it is`), or `None` when `message` is not such a refusal.
pub fn refusal_reason(message: &str) -> Option<&str> {
    let why = message.strip_prefix("cannot import this curl command: ")?;
    Some(
        why.strip_suffix("; the page is left unchanged")
            .or_else(|| why.strip_suffix("; it is left as it is"))
            .unwrap_or(why),
    )
}

/// Import one page. `shown` names it in messages.
pub fn import_page(shown: &Path, text: &str, site: &Site) -> (Imported, Vec<Diagnostic>) {
    let (imported, diags, _) = import_page_commands(shown, text, site);
    (imported, diags)
}

/// [`import_page`], also saying what became of each curl command of the page.
pub fn import_page_commands(
    shown: &Path,
    text: &str,
    site: &Site,
) -> (Imported, Vec<Diagnostic>, Vec<CommandOutcome>) {
    let mut outcomes = Vec::new();
    let (imported, diags) = import_inner(shown, text, site, &mut outcomes);
    (imported, diags, outcomes)
}

fn import_inner(
    shown: &Path,
    text: &str,
    site: &Site,
    outcomes: &mut Vec<CommandOutcome>,
) -> (Imported, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let at = |offset: usize| Some(line_col(text, offset));
    let (yaml_range, body, root, ep) = match page::front_matter(text) {
        FrontMatter::Closed {
            yaml: yaml_range,
            body,
        } => {
            let Ok(root) = yaml::parse(&text[yaml_range.clone()]) else {
                diags.push(Diagnostic::warning(
                    shown,
                    at(yaml_range.start),
                    "invalid YAML front-matter: not imported (docsnip's build reports why)",
                ));
                return (Imported::Refused, diags);
            };
            let Ok(ep) = frontmatter::interpret(&root, yaml_range.start) else {
                diags.push(Diagnostic::warning(
                    shown,
                    at(yaml_range.start),
                    "the front-matter has errors: not imported (docsnip's build reports them)",
                ));
                return (Imported::Refused, diags);
            };
            (Some(yaml_range), body, Some(root), ep)
        }
        FrontMatter::Unclosed => return (Imported::NotApplicable, diags),
        FrontMatter::None => (
            None,
            if text.starts_with('\u{feff}') { 3 } else { 0 },
            None,
            frontmatter::Endpoint {
                snippets: true,
                ..frontmatter::Endpoint::default()
            },
        ),
    };
    if !ep.snippets {
        return (Imported::NotApplicable, diags);
    }
    let right_code = ep.right_code_key.map(|key| {
        let value = root
            .as_ref()
            .and_then(|r| r.as_map())
            .and_then(|m| {
                m.iter()
                    .find(|(k, _)| k.scalar_text() == Some("right_code"))
            })
            .and_then(|(_, v)| v.scalar_text())
            .unwrap_or("");
        (key, value)
    });
    let layout = Structure::new(text, yaml_range.clone().unwrap_or(0..0), body, right_code);
    let blocks = find::blocks(text, &layout, root.as_ref(), site);
    let titles: Vec<&str> = site.languages.iter().map(|l| l.title.as_str()).collect();
    let endpoint = ep.request.is_some();
    let mut cands: Vec<find::Found> = Vec::new();
    for f in find::curl_commands(&blocks) {
        let b = &blocks[f.block];
        let owned = b.in_front_matter || b.label.as_deref().is_some_and(|l| titles.contains(&l));
        if (endpoint && owned) || after_docsnip_comment(text, b.group) {
            continue; // docsnip's own group
        }
        cands.push(f);
    }
    if cands.is_empty() {
        return (Imported::NotApplicable, diags);
    }
    // One request per group: a block (or tab group) with several commands is not read.
    let mut singles: Vec<find::Found> = Vec::new();
    // Plain blocks holding several commands (and nothing docsnip cannot keep): split.
    let mut splits: Vec<(usize, Vec<find::Found>)> = Vec::new();
    let mut refused = 0;
    for f in &cands {
        let b = &blocks[f.block];
        let in_block = cands.iter().filter(|g| g.block == f.block).count();
        let alone = cands
            .iter()
            .all(|g| g.block == f.block || blocks[g.block].group != b.group);
        if in_block > 1 && alone && b.fence.is_some() && b.is_shell() {
            match splits.iter_mut().find(|(i, _)| *i == f.block) {
                Some((_, fs)) => fs.push(f.clone()),
                None => splits.push((f.block, vec![f.clone()])),
            }
            continue;
        }
        let same: Vec<&find::Found> = cands
            .iter()
            .filter(|g| blocks[g.block].group == b.group)
            .collect();
        let outcome = CommandOutcome {
            offset: b.page(f.range.start),
            code: b.code[f.range.clone()].to_string(),
            written: None,
        };
        if same.len() > 1 {
            outcomes.push(outcome);
            refused += 1;
            {
                diags.push(Diagnostic::warning(
                    shown,
                    at(b.page(f.range.start)),
                    format!(
                        "not imported: this {} holds {} curl commands, and docsnip writes one request per group; give each command its own block (with its own heading or text between them) and run import again",
                        if same.iter().all(|g| g.block == f.block) {
                            "block"
                        } else {
                            "tab group"
                        },
                        same.len()
                    ),
                ));
            }
            continue;
        }
        if !b.is_shell() && b.label.is_none() {
            outcomes.push(outcome);
            refused += 1;
            diags.push(Diagnostic::warning(
                shown,
                at(b.page(f.range.start)),
                format!(
                    "not imported: this curl command is in a `{}` block; if it is a shell command, mark the block `bash` and run import again",
                    b.lang
                ),
            ));
            continue;
        }
        singles.push(f.clone());
    }
    let command = |f: &find::Found| -> (String, CodeMap) {
        let b = &blocks[f.block];
        let code = b.code[f.range.clone()].to_string();
        let mut starts = Vec::new();
        let mut off = f.range.start;
        for l in code.split_inclusive('\n') {
            starts.push(b.page(off));
            off += l.len();
        }
        (code.clone(), CodeMap::Lines(starts, code))
    };
    let front_matter_free = yaml_range.is_some() && !endpoint;
    if front_matter_free && refused == 0 && splits.is_empty() && singles.len() == 1 {
        let b = &blocks[singles[0].block];
        if b.in_front_matter || b.label.as_deref().is_some_and(|l| titles.contains(&l)) {
            let (code, map) = command(&singles[0]);
            let yaml_range = yaml_range.clone().unwrap_or(0..0);
            let offset = map.page(0);
            let done = import_front_matter(
                shown,
                text,
                site,
                FrontMatterPage {
                    yaml_range,
                    body,
                    ep: &ep,
                    layout: &layout,
                    blocks: &blocks,
                },
                (code.clone(), map),
                diags,
            );
            outcomes.push(CommandOutcome {
                offset,
                code,
                written: matches!(done.0, Imported::Page { .. }).then_some(Written::FrontMatter),
            });
            return done;
        }
    }
    // Several requests (or one outside a group docsnip owns): a comment before each group.
    let mdx = shown.extension().is_some_and(|e| e == "mdx");
    let one_line = site.config.format.kind == crate::format::FormatKind::Slate
        || root.as_ref().and_then(|r| r.as_map()).is_some_and(|m| {
            m.iter()
                .any(|(k, _)| k.scalar_text() == Some("language_tabs"))
        });
    let nl = page::newline(text);
    let mut inserts: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for f in &singles {
        let b = &blocks[f.block];
        let (code, map) = command(f);
        outcomes.push(CommandOutcome {
            offset: map.page(0),
            code: code.clone(),
            written: None,
        });
        if b.in_front_matter {
            diags.push(Diagnostic::warning(
                shown,
                at(map.page(0)),
                "not imported: this curl command is in the front-matter, where only one request can be written (the page has others, or already has `request:`); move its block into the page body and run import again",
            ));
            continue;
        }
        let Some(yaml_text) = request_yaml(shown, text, site, &code, &map, &mut diags) else {
            continue;
        };
        let line_start = text[..b.group].rfind('\n').map_or(0, |i| i + 1);
        let indent: String = text[line_start..]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        inserts.push((
            line_start..line_start,
            comment(&yaml_text, mdx, one_line, &indent, nl),
        ));
        if let Some(o) = outcomes.last_mut() {
            o.written = Some(Written::Comment(yaml_text));
        }
    }
    // A block of several commands becomes one block per command, each after its comment;
    // every line of the block is kept, in order (output lines stay with their command).
    for (bi, fs) in &splits {
        let b = &blocks[*bi];
        let Some((whole, code_range)) = b.fence.clone() else {
            continue;
        };
        let mut yamls = Vec::new();
        for f in fs {
            let (code, map) = command(f);
            outcomes.push(CommandOutcome {
                offset: map.page(0),
                code: code.clone(),
                written: None,
            });
            yamls.push(request_yaml(shown, text, site, &code, &map, &mut diags));
        }
        let first = outcomes.len() - fs.len();
        if yamls.iter().any(Option::is_none) {
            for (f, y) in fs.iter().zip(&yamls) {
                if y.is_some() {
                    diags.push(Diagnostic::warning(
                        shown,
                        at(b.page(f.range.start)),
                        format!(
                            "not imported: this block holds {} curl commands, and docsnip writes one request per block; another of them cannot be imported (see its warning): fix it, or give each command its own block, and run import again",
                            fs.len()
                        ),
                    ));
                }
            }
            continue;
        }
        let open = &text[whole.start..code_range.start];
        let close = &text[code_range.end..whole.end];
        let code = &text[code_range.clone()];
        let indent: String = open
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect();
        // Each command's chunk starts at its line, or at the `#` comment lines right
        // before it (`# Via query parameter`: the label of the command that follows);
        // the blank lines that separated two commands become the split itself. The
        // previous command's own text (to its end) always stays with it.
        let line_before = |at: usize| code[..at - 1].rfind('\n').map_or(0, |i| i + 1);
        let mut starts = Vec::new();
        let mut ends = Vec::new();
        for (i, f) in fs.iter().enumerate() {
            let mut c = code[..f.range.start].rfind('\n').map_or(0, |i| i + 1);
            if i == 0 {
                starts.push(0);
                continue;
            }
            let floor = code[fs[i - 1].range.end..]
                .find('\n')
                .map_or(code.len(), |n| fs[i - 1].range.end + n + 1);
            while c > floor && code[line_before(c)..c].trim_start().starts_with('#') {
                c = line_before(c);
            }
            let mut b = c;
            while b > floor && code[line_before(b)..b].trim().is_empty() {
                b = line_before(b);
            }
            ends.push(b);
            starts.push(c);
        }
        ends.push(code.len());
        let mut out = String::new();
        for (i, y) in yamls.iter().enumerate() {
            let y = y.as_deref().unwrap_or_default();
            out.push_str(&comment(y, mdx, one_line, &indent, nl));
            out.push_str(open);
            let chunk = &code[starts[i]..ends[i]];
            out.push_str(chunk);
            if !chunk.ends_with('\n') && !close.starts_with('\n') {
                out.push_str(nl);
            }
            out.push_str(close);
            if !close.ends_with('\n') {
                out.push_str(nl);
            }
        }
        inserts.push((whole, out));
        for (o, y) in outcomes[first..].iter_mut().zip(yamls) {
            o.written = y.map(Written::Comment);
        }
    }
    if inserts.is_empty() {
        return (Imported::Refused, diags);
    }
    inserts.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len() + inserts.len() * 200);
    let mut from = 0;
    for (r, c) in inserts {
        out.push_str(&text[from..r.start]);
        out.push_str(&c);
        from = r.end;
    }
    out.push_str(&text[from..]);
    (
        Imported::Page {
            text: out,
            disagreements: 0,
        },
        diags,
    )
}

/// The request YAML (`base_url:`, `method:`, `request:`) of one command, checked to
/// build; `None` (with a warning) when it cannot be imported.
fn request_yaml(
    shown: &Path,
    text: &str,
    site: &Site,
    code: &str,
    map: &CodeMap,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let at = |offset: usize| Some(line_col(text, offset));
    let curl = match read_command(code) {
        Ok(c) => c,
        Err((offset, message)) => {
            diags.push(Diagnostic::warning(
                shown,
                at(map.page(offset)),
                format!("cannot import this curl command: {message}; it is left as it is"),
            ));
            return None;
        }
    };
    let curl_at = at(map.page(curl.offset));
    let spec = match to_spec(&curl, site, &mut |m| {
        diags.push(Diagnostic::warning(shown, curl_at, m))
    }) {
        Ok(s) => s,
        Err(message) => {
            diags.push(Diagnostic::warning(
                shown,
                curl_at,
                format!("cannot import this curl command: {message}; it is left as it is"),
            ));
            return None;
        }
    };
    let yaml_text = render_yaml(&spec, true, "\n");
    if let Some(problem) = builds(shown, &yaml_text, site) {
        diags.push(Diagnostic::warning(
            shown,
            curl_at,
            format!(
                "cannot import this curl command: the request it sends would not build ({problem}); it is left as it is"
            ),
        ));
        return None;
    }
    Some(yaml_text)
}

/// What the front-matter import needs of the page.
struct FrontMatterPage<'a> {
    yaml_range: std::ops::Range<usize>,
    body: usize,
    ep: &'a frontmatter::Endpoint,
    layout: &'a Structure<'a>,
    /// Every code block find.rs read (the Aviator lists' entries among them).
    blocks: &'a [find::CodeBlock],
}

/// Whether the group at `group` directly follows a `<!-- docsnip … -->` (or
/// `{/* docsnip … */}`) comment: a request docsnip already owns.
fn after_docsnip_comment(text: &str, group: usize) -> bool {
    let line_start = text[..group].rfind('\n').map_or(0, |i| i + 1);
    let before = text[..line_start].trim_end();
    if before.ends_with("-->") {
        return before
            .rfind("<!--")
            .is_some_and(|i| before[i + 4..].trim_start().starts_with("docsnip"));
    }
    if before.ends_with("*/}") {
        return before
            .rfind("{/*")
            .is_some_and(|i| before[i + 3..].trim_start().starts_with("docsnip"));
    }
    false
}

/// The words of a command, read by bash's rules with variables kept, then by curl's.
fn read_command(code: &str) -> Result<Curl, (usize, String)> {
    let words = shell::words_with_vars(code).map_err(|e| {
        let rest = &code[e.offset.min(code.len())..];
        let placeholder = rest
            .find('>')
            .map(|end| &rest[..=end])
            .filter(|p| is_angle_placeholder(p));
        match placeholder {
            Some(p) if e.message.contains("redirection") => (
                e.offset,
                format!(
                    "`{p}` is a placeholder that bash reads as a redirection, so the command does not run as published; quote it (`\"{p}\"`), or write the value"
                ),
            ),
            _ => (e.offset, e.message),
        }
    })?;
    Curl::parse(&words).map_err(|e| (e.offset, e.message))
}

/// Why the request YAML (`method:`, `request:`) would not build, if it would not.
fn builds(shown: &Path, yaml_text: &str, site: &Site) -> Option<String> {
    let page = format!("---\n{yaml_text}---\n");
    let mut built = Vec::new();
    if crate::build::parse_page(shown, &page, site, &site.base_url, &mut built).is_err() {
        let messages: Vec<String> = built
            .into_iter()
            .filter(Diagnostic::is_error)
            .map(|d| d.message)
            .collect();
        return Some(messages.join("; "));
    }
    None
}

/// The request comment: YAML lines between `<!-- docsnip` and `-->` (`{/* docsnip` and
/// `*/}` in MDX), each line indented like the group it stands before; or the YAML as
/// one JSON line (`one_line`: Slate/Shins copy every line holding `<!--` into the head),
/// also when a YAML line would close the comment early.
fn comment(yaml_text: &str, mdx: bool, one_line: bool, indent: &str, nl: &str) -> String {
    let (open, close) = if mdx {
        ("{/* docsnip", "*/}")
    } else {
        ("<!-- docsnip", "-->")
    };
    let closes_early = if mdx {
        yaml_text.contains("*/")
    } else {
        yaml_text.contains("-->") || yaml_text.contains("--!>")
    };
    if one_line || closes_early {
        let json = yaml::parse(yaml_text)
            .ok()
            .and_then(|n| frontmatter::to_json(&n, 0).ok())
            .map(|v| v.to_string())
            .unwrap_or_default();
        // `>`, `*` and `-` as JSON escapes: nothing in the line can close the comment.
        let mut safe = String::new();
        let mut in_string = false;
        let mut escaped = false;
        for c in json.chars() {
            if in_string && !escaped && matches!(c, '>' | '*' | '-') {
                safe.push_str(&format!("\\u{:04X}", c as u32));
                continue;
            }
            if in_string && c == '\\' && !escaped {
                escaped = true;
            } else {
                if c == '"' && !escaped {
                    in_string = !in_string;
                }
                escaped = false;
            }
            safe.push(c);
        }
        return format!("{indent}{open} {safe} {close}{nl}");
    }
    let mut out = format!("{indent}{open}{nl}");
    for line in yaml_text.lines() {
        out.push_str(indent);
        out.push_str(line);
        out.push_str(nl);
    }
    out.push_str(&format!("{indent}{close}{nl}"));
    out
}

/// The front-matter import of a page's one curl command (as `method:` + `request:`),
/// cross-checked with the page's other hand-pasted blocks.
fn import_front_matter(
    shown: &Path,
    text: &str,
    site: &Site,
    p: FrontMatterPage,
    (code, map): (String, CodeMap),
    mut diags: Vec<Diagnostic>,
) -> (Imported, Vec<Diagnostic>) {
    let at = |offset: usize| Some(line_col(text, offset));
    let FrontMatterPage {
        yaml_range,
        body,
        ep,
        layout,
        blocks,
    } = p;
    let title_of = |name: &str, default: &str| {
        site.languages
            .iter()
            .find(|l| l.name == name)
            .map_or(default.to_string(), |l| l.title.clone())
    };
    let find = |title: &str| {
        block(text, layout, body, title).or_else(|| {
            // An entry of the Aviator template's `left_code_blocks` / `right_code_blocks`.
            blocks
                .iter()
                .find(|b| b.in_front_matter && b.label.as_deref() == Some(title))
                .map(|b| {
                    (
                        b.code.clone(),
                        CodeMap::Lines(b.lines.clone(), b.code.clone()),
                    )
                })
        })
    };
    let curl = match read_command(&code) {
        Ok(c) => c,
        Err((offset, message)) => {
            diags.push(Diagnostic::warning(
                shown,
                at(map.page(offset)),
                format!("cannot import this curl command: {message}; the page is left unchanged"),
            ));
            return (Imported::Refused, diags);
        }
    };
    let curl_at = at(map.page(curl.offset));
    let mut spec = match to_spec(&curl, site, &mut |m| {
        diags.push(Diagnostic::warning(shown, curl_at, m))
    }) {
        Ok(s) => s,
        Err(message) => {
            diags.push(Diagnostic::warning(
                shown,
                curl_at,
                format!("cannot import this curl command: {message}; the page is left unchanged"),
            ));
            return (Imported::Refused, diags);
        }
    };

    // Cross-checks with the other hand-pasted blocks.
    let mut disagreements = 0;
    let mut disagree = |offset: usize, message: String| {
        disagreements += 1;
        diags.push(Diagnostic::warning(shown, at(offset), message));
    };
    // One warning for the snippet blocks that read differently, at the first of them.
    let curl_url = strip_query(&curl.url);
    let mut readings: Vec<String> = Vec::new();
    let mut first_at: Option<usize> = None;
    if let Some((code, map)) = find(&title_of("httpie", "HTTPie"))
        && let Some((method, url)) = read_httpie(&code)
    {
        let url_differs = !same_url(&url, curl_url);
        if !method.eq_ignore_ascii_case(&curl.method) || url_differs {
            readings.push(format!(
                "{} sends {method} {url}",
                title_of("httpie", "HTTPie")
            ));
            first_at.get_or_insert(map.page(0));
        }
    }
    for (lang, default) in [("python", "Python (requests)"), ("node", "Node.js")] {
        let title = title_of(lang, default);
        let Some((code, map)) = find(&title) else {
            continue;
        };
        let method = read_method(lang, &code);
        let method_differs = method
            .as_ref()
            .is_some_and(|m| !m.eq_ignore_ascii_case(&curl.method));
        // The URL too, when the block spells it whole (the build replaces this block:
        // a block that asked for another resource is said before it goes).
        let templated = |u: &str| u.contains(['<', '{']) || u.contains(shell::VAR_OPEN);
        let url = read_literal_url(&code)
            .filter(|u| !templated(u) && !templated(curl_url) && !same_url(u, curl_url))
            .map(|u| strip_query(&u).to_string());
        match (method, url) {
            (Some(m), Some(u)) => {
                readings.push(format!("{title} sends {} {u}", m.to_ascii_uppercase()))
            }
            (None, Some(u)) => readings.push(format!("{title} requests {u}")),
            (Some(m), None) if method_differs => {
                readings.push(format!("{title} sends {}", m.to_ascii_uppercase()))
            }
            _ => continue,
        }
        first_at.get_or_insert(map.page(0));
    }
    if let Some(offset) = first_at {
        disagree(
            offset,
            format!(
                "the hand-pasted blocks disagree: Curl sends {} {curl_url}, but {}; docsnip import wrote what curl sends: check which is right",
                curl.method,
                readings.join(", ")
            ),
        );
    }
    if spec.body.as_ref().is_some_and(|(k, _)| k == "json")
        && !site.config.request_block.is_empty()
        && let Some((code, starts)) = layout.right_code_block(&site.config.request_block)
    {
        let curl_json = match &curl.body {
            CurlBody::Data { bytes, .. } => serde_json::from_str::<serde_json::Value>(bytes).ok(),
            _ => None,
        };
        match (serde_json::from_str::<serde_json::Value>(&code), curl_json) {
            (Ok(block), Some(sent)) if block == sent => {
                // The Request block already is the body: it stays the one source.
                spec.body = None;
                spec.content_type = spec
                    .content_type
                    .take()
                    .filter(|ct| ct != "application/json");
            }
            (block, _) => disagree(
                starts.first().copied().unwrap_or(yaml_range.start),
                format!(
                    "the hand-pasted blocks disagree: the `{}` block {} the JSON body curl sends; docsnip import wrote curl's body under `request.json`, which the build uses instead: check which is right",
                    site.config.request_block,
                    if block.is_ok() {
                        "is not"
                    } else {
                        "is not valid JSON, so not"
                    }
                ),
            ),
        }
    }
    let mut replace_method = None;
    if let Some(m) = &ep.method
        && !m.value.trim().is_empty()
        && !m.value.trim().eq_ignore_ascii_case(&curl.method)
    {
        if text[m.offset..].starts_with(m.value.as_str()) {
            replace_method = Some(m.offset..m.offset + m.value.len());
        }
        disagree(
            m.offset,
            format!(
                "the page says `method: {}` but its Curl block sends {}; docsnip import wrote what curl sends: check which is right",
                m.value, curl.method
            ),
        );
    }
    let write_method = match &ep.method {
        Some(m) if !m.value.trim().is_empty() => false,
        Some(m) => {
            diags.push(Diagnostic::warning(
                shown,
                at(m.offset),
                "the page has an empty `method:`: not imported (remove it, or give the method)",
            ));
            return (Imported::Refused, diags);
        }
        None => true,
    };

    // Write: before the `right_code` key when it starts a line, else at the end of the
    // front-matter.
    let nl = page::newline(text);
    let yaml_text = render_yaml(&spec, write_method, nl);
    let insert_at = match ep.right_code_key {
        Some(k) if k == 0 || text.as_bytes()[k - 1] == b'\n' => k,
        _ => yaml_range.end,
    };
    let mut out = String::with_capacity(text.len() + yaml_text.len());
    let method_range = replace_method.clone();
    match &method_range {
        Some(r) if r.end <= insert_at => {
            out.push_str(&text[..r.start]);
            out.push_str(&curl.method);
            out.push_str(&text[r.end..insert_at]);
        }
        _ => out.push_str(&text[..insert_at]),
    }
    if insert_at == yaml_range.end
        && insert_at > yaml_range.start
        && !text[..insert_at].ends_with('\n')
    {
        out.push_str(nl);
    }
    out.push_str(&yaml_text);
    match &method_range {
        Some(r) if r.start >= insert_at => {
            out.push_str(&text[insert_at..r.start]);
            out.push_str(&curl.method);
            out.push_str(&text[r.end..]);
        }
        _ => out.push_str(&text[insert_at..]),
    }
    // What import wrote must build: else the page is left as it was.
    let mut built = Vec::new();
    if crate::build::parse_page(shown, &out, site, &site.base_url, &mut built).is_err() {
        for d in built.into_iter().filter(Diagnostic::is_error) {
            diags.push(Diagnostic::warning(
                shown,
                curl_at,
                format!(
                    "cannot import this curl command: the request it sends would not build ({}); the page is left unchanged",
                    d.message
                ),
            ));
        }
        return (Imported::Refused, diags);
    }
    (
        Imported::Page {
            text: out,
            disagreements,
        },
        diags,
    )
}

/// Maps offsets in a block's code to page offsets.
enum CodeMap {
    /// Code in the body: a page offset.
    Body(usize),
    /// Code in the right_code value: the page offset of each code line.
    Lines(Vec<usize>, String),
}

impl CodeMap {
    fn page(&self, offset: usize) -> usize {
        match self {
            CodeMap::Body(start) => start + offset,
            CodeMap::Lines(starts, code) => {
                let line = code[..offset.min(code.len())].matches('\n').count();
                let line_start = code[..offset.min(code.len())]
                    .rfind('\n')
                    .map_or(0, |i| i + 1);
                starts.get(line).map_or(0, |s| s + (offset - line_start))
            }
        }
    }
}

/// The code of the first block titled `title`: in right_code, else in the body.
fn block(text: &str, layout: &Structure, body: usize, title: &str) -> Option<(String, CodeMap)> {
    if let Some((code, starts)) = layout.right_code_block(title) {
        return Some((code.clone(), CodeMap::Lines(starts, code)));
    }
    let b = page::fenced_blocks(&text[body..])
        .into_iter()
        .find(|b| b.title.as_deref() == Some(title))?;
    Some((
        text[body + b.code.start..body + b.code.end].to_string(),
        CodeMap::Body(body + b.code.start),
    ))
}

fn strip_query(url: &str) -> &str {
    let u = url.split('#').next().unwrap_or(url);
    u.split('?').next().unwrap_or(u)
}

/// Whether two URLs (without query) name the same resource: HTTPie's default scheme is
/// `http://`, and a trailing slash is not ignored.
fn same_url(a: &str, b: &str) -> bool {
    let norm = |u: &str| {
        let u = strip_query(u);
        if u.contains("://") {
            u.to_string()
        } else {
            format!("http://{}", u.trim_start_matches(':'))
        }
    };
    norm(a) == norm(b)
}

/// The method and URL of a hand-pasted HTTPie command, when it can be read.
fn read_httpie(code: &str) -> Option<(String, String)> {
    let words = shell::words(code).ok()?;
    let (first, rest) = words.split_first()?;
    if !matches!(first.text.as_str(), "http" | "https") {
        return None;
    }
    // Options with a value (HTTPie's own).
    const WITH_VALUE: [&str; 12] = [
        "--auth",
        "-a",
        "--auth-type",
        "-A",
        "--session",
        "--output",
        "-o",
        "--print",
        "-p",
        "--verify",
        "--timeout",
        "--boundary",
    ];
    let mut it = rest.iter().map(|w| w.text.as_str()).peekable();
    let mut positional = Vec::new();
    while let Some(w) = it.next() {
        if w == "--" {
            positional.extend(it.by_ref());
            break;
        }
        if w.starts_with('-') && w.len() > 1 {
            if WITH_VALUE.contains(&w) {
                it.next();
            }
            continue;
        }
        positional.push(w);
    }
    let (method, url, items) = match positional.as_slice() {
        [m, url, items @ ..] if !m.is_empty() && m.chars().all(|c| c.is_ascii_alphabetic()) => {
            (Some(m.to_string()), url.to_string(), items)
        }
        [url, items @ ..] => (None, url.to_string(), items),
        [] => return None,
    };
    let method = method.unwrap_or_else(|| {
        // HTTPie: POST when any item is data (`=`, `:=`, `@`), else GET.
        let data = items.iter().any(|i| {
            let sep = i
                .char_indices()
                .find(|(_, c)| matches!(c, ':' | '=' | '@'))
                .map(|(at, _)| &i[at..]);
            matches!(sep, Some(s) if s.starts_with(":=") || (s.starts_with('=') && !s.starts_with("==")) || s.starts_with('@'))
        });
        if data { "POST".into() } else { "GET".into() }
    });
    Some((method, url))
}

/// The first `http://` or `https://` URL a hand-pasted Python or JavaScript block spells
/// whole, as a string literal: quoted, without `{`, `$` or a backslash, neither prefixed
/// (f-strings) nor followed by `+` (a URL built from parts is not read).
fn read_literal_url(code: &str) -> Option<String> {
    let b = code.as_bytes();
    let mut from = 0;
    while let Some(i) = code[from..].find("http").map(|i| i + from) {
        from = i + 4;
        let Some(&q) = i.checked_sub(1).map(|j| &b[j]) else {
            continue;
        };
        if !matches!(q, b'"' | b'\'' | b'`') {
            continue;
        }
        if i >= 2 && (b[i - 2].is_ascii_alphanumeric() || b[i - 2] == b'_') {
            continue;
        }
        let rest = &code[i..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let end = rest.find(q as char)?;
        let url = &rest[..end];
        let after = rest[end + 1..].trim_start();
        if url.contains(['{', '$', '\\', '\n']) || after.starts_with('+') {
            return None;
        }
        return Some(url.to_string());
    }
    None
}

/// The method a hand-pasted Python (requests) or Node.js block uses, when it says.
fn read_method(lang: &str, code: &str) -> Option<String> {
    match lang {
        "python" => {
            let at = code.find("requests.")?;
            let rest = &code[at + "requests.".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let after = &rest[name.len()..];
            if !after.starts_with('(') {
                return None;
            }
            if name == "request" {
                let arg = after[1..].trim_start();
                let q = arg.chars().next().filter(|c| *c == '"' || *c == '\'')?;
                return arg[1..].split(q).next().map(str::to_string);
            }
            matches!(
                name.as_str(),
                "get" | "post" | "put" | "patch" | "delete" | "head" | "options"
            )
            .then_some(name)
        }
        "node" => {
            let at = code.find("method:")?;
            let rest = code[at + "method:".len()..].trim_start();
            let q = rest
                .chars()
                .next()
                .filter(|c| matches!(c, '"' | '\'' | '`'))?;
            rest[1..].split(q).next().map(str::to_string)
        }
        _ => None,
    }
}

/// Whether a Content-Type is JSON (`application/json`, `…+json`, any parameters).
fn is_json_type(ct: &str) -> bool {
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

fn decode(s: &str) -> Option<String> {
    percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// The request front-matter for what `curl` sends. `warn` takes credential warnings.
fn to_spec(curl: &Curl, site: &Site, warn: &mut dyn FnMut(String)) -> Result<Spec, String> {
    let url = curl.url.split('#').next().unwrap_or(&curl.url);
    let (origin, rest, base_url) = split_url(url, &site.base_url)?;
    let (path, query_text) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = if path.is_empty() { "/" } else { path };
    // Unless --path-as-is, curl resolves `.` and `..` segments before sending.
    let resolved;
    let path = if curl.path_as_is {
        path
    } else {
        resolved = remove_dot_segments(path);
        resolved.as_str()
    };
    let (path, params) = path_params(path)?;
    if path.contains("&lt;") {
        return Err(format!(
            "the path `{path}` holds `&lt;`, which docsnip reads as a path parameter"
        ));
    }
    let _ = origin;
    let method = curl.method.to_ascii_uppercase();
    if method != curl.method {
        warn(format!(
            "curl sends the method exactly as written, `{}` (HTTP methods are case-sensitive: most servers answer 400 or 405); docsnip import wrote `{method}`, which is surely what the page means",
            curl.method
        ));
    }
    let mut spec = Spec {
        method,
        path,
        params,
        base_url,
        auth: "none".into(),
        ..Spec::default()
    };
    let secret = |what: &str, v: &str, warn: &mut dyn FnMut(String)| {
        if let Some(kind) = crate::secrets::credential_value(v) {
            warn(format!(
                "the Curl block's {what} looks like a live credential ({kind}); the snippets send the configured placeholder instead, but rotate it: it is in your sources"
            ));
        }
    };
    let mut authed = false;
    for kv in query_text
        .unwrap_or("")
        .split('&')
        .filter(|s| !s.is_empty())
    {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        let plus = |s: &str| s.replace('+', " ");
        let (Some(k), Some(v)) = (decode(&plus(k)), decode(&plus(v))) else {
            return Err(format!("the query `{kv}` is not UTF-8 once decoded"));
        };
        let scheme = site.config.schemes.iter().find_map(|(n, s)| match s {
            Scheme::Query { name, .. } if *name == k && !authed => Some(n.clone()),
            _ => None,
        });
        if let Some(n) = scheme {
            secret(&format!("query `{k}`"), &v, warn);
            spec.auth = n;
            authed = true;
        } else if has_var(&k) || has_var(&v) {
            return Err(format!(
                "the query parameter `{}={}` comes from a variable the page does not set: write its value, or, for a credential, add an auth scheme to docsnip.yml (auth: schemes: key: {{ query: \"{}\" }}) and run import again",
                shown_vars(&k),
                shown_vars(&v),
                shown_vars(&k)
            ));
        } else {
            spec.query.push((k, v));
        }
    }
    if let Some((u, p)) = &curl.user {
        let scheme = site
            .config
            .schemes
            .iter()
            .find_map(|(n, s)| matches!(s, Scheme::Basic { .. }).then(|| n.clone()));
        match scheme {
            Some(n) => {
                secret("password", p, warn);
                spec.auth = n;
                authed = true;
            }
            None => {
                return Err(format!(
                    "`-u {}:…` sends a user name and password: add a `basic` auth scheme to docsnip.yml (auth: schemes: basic: {{ basic: {{}} }}) and run import again",
                    shown_vars(u)
                ));
            }
        }
    }
    let mut content_type: Option<Option<String>> = None; // Some(None): removed
    // curl joins `-b` strings with `;`, and sends none of them when a `Cookie` header
    // is given with -H.
    let mut cookie_text: Vec<String> = Vec::new();
    let cookie_header = curl
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("cookie") && h.value.is_some());
    if !cookie_header && !curl.cookies.is_empty() {
        cookie_text.push(curl.cookies.join(";"));
    }
    for h in &curl.headers {
        let name = h.name.as_str();
        if name.eq_ignore_ascii_case("content-type") {
            content_type = Some(h.value.clone());
            continue;
        }
        let Some(value) = &h.value else {
            continue; // removing a header curl would send by itself: docsnip does not
        };
        if name.eq_ignore_ascii_case("cookie") {
            cookie_text.push(value.clone());
            continue;
        }
        if !authed && let Some(n) = match_scheme(site, name, value) {
            let token = value.rsplit(' ').next().unwrap_or(value);
            let basic = value
                .get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case("basic "));
            if basic {
                // What the base64 decodes to decides (`YOUR_USERNAME:YOUR_PASSWORD`
                // is an example).
                if let Some(s) = crate::secrets::check(Some(name), value) {
                    warn(format!(
                        "the Curl block's `{name}` header looks like a live credential ({}), a user name and password for Basic auth; the snippets use the basic scheme `{n}` instead, with user and password placeholders, but rotate it: it is in your sources",
                        s.kind
                    ));
                }
            } else if !has_var(token) {
                secret(&format!("`{name}` header"), token, warn);
            }
            spec.auth = n;
            authed = true;
            continue;
        }
        let placeholder = value
            .split(' ')
            .next_back()
            .is_some_and(is_angle_placeholder);
        if (has_var(value) || placeholder) && credential_header(name) {
            return Err(propose_header_scheme(name, value));
        }
        if has_var(name) || has_var(value) {
            return Err(format!(
                "the `{}` header's value `{}` comes from a variable the page does not set: write its value",
                shown_vars(name),
                shown_vars(value)
            ));
        }
        if name.eq_ignore_ascii_case("authorization")
            && value
                .get(..6)
                .is_some_and(|p| p.eq_ignore_ascii_case("basic "))
        {
            return Err(
                "`Authorization: Basic …` is a user name and password: add a `basic` auth scheme to docsnip.yml (auth: schemes: basic: { basic: {} }) and run import again; the snippets then show user and password placeholders"
                    .into(),
            );
        }
        spec.headers.push((name.to_string(), value.clone()));
    }
    if cookie_text.len() > 1 {
        // Several `Cookie` headers: sent as they are, one line each.
        spec.headers
            .extend(cookie_text.into_iter().map(|c| ("Cookie".to_string(), c)));
    } else if let Some(all) = cookie_text.pop() {
        let mut pairs = Vec::new();
        let mut clean = true;
        for c in all.split(';') {
            match c.trim().split_once('=') {
                Some((k, v))
                    if !k.is_empty()
                        && !k.contains(' ')
                        && !pairs.iter().any(|(n, _): &(String, String)| n == k) =>
                {
                    pairs.push((k.to_string(), v.to_string()))
                }
                _ => clean = false,
            }
        }
        let rejoined: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if clean && rejoined.join("; ") == all {
            spec.cookies = pairs;
        } else {
            spec.headers.push(("Cookie".into(), all));
        }
    }
    let body_var = match &curl.body {
        CurlBody::None => None,
        CurlBody::Data { bytes, .. } => Some(bytes.clone()),
        CurlBody::Form(parts) => parts
            .iter()
            .flat_map(|p| [Some(&p.name), p.value.as_ref(), p.file.as_ref()])
            .flatten()
            .find(|t| has_var(t))
            .cloned(),
    };
    if let Some(b) = body_var.filter(|b| has_var(b)) {
        return Err(format!(
            "the body holds a variable the page does not set (`{}`): write its value",
            shown_vars(&b).chars().take(80).collect::<String>()
        ));
    }
    match &curl.body {
        CurlBody::None => {
            if let Some(Some(ct)) = content_type {
                spec.headers.push(("Content-Type".into(), ct));
            }
        }
        CurlBody::Data { bytes, .. } => {
            let ct = match content_type {
                Some(ct) => ct,
                None => Some("application/x-www-form-urlencoded".to_string()),
            };
            let json = ct
                .as_deref()
                .filter(|ct| is_json_type(ct))
                .and_then(|_| serde_json::from_str::<serde_json::Value>(bytes).ok());
            if let Some(v) = json {
                spec.body = Some(("json".into(), json_yaml(&v)));
                spec.content_type = ct.filter(|c| c != "application/json");
            } else if ct.as_deref() == Some("application/x-www-form-urlencoded")
                && let Some(fields) = form_fields(bytes)
            {
                spec.body = Some(("form".into(), pairs_yaml(&fields)));
            } else {
                spec.body = Some(("body".into(), quote(bytes)));
                spec.content_type = ct;
            }
        }
        CurlBody::Form(parts) => {
            if let Some(Some(ct)) = &content_type
                && !ct.to_ascii_lowercase().starts_with("multipart/form-data")
            {
                return Err(format!("`-F` with `Content-Type: {ct}`"));
            }
            let mut y = String::new();
            for p in parts {
                y.push_str(&format!("\n    - {{ name: {}", text(&p.name)));
                if let Some(v) = &p.value {
                    y.push_str(&format!(", value: {}", text(v)));
                }
                if let Some(f) = &p.file {
                    y.push_str(&format!(", file: {}", text(f)));
                }
                if let Some(t) = &p.content_type {
                    y.push_str(&format!(", content_type: {}", text(t)));
                }
                y.push_str(" }");
            }
            spec.body = Some(("multipart".into(), y));
        }
    }
    Ok(spec)
}

/// `text` with each variable read by [`shell::words_with_vars`] shown as `$NAME`.
fn shown_vars(text: &str) -> String {
    text.replace(shell::VAR_OPEN, "$")
        .replace(shell::VAR_CLOSE, "")
}

/// Whether `text` holds a variable or a template.
fn has_var(text: &str) -> bool {
    text.contains(shell::VAR_OPEN)
}

/// A `<NAME>` placeholder (`<YOUR_TOKEN>`, `<DEPLOYMENT_URL>`): letters, digits, `_`,
/// `-`, `.` and spaces between angle brackets.
fn is_angle_placeholder(text: &str) -> bool {
    text.strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .is_some_and(|t| {
            !t.is_empty()
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-. ".contains(c))
        })
}

/// The value a reader replaces for a placeholder named `name`: its name in capitals,
/// other characters as `_` (`zone_id` → `ZONE_ID`).
pub fn placeholder_value(name: &str) -> String {
    let v: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    v.trim_matches('_').to_string()
}

/// The URL's origin, the rest (path and query), and the request's own `base_url` when
/// its host is neither the site's nor a variable or placeholder (which stand for the
/// site's `base_url`).
fn split_url<'u>(
    url: &'u str,
    site_base: &str,
) -> Result<(&'u str, &'u str, Option<String>), String> {
    let base = site_base.trim_end_matches('/');
    if let Some(after) = url.strip_prefix(base)
        && (after.is_empty() || after.starts_with(['/', '?']))
    {
        return Ok((&url[..base.len()], after, None));
    }
    let authority_from = if url.starts_with(shell::VAR_OPEN) {
        0
    } else {
        url.find("://").map_or(0, |i| i + 3)
    };
    let mut end = url.len();
    let mut in_var = false;
    for (i, c) in url[authority_from..].char_indices() {
        match c {
            shell::VAR_OPEN => in_var = true,
            shell::VAR_CLOSE => in_var = false,
            '/' | '?' if !in_var => {
                end = authority_from + i;
                break;
            }
            _ => {}
        }
    }
    let (origin, rest) = url.split_at(end);
    let host = &origin[authority_from..];
    // An all-capitals host without a dot (`MEILISEARCH_URL`) is a placeholder too.
    let capitals = !host.is_empty()
        && !host.contains('.')
        && host.chars().any(|c| c.is_ascii_uppercase())
        && host
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if has_var(host) || host.contains(['<', '>']) || host.is_empty() || capitals {
        // `$API_ROOT/…`, `https://<DEPLOYMENT_URL>/…`, `{{ site.app_url }}/…`: the host
        // the page leaves to its reader is the site's `base_url`.
        return Ok((origin, rest, None));
    }
    if origin.contains(['{', '}']) {
        return Err(format!(
            "the host `{origin}` holds `{{…}}`: set `base_url` (docsnip.yml, --base-url, or the page's `base_url:`) to the real host and write the URL without it"
        ));
    }
    Ok((origin, rest, Some(origin.to_string())))
}

/// The path with its placeholders (`{id}`, `<id>`, `:id`, `$ID`) written `{id}`, and
/// the path parameters they name.
fn path_params(path: &str) -> Result<(String, Pairs), String> {
    let mut params: Pairs = Vec::new();
    let add = |name: &str, params: &mut Pairs| {
        if !params.iter().any(|(n, _)| n == name) {
            params.push((name.to_string(), placeholder_value(name)));
        }
        format!("{{{name}}}")
    };
    let ident = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
    };
    let mut out = Vec::new();
    for seg in path.split('/') {
        if let Some(name) = seg.strip_prefix(':')
            && ident(name)
            && !name.contains('.')
        {
            out.push(add(name, &mut params));
            continue;
        }
        let mut s = String::new();
        let mut rest = seg;
        while !rest.is_empty() {
            let (open, close) = match rest.chars().next() {
                Some('{') => ('{', '}'),
                Some('<') => ('<', '>'),
                Some(shell::VAR_OPEN) => (shell::VAR_OPEN, shell::VAR_CLOSE),
                Some(c) => {
                    if c == '}' || c == '>' {
                        return Err(format!(
                            "the path `{}` holds a `{c}` that closes nothing",
                            shown_vars(path)
                        ));
                    }
                    s.push(c);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                None => break,
            };
            let inner_from = open.len_utf8();
            let Some(end) = rest[inner_from..].find(close) else {
                return Err(format!(
                    "the path `{}` holds a `{open}` that is never closed",
                    shown_vars(path)
                ));
            };
            let name = rest[inner_from..inner_from + end].trim();
            if !ident(name) {
                return Err(format!(
                    "the path `{}` holds `{}`, which is not a placeholder name: write the path parameter as `{{name}}`",
                    shown_vars(path),
                    shown_vars(&rest[..inner_from + end + close.len_utf8()])
                ));
            }
            s.push_str(&add(name, &mut params));
            rest = &rest[inner_from + end + close.len_utf8()..];
        }
        out.push(s);
    }
    Ok((out.join("/"), params))
}

/// The docsnip.yml lines of a scheme for a credential in header `name` whose value is
/// `value` (the credential a variable or placeholder).
fn propose_header_scheme(name: &str, value: &str) -> String {
    let shown = shown_vars(value);
    let cred_at = value
        .find(shell::VAR_OPEN)
        .or_else(|| value.find('<'))
        .unwrap_or(0);
    let prefix = &value[..cred_at];
    let scheme = if prefix.trim().eq_ignore_ascii_case("bearer") {
        "bearer".to_string()
    } else {
        placeholder_value(name)
            .to_ascii_lowercase()
            .replace('_', "-")
    };
    format!(
        "the `{name}` header sends a credential the page leaves to its reader (`{shown}`): add an auth scheme for it to docsnip.yml and run import again:\n  auth:\n    schemes:\n      {scheme}: {{ header: \"{name}\", value: \"{prefix}{{token}}\", token: YOUR_TOKEN }}"
    )
}

/// Whether a header's name says it carries a credential.
fn credential_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "authorization"
        || (["key", "token", "secret", "auth", "password", "session"]
            .iter()
            .any(|w| n.contains(w))
            && !n.contains("email"))
}

/// RFC 3986 section 5.2.4, as curl applies it to a URL's path.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        match *seg {
            "." | ".." => {
                if *seg == ".." {
                    out.pop();
                }
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}", out.join("/"))
}

/// The configured header scheme a header is an instance of, if any: same header name,
/// and the value starts as the scheme's does (`Token `, `Bearer `).
fn match_scheme(site: &Site, name: &str, value: &str) -> Option<String> {
    site.config.schemes.iter().find_map(|(n, s)| match s {
        Scheme::Header { name: h, value: v }
            if h.eq_ignore_ascii_case(name)
                && !value
                    .get(..6)
                    .is_some_and(|p| p.eq_ignore_ascii_case("basic ")) =>
        {
            let prefix = v.rfind(' ').map_or("", |i| &v[..=i]);
            value
                .get(..prefix.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(prefix) && value.len() > prefix.len())
                .then(|| n.clone())
        }
        Scheme::Basic { .. } if name.eq_ignore_ascii_case("authorization") => value
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("basic "))
            .then(|| n.clone()),
        _ => None,
    })
}

/// Form fields whose encoding by the generated snippet is exactly `bytes`.
fn form_fields(bytes: &str) -> Option<Pairs> {
    if bytes.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for kv in bytes.split('&') {
        let (k, v) = kv.split_once('=')?;
        let (k, v) = (decode(k)?, decode(&v.replace('+', " "))?);
        out.push((k, v));
    }
    let again: Vec<String> = out
        .iter()
        .map(|(k, v)| format!("{}={}", crate::escape::urlencode(k), curl::curl_escape(v)))
        .collect();
    (again.join("&") == bytes).then_some(out)
}

/// `s` as a YAML double-quoted scalar (JSON escapes, which YAML reads the same).
fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{85}') => {
                for u in c.encode_utf16(&mut [0; 2]) {
                    out.push_str(&format!("\\u{u:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `s` as a YAML scalar that reads back as the same text: plain when that is safe
/// (letters, digits, `/-_.`, starting with a letter or `/`), else double-quoted.
fn text(s: &str) -> String {
    let plain = s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.".contains(c))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { s.to_string() } else { quote(s) }
}

/// A mapping's entries as indented YAML lines (after `key:`); a repeated name becomes
/// a list.
fn pairs_yaml(pairs: &Pairs) -> String {
    let mut names: Vec<&str> = Vec::new();
    for (k, _) in pairs {
        if !names.contains(&k.as_str()) {
            names.push(k);
        }
    }
    let mut y = String::new();
    for n in names {
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == n)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.len() == 1 {
            y.push_str(&format!("\n    {}: {}", text(n), text(values[0])));
        } else {
            let list: Vec<String> = values.iter().map(|v| text(v)).collect();
            y.push_str(&format!("\n    {}: [{}]", text(n), list.join(", ")));
        }
    }
    y
}

/// A JSON value as YAML under `json:` (block style, every string double-quoted,
/// numbers as written).
fn json_yaml(v: &serde_json::Value) -> String {
    use serde_json::Value as J;
    fn scalar(v: &J) -> Option<String> {
        Some(match v {
            J::Null => "null".into(),
            J::Bool(b) => b.to_string(),
            J::Number(n) => n.to_string(),
            J::String(s) => text(s),
            J::Array(a) if a.is_empty() => "[]".into(),
            J::Object(o) if o.is_empty() => "{}".into(),
            _ => return None,
        })
    }
    fn write(v: &J, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            J::Object(o) => {
                for (k, v) in o {
                    match scalar(v) {
                        Some(s) => out.push_str(&format!("\n{pad}{}: {s}", text(k))),
                        None => {
                            out.push_str(&format!("\n{pad}{}:", text(k)));
                            write(v, indent + 2, out);
                        }
                    }
                }
            }
            J::Array(a) => {
                for item in a {
                    match scalar(item) {
                        Some(s) => out.push_str(&format!("\n{pad}- {s}")),
                        None => {
                            // The item's first line goes after `- `.
                            let mut inner = String::new();
                            write(item, indent + 2, &mut inner);
                            let inner = inner.trim_start_matches('\n');
                            out.push_str(&format!("\n{pad}- {}", &inner[indent + 2..]));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    match scalar(v) {
        Some(s) => format!(" {s}"),
        None => {
            let mut out = String::new();
            write(v, 4, &mut out);
            out
        }
    }
}

/// The lines to insert: `method:` (when the page has none) and `request:`.
fn render_yaml(spec: &Spec, write_method: bool, nl: &str) -> String {
    let mut y = String::new();
    if let Some(b) = &spec.base_url {
        y.push_str(&format!("base_url: {}\n", text(b)));
    }
    if write_method {
        y.push_str(&format!("method: {}\n", spec.method));
    }
    y.push_str("request:");
    y.push_str(&format!("\n  path: {}", text(&spec.path)));
    for (key, pairs) in [
        ("params", &spec.params),
        ("query", &spec.query),
        ("headers", &spec.headers),
        ("cookies", &spec.cookies),
    ] {
        if !pairs.is_empty() {
            y.push_str(&format!("\n  {key}:{}", pairs_yaml(pairs)));
        }
    }
    y.push_str(&format!("\n  auth: {}", spec.auth));
    if let Some((kind, value)) = &spec.body {
        y.push_str(&format!(
            "\n  {kind}:{}",
            if value.starts_with('\n') {
                value.clone()
            } else {
                format!(" {}", value.trim_start())
            }
        ));
    }
    if let Some(ct) = &spec.content_type {
        y.push_str(&format!("\n  content_type: {}", text(ct)));
    }
    y.push('\n');
    if nl == "\n" { y } else { y.replace('\n', nl) }
}

/// Counts of an import run.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    pub files: usize,
    /// Pages given `request:` (and `method:`) from their Curl block.
    pub imported: usize,
    /// Of those, pages whose hand-pasted blocks disagree with curl.
    pub disagreeing: usize,
    /// Pages whose curl command could not be read: left unchanged.
    pub refused: usize,
    /// Pages with curl commands that the configured format does not read.
    pub not_read: usize,
    pub warnings: usize,
    pub errors: usize,
    /// Files that differ from OUT (relative to DOCS): written, or stale with `--check`.
    pub changed: Vec<std::path::PathBuf>,
}

impl ImportSummary {
    pub fn line(&self, verb: &str) -> String {
        let n = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        format!(
            "docsnip import: {}, {} imported ({} with disagreeing blocks), {} refused, {} not read, {} ({} {verb})",
            n(self.files, "file"),
            n(self.imported, "page"),
            self.disagreeing,
            self.refused,
            self.not_read,
            n(self.warnings, "warning"),
            self.changed.len()
        )
    }
}

/// A page the configured format does not read: warned when it shows curl commands.
fn not_read(shown: &Path, rel: &Path, text: &str) -> (Imported, Vec<Diagnostic>) {
    let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(ext, "md" | "mdx" | "markdown") {
        return (Imported::NotApplicable, Vec::new());
    }
    let found = page::fenced_blocks(text)
        .into_iter()
        .find(|b| !find::commands(&text[b.code.clone()]).is_empty());
    let Some(b) = found else {
        return (Imported::NotApplicable, Vec::new());
    };
    let d = Diagnostic::warning(
        shown,
        Some(line_col(text, b.code.start)),
        format!(
            "not read: this `.{ext}` page shows curl commands, but the configured format does not read `.{ext}` pages (MDX pages are read with `format: docusaurus`); set `format:` in docsnip.yml to the site's toolchain and run import again"
        ),
    );
    (Imported::NotRead, vec![d])
}

/// Import every page of `opts.docs`: into `opts.out` (every other file copied byte for
/// byte), or in place when OUT is DOCS. With `Mode::Check` nothing is written and
/// `changed` lists the files an import would change. Nothing is written when a file
/// cannot be read (or, with `deny_warnings`, when there is any warning).
pub fn run(site: &Site, opts: &crate::build::BuildOptions) -> (ImportSummary, Vec<Diagnostic>) {
    use crate::build::{Mode, walk};
    use rayon::prelude::*;
    let mut diags = Vec::new();
    let in_place = match (opts.docs.canonicalize(), opts.out.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => opts.docs == opts.out,
    };
    let entries = walk(
        &opts.docs,
        (!in_place).then_some(opts.out.as_path()),
        &mut diags,
    );
    type Done = (
        std::path::PathBuf,
        Result<Vec<u8>, Diagnostic>,
        Imported,
        Vec<Diagnostic>,
    );
    let done: Vec<Done> = entries
        .into_par_iter()
        .map(|e| {
            let shown = opts.docs.join(&e.rel);
            let bytes = match std::fs::read(&e.abs) {
                Ok(b) => b,
                Err(err) => {
                    let d = Diagnostic::error(&shown, None, format!("cannot read: {err}"));
                    return (e.rel, Err(d), Imported::NotApplicable, Vec::new());
                }
            };
            let (imported, d) = match std::str::from_utf8(&bytes) {
                Ok(text) if site.reads(&e.rel) => import_page(&shown, text, site),
                Ok(text) => not_read(&shown, &e.rel, text),
                _ => (Imported::NotApplicable, Vec::new()),
            };
            (e.rel, Ok(bytes), imported, d)
        })
        .collect();
    let mut summary = ImportSummary {
        files: done.len(),
        ..ImportSummary::default()
    };
    let mut writes: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    for (rel, bytes, imported, d) in done {
        diags.extend(d);
        let bytes = match bytes {
            Ok(b) => b,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let content = match imported {
            Imported::Page {
                text,
                disagreements,
            } => {
                summary.imported += 1;
                if disagreements > 0 {
                    summary.disagreeing += 1;
                }
                text.into_bytes()
            }
            Imported::Refused => {
                summary.refused += 1;
                bytes
            }
            Imported::NotRead => {
                summary.not_read += 1;
                bytes
            }
            Imported::NotApplicable => bytes,
        };
        let target = opts.out.join(&rel);
        if std::fs::read(&target).ok().as_deref() != Some(content.as_slice()) {
            summary.changed.push(rel);
            writes.push((target, content));
        }
    }
    for d in &diags {
        if d.is_error() {
            summary.errors += 1;
        } else {
            summary.warnings += 1;
        }
    }
    if summary.errors > 0
        || (opts.deny_warnings && summary.warnings > 0)
        || opts.mode == Mode::Check
    {
        return (summary, diags);
    }
    for (target, content) in writes {
        let dir = target.parent().unwrap_or(Path::new("."));
        let written = std::fs::create_dir_all(dir)
            .and_then(|_| tempfile::NamedTempFile::new_in(dir))
            .and_then(|mut f| {
                use std::io::Write;
                f.write_all(&content)?;
                if let Ok(meta) = std::fs::metadata(&target) {
                    f.as_file().set_permissions(meta.permissions())?;
                }
                f.persist(&target).map_err(|e| e.error)?;
                Ok(())
            });
        if let Err(e) = written {
            summary.errors += 1;
            diags.push(Diagnostic::error(
                &target,
                None,
                format!("cannot write: {e}"),
            ));
        }
    }
    (summary, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_literal_url_is_read_only_when_spelled_whole() {
        let node = "var request = require(\"request\");\nrequest(\"http://api.myapp.com/books?token=K\", function () {});";
        assert_eq!(
            read_literal_url(node).as_deref(),
            Some("http://api.myapp.com/books?token=K")
        );
        assert_eq!(
            read_literal_url("requests.get('https://a.example/x', params={})").as_deref(),
            Some("https://a.example/x")
        );
        assert_eq!(
            read_literal_url("fetch(`https://a.example/x`)").as_deref(),
            Some("https://a.example/x")
        );
        for built in [
            "requests.get(f\"https://a.example/{id}\")",
            "fetch(\"https://a.example/orders/\" + id)",
            "fetch(`https://a.example/${id}`)",
            "requests.get(BASE + '/x')",
            "# see http://docs.example\nrequests.get(url)",
        ] {
            assert_eq!(read_literal_url(built), None, "{built}");
        }
    }

    #[test]
    fn json_as_yaml_reads_back_the_same() {
        let src = r#"{"a": [1, {"b": "x\"y", "c": [], "d": [[1, 2], {"e": null}]}], "f": 1.50, "g": {}, "h": "é\u2028"}"#;
        let v: serde_json::Value = serde_json::from_str(src).unwrap();
        let y = format!("json:{}\n", json_yaml(&v));
        let node = yaml::parse(&y).unwrap();
        let back = frontmatter::to_json(&node.as_map().unwrap()[0].1, 0).unwrap();
        assert_eq!(back, v, "{y}");
        assert_eq!(json_yaml(&serde_json::json!(42)), " 42");
    }

    fn var(name: &str) -> String {
        format!("{}{name}{}", shell::VAR_OPEN, shell::VAR_CLOSE)
    }

    #[test]
    fn hosts_map_to_the_base_url_or_the_request_s_own() {
        let base = "https://api.example.com";
        assert_eq!(
            split_url("https://api.example.com/a?b=1", base).unwrap(),
            ("https://api.example.com", "/a?b=1", None)
        );
        // A host in a variable, a template or a placeholder is the site's base URL.
        for url in [
            format!("{}/v1/x", var("API_ROOT")),
            format!("https://{}/v1/x", var("HOST")),
            format!("http://localhost:{}/v1/x", var("PORT")),
            format!("{}/v1/x", var("site.app_url")),
            "https://<DEPLOYMENT_URL>/v1/x".to_string(),
            "http://API_HOST/v1/x".to_string(),
        ] {
            let (_, rest, own) = split_url(&url, base).unwrap();
            assert_eq!((rest, own), ("/v1/x", None), "{url}");
        }
        // Another literal host is the request's own.
        assert_eq!(
            split_url("http://127.0.0.1:9180/apisix/admin/routes", base).unwrap(),
            (
                "http://127.0.0.1:9180",
                "/apisix/admin/routes",
                Some("http://127.0.0.1:9180".to_string())
            )
        );
        assert_eq!(
            split_url("http://localhost:9090?x=1", base).unwrap().2,
            Some("http://localhost:9090".to_string())
        );
        assert!(split_url("https://{region}.example.com/a", base).is_err());
    }

    #[test]
    fn path_placeholders_become_path_parameters() {
        let p = |path: &str| path_params(path).unwrap();
        let one = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
        assert_eq!(
            p("/zones/{zone_id}/purge_cache"),
            (
                "/zones/{zone_id}/purge_cache".into(),
                one("zone_id", "ZONE_ID")
            )
        );
        assert_eq!(
            p("/users/<id>/keys"),
            ("/users/{id}/keys".into(), one("id", "ID"))
        );
        assert_eq!(
            p("/users/:user-id"),
            ("/users/{user-id}".into(), one("user-id", "USER_ID"))
        );
        assert_eq!(
            p(&format!("/users/{}/x", var("USER_ID"))),
            ("/users/{USER_ID}/x".into(), one("USER_ID", "USER_ID"))
        );
        assert_eq!(p("/a/{id}.json"), ("/a/{id}.json".into(), one("id", "ID")));
        assert_eq!(p("/a/{id}/b/{id}").1.len(), 1);
        assert_eq!(p("/plain/path:x"), ("/plain/path:x".into(), vec![]));
        assert!(path_params("/a/{b c}").is_err());
        assert!(path_params("/a/b}").is_err());
        assert_eq!(placeholder_value("zone-id"), "ZONE_ID");
    }

    #[test]
    fn credentials_in_variables_need_a_scheme() {
        let proposal = propose_header_scheme("Authorization", &format!("Bearer {}", var("TOKEN")));
        assert!(proposal.contains("`Bearer $TOKEN`"), "{proposal}");
        assert!(
            proposal.contains("bearer: { header: \"Authorization\", value: \"Bearer {token}\""),
            "{proposal}"
        );
        let proposal = propose_header_scheme("X-Auth-Key", "<API_KEY>");
        assert!(
            proposal.contains("x-auth-key: { header: \"X-Auth-Key\", value: \"{token}\""),
            "{proposal}"
        );
        assert!(credential_header("apikey") && credential_header("X-Api-Token"));
        assert!(!credential_header(
            "X-Auth-Email".replace("Auth", "").as_str()
        ));
    }

    #[test]
    fn request_comments_cannot_close_early() {
        let y = "method: POST\nrequest:\n  path: /a\n  body: \"x --> y */ z\"\n";
        let html = comment(y, false, false, "", "\n");
        assert_eq!(html.matches("-->").count(), 1, "{html}");
        assert!(
            html.starts_with("<!-- docsnip {") && html.ends_with("} -->\n"),
            "{html}"
        );
        let mdx = comment(y, true, false, "  ", "\n");
        assert_eq!(mdx.matches("*/").count(), 1, "{mdx}");
        assert!(mdx.starts_with("  {/* docsnip {"), "{mdx}");
        let v: serde_json::Value = serde_json::from_str(
            html.trim_start_matches("<!-- docsnip ")
                .trim_end_matches(" -->\n"),
        )
        .unwrap();
        assert_eq!(v["request"]["body"], "x --> y */ z");
        let block = comment(
            "method: GET\nrequest:\n  path: /a\n",
            false,
            false,
            "",
            "\n",
        );
        assert_eq!(
            block,
            "<!-- docsnip\nmethod: GET\nrequest:\n  path: /a\n-->\n"
        );
    }

    #[test]
    fn dot_segments_resolve_as_curl_does() {
        for (a, b) in [
            ("/a/./b", "/a/b"),
            ("/a/../b", "/b"),
            ("/a/b/..", "/a/"),
            ("/a/.", "/a/"),
            ("/..", "/"),
            ("/a//b/", "/a//b/"),
            ("/", "/"),
        ] {
            assert_eq!(remove_dot_segments(a), b, "{a}");
        }
    }

    #[test]
    fn forms_only_when_exact() {
        assert_eq!(
            form_fields("a=1&b=c+d%2B").unwrap(),
            vec![("a".into(), "1".into()), ("b".into(), "c d+".into())]
        );
        assert_eq!(
            form_fields("a=b+c").unwrap(),
            vec![("a".into(), "b c".into())]
        );
        assert!(form_fields("a=b%20c").is_none());
        assert!(form_fields("a,b").is_none());
        assert!(form_fields("a=b,c").is_none());
    }
}
