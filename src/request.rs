//! The one normalized request every template sees and every check compares against.
//!
//! `frontmatter` + `config` go in, a [`Request`] comes out: method upper-cased, path
//! parameters filled, auth resolved into a header, query pair or basic credentials,
//! the body in one of five kinds. Templates never see the raw front-matter.

use serde::Serialize;

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
    Json { text: String, lossless: bool },
    Form { fields: Vec<Pair> },
    Multipart { parts: Vec<Part> },
    /// A raw body, sent byte for byte. Its Content-Type, if any, is in the headers.
    Raw { text: String },
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
