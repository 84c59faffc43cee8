//! Proving snippets: run each with its real runtime against the [`echo`](crate::verify::echo)
//! server and compare what arrived with the normalized [`Request`].
//!
//! Three layers, usable separately:
//!
//! * [`compare`] — one recorded request against the expected [`Request`], as a list of
//!   one-line [`Difference`]s (empty = equal).
//! * [`run_snippet`] — write code to a file in a directory and run it with a program
//!   (`bash`, `python3`, `node`, …), bounded by a timeout that kills the whole process
//!   group. [`check_runtimes`] verifies up front that the runtimes are installed.
//! * [`verify_snippet`] — the whole trial: fresh run id and temp work directory, sample
//!   files for multipart uploads, render the code for the run's base URL, run it,
//!   collect the requests, compare, list files the snippet created. Returns a
//!   [`Report`] whose [`Outcome`] says ok / differences / no request / N requests /
//!   run failure.
//!
//! ```no_run
//! use docsnip::verify::{echo::EchoServer, runner_for_language, verify_snippet};
//! # fn render(req: &docsnip::request::Request, base: &str) -> Result<String, String> { unimplemented!() }
//! # let request: docsnip::request::Request = unimplemented!();
//! let server = EchoServer::start().unwrap();
//! let runner = runner_for_language("curl").unwrap();
//! let report = verify_snippet(&server, &runner, &request, std::time::Duration::from_secs(30),
//!     |base_url| render(&request, base_url));
//! assert!(report.outcome.is_ok(), "{}", report.outcome);
//! ```
//!
//! # Comparison rules
//!
//! * **method**: exact.
//! * **path**: the request must have gone under the run's base URL; then the path after
//!   it and `Request::path` are compared as bytes after percent-decoding both.
//! * **query**: the raw query is split on `&` (empty segments skipped), each side of the
//!   first `=` decoded (`+` is a space, percent-escapes to bytes, then UTF-8), and the
//!   ordered list of pairs must equal `Request::query`.
//! * **headers**: every header of `Request::headers` must be present; names are
//!   case-insensitive and a repeated name is compared as the ordered list of its values,
//!   byte-exact (surrounding spaces and tabs are not significant in HTTP and are
//!   ignored). An `implied` header (the `Content-Type` docsnip adds for JSON) is compared
//!   by media type only, so `application/json; charset=utf-8` passes. `Auth::Basic`
//!   requires `Authorization: Basic base64(user:pass)`. Headers the client adds on its
//!   own are ignored, except a `Content-Type`, `Authorization` or `Cookie` the page did
//!   not describe (a `Content-Type` that a form, multipart or JSON body implies is
//!   checked by the body rules instead).
//! * **body**: `None` → empty. `Json` → both sides parsed and compared as JSON values:
//!   same types, object keys as a set (order is not significant in JSON, and
//!   JavaScript reorders integer-like keys), arrays in order, strings exact, numbers
//!   as exact decimal values — `1.50` = `1.5`, `1e2` = `100` = `100.0`, `-0` = `0`,
//!   but `12345678901234567891` ≠ `12345678901234567000` (a client that went through a
//!   double is caught); the `Content-Type` must be `application/json` unless the page
//!   set its own. `Form` → `Content-Type: application/x-www-form-urlencoded`, pairs
//!   decoded as for the query and compared in order. `Multipart` →
//!   `multipart/form-data` with a boundary; parts compared in order: name, then a text
//!   field's value bytes, or a file's filename (the base name of `Part::file`), content
//!   (the sample content, see [`sample_file_content`]) and, when the page gives one,
//!   its content type. `Raw` → bytes exact.

pub mod as_written;
pub mod batch;
pub mod cache;
pub mod echo;
pub mod forkserver;
pub mod sandbox;
pub mod tree;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::Value;

use crate::request::{Auth, Body, Pair, Part, Request};
use crate::verify::echo::{EchoServer, Recorded};
use crate::verify::echo::{find, trim_ows};

// ---------------------------------------------------------------------------
// Differences
// ---------------------------------------------------------------------------

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
    fn new(aspect: Aspect, message: impl Into<String>) -> Difference {
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

fn safe_relative(name: &str) -> Option<PathBuf> {
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
    compare_headers(expected, got, &mut out);
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

fn compare_headers(expected: &Request, got: &Recorded, out: &mut Vec<Difference>) {
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
        } else if have != want {
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

// ---------------------------------------------------------------------------
// Running programs
// ---------------------------------------------------------------------------

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
    run_step(runner, &runner.command, workdir, timeout)
}

/// Runs `argv`, one of `runner`'s steps (its build, command or batch steps), in `dir`
/// with the runner's PATH folder and trust, naming what to install when the program is
/// missing.
pub(crate) fn run_step(
    runner: &RunSpec,
    argv: &[String],
    dir: &Path,
    timeout: Duration,
) -> Result<RunOutput, RunError> {
    run_command_with(
        argv,
        dir,
        timeout,
        runner.bin_dir.as_deref(),
        runner.untrusted.as_ref(),
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
        let out = run_step(runner, build, workdir, timeout)?;
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
        .env("SSL_CERT_DIR", &no_certs)
        .env("PYTHONDONTWRITEBYTECODE", "1");
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
    let raw = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
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
            std::ptr::null(),
            std::ptr::null(),
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

fn tail(bytes: &[u8]) -> String {
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

// ---------------------------------------------------------------------------
// Runtimes
// ---------------------------------------------------------------------------

pub use crate::language::{Need, RunSpec};

/// The runner of a built-in language (from `languages/NAME/language.yml`).
pub fn runner_for_language(name: &str) -> Option<RunSpec> {
    crate::language::builtins()
        .into_iter()
        .find(|s| s.name == name)
        .and_then(|s| s.run)
}

/// Checks one need: its program is installed, its check command exits 0, and it is at
/// least the required major version. `Err` is one line naming what to install.
/// `{cache}` in the check command or the install hint is docsnip's cache folder (see
/// [`crate::language::cache_dir`]), where a runner may keep installed packages.
pub fn check_need(need: &Need) -> Result<(), String> {
    need_fingerprint(need).map(|_| ())
}

/// [`check_need`], returning on success what identifies the installed runtime: the
/// check command's output (stdout, then stderr) and where its program really is
/// (the resolved path, its size and modification time). A cached verify result is
/// kept under a key that includes this, so a new runtime version re-runs the snippets.
pub fn need_fingerprint(need: &Need) -> Result<String, String> {
    need_fingerprint_in(need, None)
}

/// [`need_fingerprint`] with `bin_dir` first on PATH (see [`RealRuntimes`]).
pub fn need_fingerprint_in(need: &Need, bin_dir: Option<&Path>) -> Result<String, String> {
    let cached = |s: &str| {
        if s.contains("{cache}") {
            s.replace("{cache}", &crate::language::cache_dir().to_string_lossy())
        } else {
            s.to_string()
        }
    };
    let check: Vec<String> = need.check.iter().map(|a| cached(a)).collect();
    let program = &check[0];
    let install = need
        .install
        .as_deref()
        .map(cached)
        .unwrap_or_else(|| "install it or put it on PATH".to_string());
    if need.on_path_only {
        return match program_fingerprint_in(program, bin_dir) {
            Some(f) => Ok(f),
            None => Err(format!("{program} not found: {install}")),
        };
    }
    let limit = Duration::from_secs(60);
    let out = match run_command_with(&check, &std::env::temp_dir(), limit, bin_dir, None) {
        Ok(out) => out,
        Err(RunError::MissingRuntime { .. }) => {
            return Err(format!("{program} not found: {install}"));
        }
        Err(e) => return Err(format!("{program} could not be run ({e}): {install}")),
    };
    if !out.status.success() {
        let why = out.stderr_tail();
        let why = why.lines().last().unwrap_or("").trim();
        return Err(format!("`{}` failed ({why}): {install}", check.join(" ")));
    }
    if let Some(min) = need.version {
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        let major = text
            .split(|c: char| !c.is_ascii_digit())
            .find(|w| !w.is_empty())
            .and_then(|w| w.parse::<u32>().ok());
        match major {
            Some(m) if m >= min => {}
            _ => {
                return Err(format!(
                    "{program} {} is older than {min}: {install}",
                    text.lines().next().unwrap_or("").trim()
                ));
            }
        }
    }
    let mut fp = format!("{}\0", need.check.join("\0"));
    fp.push_str(&String::from_utf8_lossy(&out.stdout));
    fp.push('\0');
    fp.push_str(&String::from_utf8_lossy(&out.stderr));
    fp.push('\0');
    fp.push_str(&program_fingerprint_in(program, bin_dir).unwrap_or_default());
    Ok(fp)
}

/// Where `program` resolves on PATH (symbolic links followed) with its size and
/// modification time, or `None` when it is not found.
pub fn program_fingerprint(program: &str) -> Option<String> {
    program_fingerprint_in(program, None)
}

/// [`program_fingerprint`], looking in `bin_dir` first.
pub fn program_fingerprint_in(program: &str, bin_dir: Option<&Path>) -> Option<String> {
    let linked = bin_dir
        .filter(|_| !program.contains('/'))
        .map(|b| b.join(program))
        .filter(|p| p.is_file());
    let path = linked.or_else(|| which(program))?;
    let real = std::fs::canonicalize(&path).unwrap_or(path);
    let meta = std::fs::metadata(&real).ok()?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    Some(format!("{} {} {mtime}", real.display(), meta.len()))
}

/// The file `program` names: itself when it contains a `/`, else the first match on
/// PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return p.is_file().then_some(p);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// Checks every need (duplicates once) and returns one message per problem, each naming
/// what to install; empty when all are present.
pub fn check_needs<'a>(needs: impl IntoIterator<Item = &'a Need>) -> Vec<String> {
    check_needs_fingerprinted(needs, None).0
}

/// A verify run's folder of links to the real executables of the runtimes it uses,
/// put first on PATH for every check, build and snippet (`RunSpec::bin_dir`).
///
/// A program found on PATH as a version-manager shim (a script in a `shims` folder of
/// pyenv, rbenv, nodenv, goenv, jenv or asdf) costs a shell script and the manager's
/// own lookup on every call (~57 ms for pyenv's `python3` and `http` here). It is
/// resolved once per run with `MANAGER which PROGRAM` and linked to what that names:
/// the same executable the shim would have run for docsnip's working directory.
/// Programs that are not shims are linked as found.
pub struct RealRuntimes {
    dir: tempfile::TempDir,
    /// (program, real executable) pairs, for reports.
    pub resolved: Vec<(String, PathBuf)>,
}

impl RealRuntimes {
    /// Resolves each of `programs` (names looked up on PATH; paths are left alone).
    pub fn resolve(programs: &[String]) -> io::Result<RealRuntimes> {
        let dir = tempfile::Builder::new().prefix("docsnip-bin-").tempdir()?;
        let mut names: Vec<&String> = programs.iter().filter(|p| !p.contains('/')).collect();
        names.sort();
        names.dedup();
        let found: Vec<Option<PathBuf>> = thread::scope(|scope| {
            let handles: Vec<_> = names
                .iter()
                .map(|p| scope.spawn(move || real_executable(p)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().ok().flatten())
                .collect()
        });
        let mut resolved = Vec::new();
        for (name, real) in names.into_iter().zip(found) {
            if let Some(real) = real {
                std::os::unix::fs::symlink(&real, dir.path().join(name))?;
                resolved.push((name.clone(), real));
            }
        }
        Ok(RealRuntimes { dir, resolved })
    }

    /// The folder to put first on PATH.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// The executable `program` really runs: through a version manager's shim when it is
/// one, else what PATH finds.
pub fn real_executable(program: &str) -> Option<PathBuf> {
    let found = which(program)?;
    let shim_of = found
        .parent()
        .filter(|d| d.file_name().is_some_and(|n| n == "shims"))
        .and_then(|d| d.parent())
        .and_then(|root| {
            let text = std::fs::read(&found).ok()?;
            let text = String::from_utf8_lossy(&text[..text.len().min(4096)]).into_owned();
            ["pyenv", "rbenv", "nodenv", "goenv", "jenv", "asdf"]
                .into_iter()
                .find(|m| text.contains(m) || root.to_string_lossy().contains(m))
        });
    let Some(manager) = shim_of else {
        return Some(found);
    };
    let out = Command::new(manager)
        .args(["which", program])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let real = PathBuf::from(text.trim());
    if out.status.success() && real.is_absolute() && real.is_file() {
        Some(real)
    } else {
        Some(found)
    }
}

/// [`check_needs`], also returning each installed need's [`need_fingerprint`] (the
/// checks run once, in parallel).
pub fn check_needs_fingerprinted<'a>(
    needs: impl IntoIterator<Item = &'a Need>,
    bin_dir: Option<&Path>,
) -> (Vec<String>, Vec<(Need, String)>) {
    let mut seen: Vec<&Need> = Vec::new();
    for n in needs {
        if !seen.contains(&n) {
            seen.push(n);
        }
    }
    let results: Vec<Result<String, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = seen
            .iter()
            .map(|n| scope.spawn(move || need_fingerprint_in(n, bin_dir)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a runtime check panicked".into()))
            })
            .collect()
    });
    let mut problems = Vec::new();
    let mut prints = Vec::new();
    for (need, r) in seen.into_iter().zip(results) {
        match r {
            Ok(fp) => prints.push((need.clone(), fp)),
            Err(e) => problems.push(e),
        }
    }
    problems.dedup();
    (problems, prints)
}

/// Whether `program` can be found on PATH (or is a path that exists).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Recognizes a runtime missing *inside* a snippet's run (bash's `curl: command not
/// found`, Python's `No module named 'requests'`, an old Node without `fetch`).
fn diagnose_missing(stderr: &[u8], needs: &[Need]) -> Option<String> {
    let text = String::from_utf8_lossy(stderr);
    for line in text.lines() {
        let cmd = line
            .strip_suffix(": command not found")
            .or_else(|| line.strip_suffix(": not found"))
            .and_then(|l| l.rsplit(": ").next());
        if let Some(cmd) = cmd {
            let hint = needs
                .iter()
                .find(|n| n.check[0] == cmd)
                .and_then(|n| n.install.clone())
                .unwrap_or_else(|| "install it or put it on PATH".into());
            return Some(format!("{cmd} not found: {hint}"));
        }
        if let Some(rest) = line.split("No module named ").nth(1) {
            let module = rest.trim().trim_matches('\'').to_string();
            return Some(format!(
                "python3 cannot import {module}: install it with pip install {module}"
            ));
        }
    }
    if text.contains("fetch is not defined") {
        return Some("node has no fetch: install Node.js 18 or newer".into());
    }
    None
}

// ---------------------------------------------------------------------------
// One trial
// ---------------------------------------------------------------------------

/// The verdict of one snippet run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Exactly one request, equal to the expected one; exit status 0; no files created.
    Ok,
    /// Exactly one request, with these differences (and possibly an [`Aspect::Exit`] or
    /// [`Aspect::Files`] one).
    Differences(Vec<Difference>),
    /// The snippet sent no request to its base URL. `detail` has the exit status and
    /// the stderr tail.
    NoRequest { detail: String },
    /// The snippet sent `count` requests; `requests` lists them (`METHOD path`).
    ManyRequests { count: usize, requests: Vec<String> },
    /// The snippet could not be rendered, started or finished (missing runtime,
    /// timeout, non-zero exit with a correct request, …).
    RunFailed { error: String, stderr_tail: String },
    /// The language's template refused the request (its client cannot send it
    /// exactly): no snippet was written, so there is nothing to run. Not a failure.
    Refused { reason: String },
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    /// Whether this is a failure (neither ok nor a refused language).
    pub fn is_failure(&self) -> bool {
        !matches!(self, Outcome::Ok | Outcome::Refused { .. })
    }

    /// One line per problem (empty for `Ok`), for `PATH: language: line` reports.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Outcome::Ok => Vec::new(),
            Outcome::Differences(diffs) => diffs.iter().map(|d| d.message.clone()).collect(),
            Outcome::NoRequest { detail } => vec![format!("sent no request ({detail})")],
            Outcome::ManyRequests { count, requests } => {
                vec![format!(
                    "sent {count} requests, expected 1: {}",
                    requests.join(", ")
                )]
            }
            Outcome::RunFailed { error, stderr_tail } => {
                let mut v = vec![error.clone()];
                v.extend(stderr_tail.lines().map(|l| format!("  | {l}")));
                v
            }
            Outcome::Refused { reason } => vec![format!("refused (no snippet): {reason}")],
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_ok() {
            return f.write_str("ok");
        }
        f.write_str(&self.lines().join("\n"))
    }
}

/// Everything about one trial.
#[derive(Debug)]
pub struct Report {
    pub outcome: Outcome,
    /// The run id and base URL the snippet was rendered for.
    pub run_id: String,
    pub base_url: String,
    /// The program's output, when it ran to completion.
    pub output: Option<RunOutput>,
    /// Every request that arrived under the run's base URL.
    pub requests: Vec<Recorded>,
    /// Files and directories the snippet left in its work directory (relative, `/`
    /// separators, sorted), other than the snippet file and the sample files: a
    /// snippet that writes files — e.g. through a shell injection — shows up here.
    pub created_files: Vec<String>,
}

/// How long to wait, after the program exited, for a request still being received.
const SETTLE: Duration = Duration::from_secs(2);

/// Runs one snippet against `server` and judges it.
///
/// Takes a fresh run id, makes a fresh temporary work directory holding the sample
/// files of `expected` (multipart uploads), calls `code_for(base_url)` to render the
/// snippet for the run's base URL (an `Err` becomes [`Outcome::RunFailed`]), runs it
/// with `runner` under `timeout`, collects the requests and compares them with
/// `expected`. The work directory is removed afterwards; what the snippet created in
/// it is in [`Report::created_files`] and is also a [`Aspect::Files`] difference.
pub fn verify_snippet(
    server: &EchoServer,
    runner: &RunSpec,
    expected: &Request,
    timeout: Duration,
    code_for: impl FnOnce(&str) -> Result<String, String>,
) -> Report {
    let trial = match Trial::start(server, expected, code_for) {
        Ok(t) => t,
        Err(report) => return *report,
    };
    let workdir = match tempfile::Builder::new().prefix("docsnip-verify-").tempdir() {
        Ok(dir) => dir,
        Err(e) => return trial.failed(format!("creating a work directory failed: {e}")),
    };
    if let Err(e) = write_sample_files(workdir.path(), &trial.files) {
        return trial.failed(format!("writing sample files failed: {e}"));
    }
    let runner = &runner.expanded();
    let result = run_single(runner, &trial.code, &trial.files, workdir.path(), timeout);
    trial.judge(server, runner, expected, workdir.path(), result)
}

/// A snippet rendered for a run of its own: what [`verify_snippet`] and
/// [`crate::verify::batch`] share.
pub(crate) struct Trial {
    pub run_id: String,
    pub base_url: String,
    pub code: String,
    pub files: SampleFiles,
}

/// What ran: the command's output and what the build step left in the work folder.
pub(crate) type Ran = Result<(RunOutput, Vec<String>), RunError>;

impl Trial {
    /// Takes a fresh run id and renders the snippet for its base URL; a rendering error
    /// is the finished report (boxed: it is the rare case).
    pub(crate) fn start(
        server: &EchoServer,
        expected: &Request,
        code_for: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<Trial, Box<Report>> {
        let run_id = server.new_run_id();
        let base_url = server.base_url(&run_id);
        let mut trial = Trial {
            run_id,
            base_url,
            code: String::new(),
            files: sample_files(expected),
        };
        match code_for(&trial.base_url) {
            Ok(code) => {
                trial.code = code;
                Ok(trial)
            }
            Err(e) => Err(Box::new(
                trial.failed(format!("rendering the snippet failed: {e}")),
            )),
        }
    }

    fn report(&self, outcome: Outcome) -> Report {
        Report {
            outcome,
            run_id: self.run_id.clone(),
            base_url: self.base_url.clone(),
            output: None,
            requests: Vec::new(),
            created_files: Vec::new(),
        }
    }

    /// A report of a trial that could not run.
    pub(crate) fn failed(&self, error: String) -> Report {
        self.report(Outcome::RunFailed {
            error,
            stderr_tail: String::new(),
        })
    }

    /// Collects the requests of the run, lists what the snippet created in `workdir`
    /// and compares.
    pub(crate) fn judge(
        &self,
        server: &EchoServer,
        runner: &RunSpec,
        expected: &Request,
        workdir: &Path,
        result: Ran,
    ) -> Report {
        let mut report = self.report(Outcome::Ok);
        let files = &self.files;
        report.requests = server.take_settled(&self.run_id, SETTLE);
        let built: &[String] = result.as_ref().map_or(&[], |(_, b)| b.as_slice());
        report.created_files = created_files(workdir, runner, files, built);
        let result = result.map(|(out, _)| out);
        let file_diff = (!report.created_files.is_empty()).then(|| {
            Difference::new(
                Aspect::Files,
                format!(
                    "files: the snippet created {}",
                    report.created_files.join(", ")
                ),
            )
        });

        let output = match result {
            Ok(output) => output,
            Err(e) => {
                let stderr_tail = match &e {
                    RunError::TimedOut { stderr, .. } | RunError::BuildFailed { stderr, .. } => {
                        tail(stderr)
                    }
                    _ => String::new(),
                };
                report.outcome = Outcome::RunFailed {
                    error: e.to_string(),
                    stderr_tail,
                };
                return report;
            }
        };
        let exit_detail = || {
            let mut s = describe_status(output.status);
            let t = output.stderr_tail();
            if let Some(last) = t.lines().last() {
                s.push_str(": ");
                s.push_str(last);
            }
            s
        };

        report.outcome = match report.requests.as_slice() {
            [] => match diagnose_missing(&output.stderr, &runner.needs) {
                Some(error) => Outcome::RunFailed {
                    error,
                    stderr_tail: output.stderr_tail(),
                },
                None => Outcome::NoRequest {
                    detail: exit_detail(),
                },
            },
            [got] => {
                let mut diffs = compare(expected, got, files);
                let exit_ok = output.status.success();
                if diffs.is_empty() && !exit_ok {
                    Outcome::RunFailed {
                        error: format!(
                            "sent the right request but {}",
                            describe_status(output.status)
                        ),
                        stderr_tail: output.stderr_tail(),
                    }
                } else {
                    if !exit_ok {
                        diffs.push(Difference::new(
                            Aspect::Exit,
                            format!("exit: {}", exit_detail()),
                        ));
                    }
                    diffs.extend(file_diff);
                    if diffs.is_empty() {
                        Outcome::Ok
                    } else {
                        Outcome::Differences(diffs)
                    }
                }
            }
            many => Outcome::ManyRequests {
                count: many.len(),
                requests: many
                    .iter()
                    .map(|r| format!("{} {}", r.method, String::from_utf8_lossy(&r.target)))
                    .collect(),
            },
        };
        report.output = Some(output);
        report
    }
}

/// One snippet on its own in `workdir` (which holds its sample files): write the file,
/// run the build step, note what it left, run the command.
pub(crate) fn run_single(
    runner: &RunSpec,
    code: &str,
    files: &SampleFiles,
    workdir: &Path,
    timeout: Duration,
) -> Ran {
    prepare_snippet(runner, code, workdir, timeout).and_then(|()| {
        // What the build step left is the snippet's own; anything new after the run is not.
        let built = created_files(workdir, runner, files, &[]);
        run_step(runner, &runner.command, workdir, timeout).map(|out| (out, built))
    })
}

fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(sig)) => format!("was killed by signal {sig}"),
        _ => "exited abnormally".to_string(),
    }
}

/// Entries under `dir` other than the snippet file, the sample files (and the
/// directories holding them) and `before` (what the build step wrote). Bounded: at most
/// 1000 entries, 16 levels.
pub(crate) fn created_files(
    dir: &Path,
    runner: &RunSpec,
    files: &SampleFiles,
    before: &[String],
) -> Vec<String> {
    let mut expected: Vec<String> = vec![runner.file.clone()];
    expected.extend(before.iter().map(|b| b.trim_end_matches('/').to_string()));
    for name in files.keys() {
        if let Some(rel) = safe_relative(name) {
            let mut acc = PathBuf::new();
            for c in rel.components() {
                acc.push(c);
                expected.push(acc.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((path, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            if found.len() >= 1000 {
                break;
            }
            let full = entry.path();
            let rel = full
                .strip_prefix(dir)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
            if !expected.contains(&rel) {
                found.push(if is_dir {
                    format!("{rel}/")
                } else {
                    rel.clone()
                });
            }
            if is_dir && depth < 16 {
                stack.push((full, depth + 1));
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Header;

    #[test]
    fn a_need_check_and_hint_name_the_cache_folder() {
        let need = Need {
            check: vec![
                "sh".into(),
                "-c".into(),
                "exit 3".into(),
                "{cache}/x".into(),
            ],
            version: None,
            install: Some("npm install --prefix {cache} x".into()),
            on_path_only: false,
        };
        let dir = crate::language::cache_dir().to_string_lossy().into_owned();
        let err = check_need(&need).unwrap_err();
        assert!(
            err.contains(&format!("`sh -c exit 3 {dir}/x` failed")),
            "{err}"
        );
        assert!(
            err.ends_with(&format!("npm install --prefix {dir} x")),
            "{err}"
        );
        assert!(!err.contains("{cache}"), "{err}");
    }

    fn request(method: &str, path: &str, body: Body) -> Request {
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

    fn header(name: &str, value: &str) -> Header {
        Header {
            name: name.into(),
            value: value.into(),
            implied: false,
        }
    }

    fn recorded(method: &str, target: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Recorded {
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

    fn messages(d: &[Difference]) -> Vec<&str> {
        d.iter().map(|d| d.message.as_str()).collect()
    }

    fn json_request(text: &str) -> Request {
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

    fn multipart_request() -> Request {
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

    fn multipart_body(file_part: &str, note_part: &str) -> Vec<u8> {
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
        assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
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

    #[test]
    fn a_failing_build_step_is_reported_and_its_outputs_are_not_created_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut r = RunSpec::simple(&["bash".into()], "sh");
        r.build = Some(vec![
            "bash".into(),
            "-c".into(),
            "echo nope >&2; exit 4".into(),
        ]);
        let err = run_snippet(&r, "true\n", dir.path(), Duration::from_secs(20)).unwrap_err();
        assert!(err.to_string().contains("exited with status 4"), "{err}");
        r.build = Some(vec!["bash".into(), "-c".into(), "touch built".into()]);
        let server = EchoServer::start().unwrap();
        let req = request("GET", "/a", Body::None);
        let report = verify_snippet(&server, &r, &req, Duration::from_secs(20), |base| {
            Ok(format!("curl -s {base}/a >/dev/null; touch after\n"))
        });
        assert_eq!(report.created_files, ["after"]);
    }

    #[test]
    fn all_runtimes_are_installed() {
        let needs: Vec<Need> = ["curl", "httpie", "python", "node", "curl"]
            .iter()
            .flat_map(|l| runner_for_language(l).unwrap().needs)
            .collect();
        let problems = check_needs(&needs);
        assert!(
            problems.is_empty(),
            "missing runtimes:\n{}",
            problems.join("\n")
        );
    }

    fn runner(lang: &str) -> RunSpec {
        runner_for_language(lang).unwrap()
    }

    const T: Duration = Duration::from_secs(60);

    #[test]
    fn verify_curl_json_post_end_to_end() {
        let server = EchoServer::start().unwrap();
        let mut r =
            json_request("{\n  \"tracking\": \"123mytrack\",\n  \"big\": 12345678901234567891\n}");
        r.headers
            .insert(0, header("Authorization", "Token YOUR_AUTH_TOKEN"));
        r.headers.insert(1, header("X-A", "é"));
        r.query = vec![Pair::new("page", "2")];
        let body = r#"{"tracking": "123mytrack", "big": 12345678901234567891}"#;
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!(
                "curl -sS -X POST '{base}/orders/a%20b/?page=2' \\\n  -H 'Authorization: Token YOUR_AUTH_TOKEN' \\\n  -H 'X-A: é' \\\n  -H 'Content-Type: application/json' \\\n  --data-raw '{body}'\n"
            ))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);
        assert_eq!(report.requests.len(), 1);
        assert!(report.created_files.is_empty());

        // Wrong: no query, header dropped, big number rounded, and an injected file.
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!(
                "curl -sS -X POST '{base}/orders/a%20b/' -H 'Content-Type: application/json' --data-raw '{{\"tracking\": \"123mytrack\", \"big\": 12345678901234567000}}'\ntouch pwned\n"
            ))
        });
        let Outcome::Differences(d) = &report.outcome else {
            panic!("{}", report.outcome)
        };
        assert_eq!(
            messages(d),
            vec![
                "query: expected 1 pairs [\"page\"=\"2\"], got 0 pairs []",
                "header Authorization: missing (expected \"Token YOUR_AUTH_TOKEN\")",
                "header X-A: missing (expected \"é\")",
                "body: at /big: expected 12345678901234567891, got 12345678901234567000",
                "files: the snippet created pwned",
            ]
        );
        assert_eq!(report.created_files, vec!["pwned".to_string()]);
    }

    #[test]
    fn parallel_runs_are_told_apart() {
        let server = EchoServer::start().unwrap();
        thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|i| {
                    let server = &server;
                    scope.spawn(move || {
                        let r = request("GET", &format!("/item/{i}"), Body::None);
                        verify_snippet(server, &runner("curl"), &r, T, |base| {
                            Ok(format!(
                                "sleep 0.$((RANDOM % 3))\ncurl -sS '{base}/item/{i}'\n"
                            ))
                        })
                    })
                })
                .collect();
            for h in handles {
                let report = h.join().unwrap();
                assert!(
                    report.outcome.is_ok(),
                    "{}: {}",
                    report.run_id,
                    report.outcome
                );
            }
        });
        assert!(server.take_strays().is_empty());
    }

    #[test]
    fn verify_reports_no_request_many_requests_and_failures() {
        let server = EchoServer::start().unwrap();
        let r = request("GET", "/ping", Body::None);
        let report = verify_snippet(&server, &runner("curl"), &r, T, |_| {
            Ok("echo nothing sent >&2\n".into())
        });
        assert_eq!(
            report.outcome,
            Outcome::NoRequest {
                detail: "exited with status 0: nothing sent".into()
            }
        );
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!("curl -sS '{base}/ping'\ncurl -sS '{base}/ping'\n"))
        });
        assert!(
            matches!(report.outcome, Outcome::ManyRequests { count: 2, .. }),
            "{}",
            report.outcome
        );
        let report = verify_snippet(&server, &runner("curl"), &r, T, |base| {
            Ok(format!("curl -sS '{base}/ping'\nexit 4\n"))
        });
        let Outcome::RunFailed { error, .. } = &report.outcome else {
            panic!("{}", report.outcome)
        };
        assert_eq!(error, "sent the right request but exited with status 4");
        let report = verify_snippet(&server, &runner("curl"), &r, T, |_| {
            Err("bad template".into())
        });
        assert!(report.outcome.to_string().contains("bad template"));
        let report = verify_snippet(
            &server,
            &runner("curl"),
            &r,
            Duration::from_millis(300),
            |_| Ok("sleep 100\n".into()),
        );
        assert!(
            report.outcome.to_string().contains("timed out"),
            "{}",
            report.outcome
        );
    }

    #[test]
    fn verify_python_node_and_httpie_multipart_and_form() {
        let server = EchoServer::start().unwrap();
        let r = multipart_request();
        let python = r#"import requests

with open("data/inventory.csv", "rb") as f:
    response = requests.post(
        "BASE/upload",
        files=[
            ("file", ("inventory.csv", f, "text/csv")),
            ("note", (None, 'nightly "run"')),
        ],
    )
print(response.status_code)
"#;
        let report = verify_snippet(&server, &runner("python"), &r, T, |base| {
            Ok(python.replace("BASE", base))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);

        let node = r#"import { readFileSync } from "node:fs";

const form = new FormData();
form.append("file", new Blob([readFileSync("data/inventory.csv")], { type: "text/csv" }), "inventory.csv");
form.append("note", 'nightly "run"');
const response = await fetch("BASE/upload", { method: "POST", body: form });
console.log(response.status);
"#;
        let report = verify_snippet(&server, &runner("node"), &r, T, |base| {
            Ok(node.replace("BASE", base))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);

        // HTTPie reads stdin as the body unless stdin is a terminal: run_command gives it one.
        let mut form = request(
            "POST",
            "/token",
            Body::Form {
                fields: vec![
                    Pair::new("grant_type", "password"),
                    Pair::new("scope", "a b"),
                ],
            },
        );
        form.headers.push(header("X-Request-Id", "abc-123"));
        let report = verify_snippet(&server, &runner("httpie"), &form, T, |base| {
            Ok(format!(
                "http --form POST '{base}/token' \\\n  'X-Request-Id:abc-123' \\\n  grant_type=password \\\n  'scope=a b'\n"
            ))
        });
        assert!(report.outcome.is_ok(), "{}", report.outcome);
    }
}

#[cfg(test)]
mod real_runtime_tests {
    use super::*;

    fn get(path: &str) -> Request {
        Request::loopback_get(path)
    }

    #[test]
    fn resolved_runtimes_are_real_files_and_still_catch_failures() {
        let real = RealRuntimes::resolve(&["python3".into(), "bash".into(), "curl".into()])
            .expect("a temp folder");
        for (name, path) in &real.resolved {
            assert!(path.is_file(), "{name} -> {}", path.display());
            assert!(
                !path.parent().is_some_and(|d| d.ends_with("shims")),
                "{name} still resolves to a shim: {}",
                path.display()
            );
        }
        assert!(
            real.resolved.iter().any(|(n, _)| n == "python3"),
            "python3 not found: install python3"
        );
        let mut runner = runner_for_language("python").unwrap();
        runner.bin_dir = Some(real.path().to_path_buf());
        let server = EchoServer::start().unwrap();
        let r = get("/a");
        let t = Duration::from_secs(60);
        let code = |extra: &'static str| {
            move |base: &str| {
                Ok(format!(
                    "import requests, sys\nrequests.get(\"{base}/a\")\n{extra}\n"
                ))
            }
        };
        let ok = verify_snippet(&server, &runner, &r, t, code(""));
        assert!(ok.outcome.is_ok(), "{}", ok.outcome);
        let exit = verify_snippet(&server, &runner, &r, t, code("sys.exit(5)"));
        assert!(
            exit.outcome.to_string().contains("exited with status 5"),
            "{}",
            exit.outcome
        );
        let wrote = verify_snippet(
            &server,
            &runner,
            &r,
            t,
            code("open('pwned', 'w').write('x')"),
        );
        assert_eq!(wrote.created_files, ["pwned"]);
        assert!(wrote.outcome.is_failure());
        let hang = verify_snippet(
            &server,
            &runner,
            &r,
            Duration::from_millis(1500),
            code("import time\ntime.sleep(100)"),
        );
        assert!(
            hang.outcome.to_string().contains("timed out"),
            "{}",
            hang.outcome
        );
        // The snippet saw the folder first on its PATH.
        let probe = verify_snippet(&server, &runner, &r, t, |base| {
            Ok(format!(
                "import os, requests\nrequests.get(\"{base}/a\")\nassert os.environ['PATH'].split(':')[0] == {:?}\n",
                real.path().display().to_string()
            ))
        });
        assert!(probe.outcome.is_ok(), "{}", probe.outcome);
    }
}
