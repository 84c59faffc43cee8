//! The one normalized request every template sees and every check compares against.
//!
//! `frontmatter` + `config` go in, a [`Request`] comes out: method upper-cased, path
//! parameters filled, auth resolved into a header, query pair or basic credentials,
//! the body in one of five kinds. Templates never see the raw front-matter.

use serde::Serialize;
use std::borrow::Cow;

/// A name/value pair (query parameter, header, form field, cookie), in page order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pair {
    pub name: String,
    pub value: String,
}

impl Pair {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Pair {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A request header. `implied` marks headers docsnip added on its own (the
/// `Content-Type` of a JSON body): a template whose client sets that header by
/// itself (Python's `json=`) may leave it out; every other template sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    pub name: String,
    pub value: String,
    pub implied: bool,
}

/// How the request authenticates. Header and query credentials are also already in
/// `Request::headers` / `Request::query`; `Basic` is not, so that each client can use
/// its idiomatic form (`-u`, `-a`, `auth=`), and templates must send it themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Auth {
    None,
    Header { name: String, value: String },
    Query { name: String, value: String },
    Basic { username: String, password: String },
}

/// One part of a multipart/form-data body: a text field (`value`) or a file (`file`,
/// a path relative to where the snippet runs, with an optional `content_type`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Part {
    pub name: String,
    pub value: Option<String>,
    pub file: Option<String>,
    pub content_type: Option<String>,
}

/// The request body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    None,
    /// `text` is the JSON pretty-printed with two-space indents, keys in page order and
    /// numbers exactly as written. `lossless` is true when every number in it survives a
    /// round trip through an IEEE double (so a client may build the value natively, as
    /// Python's `json=` or JavaScript's `JSON.stringify` do); false means the snippet
    /// must send `text` verbatim as a string.
    Json {
        text: String,
        lossless: bool,
    },
    Form {
        fields: Vec<Pair>,
    },
    Multipart {
        parts: Vec<Part>,
    },
    /// A raw body, sent byte for byte. Its Content-Type, if any, is in the headers.
    Raw {
        text: String,
    },
}

/// The normalized request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Request {
    /// Human name for snippet comments (`name:`, else `title:`).
    pub name: String,
    /// Upper-case HTTP method token.
    pub method: String,
    /// `base_url` + `path` + `?` + encoded query: what the client should request.
    pub url: String,
    /// `base_url` + `path`, no query string (for clients that take query pairs apart).
    pub url_base: String,
    /// The path as sent: parameters filled in and percent-encoded where needed.
    pub path: String,
    /// Decoded query pairs in order, including an auth `Query` credential (last).
    pub query: Vec<Pair>,
    /// Headers in order: the auth header first (for `Auth::Header`), then the page's
    /// headers (a list value repeats the header), then `Cookie` (when the page has
    /// cookies), then a `Content-Type` for the body where one is needed
    /// (JSON: implied `application/json` unless the page set one; raw: the page's
    /// `content_type`). Form and multipart bodies get no Content-Type header here:
    /// every client sets those itself (multipart needs its boundary).
    pub headers: Vec<Header>,
    pub auth: Auth,
    pub body: Body,
}

use crate::config::{Config, Scheme};
use crate::frontmatter::{At, BodySpec, Endpoint, Problem};
use crate::secrets;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Characters percent-encoded in a query name or value: everything but RFC 3986's
/// unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Characters percent-encoded in a path parameter value (it is one segment: `/` too).
const SEGMENT: &AsciiSet = QUERY;
/// Characters percent-encoded in the literal part of a path: `/`, `%` (already-encoded
/// text stays as it is), sub-delimiters, `:` and `@` are kept.
const PATH: &AsciiSet = &QUERY
    .remove(b'/')
    .remove(b'%')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@');

/// Whether `s` is an HTTP token (RFC 9110 `tchar`s), as a method or header name must be.
pub fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The normalized request for an endpoint page, with warnings; or every problem found.
///
/// `block_body` is the JSON of the page's `right_code` Request block, with the page
/// offset of its code, used when `request:` gives no body.
pub fn normalize(
    ep: &Endpoint,
    block_body: Option<(serde_json::Value, usize)>,
    config: &Config,
    base_url: &str,
) -> Result<(Request, Vec<Problem>), Vec<Problem>> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let default_spec = crate::frontmatter::RequestSpec::default();
    let spec = ep.request.as_ref().unwrap_or(&default_spec);
    let fail = |offset: usize, message: String| Problem { offset, message };

    let method = match &ep.method {
        Some(m) if !m.value.trim().is_empty() => {
            let t = m.value.trim();
            if !is_token(t) {
                problems.push(fail(
                    m.offset,
                    format!(
                        "`{t}` is not an HTTP method (a method is a token such as GET or POST)"
                    ),
                ));
            }
            t.to_ascii_uppercase()
        }
        _ => "GET".to_string(),
    };

    // The path: request.path, else the title, read as the page shows it (a title is
    // HTML text: `&ltid&gt` is displayed, and meant, as `<id>`).
    let shown_title: Option<At<String>> = ep.title.as_ref().map(|t| At {
        value: html_text(&t.value).into_owned(),
        offset: t.offset,
    });
    let path_src: Option<&At<String>> = spec.path.as_ref().or(shown_title.as_ref());
    let (path, url_base, mut query) = match path_src {
        Some(p) if p.value.starts_with('/') => {
            // Credentials in the path: known formats in its text, and the values of
            // parameters whose name says credential.
            let path_text = guard(None, &p.value, "the path", p.offset, &mut warnings);
            let params: Vec<(String, At<String>)> = spec
                .params
                .iter()
                .map(|(k, v)| {
                    let value = guard(
                        Some(k),
                        &v.value,
                        &format!("params.{k}"),
                        v.offset,
                        &mut warnings,
                    );
                    (
                        k.clone(),
                        At {
                            value,
                            offset: v.offset,
                        },
                    )
                })
                .collect();
            let (filled, missing) = fill_params(&path_text, &params);
            for name in missing {
                warnings.push(fail(
                    p.offset,
                    format!(
                        "path parameter `{name}` has no value (give it under `request.params`); the snippets show {}",
                        placeholder(&name)
                    ),
                ));
            }
            let (before_query, query_text) = match filled.split_once('?') {
                Some((a, b)) => (a.to_string(), Some(b.to_string())),
                None => (filled, None),
            };
            let query: Vec<Pair> = query_text
                .map(|q| {
                    q.split('&')
                        .filter(|s| !s.is_empty())
                        .map(|kv| {
                            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                            let dec = |s: &str| {
                                percent_decode_str(&s.replace('+', " "))
                                    .decode_utf8_lossy()
                                    .into_owned()
                            };
                            let (k, v) = (dec(k), dec(v));
                            let v = guard(Some(&k), &v, &k, p.offset, &mut warnings);
                            Pair::new(k, v)
                        })
                        .collect()
                })
                .unwrap_or_default();
            // The base URL's own path (`https://host/v2`) is part of the path sent.
            let url_base = format!("{}{}", base_url.trim_end_matches('/'), before_query);
            let path = match base_url
                .split("://")
                .nth(1)
                .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            {
                Some(prefix) => format!("{}{}", prefix.trim_end_matches('/'), before_query),
                None => before_query,
            };
            (path, url_base, query)
        }
        Some(p) => {
            problems.push(fail(
                p.offset,
                format!(
                    "`{}` is not a request path: a path starts with `/` (set `request.path`, or make `title` the path)",
                    p.value
                ),
            ));
            (String::new(), String::new(), Vec::new())
        }
        None => {
            problems.push(fail(
                spec.offset,
                "this endpoint has no path: set `request.path`, or make `title` the path".into(),
            ));
            (String::new(), String::new(), Vec::new())
        }
    };
    for (k, v) in &spec.query {
        let value = guard(Some(&k.value), &v.value, &k.value, v.offset, &mut warnings);
        query.push(Pair::new(&k.value, value));
    }

    // Auth.
    let scheme_name = spec
        .auth
        .as_ref()
        .map_or(config.auth_default.as_str(), |a| a.value.as_str());
    let mut auth = if scheme_name == "none" {
        Auth::None
    } else {
        match config.schemes.get(scheme_name) {
            Some(Scheme::Header { name, value }) => Auth::Header {
                name: name.clone(),
                value: value.clone(),
            },
            Some(Scheme::Query { name, value }) => Auth::Query {
                name: name.clone(),
                value: value.clone(),
            },
            Some(Scheme::Basic { username, password }) => Auth::Basic {
                username: username.clone(),
                password: password.clone(),
            },
            None => {
                let offset = spec.auth.as_ref().map_or(spec.offset, |a| a.offset);
                let known: Vec<&str> = config.schemes.keys().map(String::as_str).collect();
                problems.push(fail(
                    offset,
                    format!(
                        "unknown auth scheme `{scheme_name}` (configured: {}, or none)",
                        known.join(", ")
                    ),
                ));
                Auth::None
            }
        }
    };

    let mut headers = Vec::new();
    match &auth {
        Auth::Header { name, value } => headers.push(Header {
            name: name.clone(),
            value: value.clone(),
            implied: false,
        }),
        Auth::Query { name, value } => query.push(Pair::new(name, value)),
        Auth::None | Auth::Basic { .. } => {}
    }
    let auth_header = match &auth {
        Auth::Header { name, .. } => Some(name.as_str()),
        Auth::Basic { .. } => Some("Authorization"),
        _ => None,
    }
    .map(str::to_string);
    // A literal `Authorization: Basic …` / `Bearer …` credential under `auth: none`
    // becomes the matching scheme, so the snippets show its placeholders (a user name
    // and a password for Basic) rather than an opaque `Basic YOUR_TOKEN`.
    let literal = if matches!(auth, Auth::None)
        && spec
            .headers
            .iter()
            .filter(|(k, _)| k.value.eq_ignore_ascii_case("authorization"))
            .count()
            == 1
    {
        spec.headers.iter().find_map(|(k, v)| {
            if !k.value.eq_ignore_ascii_case("authorization") {
                return None;
            }
            let (scheme, _) = v.value.trim().split_once(' ')?;
            let secret = secrets::check(Some(&k.value), &v.value)?;
            let scheme_auth = credential_scheme(config, scheme)?;
            Some((v.offset, secret.kind, scheme_auth))
        })
    } else {
        None
    };
    if let Some((value_at, kind, (name, converted))) = &literal {
        let what = match converted {
            Auth::Basic { .. } => {
                "a user name and password for Basic auth; the snippets use the basic scheme instead, with user and password placeholders"
            }
            _ => "a Bearer token; the snippets use the bearer scheme's placeholder instead",
        };
        warnings.push(fail(
            *value_at,
            format!(
                "`Authorization` holds what looks like a live credential ({kind}), {what}: {}; rotate the credential: it is in your sources",
                match name {
                    Some(n) => format!("write `auth: {n}` in place of this header"),
                    None => "add a `basic` auth scheme to docsnip.yml (auth: schemes: basic: { basic: {} }) and write `auth: basic` in place of this header".to_string(),
                }
            ),
        ));
        if let Auth::Header { name, value } = converted {
            headers.insert(
                0,
                Header {
                    name: name.clone(),
                    value: value.clone(),
                    implied: false,
                },
            );
        }
        auth = converted.clone();
    }
    for (k, v) in &spec.headers {
        if literal.as_ref().is_some_and(|l| l.0 == v.offset) {
            if let Some(why) = header_value_problem(&v.value) {
                problems.push(fail(
                    v.offset,
                    format!("the value of header `{}` {why}", k.value),
                ));
            }
            continue;
        }
        if !is_token(&k.value) {
            problems.push(fail(k.offset, format!("`{}` is not a valid header name (a header name is an HTTP token: letters, digits and !#$%&'*+-.^_`|~)", k.value)));
        } else if auth_header
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(&k.value))
        {
            problems.push(fail(
                k.offset,
                format!("`{}` comes from the auth scheme `{scheme_name}`; set `auth: none` to send your own", k.value),
            ));
        }
        if let Some(why) = header_value_problem(&v.value) {
            problems.push(fail(
                v.offset,
                format!("the value of header `{}` {why}", k.value),
            ));
        }
        let value = guard(Some(&k.value), &v.value, &k.value, v.offset, &mut warnings);
        headers.push(Header {
            name: k.value.clone(),
            value,
            implied: false,
        });
    }
    if !spec.cookies.is_empty() {
        let mut cookie = String::new();
        for (k, v) in &spec.cookies {
            if let Some(why) = header_value_problem(&format!("{}={}", k.value, v.value)).or((k
                .value
                .contains([';', '=', ' '])
                || v.value.contains(';'))
            .then_some("holds `;`, `=` or a space where a cookie cannot"))
            {
                problems.push(fail(v.offset, format!("cookie `{}` {why}", k.value)));
            }
            if !cookie.is_empty() {
                cookie.push_str("; ");
            }
            // Every cookie value is named as a credential would be.
            let value = guard(Some("cookie"), &v.value, &k.value, v.offset, &mut warnings);
            cookie.push_str(&format!("{}={}", k.value, value));
        }
        headers.push(Header {
            name: "Cookie".into(),
            value: cookie,
            implied: false,
        });
    }

    // Body.
    let has_header =
        |name: &str, headers: &[Header]| headers.iter().any(|h| h.name.eq_ignore_ascii_case(name));
    let block_at = block_body.as_ref().map(|(_, at)| *at);
    let body_spec = spec
        .body
        .as_ref()
        .map(|b| b.value.clone())
        .or(block_body.map(|(v, _)| BodySpec::Json(v)));
    // Credentials in the body: known formats anywhere; random-looking values under a
    // JSON key, form or multipart field whose name says credential; `name=value` and
    // `"name": "value"` pairs in a raw body.
    let body_offset = spec
        .body
        .as_ref()
        .map(|b| b.offset)
        .or(block_at)
        .unwrap_or(spec.offset);
    let body_warn = |what: &str, secret: secrets::Secret, warnings: &mut Vec<Problem>| {
        warnings.push(fail(
            body_offset,
            format!("`{what}` holds what looks like a live credential ({}); the snippets send a placeholder instead, but rotate it: it is in your sources", secret.kind),
        ));
    };
    let body = match body_spec {
        None => Body::None,
        Some(BodySpec::Json(mut v)) => {
            scrub_json(&mut v, None, "json", &mut |what, secret| {
                body_warn(what, secret, &mut warnings)
            });
            let text = serde_json::to_string_pretty(&v).unwrap_or_default();
            if let Some(ct) = &spec.content_type {
                headers.push(Header {
                    name: "Content-Type".into(),
                    value: ct.value.clone(),
                    implied: false,
                });
            } else if !has_header("Content-Type", &headers) {
                headers.push(Header {
                    name: "Content-Type".into(),
                    value: "application/json".into(),
                    implied: true,
                });
            }
            Body::Json {
                lossless: lossless(&v),
                text,
            }
        }
        Some(BodySpec::Raw(text)) => {
            if let Some(ct) = &spec.content_type {
                headers.push(Header {
                    name: "Content-Type".into(),
                    value: ct.value.clone(),
                    implied: false,
                });
            }
            if text == "--" {
                // argparse (HTTPie's) drops a `--` argument, even as `--raw=--`.
                problems.push(fail(
                    body_offset,
                    "a raw body that is exactly `--` cannot be sent by HTTPie (its argument parser drops `--`)".into(),
                ));
            }
            let found = secrets::in_text(&text);
            if let Some((_, secret)) = found.first() {
                body_warn("body", *secret, &mut warnings);
            }
            Body::Raw {
                text: secrets::replace(&text, &found),
            }
        }
        Some(b @ (BodySpec::Form(_) | BodySpec::Multipart(_))) => {
            if let Some(ct) = &spec.content_type {
                problems.push(fail(
                    ct.offset,
                    "`content_type` goes with `body` or `json`; form and multipart set their own"
                        .into(),
                ));
            }
            match b {
                BodySpec::Form(fields) => Body::Form {
                    fields: fields
                        .into_iter()
                        .map(|(k, v)| {
                            let found = secrets::in_value(Some(&k), &v);
                            if let Some((_, secret)) = found.first() {
                                body_warn(&format!("form.{k}"), *secret, &mut warnings);
                            }
                            let v = secrets::replace(&v, &found);
                            Pair::new(k, v)
                        })
                        .collect(),
                },
                BodySpec::Multipart(parts) => Body::Multipart {
                    parts: parts
                        .into_iter()
                        .map(|p| {
                            let value = p.value.as_deref().map(|v| {
                                let found = secrets::in_value(Some(&p.name), v);
                                if let Some((_, secret)) = found.first() {
                                    body_warn(
                                        &format!("multipart {}", p.name),
                                        *secret,
                                        &mut warnings,
                                    );
                                }
                                crlf(&secrets::replace(v, &found))
                            });
                            Part {
                                name: crlf(&p.name),
                                value,
                                file: p.file,
                                content_type: p.content_type,
                            }
                        })
                        .collect(),
                },
                _ => unreachable!(),
            }
        }
    };
    if let Some(ct) = &spec.content_type
        && let Some(why) = header_value_problem(&ct.value)
    {
        problems.push(fail(ct.offset, format!("`content_type` {why}")));
    }
    if let Body::Multipart { parts } = &body {
        for p in parts {
            let why = if p.name.is_empty() {
                "is empty, which curl's -F cannot send"
            } else if p.name.contains('=') {
                "holds `=`, which curl's -F cannot send (it ends the name)"
            } else if p.name.contains('\\') {
                "holds `\\`, which clients send as is and servers read as an escape"
            } else if p
                .name
                .contains(|c: char| c.is_ascii_control() && c != '\r' && c != '\n')
            {
                "holds a control character, which clients send differently (raw or %-encoded) in the part header"
            } else {
                continue;
            };
            problems.push(fail(
                spec.body.as_ref().map_or(spec.offset, |b| b.offset),
                format!(
                    "multipart field name `{}` {why}; rename the field",
                    p.name.escape_debug()
                ),
            ));
        }
    }
    if spec.content_type.is_some()
        && matches!(body, Body::None)
        && let Some(ct) = &spec.content_type
    {
        problems.push(fail(ct.offset, "`content_type` without a body".into()));
    }

    if !problems.is_empty() {
        return Err(problems);
    }
    let encoded: Vec<String> = query
        .iter()
        .map(|p| {
            format!(
                "{}={}",
                utf8_percent_encode(&p.name, QUERY),
                utf8_percent_encode(&p.value, QUERY)
            )
        })
        .collect();
    let url = if encoded.is_empty() {
        url_base.clone()
    } else {
        format!("{url_base}?{}", encoded.join("&"))
    };
    // Without `name:` or `title:` (a comment's request, as `docsnip import` writes it),
    // the snippets' first comment line says `METHOD PATH`, never an empty `# ` (a
    // trailing space that Expressive Code trims and shellcheck flags).
    let name = ep
        .name
        .clone()
        .or_else(|| shown_title.as_ref().map(|t| t.value.clone()))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{method} {path}"));
    Ok((
        Request {
            name,
            method,
            url,
            url_base,
            path,
            query,
            headers,
            auth,
            body,
        },
        warnings,
    ))
}

impl Request {
    /// A bare `GET http://127.0.0.1PATH`, for tests of the runners.
    pub fn loopback_get(path: &str) -> Request {
        Request {
            name: "T".into(),
            method: "GET".into(),
            url: format!("http://127.0.0.1{path}"),
            url_base: format!("http://127.0.0.1{path}"),
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            auth: Auth::None,
            body: Body::None,
        }
    }
}

/// The configured scheme an `Authorization: SCHEME credential` header is an instance
/// of, with its name: the first `basic` scheme for `Basic`, the first `Authorization`
/// header scheme whose value starts with `Bearer ` for `Bearer`. A site without a
/// `basic` scheme gets the default one's placeholders.
fn credential_scheme(config: &Config, scheme: &str) -> Option<(Option<String>, Auth)> {
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(
            config
                .schemes
                .iter()
                .find_map(|(n, s)| match s {
                    Scheme::Basic { username, password } => Some((
                        Some(n.clone()),
                        Auth::Basic {
                            username: username.clone(),
                            password: password.clone(),
                        },
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| {
                    (
                        None,
                        Auth::Basic {
                            username: crate::config::BASIC_USERNAME.into(),
                            password: crate::config::BASIC_PASSWORD.into(),
                        },
                    )
                }),
        );
    }
    if scheme.eq_ignore_ascii_case("bearer") {
        return config.schemes.iter().find_map(|(n, s)| match s {
            Scheme::Header { name, value }
                if name.eq_ignore_ascii_case("authorization")
                    && value
                        .get(..7)
                        .is_some_and(|p| p.eq_ignore_ascii_case("bearer ")) =>
            {
                Some((
                    Some(n.clone()),
                    Auth::Header {
                        name: name.clone(),
                        value: value.clone(),
                    },
                ))
            }
            _ => None,
        });
    }
    None
}

/// Why a header value cannot be sent exactly, if it cannot.
fn header_value_problem(v: &str) -> Option<&'static str> {
    if v.contains(['\r', '\n']) {
        Some("holds a line break, which HTTP forbids in a header")
    } else if v.chars().any(|c| c.is_control() && c != '\t') {
        Some("holds a control character, which HTTP forbids in a header")
    } else if !crate::escape::httpie_exact(v) {
        // HTTPie unescapes `\:`, `\;`, `\=` and `\@` anywhere in an item and has no
        // escape for the backslash itself.
        Some("holds a backslash before `:`, `;`, `=` or `@`, which HTTPie cannot send")
    } else if v.starts_with(char::is_whitespace) || v.ends_with(char::is_whitespace) {
        // HTTP drops spaces and tabs around a value; clients such as HTTPie also strip
        // Unicode white space (U+2028, U+00A0, …) there.
        Some("starts or ends with white space, which HTTP drops")
    } else {
        None
    }
}

/// `value` with the credentials [`secrets::in_value`] finds under `name` replaced by
/// placeholders, and a warning at `offset` naming `what` for the first of them.
fn guard(
    name: Option<&str>,
    value: &str,
    what: &str,
    offset: usize,
    warnings: &mut Vec<Problem>,
) -> String {
    let found = secrets::in_value(name, value);
    if let Some((_, secret)) = found.first() {
        warnings.push(Problem {
            offset,
            message: format!(
                "`{what}` holds what looks like a live credential ({}); the snippets send a placeholder instead, but rotate it: it is in your sources",
                secret.kind
            ),
        });
    }
    secrets::replace(value, &found)
}

/// Replace the credentials in a JSON value's strings: a string is checked under the
/// key that holds it (an array's items under the array's key); `at` is its path for
/// the warning (`json.user.token`, `json.keys[0]`).
fn scrub_json(
    v: &mut serde_json::Value,
    key: Option<&str>,
    at: &str,
    warn: &mut dyn FnMut(&str, secrets::Secret),
) {
    use serde_json::Value as J;
    match v {
        J::String(s) => {
            let found = secrets::in_value(key, s);
            if let Some((_, secret)) = found.first() {
                warn(at, *secret);
                *s = secrets::replace(s, &found);
            }
        }
        J::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                scrub_json(item, key, &format!("{at}[{i}]"), warn);
            }
        }
        J::Object(m) => {
            for (k, item) in m.iter_mut() {
                scrub_json(item, Some(k), &format!("{at}.{k}"), warn);
            }
        }
        _ => {}
    }
}

/// Line breaks as multipart/form-data text carries them: every CR, LF or CRLF becomes
/// CRLF, as browsers and Node's `FormData` send them whatever the value held (so every
/// client sends the same bytes).
fn crlf(s: &str) -> String {
    if !s.contains(['\r', '\n']) {
        return s.to_string();
    }
    s.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

/// The placeholder shown for a path parameter without a value: `{order_uuid}` -> `ORDER_UUID`.
pub fn placeholder(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Named character references a browser reads in text, with the `;` or, for the
/// legacy names HTML still accepts bare (`&lt`, `&gt`, `&amp`, `&quot`, `&nbsp`),
/// without it.
const HTML_NAMED: &[(&str, char, bool)] = &[
    ("lt", '<', true),
    ("gt", '>', true),
    ("amp", '&', true),
    ("quot", '"', true),
    ("nbsp", '\u{a0}', true),
    ("apos", '\'', false),
    ("sol", '/', false),
    ("lbrace", '{', false),
    ("rbrace", '}', false),
    ("lcub", '{', false),
    ("rcub", '}', false),
    ("colon", ':', false),
    ("quest", '?', false),
    ("num", '#', false),
];

/// `s` as a browser shows it when it is HTML text: character references decoded
/// (`&lt;`, `&lt`, `&#60;`, `&#x3c`), everything else as is. Unknown or malformed
/// references stay as written, as in a browser.
pub fn html_text(s: &str) -> Cow<'_, str> {
    if !s.contains('&') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some((c, len)) = html_reference(after) {
            out.push(c);
            rest = &after[len..];
        } else {
            out.push('&');
            rest = after;
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// The character a reference (the text after `&`) stands for, and its length.
fn html_reference(after: &str) -> Option<(char, usize)> {
    if let Some(num) = after.strip_prefix('#') {
        let (hex, digits) = match num.strip_prefix(['x', 'X']) {
            Some(h) => (true, h),
            None => (false, num),
        };
        let n = digits
            .find(|c: char| {
                !(if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                })
            })
            .unwrap_or(digits.len());
        if n == 0 {
            return None;
        }
        let code = u32::from_str_radix(&digits[..n], if hex { 16 } else { 10 }).ok();
        // As browsers do: NUL, surrogates and out-of-range values read as U+FFFD.
        let c = code
            .filter(|&c| c != 0)
            .and_then(char::from_u32)
            .unwrap_or('\u{fffd}');
        let len = 1 + usize::from(hex) + n + usize::from(digits[n..].starts_with(';'));
        return Some((c, len));
    }
    HTML_NAMED.iter().find_map(|&(name, c, legacy)| {
        let tail = after.strip_prefix(name)?;
        if tail.starts_with(';') {
            Some((c, name.len() + 1))
        } else {
            legacy.then_some((c, name.len()))
        }
    })
}

/// Fill `{name}`, `<name>` and `&lt;name&gt;` in a path; percent-encode the rest where
/// needed. Returns the path and the names that had no value.
fn fill_params(path: &str, params: &[(String, At<String>)]) -> (String, Vec<String>) {
    let mut out = String::with_capacity(path.len());
    let mut missing: Vec<String> = Vec::new();
    let mut rest = path;
    let is_name = |c: char| c.is_alphanumeric() || c == '_' || c == '-' || c == '.';
    while !rest.is_empty() {
        let found = [("{", "}"), ("<", ">"), ("&lt;", "&gt;")]
            .iter()
            .find_map(|(open, close)| {
                let inner = rest.strip_prefix(open)?;
                let end = inner.find(close)?;
                let name = &inner[..end];
                (!name.is_empty() && name.chars().all(is_name))
                    .then_some((name, open.len() + end + close.len()))
            });
        if let Some((name, len)) = found {
            match params.iter().find(|(k, _)| k == name) {
                Some((_, v)) => out.extend(utf8_percent_encode(&v.value, SEGMENT)),
                None => {
                    out.push_str(&placeholder(name));
                    if !missing.iter().any(|m| m == name) {
                        missing.push(name.to_string());
                    }
                }
            }
            rest = &rest[len..];
        } else {
            let c = rest.chars().next().unwrap_or_default();
            let (lit, tail) = rest.split_at(c.len_utf8());
            if lit == "?" {
                // The query part of a path is kept as written; it is split off later.
                out.push_str(rest);
                break;
            }
            out.extend(utf8_percent_encode(lit, PATH));
            rest = tail;
        }
    }
    (out, missing)
}

/// Whether every number in a JSON value survives a round trip through an IEEE double.
pub fn lossless(v: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match v {
        J::Number(n) => {
            let raw = n.to_string();
            match raw.parse::<f64>() {
                Ok(f) if f.is_finite() => same_decimal(&raw, &format!("{f:e}")),
                _ => false,
            }
        }
        J::Array(items) => items.iter().all(lossless),
        J::Object(m) => m.values().all(lossless),
        _ => true,
    }
}

/// Whether two decimal numerals denote the same value (`1.50` and `15e-1`, `-0` and `0`).
pub fn same_decimal(a: &str, b: &str) -> bool {
    fn norm(s: &str) -> Option<(bool, String, i64)> {
        let (neg, s) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let (mant, exp) = match s.find(['e', 'E']) {
            Some(i) => (&s[..i], s[i + 1..].parse::<i64>().ok()?),
            None => (s, 0),
        };
        let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
        let digits = format!("{int}{frac}");
        if !digits.bytes().all(|b| b.is_ascii_digit()) || digits.is_empty() {
            return None;
        }
        let lead = digits.len() - digits.trim_start_matches('0').len();
        let d = digits
            .trim_start_matches('0')
            .trim_end_matches('0')
            .to_string();
        if d.is_empty() {
            return Some((false, String::new(), 0));
        }
        // Exponent of the first significant digit.
        let e = exp + int.len() as i64 - lead as i64;
        Some((neg, d, e))
    }
    matches!((norm(a), norm(b)), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml;

    fn norm(src: &str) -> Result<(Request, Vec<Problem>), Vec<Problem>> {
        let ep = crate::frontmatter::interpret(&yaml::parse(src).unwrap(), 0).unwrap();
        normalize(&ep, None, &Config::default(), "https://api.example.com")
    }

    #[test]
    fn a_full_request() {
        let (r, w) = norm("title: /orders/&lt;id&gt;/{x}\nname: Add\nmethod: post\nrequest:\n  params: { id: 'a b/c' }\n  query: { q: 'é&', n: [1, 2] }\n  headers: { X-A: v }\n  cookies: { s: abc, t: d }\n  json: { a: 1 }\n").unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/orders/a%20b%2Fc/X");
        assert_eq!(
            r.url,
            "https://api.example.com/orders/a%20b%2Fc/X?q=%C3%A9%26&n=1&n=2"
        );
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("`x` has no value"), "{w:?}");
        let names: Vec<_> = r
            .headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str(), h.implied))
            .collect();
        assert_eq!(
            names,
            [
                ("Authorization", "Token YOUR_AUTH_TOKEN", false),
                ("X-A", "v", false),
                ("Cookie", "s=abc; t=d", false),
                ("Content-Type", "application/json", true)
            ]
        );
        assert_eq!(
            r.body,
            Body::Json {
                text: "{\n  \"a\": 1\n}".into(),
                lossless: true
            }
        );
    }

    #[test]
    fn a_request_without_name_or_title_is_named_method_and_path() {
        // As `docsnip import` writes a comment's request: no `name:`, no `title:`.
        let (r, _) = norm("method: post\nrequest:\n  path: /v2/pet\n  query: { a: b }\n").unwrap();
        assert_eq!(r.name, "POST /v2/pet");
        let (r, _) = norm("name: '  '\nrequest:\n  path: /x\n").unwrap();
        assert_eq!(r.name, "GET /x");
        let (r, _) = norm("title: Ping\nrequest:\n  path: /x\n").unwrap();
        assert_eq!(r.name, "Ping");
    }

    #[test]
    fn html_references_read_as_the_browser_shows_them() {
        assert_eq!(html_text("/skus/&ltsku_uuid&gt/"), "/skus/<sku_uuid>/");
        assert_eq!(
            html_text("/a/&lt;id&gt;/&#60;x&#x3E;/&#62"),
            "/a/<id>/<x>/>"
        );
        assert_eq!(html_text("a &amp b &amp;c &ampx"), "a & b &c &x");
        assert_eq!(
            html_text("&apos &apos; &nope; & &#; &#xZ"),
            "&apos ' &nope; & &#; &#xZ"
        );
        assert_eq!(
            html_text("&#0;&#xD800;&#99999999;"),
            "\u{fffd}\u{fffd}\u{fffd}"
        );
        assert!(matches!(html_text("/plain/"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_title_path_is_read_as_shown_then_filled() {
        let (r, w) = norm(
            "title: /skus/&ltsku_uuid&gt/&#123;n&#125;/\nmethod: get\nrequest:\n  params: { sku_uuid: 'a b', n: 7 }\n",
        )
        .unwrap();
        assert_eq!(r.path, "/skus/a%20b/7/");
        assert_eq!(r.name, "/skus/<sku_uuid>/{n}/");
        assert!(w.is_empty(), "{w:?}");
        let (r, w) = norm("title: /orders/&ltuuid&gt/\nmethod: get\n").unwrap();
        assert_eq!(r.path, "/orders/UUID/");
        assert!(w[0].message.contains("`uuid` has no value"), "{w:?}");
        // An `&` the page shows as `&` is sent as `&`, in the path or the query.
        let (r, _) = norm("title: /a&ampb?x=1&ampy=2\nmethod: get\n").unwrap();
        assert_eq!(r.path, "/a&b");
        assert_eq!(r.url, "https://api.example.com/a&b?x=1&y=2");
    }

    #[test]
    fn auth_schemes() {
        let (r, _) = norm("title: /a\nmethod: get\nrequest: { auth: key }\n").unwrap();
        assert_eq!(r.url, "https://api.example.com/a?api_key=YOUR_API_KEY");
        let (r, _) = norm("title: /a\nmethod: get\nrequest: { auth: none }\n").unwrap();
        assert!(r.headers.is_empty());
        let p = norm("title: /a\nmethod: get\nrequest: { auth: nope }\n").unwrap_err();
        assert!(p[0].message.contains("unknown auth scheme `nope`"));
    }

    #[test]
    fn bad_method_header_and_value() {
        let p =
            norm("title: /a\nmethod: 'GE T'\nrequest:\n  headers: { 'X A': 1, X-B: \"a\\nb\" }\n")
                .unwrap_err();
        assert_eq!(p.len(), 3, "{p:?}");
    }

    #[test]
    fn numbers_and_secrets() {
        assert!(lossless(
            &serde_json::json!({"a": 1.5, "b": [9007199254740992u64]})
        ));
        let big: serde_json::Value = serde_json::from_str("[12345678901234567890123]").unwrap();
        assert!(!lossless(&big));
        let long: serde_json::Value =
            serde_json::from_str("[0.1000000000000000055511151231257827]").unwrap();
        assert!(!lossless(&long));
        assert!(same_decimal("1.50", "15e-1"));
        assert!(same_decimal("-0.0", "0"));
        // Credentials: see `secrets`; here, each position is checked by its name.
        let hex = "0123456789abcdef0123456789abcdef01234567";
        let (r, w) = norm(&format!(
            "title: /a/{{token}}/{{id}}\nmethod: get\nrequest:\n  params: {{ token: {hex}, id: {hex} }}\n  query: {{ cursor: {hex}, api_key: {hex} }}\n  headers: {{ X-Request-Id: {hex}, X-Api-Key: {hex} }}\n  cookies: {{ sessionid: {hex} }}\n"
        ))
        .unwrap();
        assert_eq!(r.path, format!("/a/YOUR_TOKEN/{hex}"));
        assert_eq!(
            r.url,
            format!("https://api.example.com/a/YOUR_TOKEN/{hex}?cursor={hex}&api_key=YOUR_API_KEY")
        );
        let values: Vec<_> = r.headers.iter().map(|h| h.value.as_str()).collect();
        assert_eq!(
            values,
            [
                "Token YOUR_AUTH_TOKEN",
                hex,
                "YOUR_API_KEY",
                "sessionid=YOUR_TOKEN"
            ]
        );
        let warned: Vec<_> = w
            .iter()
            .map(|p| p.message.split(' ').next().unwrap())
            .collect();
        assert_eq!(
            warned,
            ["`params.token`", "`api_key`", "`X-Api-Key`", "`sessionid`"]
        );
    }
}
