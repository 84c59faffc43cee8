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
}

/// A name/value list as written under `request:`.
type Pairs = Vec<(String, String)>;

/// The request read from the curl command, ready to be written as front-matter.
#[derive(Debug, Default)]
struct Spec {
    method: String,
    path: String,
    query: Pairs,
    headers: Pairs,
    cookies: Pairs,
    auth: String,
    body: Option<(String, String)>,
    content_type: Option<String>,
}

/// Import one page. `shown` names it in messages.
pub fn import_page(shown: &Path, text: &str, site: &Site) -> (Imported, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let at = |offset: usize| Some(line_col(text, offset));
    let FrontMatter::Closed {
        yaml: yaml_range,
        body,
    } = page::front_matter(text)
    else {
        return (Imported::NotApplicable, diags);
    };
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
    if ep.request.is_some() || !ep.snippets {
        return (Imported::NotApplicable, diags);
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
    let layout = Structure::new(text, yaml_range.clone(), body, right_code);
    let title_of = |name: &str, default: &str| {
        site.languages
            .iter()
            .find(|l| l.name == name)
            .map_or(default.to_string(), |l| l.title.clone())
    };
    let find = |title: &str| block(text, &layout, body, title);
    let Some((code, map)) = find(&title_of("curl", "Curl")) else {
        return (Imported::NotApplicable, diags);
    };
    let curl = match shell::words(&code)
        .map_err(|e| (e.offset, e.message))
        .and_then(|w| Curl::parse(&w).map_err(|e| (e.offset, e.message)))
    {
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
        if let Some((code, map)) = find(&title)
            && let Some(method) = read_method(lang, &code)
            && !method.eq_ignore_ascii_case(&curl.method)
        {
            readings.push(format!("{title} sends {}", method.to_ascii_uppercase()));
            first_at.get_or_insert(map.page(0));
        }
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
    let base = site.base_url.trim_end_matches('/');
    let url = curl.url.split('#').next().unwrap_or(&curl.url);
    let rest = url
        .strip_prefix(base)
        .filter(|r| r.is_empty() || r.starts_with(['/', '?']))
        .ok_or_else(|| {
            format!("the URL `{url}` is not under the base URL `{base}` (set `base_url` in docsnip.yml, or pass --base-url)")
        })?;
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
    if path.contains(['{', '}', '<', '>']) || path.contains("&lt;") {
        return Err(format!(
            "the path `{path}` holds `{{`, `<` or `&lt;`, which docsnip reads as a path parameter"
        ));
    }
    let mut spec = Spec {
        method: curl.method.clone(),
        path: path.to_string(),
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
                    "`-u {u}:…` needs a `basic` auth scheme in the config"
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
            secret(&format!("`{name}` header"), token, warn);
            spec.auth = n;
            authed = true;
            continue;
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
        Scheme::Header { name: h, value: v } if h.eq_ignore_ascii_case(name) => {
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
    if write_method {
        y.push_str(&format!("method: {}\n", spec.method));
    }
    y.push_str("request:");
    y.push_str(&format!("\n  path: {}", text(&spec.path)));
    for (key, pairs) in [
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
    pub warnings: usize,
    pub errors: usize,
    /// Files that differ from OUT (relative to DOCS): written, or stale with `--check`.
    pub changed: Vec<std::path::PathBuf>,
}

impl ImportSummary {
    pub fn line(&self, verb: &str) -> String {
        let n = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
        format!(
            "docsnip import: {}, {} imported ({} with disagreeing blocks), {} refused, {} ({} {verb})",
            n(self.files, "file"),
            n(self.imported, "page"),
            self.disagreeing,
            self.refused,
            n(self.warnings, "warning"),
            self.changed.len()
        )
    }
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
    fn json_as_yaml_reads_back_the_same() {
        let src = r#"{"a": [1, {"b": "x\"y", "c": [], "d": [[1, 2], {"e": null}]}], "f": 1.50, "g": {}, "h": "é\u2028"}"#;
        let v: serde_json::Value = serde_json::from_str(src).unwrap();
        let y = format!("json:{}\n", json_yaml(&v));
        let node = yaml::parse(&y).unwrap();
        let back = frontmatter::to_json(&node.as_map().unwrap()[0].1, 0).unwrap();
        assert_eq!(back, v, "{y}");
        assert_eq!(json_yaml(&serde_json::json!(42)), " 42");
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
