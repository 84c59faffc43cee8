//! What arrived against what the page describes: one recorded request compared with the
//! normalized [`Request`], as one-line [`Difference`]s (method, path, query, headers, JSON, form
//! and multipart bodies), and the sample files a multipart upload sends.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;

use crate::request::{Auth, Body, Pair, Part, Request};
use crate::verify::echo::Recorded;
use crate::verify::echo::{find, trim_ows};

/// What part of the request a [`Difference`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Aspect {
    /// The request could not be read completely or was malformed.
    Request,
    Method,
    Path,
    Query,
    Header,
    Body,
    /// The snippet created files in its work directory.
    Files,
    /// The snippet sent the right request but exited unsuccessfully.
    Exit,
}

/// One difference between the expected and the received request: a readable one-line
/// message such as `method: expected POST, got GET`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub aspect: Aspect,
    pub message: String,
}

impl Difference {
    pub(crate) fn new(aspect: Aspect, message: impl Into<String>) -> Difference {
        Difference {
            aspect,
            message: message.into(),
        }
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

// ---------------------------------------------------------------------------
// Sample files for multipart uploads
// ---------------------------------------------------------------------------

/// The files a snippet uploads: `Part::file` as written → content.
pub type SampleFiles = BTreeMap<String, Vec<u8>>;

/// The deterministic content docsnip writes for an uploaded file named `name`.
pub fn sample_file_content(name: &str) -> Vec<u8> {
    format!("docsnip sample file {name}\n").into_bytes()
}

/// The sample files `request` uploads (every `Part::file` of a multipart body).
pub fn sample_files(request: &Request) -> SampleFiles {
    let mut files = SampleFiles::new();
    if let Body::Multipart { parts } = &request.body {
        for file in parts.iter().filter_map(|p| p.file.as_deref()) {
            files.insert(file.to_string(), sample_file_content(file));
        }
    }
    files
}

/// Writes `files` under `dir`, creating subdirectories. A path that is absolute or
/// climbs out with `..` is refused (`InvalidInput`), so nothing is written outside
/// `dir`.
pub fn write_sample_files(dir: &Path, files: &SampleFiles) -> io::Result<()> {
    for (name, content) in files {
        let rel = safe_relative(name).ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("multipart file {name:?} must be a relative path without `..`"),
            )
        })?;
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, content)?;
    }
    Ok(())
}

pub(crate) fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(part) => out.push(part),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!out.as_os_str().is_empty()).then_some(out)
}

// ---------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------

/// Most differences reported inside one JSON body.
const MAX_JSON_DIFFS: usize = 10;
/// Longest value shown in a message.
const PREVIEW: usize = 80;

/// Compares a recorded request with the expected one; see the module docs for the
/// rules. `files` holds the content of every uploaded sample file (see
/// [`sample_files`]). An empty result means the request is exactly the described one.
pub fn compare(expected: &Request, got: &Recorded, files: &SampleFiles) -> Vec<Difference> {
    compare_for(expected, got, files, false)
}

/// [`compare`] for a client that sends one line per header name
/// (`joins_repeated_headers`, `run.joins_repeated_headers` in its `language.yml`): a
/// header the page repeats may also arrive as ONE line holding its values joined with
/// `, ` in the page's order (the combined value RFC 9110 section 5.3 treats as
/// equivalent), exactly that; never for `Cookie` or `Set-Cookie`.
pub fn compare_for(
    expected: &Request,
    got: &Recorded,
    files: &SampleFiles,
    joins_repeated_headers: bool,
) -> Vec<Difference> {
    let mut out = Vec::new();
    if let Some(error) = &got.error {
        out.push(Difference::new(
            Aspect::Request,
            format!("request: malformed or incomplete: {error}"),
        ));
    }
    if got.method != expected.method {
        out.push(Difference::new(
            Aspect::Method,
            format!("method: expected {}, got {}", expected.method, got.method),
        ));
    }
    compare_path(expected, got, &mut out);
    compare_query(expected, got, &mut out);
    compare_headers(expected, got, joins_repeated_headers, &mut out);
    compare_body(expected, got, files, &mut out);
    out
}

fn compare_path(expected: &Request, got: &Recorded, out: &mut Vec<Difference>) {
    if got.run_id.is_none() {
        out.push(Difference::new(
            Aspect::Path,
            format!(
                "path: the request did not go to the base URL (expected a path under {}…{}, got {})",
                crate::verify::echo::PREFIX,
                expected.path,
                show_bytes(&got.target)
            ),
        ));
        return;
    }
    let want = percent_decode(expected.path.as_bytes());
    let have = percent_decode(&got.path);
    if want != have {
        out.push(Difference::new(
            Aspect::Path,
            format!(
                "path: expected {}, got {}",
                show_str(&expected.path),
                show_bytes(&got.path)
            ),
        ));
    }
}

fn compare_query(expected: &Request, got: &Recorded, out: &mut Vec<Difference>) {
    let raw = got.query.as_deref().unwrap_or_default();
    match decode_pairs(raw) {
        Ok(pairs) => {
            if let Some(msg) = diff_pairs(&expected.query, &pairs) {
                out.push(Difference::new(Aspect::Query, format!("query: {msg}")));
            }
        }
        Err(e) => out.push(Difference::new(
            Aspect::Query,
            format!("query: {e} in {}", show_bytes(raw)),
        )),
    }
}

/// One expected header name with all its expected values, in order.
struct HeaderGroup<'a> {
    name: &'a str,
    values: Vec<String>,
    implied: bool,
}

fn compare_headers(
    expected: &Request,
    got: &Recorded,
    joins_repeated_headers: bool,
    out: &mut Vec<Difference>,
) {
    let mut groups: Vec<HeaderGroup<'_>> = Vec::new();
    let basic;
    let mut all: Vec<(&str, String, bool)> = expected
        .headers
        .iter()
        .map(|h| (h.name.as_str(), h.value.clone(), h.implied))
        .collect();
    if let Auth::Basic { username, password } = &expected.auth {
        basic = basic_value(username, password);
        all.insert(0, ("Authorization", basic.clone(), false));
    }
    for (name, value, implied) in all {
        match groups
            .iter_mut()
            .find(|g| g.name.eq_ignore_ascii_case(name))
        {
            Some(g) => {
                g.values.push(value);
                g.implied &= implied;
            }
            None => groups.push(HeaderGroup {
                name,
                values: vec![value],
                implied,
            }),
        }
    }

    for g in &groups {
        let have: Vec<&[u8]> = got.header_values(g.name).collect();
        let want: Vec<&[u8]> = g.values.iter().map(|v| trim_ows(v.as_bytes())).collect();
        if have.is_empty() {
            out.push(Difference::new(
                Aspect::Header,
                format!(
                    "header {}: missing (expected {})",
                    g.name,
                    show_values(&want)
                ),
            ));
        } else if g.implied && want.len() == 1 {
            let ok = have.len() == 1 && media_type(have[0]).0 == media_type(want[0]).0;
            if !ok {
                out.push(Difference::new(
                    Aspect::Header,
                    format!(
                        "header {}: expected {}, got {}",
                        g.name,
                        show_values(&want),
                        show_values(&have)
                    ),
                ));
            }
        } else if have != want
            && !(joins_repeated_headers && joined_as_one(g.name, &want, &have))
            && !cookie_on_one_line(g.name, &want, &have)
        {
            out.push(Difference::new(
                Aspect::Header,
                format!(
                    "header {}: expected {}, got {}",
                    g.name,
                    show_values(&want),
                    show_values(&have)
                ),
            ));
        }
    }

    let body_sets_type = matches!(
        expected.body,
        Body::Json { .. } | Body::Form { .. } | Body::Multipart { .. }
    );
    for guarded in ["Content-Type", "Authorization", "Cookie"] {
        if groups.iter().any(|g| g.name.eq_ignore_ascii_case(guarded)) {
            continue;
        }
        if guarded == "Content-Type" && body_sets_type {
            continue;
        }
        let have: Vec<&[u8]> = got.header_values(guarded).collect();
        if !have.is_empty() {
            out.push(Difference::new(
                Aspect::Header,
                format!(
                    "header {guarded}: not described by the page, got {}",
                    show_values(&have)
                ),
            ));
        }
    }
}

/// Whether `have` is the one line that joins a repeated header's values `want` with `, `
/// (see [`compare_for`]); never for `Cookie` or `Set-Cookie`, whose values do not combine.
fn joined_as_one(name: &str, want: &[&[u8]], have: &[&[u8]]) -> bool {
    !name.eq_ignore_ascii_case("cookie")
        && !name.eq_ignore_ascii_case("set-cookie")
        && on_one_line(want, have, b", ")
}

/// Whether `have` is the single `Cookie` line that RFC 6265 section 5.4 requires of a
/// user agent ("MUST NOT attach more than one Cookie header field"): the page's repeated
/// Cookie values joined with `; `, in order, exactly. Any client may send it (Node's
/// fetch, axios and Java's HttpClient do).
fn cookie_on_one_line(name: &str, want: &[&[u8]], have: &[&[u8]]) -> bool {
    name.eq_ignore_ascii_case("cookie") && on_one_line(want, have, b"; ")
}

/// Whether `have` is one line holding the (already trimmed) repeated values `want`
/// joined with `sep`, in order, exactly.
fn on_one_line(want: &[&[u8]], have: &[&[u8]], sep: &[u8]) -> bool {
    want.len() >= 2 && have.len() == 1 && have[0] == want.join(sep).as_slice()
}

/// The `Authorization` value of HTTP basic authentication.
pub fn basic_value(username: &str, password: &str) -> String {
    let raw = format!("{username}:{password}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}

fn compare_body(
    expected: &Request,
    got: &Recorded,
    files: &SampleFiles,
    out: &mut Vec<Difference>,
) {
    let page_content_type = expected
        .headers
        .iter()
        .any(|h| h.name.eq_ignore_ascii_case("content-type"));
    let got_type = got.header("content-type");
    let require_type = |want: &str, out: &mut Vec<Difference>| {
        if page_content_type {
            return; // the header rules compare it with what the page says
        }
        let have = got_type.map(|v| media_type(v).0);
        if have.as_deref() != Some(want) {
            out.push(Difference::new(
                Aspect::Body,
                format!(
                    "body: Content-Type expected {want}, got {}",
                    got_type.map_or("none".to_string(), show_bytes)
                ),
            ));
        }
    };

    match &expected.body {
        Body::None => {
            if !got.body.is_empty() {
                out.push(Difference::new(
                    Aspect::Body,
                    format!(
                        "body: expected none, got {} bytes {}",
                        got.body.len(),
                        show_bytes(&got.body)
                    ),
                ));
            }
        }
        Body::Raw { text } => {
            if got.body != text.as_bytes() {
                let at = first_difference(text.as_bytes(), &got.body);
                out.push(Difference::new(
                    Aspect::Body,
                    format!(
                        "body: expected {} bytes {}, got {} bytes {} (first difference at byte {at})",
                        text.len(),
                        show_str(text),
                        got.body.len(),
                        show_bytes(&got.body)
                    ),
                ));
            }
        }
        Body::Json { text, .. } => {
            require_type("application/json", out);
            let want: Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    out.push(Difference::new(
                        Aspect::Body,
                        format!("body: the expected JSON does not parse ({e})"),
                    ));
                    return;
                }
            };
            match serde_json::from_slice::<Value>(&got.body) {
                Ok(have) => {
                    let mut diffs = Vec::new();
                    json_diff(&want, &have, &mut String::new(), &mut diffs);
                    let more = diffs.len().saturating_sub(MAX_JSON_DIFFS);
                    for d in diffs.into_iter().take(MAX_JSON_DIFFS) {
                        out.push(Difference::new(Aspect::Body, format!("body: {d}")));
                    }
                    if more > 0 {
                        out.push(Difference::new(
                            Aspect::Body,
                            format!("body: … and {more} more JSON differences"),
                        ));
                    }
                }
                Err(e) => out.push(Difference::new(
                    Aspect::Body,
                    format!("body: not valid JSON ({e}): {}", show_bytes(&got.body)),
                )),
            }
        }
        Body::Form { fields } => {
            require_type("application/x-www-form-urlencoded", out);
            match decode_pairs(&got.body) {
                Ok(pairs) => {
                    if let Some(msg) = diff_pairs(fields, &pairs) {
                        out.push(Difference::new(Aspect::Body, format!("body: form {msg}")));
                    }
                }
                Err(e) => out.push(Difference::new(
                    Aspect::Body,
                    format!("body: form {e} in {}", show_bytes(&got.body)),
                )),
            }
        }
        Body::Multipart { parts } => {
            require_type("multipart/form-data", out);
            let boundary = got_type.and_then(|v| {
                media_type(v)
                    .1
                    .into_iter()
                    .find(|(k, _)| k == "boundary")
                    .map(|(_, b)| b)
            });
            let Some(boundary) = boundary.filter(|b| !b.is_empty()) else {
                out.push(Difference::new(
                    Aspect::Body,
                    format!(
                        "body: multipart Content-Type without a boundary: {}",
                        got_type.map_or("none".to_string(), show_bytes)
                    ),
                ));
                return;
            };
            match parse_multipart(&got.body, &boundary) {
                Ok(have) => compare_parts(parts, &have, files, out),
                Err(e) => out.push(Difference::new(
                    Aspect::Body,
                    format!("body: malformed multipart body: {e}"),
                )),
            }
        }
    }
}

fn compare_parts(
    want: &[Part],
    have: &[MultipartPart],
    files: &SampleFiles,
    out: &mut Vec<Difference>,
) {
    if want.len() != have.len() {
        let w: Vec<String> = want.iter().map(|p| show_str(&p.name)).collect();
        let h: Vec<String> = have
            .iter()
            .map(|p| p.name.as_deref().map_or("(no name)".to_string(), show_str))
            .collect();
        out.push(Difference::new(
            Aspect::Body,
            format!(
                "body: multipart expected {} parts [{}], got {} parts [{}]",
                want.len(),
                w.join(", "),
                have.len(),
                h.join(", ")
            ),
        ));
        return;
    }
    for (i, (w, h)) in want.iter().zip(have).enumerate() {
        let label = format!("body: multipart part {} ({})", i + 1, show_str(&w.name));
        let mut push =
            |msg: String| out.push(Difference::new(Aspect::Body, format!("{label}: {msg}")));
        match &h.name {
            Some(n) if param_matches(n, &w.name) => {}
            Some(n) => push(format!(
                "name expected {}, got {}",
                show_str(&w.name),
                show_str(n)
            )),
            None => push("no name in Content-Disposition".to_string()),
        }
        if let Some(file) = &w.file {
            let base = file.rsplit('/').next().unwrap_or(file);
            let content = files
                .get(file)
                .cloned()
                .unwrap_or_else(|| sample_file_content(file));
            match &h.filename {
                None => push(format!(
                    "expected a file part (filename {}), got a text field {}",
                    show_str(base),
                    show_bytes(&h.data)
                )),
                Some(f) if !param_matches(f, base) => push(format!(
                    "filename expected {}, got {}",
                    show_str(base),
                    show_str(f)
                )),
                Some(_) => {}
            }
            if h.data != content {
                push(format!(
                    "file content expected {} bytes {}, got {} bytes {}",
                    content.len(),
                    show_bytes(&content),
                    h.data.len(),
                    show_bytes(&h.data)
                ));
            }
        } else {
            let value = w.value.as_deref().unwrap_or_default();
            if let Some(f) = &h.filename {
                push(format!(
                    "expected a text field {}, got a file part (filename {})",
                    show_str(value),
                    show_str(f)
                ));
            } else if h.data != value.as_bytes() {
                push(format!(
                    "value expected {}, got {}",
                    show_str(value),
                    show_bytes(&h.data)
                ));
            }
        }
        if let Some(ct) = &w.content_type {
            match &h.content_type {
                Some(have) if trim_ows(have).eq_ignore_ascii_case(ct.trim().as_bytes()) => {}
                Some(have) => push(format!(
                    "Content-Type expected {}, got {}",
                    show_str(ct),
                    show_bytes(have)
                )),
                None => push(format!("Content-Type missing (expected {})", show_str(ct))),
            }
        }
    }
}

/// A Content-Disposition parameter as sent matches the expected text either as is
/// (after quoted-string unescaping) or after the HTML5 form encoding clients use for
/// `"`, CR and LF (`%22`, `%0D`, `%0A`).
fn param_matches(got: &str, want: &str) -> bool {
    got == want
        || got
            .replace("%22", "\"")
            .replace("%0D", "\r")
            .replace("%0A", "\n")
            .replace("%0d", "\r")
            .replace("%0a", "\n")
            == want
}

/// Compares expected pairs with decoded ones; `None` when equal.
fn diff_pairs(want: &[Pair], have: &[(String, String)]) -> Option<String> {
    let same = want.len() == have.len()
        && want
            .iter()
            .zip(have)
            .all(|(w, (n, v))| w.name == *n && w.value == *v);
    if same {
        return None;
    }
    let show = |n: &str, v: &str| format!("{}={}", show_str(n), show_str(v));
    if want.len() == have.len() {
        let (i, (w, (n, v))) = want
            .iter()
            .zip(have)
            .enumerate()
            .find(|(_, (w, (n, v)))| w.name != *n || w.value != *v)?;
        return Some(format!(
            "pair {} expected {}, got {}",
            i + 1,
            show(&w.name, &w.value),
            show(n, v)
        ));
    }
    let w: Vec<String> = want.iter().map(|p| show(&p.name, &p.value)).collect();
    let h: Vec<String> = have.iter().map(|(n, v)| show(n, v)).collect();
    Some(format!(
        "expected {} pairs [{}], got {} pairs [{}]",
        want.len(),
        w.join(", "),
        have.len(),
        h.join(", ")
    ))
}

/// Decodes `application/x-www-form-urlencoded` pairs (also used for the query).
fn decode_pairs(raw: &[u8]) -> Result<Vec<(String, String)>, String> {
    let decode = |part: &[u8]| -> Result<String, String> {
        let spaced: Vec<u8> = part
            .iter()
            .map(|&b| if b == b'+' { b' ' } else { b })
            .collect();
        String::from_utf8(percent_decode(&spaced))
            .map_err(|_| format!("invalid UTF-8 after decoding {}", show_bytes(part)))
    };
    raw.split(|&b| b == b'&')
        .filter(|seg| !seg.is_empty())
        .map(|seg| {
            let (name, value) = match seg.iter().position(|&b| b == b'=') {
                Some(i) => (&seg[..i], &seg[i + 1..]),
                None => (seg, &b""[..]),
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

fn percent_decode(bytes: &[u8]) -> Vec<u8> {
    percent_encoding::percent_decode(bytes).collect()
}

// --- JSON ---

fn json_diff(want: &Value, have: &Value, ptr: &mut String, out: &mut Vec<String>) {
    if out.len() > MAX_JSON_DIFFS {
        return;
    }
    let at = |ptr: &str| {
        if ptr.is_empty() {
            "at the top level".to_string()
        } else {
            format!("at {ptr}")
        }
    };
    match (want, have) {
        (Value::Null, Value::Null) => {}
        (Value::Bool(a), Value::Bool(b)) if a == b => {}
        (Value::String(a), Value::String(b)) if a == b => {}
        (Value::Number(a), Value::Number(b)) => {
            let (a, b) = (a.to_string(), b.to_string());
            if decimal(&a) != decimal(&b) || decimal(&a).is_none() {
                out.push(format!("{}: expected {a}, got {b}", at(ptr)));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.len() != b.len() {
                out.push(format!(
                    "{}: expected an array of {} items, got {} items",
                    at(ptr),
                    a.len(),
                    b.len()
                ));
            }
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let len = ptr.len();
                ptr.push_str(&format!("/{i}"));
                json_diff(x, y, ptr, out);
                ptr.truncate(len);
            }
        }
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                let len = ptr.len();
                ptr.push('/');
                ptr.push_str(&k.replace('~', "~0").replace('/', "~1"));
                match b.get(k) {
                    Some(y) => json_diff(x, y, ptr, out),
                    None => out.push(format!("{}: missing (expected {})", at(ptr), show_json(x))),
                }
                ptr.truncate(len);
            }
            for (k, y) in b {
                if !a.contains_key(k) {
                    let key = k.replace('~', "~0").replace('/', "~1");
                    out.push(format!(
                        "at {ptr}/{key}: unexpected key, got {}",
                        show_json(y)
                    ));
                }
            }
        }
        _ => out.push(format!(
            "{}: expected {} {}, got {} {}",
            at(ptr),
            json_kind(want),
            show_json(want),
            json_kind(have),
            show_json(have)
        )),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn show_json(v: &Value) -> String {
    truncate(&serde_json::to_string(v).unwrap_or_default())
}

/// A JSON number as an exact decimal: (negative, significant digits, exponent), with no
/// leading or trailing zeros in the digits; zero is `(false, "", 0)`.
fn decimal(text: &str) -> Option<(bool, String, i128)> {
    let (neg, rest) = match text.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, text),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i128>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{int}{frac}");
    let mut exp = exp - frac.len() as i128;
    let trimmed = digits.trim_start_matches('0');
    let significant = trimmed.trim_end_matches('0');
    if significant.is_empty() {
        return Some((false, String::new(), 0));
    }
    exp += (trimmed.len() - significant.len()) as i128;
    Some((neg, significant.to_string(), exp))
}

// --- multipart ---

/// One part of a parsed multipart/form-data body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MultipartPart {
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<Vec<u8>>,
    data: Vec<u8>,
}

/// Parses a multipart body (RFC 2046 §5.1.1 structure): an optional preamble, parts
/// separated by `CRLF--boundary`, each with a header block and content, closed by
/// `--boundary--`.
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<MultipartPart>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let separator = format!("\r\n--{boundary}").into_bytes();
    let mut pos = if body.starts_with(&delimiter) {
        delimiter.len()
    } else {
        find(body, &separator)
            .ok_or_else(|| format!("boundary {} not found", show_str(boundary)))?
            + separator.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let line_end = find(rest, b"\r\n").ok_or("unterminated boundary line")?;
        if !rest[..line_end].iter().all(|&b| b == b' ' || b == b'\t') {
            return Err("garbage after a boundary".to_string());
        }
        pos += line_end + 2;
        let end = find(&body[pos..], &separator).ok_or("missing closing boundary")?;
        parts.push(parse_part(&body[pos..pos + end])?);
        pos += end + separator.len();
    }
}

fn parse_part(raw: &[u8]) -> Result<MultipartPart, String> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let (consumed, headers) = match httparse::parse_headers(raw, &mut headers) {
        Ok(httparse::Status::Complete(done)) => done,
        Ok(httparse::Status::Partial) => return Err("part headers not terminated".to_string()),
        Err(e) => return Err(format!("part headers: {e}")),
    };
    let mut part = MultipartPart {
        name: None,
        filename: None,
        content_type: None,
        data: raw[consumed..].to_vec(),
    };
    for h in headers.iter() {
        if h.name.eq_ignore_ascii_case("content-disposition") {
            let (kind, params) = disposition(h.value);
            if kind != "form-data" {
                return Err(format!(
                    "Content-Disposition {} is not form-data",
                    show_str(&kind)
                ));
            }
            let mut filename_ext = None;
            for (k, v) in params {
                match k.as_str() {
                    "name" => part.name = Some(v),
                    "filename" => part.filename = Some(v),
                    "filename*" => filename_ext = Some(v),
                    _ => {}
                }
            }
            if filename_ext.is_some() {
                part.filename = filename_ext;
            }
        } else if h.name.eq_ignore_ascii_case("content-type") {
            part.content_type = Some(trim_ows(h.value).to_vec());
        }
    }
    Ok(part)
}

/// Parses `type; a=b; c="d"` (header parameters): lower-cased type, lower-cased
/// parameter names with values unquoted. `name*=charset'lang'%xx` values (RFC 8187)
/// are percent-decoded and keep the `*` in their name.
fn header_params(value: &[u8]) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(value);
    let mut chars = text.chars().peekable();
    let mut kind = String::new();
    while let Some(&c) = chars.peek() {
        if c == ';' {
            break;
        }
        kind.push(c);
        chars.next();
    }
    let mut params = Vec::new();
    while chars.next() == Some(';') {
        let mut name = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
            chars.next();
        }
        let mut val = String::new();
        if chars.peek() == Some(&'=') {
            chars.next();
            while chars.peek().is_some_and(|c| *c == ' ' || *c == '\t') {
                chars.next();
            }
            if chars.peek() == Some(&'"') {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                val.push(n);
                            }
                        }
                        _ => val.push(c),
                    }
                }
                while chars.peek().is_some_and(|c| *c != ';') {
                    chars.next();
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c == ';' {
                        break;
                    }
                    val.push(c);
                    chars.next();
                }
                val = val.trim().to_string();
            }
        }
        let name = name.trim().to_ascii_lowercase();
        if name.ends_with('*') {
            let encoded = val.splitn(3, '\'').nth(2).unwrap_or(&val).to_string();
            val = String::from_utf8_lossy(&percent_decode(encoded.as_bytes())).into_owned();
        }
        if !name.is_empty() {
            params.push((name, val));
        }
    }
    (kind.trim().to_ascii_lowercase(), params)
}

fn disposition(value: &[u8]) -> (String, Vec<(String, String)>) {
    header_params(value)
}

/// The media type (`type/subtype`, lower-cased) of a Content-Type value and its
/// parameters.
fn media_type(value: &[u8]) -> (String, Vec<(String, String)>) {
    header_params(value)
}

// --- display helpers ---

fn truncate(s: &str) -> String {
    if s.chars().count() <= PREVIEW {
        return s.to_string();
    }
    let mut t: String = s.chars().take(PREVIEW).collect();
    t.push('…');
    t
}

/// A string for messages: quoted, escaped, truncated.
fn show_str(s: &str) -> String {
    if s.chars().count() <= PREVIEW {
        format!("{s:?}")
    } else {
        let t: String = s.chars().take(PREVIEW).collect();
        format!("{t:?}…")
    }
}

fn show_bytes(b: &[u8]) -> String {
    show_str(&String::from_utf8_lossy(b))
}

fn show_values(values: &[&[u8]]) -> String {
    if values.len() == 1 {
        show_bytes(values[0])
    } else {
        let shown: Vec<String> = values.iter().map(|v| show_bytes(v)).collect();
        format!("[{}]", shown.join(", "))
    }
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::request::Header;

    pub(crate) fn request(method: &str, path: &str, body: Body) -> Request {
        Request {
            name: "Test".into(),
            method: method.into(),
            url: format!("https://api.example.com{path}"),
            url_base: format!("https://api.example.com{path}"),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::None,
            body,
        }
    }

    pub(crate) fn header(name: &str, value: &str) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            implied: false,
        }
    }

    pub(crate) fn recorded(
        method: &str,
        target: &str,
        headers: &[(&str, &[u8])],
        body: &[u8],
    ) -> Recorded {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q.as_bytes().to_vec())),
            None => (target, None),
        };
        Recorded {
            run_id: Some("r1".into()),
            method: method.into(),
            target: format!("/__docsnip/r1{target}").into_bytes(),
            path: path.as_bytes().to_vec(),
            query,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_vec()))
                .collect(),
            body: body.to_vec(),
            error: None,
        }
    }

    pub(crate) fn messages(d: &[Difference]) -> Vec<&str> {
        d.iter().map(|d| d.message.as_str()).collect()
    }

    pub(crate) fn json_request(text: &str) -> Request {
        let mut r = request(
            "POST",
            "/orders/a%20b/",
            Body::Json {
                text: text.into(),
                lossless: false,
            },
        );
        r.headers.push(Header {
            name: "Content-Type".into(),
            value: "application/json".into(),
            implied: true,
        });
        r
    }

    #[test]
    fn equal_get_with_query_and_headers_passes() {
        let mut r = request("GET", "/orders/%7Bid%7D/", Body::None);
        r.query = vec![
            Pair::new("page", "2"),
            Pair::new("q", "a b+é"),
            Pair::new("status", "open"),
        ];
        r.headers = vec![
            header("X-Tag", "one"),
            header("X-Tag", "two"),
            header("X-A", "é"),
        ];
        let got = recorded(
            "GET",
            "/orders/{id}/?page=2&q=a+b%2B%C3%A9&status=open",
            &[
                ("Host", b"x"),
                ("User-Agent", b"curl"),
                ("x-tag", b"one"),
                ("X-A", "é".as_bytes()),
                ("X-TAG", b"two"),
                ("Accept", b"*/*"),
            ],
            b"",
        );
        assert_eq!(
            messages(&compare(&r, &got, &SampleFiles::new())),
            Vec::<&str>::new()
        );
    }

    /// The languages whose `language.yml` sets `run.joins_repeated_headers`: exactly the
    /// clients that send one line per header name.
    #[test]
    fn the_joining_clients_are_those_with_one_line_per_header_name() {
        let joining: Vec<String> = crate::language::builtins()
            .into_iter()
            .filter(|s| s.run.as_ref().is_some_and(|r| r.joins_repeated_headers))
            .map(|s| s.name)
            .collect();
        assert_eq!(joining, ["wget", "ruby", "csharp", "r"]);
    }

    /// A client that sends one line per header name (`joins_repeated_headers`) may send
    /// a repeated header as exactly its values joined with `, `, in order; nothing looser,
    /// and never for Cookie; every other client must send each line.
    #[test]
    fn joined_repeated_header_only_for_joining_clients_and_only_exactly() {
        let mut r = request("GET", "/a", Body::None);
        r.headers = vec![
            header("X-Tag", "one"),
            header("x-tag", " two "),
            header("X-Tag", "a,b"),
            header("X-One", "1"),
        ];
        let one = |value: &[u8]| {
            let headers: Vec<(&str, &[u8])> = vec![("X-Tag", value), ("X-One", b"1")];
            recorded("GET", "/a", &headers, b"")
        };
        let none = SampleFiles::new();
        let joined = one(b"one, two, a,b");
        assert!(compare_for(&r, &joined, &none, true).is_empty());
        // The separate lines are still right for a joining client.
        let lines = recorded(
            "GET",
            "/a",
            &[
                ("X-Tag", b"one"),
                ("X-Tag", b"two"),
                ("X-Tag", b"a,b"),
                ("X-One", b"1"),
            ],
            b"",
        );
        assert!(compare_for(&r, &lines, &none, true).is_empty());
        // Other clients must send each line.
        assert_eq!(
            messages(&compare(&r, &joined, &none)),
            [r#"header X-Tag: expected ["one", "two", "a,b"], got "one, two, a,b""#]
        );
        // Nothing looser: another separator, order, a missing or an extra value, two
        // lines of which one is joined.
        for bad in [
            &b"one,two,a,b"[..],
            b"one; two; a,b",
            b"two, one, a,b",
            b"one, two",
            b"one, two, a,b, c",
            b"one,  two, a,b",
        ] {
            let got = one(bad);
            assert_eq!(
                compare_for(&r, &got, &none, true).len(),
                1,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let split = recorded(
            "GET",
            "/a",
            &[("X-Tag", b"one, two"), ("X-Tag", b"a,b"), ("X-One", b"1")],
            b"",
        );
        assert_eq!(compare_for(&r, &split, &none, true).len(), 1);
        // Cookie values do not combine with commas: never accepted joined.
        let mut c = request("GET", "/a", Body::None);
        c.headers = vec![header("Cookie", "a=1"), header("Cookie", "b=2")];
        let got = recorded("GET", "/a", &[("Cookie", b"a=1, b=2")], b"");
        assert_eq!(
            messages(&compare_for(&c, &got, &none, true)),
            [r#"header Cookie: expected ["a=1", "b=2"], got "a=1, b=2""#]
        );
        // ... but the one Cookie line of RFC 6265 section 5.4, joined with "; " in order,
        // is right for any client; nothing looser.
        let got = recorded("GET", "/a", &[("Cookie", b"a=1; b=2")], b"");
        assert!(compare(&c, &got, &none).is_empty());
        for bad in [&b"b=2; a=1"[..], b"a=1;b=2", b"a=1; b=2; c=3", b"a=1"] {
            let got = recorded("GET", "/a", &[("Cookie", bad)], b"");
            assert_eq!(compare(&c, &got, &none).len(), 1);
        }
        // One value is never "joined".
        let mut single = request("GET", "/a", Body::None);
        single.headers = vec![header("X-Tag", "one")];
        let got = recorded("GET", "/a", &[("X-Tag", b"one, one")], b"");
        assert_eq!(compare_for(&single, &got, &none, true).len(), 1);
    }

    #[test]
    fn catches_method_path_query_and_prefix() {
        let mut r = request("POST", "/a", Body::None);
        r.query = vec![Pair::new("x", "1")];
        let got = recorded("GET", "/b?x=2", &[], b"");
        let d = compare(&r, &got, &SampleFiles::new());
        assert_eq!(
            messages(&d),
            vec![
                "method: expected POST, got GET",
                "path: expected \"/a\", got \"/b\"",
                "query: pair 1 expected \"x\"=\"1\", got \"x\"=\"2\"",
            ]
        );
        let mut stray = recorded("POST", "/a?x=1", &[], b"");
        stray.run_id = None;
        let d = compare(&r, &stray, &SampleFiles::new());
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].aspect, Aspect::Path);
        assert!(
            d[0].message.contains("did not go to the base URL"),
            "{}",
            d[0]
        );
        let got = recorded("POST", "/a?x=1&x=1", &[], b"");
        assert_eq!(
            compare(&r, &got, &SampleFiles::new())[0].aspect,
            Aspect::Query
        );
    }

    #[test]
    fn catches_missing_wrong_and_undescribed_headers() {
        let mut r = request("GET", "/", Body::None);
        r.headers = vec![
            header("X-Request-Id", "abc-123"),
            header("X-Tag", "one"),
            header("X-Tag", "two"),
        ];
        let got = recorded(
            "GET",
            "/",
            &[
                ("X-Tag", b"two"),
                ("X-Tag", b"one"),
                ("Authorization", b"Token x"),
                ("Content-Type", b"application/x-www-form-urlencoded"),
                ("Cookie", b"a=b"),
            ],
            b"",
        );
        let d = compare(&r, &got, &SampleFiles::new());
        assert_eq!(
            messages(&d),
            vec![
                "header X-Request-Id: missing (expected \"abc-123\")",
                "header X-Tag: expected [\"one\", \"two\"], got [\"two\", \"one\"]",
                "header Content-Type: not described by the page, got \"application/x-www-form-urlencoded\"",
                "header Authorization: not described by the page, got \"Token x\"",
                "header Cookie: not described by the page, got \"a=b\"",
            ]
        );
    }

    #[test]
    fn basic_auth_is_checked_exactly() {
        let mut r = request("GET", "/", Body::None);
        r.auth = Auth::Basic {
            username: "user".into(),
            password: "pa:ss".into(),
        };
        let ok = recorded(
            "GET",
            "/",
            &[("authorization", b"Basic dXNlcjpwYTpzcw==")],
            b"",
        );
        assert!(compare(&r, &ok, &SampleFiles::new()).is_empty());
        let bad = recorded("GET", "/", &[("authorization", b"Basic dXNlcjpwYXNz")], b"");
        assert_eq!(
            messages(&compare(&r, &bad, &SampleFiles::new())),
            vec![
                "header Authorization: expected \"Basic dXNlcjpwYTpzcw==\", got \"Basic dXNlcjpwYXNz\""
            ]
        );
        let none = recorded("GET", "/", &[], b"");
        assert_eq!(
            compare(&r, &none, &SampleFiles::new())[0].aspect,
            Aspect::Header
        );
    }

    #[test]
    fn json_compares_values_and_exact_numbers() {
        let r = json_request(
            "{\n  \"id\": 12345678901234567891,\n  \"weight\": 1.50,\n  \"n\": 1e2,\n  \"tags\": [\"a\", true, null],\n  \"1\": -0\n}",
        );
        let ct: (&str, &[u8]) = ("Content-Type", b"application/json; charset=utf-8");
        let same =
            br#"{"1":0,"id":12345678901234567891,"weight":1.5,"n":100.0,"tags":["a",true,null]}"#;
        let got = recorded("POST", "/orders/a b/", &[ct], same);
        assert_eq!(
            messages(&compare(&r, &got, &SampleFiles::new())),
            Vec::<&str>::new()
        );

        let rounded =
            br#"{"1":0,"id":12345678901234567000,"weight":"1.5","n":100,"tags":["a",true],"x":1}"#;
        let got = recorded("POST", "/orders/a%20b/", &[ct], rounded);
        assert_eq!(
            messages(&compare(&r, &got, &SampleFiles::new())),
            vec![
                "body: at /id: expected 12345678901234567891, got 12345678901234567000",
                "body: at /weight: expected number 1.50, got string \"1.5\"",
                "body: at /tags: expected an array of 3 items, got 2 items",
                "body: at /x: unexpected key, got 1",
            ]
        );

        let wrong_type = recorded(
            "POST",
            "/orders/a%20b/",
            &[("Content-Type", b"text/plain")],
            same,
        );
        assert_eq!(
            messages(&compare(&r, &wrong_type, &SampleFiles::new())),
            vec!["header Content-Type: expected \"application/json\", got \"text/plain\""]
        );
        let no_type = recorded("POST", "/orders/a%20b/", &[], same);
        assert_eq!(
            compare(&r, &no_type, &SampleFiles::new())[0].aspect,
            Aspect::Header
        );
        let invalid = recorded("POST", "/orders/a%20b/", &[ct], b"{\"id\": ");
        assert!(
            compare(&r, &invalid, &SampleFiles::new())[0]
                .message
                .starts_with("body: not valid JSON")
        );
    }

    #[test]
    fn decimals_normalize() {
        assert_eq!(decimal("1.50"), decimal("1.5"));
        assert_eq!(decimal("1e2"), decimal("100"));
        assert_eq!(decimal("100.0"), decimal("1E+2"));
        assert_eq!(decimal("-0.0"), decimal("0"));
        assert_eq!(decimal("0.001"), decimal("1e-3"));
        assert_ne!(decimal("-1"), decimal("1"));
        assert_ne!(decimal("9007199254740993"), decimal("9007199254740992"));
    }

    #[test]
    fn form_pairs_are_compared_in_order() {
        let r = request(
            "POST",
            "/token",
            Body::Form {
                fields: vec![
                    Pair::new("grant_type", "password"),
                    Pair::new("user", "a b&c"),
                ],
            },
        );
        let ct: (&str, &[u8]) = ("Content-Type", b"application/x-www-form-urlencoded");
        let ok = recorded("POST", "/token", &[ct], b"grant_type=password&user=a+b%26c");
        assert!(compare(&r, &ok, &SampleFiles::new()).is_empty());
        let swapped = recorded("POST", "/token", &[ct], b"user=a+b%26c&grant_type=password");
        assert_eq!(
            messages(&compare(&r, &swapped, &SampleFiles::new())),
            vec!["body: form pair 1 expected \"grant_type\"=\"password\", got \"user\"=\"a b&c\""]
        );
        let short = recorded(
            "POST",
            "/token",
            &[("content-type", b"text/plain")],
            b"grant_type=password",
        );
        assert_eq!(
            messages(&compare(&r, &short, &SampleFiles::new())),
            vec![
                "body: Content-Type expected application/x-www-form-urlencoded, got \"text/plain\"",
                "body: form expected 2 pairs [\"grant_type\"=\"password\", \"user\"=\"a b&c\"], got 1 pairs [\"grant_type\"=\"password\"]",
            ]
        );
    }

    pub(crate) fn multipart_request() -> Request {
        request(
            "POST",
            "/upload",
            Body::Multipart {
                parts: vec![
                    Part {
                        name: "file".into(),
                        value: None,
                        file: Some("data/inventory.csv".into()),
                        content_type: Some("text/csv".into()),
                    },
                    Part {
                        name: "note".into(),
                        value: Some("nightly \"run\"".into()),
                        file: None,
                        content_type: None,
                    },
                ],
            },
        )
    }

    pub(crate) fn multipart_body(file_part: &str, note_part: &str) -> Vec<u8> {
        format!("preamble\r\n--XyZ\r\n{file_part}\r\n--XyZ\r\n{note_part}\r\n--XyZ--\r\nepilogue")
            .into_bytes()
    }

    #[test]
    fn multipart_parts_are_compared() {
        let r = multipart_request();
        let files = sample_files(&r);
        assert_eq!(
            files["data/inventory.csv"],
            b"docsnip sample file data/inventory.csv\n"
        );
        let ct: (&str, &[u8]) = ("Content-Type", b"multipart/form-data; boundary=\"XyZ\"");
        let file_ok = "Content-Disposition: form-data; name=\"file\"; filename=\"inventory.csv\"\r\nContent-Type: text/csv\r\n\r\ndocsnip sample file data/inventory.csv\n";
        let note_ok = "Content-Disposition: form-data; name=\"note\"\r\n\r\nnightly \"run\"";
        let note_html5 = "Content-Disposition: form-data; name=note\r\n\r\nnightly \"run\"";
        let ok = recorded("POST", "/upload", &[ct], &multipart_body(file_ok, note_ok));
        assert_eq!(messages(&compare(&r, &ok, &files)), Vec::<&str>::new());
        let ok2 = recorded(
            "POST",
            "/upload",
            &[ct],
            &multipart_body(file_ok, note_html5),
        );
        assert!(compare(&r, &ok2, &files).is_empty());

        // The file sent as a text field, the text field sent as a file.
        let file_as_text =
            "Content-Disposition: form-data; name=\"file\"\r\n\r\ndata/inventory.csv";
        let note_as_file = "Content-Disposition: form-data; name=\"note\"; filename=\"note.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nnightly \"run\"";
        let bad = recorded(
            "POST",
            "/upload",
            &[ct],
            &multipart_body(file_as_text, note_as_file),
        );
        assert_eq!(
            messages(&compare(&r, &bad, &files)),
            vec![
                "body: multipart part 1 (\"file\"): expected a file part (filename \"inventory.csv\"), got a text field \"data/inventory.csv\"",
                "body: multipart part 1 (\"file\"): file content expected 39 bytes \"docsnip sample file data/inventory.csv\\n\", got 18 bytes \"data/inventory.csv\"",
                "body: multipart part 1 (\"file\"): Content-Type missing (expected \"text/csv\")",
                "body: multipart part 2 (\"note\"): expected a text field \"nightly \\\"run\\\"\", got a file part (filename \"note.txt\")",
            ]
        );
        let wrong_type = file_ok.replace("text/csv", "application/octet-stream");
        let bad = recorded(
            "POST",
            "/upload",
            &[ct],
            &multipart_body(&wrong_type, note_ok),
        );
        assert_eq!(
            messages(&compare(&r, &bad, &files)),
            vec![
                "body: multipart part 1 (\"file\"): Content-Type expected \"text/csv\", got \"application/octet-stream\""
            ]
        );
        let no_boundary = recorded(
            "POST",
            "/upload",
            &[("Content-Type", b"multipart/form-data")],
            b"",
        );
        assert!(
            compare(&r, &no_boundary, &files)[0]
                .message
                .contains("without a boundary")
        );
        let one_part = format!("--XyZ\r\n{note_ok}\r\n--XyZ--\r\n");
        let bad = recorded("POST", "/upload", &[ct], one_part.as_bytes());
        assert_eq!(
            messages(&compare(&r, &bad, &files)),
            vec!["body: multipart expected 2 parts [\"file\", \"note\"], got 1 parts [\"note\"]"]
        );
    }

    #[test]
    fn raw_and_empty_bodies() {
        let mut r = request(
            "PUT",
            "/raw",
            Body::Raw {
                text: "a,b\n1,2\n".into(),
            },
        );
        r.headers.push(header("Content-Type", "text/csv"));
        let ct: (&str, &[u8]) = ("Content-Type", b"text/csv");
        assert!(
            compare(
                &r,
                &recorded("PUT", "/raw", &[ct], b"a,b\n1,2\n"),
                &SampleFiles::new()
            )
            .is_empty()
        );
        let d = compare(
            &r,
            &recorded("PUT", "/raw", &[ct], b"a,b\r\n1,2\r\n"),
            &SampleFiles::new(),
        );
        assert!(
            d[0].message.contains("first difference at byte 3"),
            "{}",
            d[0]
        );
        let r = request("DELETE", "/x", Body::None);
        let d = compare(
            &r,
            &recorded("DELETE", "/x", &[], b"{}"),
            &SampleFiles::new(),
        );
        assert_eq!(
            messages(&d),
            vec!["body: expected none, got 2 bytes \"{}\""]
        );
        let mut broken = recorded("DELETE", "/x", &[], b"");
        broken.error = Some("timed out reading the request".into());
        assert_eq!(
            compare(&r, &broken, &SampleFiles::new())[0].aspect,
            Aspect::Request
        );
    }

    #[test]
    fn sample_files_stay_inside_the_workdir() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = SampleFiles::new();
        files.insert("../evil".into(), b"x".to_vec());
        assert!(write_sample_files(dir.path(), &files).is_err());
        files.clear();
        files.insert("/etc/evil".into(), b"x".to_vec());
        assert!(write_sample_files(dir.path(), &files).is_err());
        files.clear();
        files.insert("./a/b.txt".into(), b"x".to_vec());
        write_sample_files(dir.path(), &files).unwrap();
        assert_eq!(std::fs::read(dir.path().join("a/b.txt")).unwrap(), b"x");
    }
}
