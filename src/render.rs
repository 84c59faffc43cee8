//! One Tera template per language turns a [`Request`] into a snippet.
//!
//! Built-in templates (`languages/<lang>/template.tera`) are embedded in the binary; a
//! `--templates DIR` file `DIR/<name>.tera` overrides the built-in `<name>` or adds a
//! language `<name>`, whose metadata sits in a leading comment:
//!
//! ```text
//! {# docsnip: title="Ruby (net/http)" fence="ruby" run="ruby" ext=".rb" #}
//! ```
//!
//! Every template sees two variables: `req`, the [`Request`] as serialized by serde
//! (`req.body.kind` is `none|json|form|multipart|raw`, `req.auth.kind` is
//! `none|header|query|basic`), and `facts`, a few derived booleans (see [`Facts`]).
//! Autoescaping is off; all escaping goes through these filters:
//!
//! | filter | result |
//! | --- | --- |
//! | `sh` | a bash word (quoted only when needed) |
//! | `sh_quote` | a single-quoted bash word |
//! | `py` / `js` / `json` | a Python / JavaScript / JSON string literal |
//! | `rb` | a single-quoted Ruby (or PHP) string literal |
//! | `py_literal(indent=N)` / `js_literal(indent=N, at=COL, tail=N)` | JSON text as a Python / JavaScript value literal (JavaScript's as Prettier writes it: `at` is its column, `tail` the characters after it on its line) |
//! | `js_key` | an object key as Prettier writes it (bare where it can be) |
//! | `json_pretty` / `json_compact` | JSON text reformatted, numbers as written |
//! | `urlencode` | every byte but `A-Za-z0-9-._~` percent-encoded |
//! | `httpie_item` | `:;=@` backslash-escaped: the key of an HTTPie request item |
//! | `httpie_value` | the value of an HTTPie request item (a leading `:;=@` escaped) |
//! | `curl_form_path` | a file path for curl's `-F name=@PATH` |
//! | `basename` | the file name of a path |
//! | `line` | one line for a comment: control and line-breaking characters become spaces |
//!
//! and tests: `ascii` (all characters ASCII), `httpie_exact` (see
//! [`escape::httpie_exact`]).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::escape;
use crate::request::{Body, Request};

pub use crate::language::RunSpec;

/// A snippet language: its template name, the title line that marks its block in a
/// page, the fence info string, and how to run it (None: it cannot be verified).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    pub name: String,
    pub title: String,
    pub fence: String,
    pub run: Option<RunSpec>,
    /// The client, for tables (empty for added languages).
    pub client: String,
    /// Known limits (see `languages/NAME/language.yml`).
    pub limits: Vec<String>,
}

/// Why templates could not be loaded or a snippet not rendered.
#[derive(Debug)]
pub enum RenderError {
    /// A template file could not be read.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A template does not parse; `message` is Tera's report, naming the file, line
    /// and column.
    Syntax { template: String, message: String },
    /// A template's `{# docsnip: … #}` comment is malformed.
    Metadata { template: String, message: String },
    /// A configured language has no template.
    UnknownLanguage { name: String, known: Vec<String> },
    /// Rendering failed (an unknown variable, a filter given bad input, …).
    Render { template: String, message: String },
    /// The template called `refuse(reason=…)`: its client cannot send this request
    /// exactly, so the page gets no snippet in this language (a warning says why).
    Refused { language: String, reason: String },
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Io { path, source } => {
                write!(f, "cannot read template {}: {source}", path.display())
            }
            RenderError::Syntax { template, message } => {
                write!(f, "syntax error in template {template}: {message}")
            }
            RenderError::Metadata { template, message } => {
                write!(f, "bad docsnip comment in template {template}: {message}")
            }
            RenderError::UnknownLanguage { name, known } => write!(
                f,
                "unknown language `{name}` (known: {}; add DIR/{name}.tera with --templates DIR)",
                known.join(", ")
            ),
            RenderError::Render { template, message } => {
                write!(f, "cannot render template {template}: {message}")
            }
            RenderError::Refused { language, reason } => {
                write!(f, "no {language} snippet: {reason}")
            }
        }
    }
}

impl std::error::Error for RenderError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RenderError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Request-level facts templates would otherwise have to compute with loops.
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    /// Some header name (case-insensitively) occurs more than once.
    pub repeated_headers: bool,
    /// The headers hold a `Content-Type`.
    pub content_type: bool,
    /// The request has a body.
    pub has_body: bool,
    /// The URL holds `[`, `]`, `{` or `}` (curl needs `-g`).
    pub url_brackets: bool,
    /// The path holds a `.` or `..` segment, which clients would remove unless told not to.
    pub dot_segments: bool,
    /// Some form field or multipart part name occurs again after another name
    /// (HTTPie groups items by name, so it would reorder them).
    pub fields_interleaved: bool,
    /// Every form field / multipart name, value and path can be written as an HTTPie
    /// request item (see [`escape::httpie_exact`]).
    pub httpie_items_exact: bool,
}

impl Facts {
    pub fn of(req: &Request) -> Facts {
        let mut names: Vec<String> = req
            .headers
            .iter()
            .map(|h| h.name.to_ascii_lowercase())
            .collect();
        let content_type = names.iter().any(|n| n == "content-type");
        names.sort_unstable();
        let repeated_headers = names.windows(2).any(|w| w[0] == w[1]);
        let path = req.path.split(['?', '#']).next().unwrap_or("");
        let dot_segments = path.split('/').any(|s| s == "." || s == "..");
        let (fields, httpie_items_exact) = match &req.body {
            Body::Form { fields } => (
                fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(),
                fields
                    .iter()
                    .all(|f| escape::httpie_key_exact(&f.name) && escape::httpie_exact(&f.value)),
            ),
            Body::Multipart { parts } => {
                let exact = parts.iter().all(|p| {
                    escape::httpie_key_exact(&p.name)
                        && [
                            Some(&p.name),
                            p.value.as_ref(),
                            p.file.as_ref(),
                            p.content_type.as_ref(),
                        ]
                        .into_iter()
                        .flatten()
                        .all(|s| escape::httpie_exact(s))
                });
                (parts.iter().map(|p| p.name.as_str()).collect(), exact)
            }
            _ => (Vec::new(), true),
        };
        // Interleaved: a name that reappears after a different name.
        let mut done: Vec<&str> = Vec::new();
        let mut fields_interleaved = false;
        let mut prev: Option<&str> = None;
        for n in fields {
            if prev != Some(n) {
                if done.contains(&n) {
                    fields_interleaved = true;
                    break;
                }
                done.push(n);
            }
            prev = Some(n);
        }
        Facts {
            repeated_headers,
            content_type,
            has_body: !matches!(req.body, Body::None),
            url_brackets: req.url.contains(['[', ']', '{', '}']),
            dot_segments,
            fields_interleaved,
            httpie_items_exact,
        }
    }
}

/// Marks a `refuse(reason=…)` error inside Tera's error chain.
const REFUSED: &str = "docsnip-refused: ";

/// The loaded templates and the active languages.
pub struct Renderer {
    tera: Tera,
    /// Active languages, in the configured order.
    languages: Vec<Language>,
    /// Language name -> Tera template name (the file path, so errors name the file).
    template_of: HashMap<String, String>,
}

struct Source {
    lang: Language,
    /// Display path: `templates/curl.tera` for built-ins, the real path otherwise.
    path: String,
    text: String,
}

impl Renderer {
    /// Loads the built-in templates, then `templates_dir/*.tera` over them, and activates
    /// `langs` in that order (all known languages when `langs` is empty). Only the
    /// active templates are compiled.
    pub fn new(templates_dir: Option<&Path>, langs: &[String]) -> Result<Renderer, RenderError> {
        let mut sources: Vec<Source> = crate::language::builtins()
            .into_iter()
            .map(|spec| Source {
                path: format!("languages/{}/template.tera", spec.name),
                text: spec.template,
                lang: Language {
                    name: spec.name,
                    title: spec.title,
                    fence: spec.fence,
                    run: spec.run,
                    client: spec.client,
                    limits: spec.limits,
                },
            })
            .collect();
        if let Some(dir) = templates_dir {
            let io = |e| RenderError::Io {
                path: dir.to_owned(),
                source: e,
            };
            let mut added = Vec::new();
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()
                .map_err(io)?;
            files.sort();
            for path in files {
                let Some(name) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".tera"))
                    .filter(|n| !n.is_empty() && !n.starts_with('.'))
                else {
                    continue;
                };
                if !path.is_file() {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|e| RenderError::Io {
                    path: path.clone(),
                    source: e,
                })?;
                let shown = path.display().to_string();
                let meta = parse_metadata(&text).map_err(|message| RenderError::Metadata {
                    template: shown.clone(),
                    message,
                })?;
                if let Some(src) = sources.iter_mut().find(|s| s.lang.name == name) {
                    meta.apply(&mut src.lang);
                    src.path = shown;
                    src.text = text;
                } else {
                    let mut lang = Language {
                        name: name.to_owned(),
                        title: name.to_owned(),
                        fence: name.to_owned(),
                        run: None,
                        client: String::new(),
                        limits: Vec::new(),
                    };
                    meta.apply(&mut lang);
                    added.push(Source {
                        lang,
                        path: shown,
                        text,
                    });
                }
            }
            added.sort_by(|a, b| a.lang.name.cmp(&b.lang.name));
            sources.extend(added);
        }

        let mut active: Vec<Source> = Vec::new();
        if langs.is_empty() || langs.iter().any(|l| l == "all") {
            active = sources;
        } else {
            for name in langs {
                if active.iter().any(|s| &s.lang.name == name) {
                    continue;
                }
                let Some(i) = sources.iter().position(|s| &s.lang.name == name) else {
                    let mut known: Vec<String> =
                        sources.iter().map(|s| s.lang.name.clone()).collect();
                    known.extend(active.iter().map(|s| s.lang.name.clone()));
                    return Err(RenderError::UnknownLanguage {
                        name: name.clone(),
                        known,
                    });
                };
                active.push(sources.remove(i));
            }
        }

        let mut tera = Tera::new();
        tera.autoescape_on(Vec::<&str>::new());
        register(&mut tera);
        let mut template_of = HashMap::new();
        for src in &active {
            // One template at a time, so that a syntax error names its file.
            tera.add_raw_template(&src.path, &src.text)
                .map_err(|e| RenderError::Syntax {
                    template: src.path.clone(),
                    message: e.to_string(),
                })?;
            template_of.insert(src.lang.name.clone(), src.path.clone());
        }
        Ok(Renderer {
            tera,
            languages: active.into_iter().map(|s| s.lang).collect(),
            template_of,
        })
    }

    /// The active languages, in the configured order.
    pub fn languages(&self) -> &[Language] {
        &self.languages
    }

    /// The active language called `name`.
    pub fn language(&self, name: &str) -> Option<&Language> {
        self.languages.iter().find(|l| l.name == name)
    }

    /// The template context for `req`: build it once per page, render it in every
    /// language with [`Renderer::render_with`].
    pub fn context(req: &Request) -> Context {
        let mut ctx = Context::new();
        ctx.insert("req", req);
        ctx.insert("facts", &Facts::of(req));
        ctx
    }

    /// The snippet for `req` in `lang`: code only, no fence, no leading blank line,
    /// ending with exactly one `\n`.
    pub fn render(&self, lang: &str, req: &Request) -> Result<String, RenderError> {
        self.render_with(lang, &Self::context(req))
    }

    /// Like [`Renderer::render`] with a context from [`Renderer::context`].
    pub fn render_with(&self, lang: &str, ctx: &Context) -> Result<String, RenderError> {
        let Some(template) = self.template_of.get(lang) else {
            return Err(RenderError::UnknownLanguage {
                name: lang.to_owned(),
                known: self.languages.iter().map(|l| l.name.clone()).collect(),
            });
        };
        let mut out = self
            .tera
            .render(template, ctx)
            .map_err(|e| match refusal(&e) {
                Some(reason) => RenderError::Refused {
                    language: lang.to_owned(),
                    reason,
                },
                None => RenderError::Render {
                    template: template.clone(),
                    message: e.to_string(),
                },
            })?;
        // A template's leading comment line and trailing newlines leave blank lines.
        let start = out.len() - out.trim_start_matches(['\n', '\r']).len();
        let end = out.trim_end_matches(['\n', '\r']).len().max(start);
        out.truncate(end);
        out.drain(..start);
        out.push('\n');
        Ok(out)
    }
}

/// The reason of a `refuse(reason=…)` call somewhere in Tera's error chain.
fn refusal(e: &tera::Error) -> Option<String> {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = cur {
        let text = err.to_string();
        if let Some(i) = text.find(REFUSED) {
            let reason = &text[i + REFUSED.len()..];
            return Some(reason.lines().next().unwrap_or("").to_string());
        }
        cur = err.source();
    }
    None
}

fn filter_err(e: serde_json::Error) -> tera::Error {
    tera::Error::message(format!("invalid JSON: {e}"))
}

fn indent(kwargs: &Kwargs) -> tera::TeraResult<usize> {
    Ok(kwargs.get::<usize>("indent")?.unwrap_or(0))
}

/// Whether every line of `text` fits in `width` columns, its first line starting at
/// column `at` (a character is a column).
fn fits(text: &str, at: usize, width: usize) -> bool {
    text.lines()
        .enumerate()
        .all(|(i, l)| l.chars().count() + if i == 0 { at } else { 0 } <= width)
}

/// See `join_headers` in [`register`]: the values of each header name, case-insensitively,
/// joined with `, ` into the line where the name first appears.
fn join_headers(items: &[tera::Value]) -> Vec<tera::Value> {
    let field = |i: &tera::Value, k: &'static str| {
        i.as_map()
            .and_then(|m| m.get(&k.into()))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut out: Vec<(String, String, usize, tera::Value)> = Vec::new();
    for i in items {
        let name = field(i, "name");
        let value = field(i, "value");
        match out.iter_mut().find(|o| o.0.eq_ignore_ascii_case(&name)) {
            Some(o) => {
                o.1.push_str(", ");
                o.1.push_str(&value);
                o.2 += 1;
            }
            None => out.push((name, value, 1, i.clone())),
        }
    }
    out.into_iter()
        .map(|(name, value, count, first)| {
            let mut m = first.as_map().cloned().unwrap_or_default();
            m.insert("name".into(), name.into());
            m.insert("value".into(), value.into());
            m.insert("joined".into(), (count > 1).into());
            tera::Value::from(m)
        })
        .collect()
}

fn register(tera: &mut Tera) {
    tera.register_filter("sh", |x: &str, _: Kwargs, _: &State| escape::sh(x));
    tera.register_filter("sh_quote", |x: &str, _: Kwargs, _: &State| {
        escape::sh_quote(x)
    });
    tera.register_filter("py", |x: &str, _: Kwargs, _: &State| escape::py_str(x));
    tera.register_filter("js", |x: &str, _: Kwargs, _: &State| escape::js_str(x));
    tera.register_filter("js_key", |x: &str, _: Kwargs, _: &State| escape::js_key(x));
    tera.register_filter("rb", |x: &str, _: Kwargs, _: &State| escape::rb_str(x));
    tera.register_filter("json", |x: &str, _: Kwargs, _: &State| escape::json_str(x));
    tera.register_filter("py_literal", |x: &str, k: Kwargs, _: &State| {
        escape::py_literal(x, indent(&k)?).map_err(filter_err)
    });
    tera.register_filter("js_literal", |x: &str, k: Kwargs, _: &State| {
        let i = indent(&k)?;
        let at = k.get::<usize>("at")?.unwrap_or(i);
        let tail = k.get::<usize>("tail")?.unwrap_or(1);
        escape::js_literal(x, i, at, tail).map_err(filter_err)
    });
    tera.register_filter("json_pretty", |x: &str, _: Kwargs, _: &State| {
        escape::json_pretty(x).map_err(filter_err)
    });
    tera.register_filter("json_compact", |x: &str, _: Kwargs, _: &State| {
        escape::json_compact(x).map_err(filter_err)
    });
    tera.register_filter("urlencode", |x: &str, _: Kwargs, _: &State| {
        escape::urlencode(x)
    });
    tera.register_filter("httpie_item", |x: &str, _: Kwargs, _: &State| {
        escape::httpie_item(x)
    });
    tera.register_filter("httpie_value", |x: &str, _: Kwargs, _: &State| {
        escape::httpie_value(x)
    });
    tera.register_filter("curl_form_path", |x: &str, _: Kwargs, _: &State| {
        escape::curl_form_path(x)
    });
    tera.register_filter("basename", |x: &str, _: Kwargs, _: &State| {
        escape::basename(x).to_owned()
    });
    tera.register_filter("line", |x: &str, _: Kwargs, _: &State| escape::one_line(x));
    tera.register_filter("url_host", |x: &str, _: Kwargs, _: &State| {
        escape::url_host(x).to_string()
    });
    tera.register_filter("url_target", |x: &str, _: Kwargs, _: &State| {
        escape::url_target(x)
    });
    tera.register_function(
        "refuse",
        |k: Kwargs, _: &State| -> tera::TeraResult<String> {
            let reason: String = k.get("reason")?.unwrap_or_default();
            Err(tera::Error::message(format!("{REFUSED}{reason}")))
        },
    );
    // `fit(one=A, broken=B, at=N, width=W)`: A when each of its lines fits in W columns
    // (80 unless given; its first line starting at column N), else B; how a template
    // follows a formatter's line width (Prettier's, rustfmt's) where it would break a line.
    tera.register_function("fit", |k: Kwargs, _: &State| -> tera::TeraResult<String> {
        let one: String = k.must_get("one")?;
        let broken: String = k.must_get("broken")?;
        let at: usize = k.get("at")?.unwrap_or(0);
        let width: usize = k.get("width")?.unwrap_or(80);
        Ok(if fits(&one, at, width) { one } else { broken })
    });
    // `repeats(items=LIST)`: whether two items of a list of `{name, …}` have one name.
    tera.register_function(
        "repeats",
        |k: Kwargs, _: &State| -> tera::TeraResult<bool> {
            let items: Vec<tera::Value> = k.must_get("items")?;
            let names: Vec<String> = items
                .iter()
                .filter_map(|i| i.as_map()?.get(&"name".into()).map(ToString::to_string))
                .collect();
            Ok((1..names.len()).any(|i| names[..i].contains(&names[i])))
        },
    );
    // `join_headers(headers=req.headers)`: the headers with each repeated name's values
    // joined into its first line as `a, b` (the combined value RFC 9110 section 5.3
    // treats as equivalent), for clients that send one line per name; a joined header
    // has `joined: true`.
    tera.register_function(
        "join_headers",
        |k: Kwargs, _: &State| -> tera::TeraResult<Vec<tera::Value>> {
            let items: Vec<tera::Value> = k.must_get("headers")?;
            Ok(join_headers(&items))
        },
    );
    crate::language::register_filters(tera);
    tera.register_test("ascii", |x: &str, _: Kwargs, _: &State| escape::is_ascii(x));
    tera.register_test("httpie_exact", |x: &str, _: Kwargs, _: &State| {
        escape::httpie_exact(x)
    });
}

/// Metadata from a leading `{# docsnip: key="value" … #}` comment.
#[derive(Default, Debug)]
struct Metadata {
    title: Option<String>,
    fence: Option<String>,
    run: Option<Vec<String>>,
    ext: Option<String>,
}

impl Metadata {
    fn apply(self, lang: &mut Language) {
        if let Some(t) = self.title {
            lang.title = t;
        }
        if let Some(f) = self.fence {
            lang.fence = f;
        }
        if let Some(program) = self.run {
            let ext = self
                .ext
                .clone()
                .unwrap_or_else(|| format!(".{}", lang.name));
            lang.run = (!program.is_empty()).then(|| RunSpec::simple(&program, &ext));
        } else if let (Some(ext), Some(run)) = (self.ext, lang.run.as_ref()) {
            // A new extension for the built-in runner: the same command on the new file.
            let (program, _) = run.command.split_at(run.command.len() - 1);
            lang.run = Some(RunSpec::simple(program, &ext));
        }
    }
}

/// Parses the first comment of a template when it starts with `docsnip:`. Values are
/// double-quoted, with `\"` and `\\` escapes; `run` is split on whitespace.
fn parse_metadata(text: &str) -> Result<Metadata, String> {
    let mut meta = Metadata::default();
    let rest = text.trim_start_matches('\u{feff}').trim_start();
    let Some(rest) = rest
        .strip_prefix("{#")
        .map(|r| r.trim_start_matches('-').trim_start())
    else {
        return Ok(meta);
    };
    let Some(mut rest) = rest.strip_prefix("docsnip:") else {
        return Ok(meta);
    };
    loop {
        rest = rest.trim_start();
        if rest.starts_with("#}") || rest.starts_with("-#}") {
            return Ok(meta);
        }
        let key_len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .ok_or("unterminated comment")?;
        let key = &rest[..key_len];
        if key.is_empty() {
            return Err(format!("expected key=\"value\" at `{}`", snippet_of(rest)));
        }
        rest = rest[key_len..].trim_start();
        rest = rest
            .strip_prefix('=')
            .ok_or_else(|| format!("expected `=` after `{key}`"))?
            .trim_start();
        rest = rest
            .strip_prefix('"')
            .ok_or_else(|| format!("expected a double-quoted value for `{key}`"))?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next() {
                Some((i, '"')) => break i,
                Some((_, '\\')) => match chars.next() {
                    Some((_, c)) => value.push(c),
                    None => return Err(format!("unterminated value for `{key}`")),
                },
                Some((_, c)) => value.push(c),
                None => return Err(format!("unterminated value for `{key}`")),
            }
        };
        rest = &rest[end + 1..];
        match key {
            "title" => meta.title = Some(value),
            "fence" => meta.fence = Some(value),
            "run" => meta.run = Some(value.split_whitespace().map(str::to_owned).collect()),
            "ext" => {
                meta.ext = Some(if value.starts_with('.') || value.is_empty() {
                    value
                } else {
                    format!(".{value}")
                })
            }
            other => return Err(format!("unknown key `{other}` (title, fence, run, ext)")),
        }
    }
}

fn snippet_of(s: &str) -> &str {
    let end = s.char_indices().nth(20).map(|(i, _)| i).unwrap_or(s.len());
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Auth, Header, Pair, Part};

    fn req(method: &str, body: Body) -> Request {
        let mut headers = vec![Header {
            name: "Authorization".into(),
            value: "Token YOUR_AUTH_TOKEN".into(),
            implied: false,
        }];
        if let Body::Json { .. } = body {
            headers.push(Header {
                name: "Content-Type".into(),
                value: "application/json".into(),
                implied: true,
            });
        }
        Request {
            name: "Add Tracking".into(),
            method: method.into(),
            url: "https://api.example.com/orders/1/?page=2".into(),
            url_base: "https://api.example.com/orders/1/".into(),
            path: "/orders/1/".into(),
            query: vec![Pair::new("page", "2")],
            headers,
            auth: Auth::Header {
                name: "Authorization".into(),
                value: "Token YOUR_AUTH_TOKEN".into(),
            },
            body,
        }
    }

    fn json() -> Body {
        Body::Json {
            text: "{\n  \"a\": 1\n}".into(),
            lossless: true,
        }
    }

    fn all() -> Renderer {
        Renderer::new(None, &[]).unwrap()
    }

    #[test]
    fn builtins_render_every_body_kind() {
        let r = all();
        let names: Vec<&str> = r.languages().iter().map(|l| l.name.as_str()).collect();
        let builtin: Vec<String> = crate::language::builtins()
            .into_iter()
            .map(|s| s.name)
            .collect();
        assert_eq!(names, builtin);
        let bodies = [
            Body::None,
            json(),
            Body::Form {
                fields: vec![Pair::new("a", "b")],
            },
            Body::Multipart {
                parts: vec![
                    Part {
                        name: "f".into(),
                        value: None,
                        file: Some("data/x.csv".into()),
                        content_type: Some("text/csv".into()),
                    },
                    Part {
                        name: "n".into(),
                        value: Some("@x".into()),
                        file: None,
                        content_type: None,
                    },
                ],
            },
            Body::Raw { text: "raw".into() },
        ];
        for method in ["GET", "POST", "PUT", "HEAD", "DELETE"] {
            for body in &bodies {
                let req = req(method, body.clone());
                let ctx = Renderer::context(&req);
                for lang in r.languages() {
                    let out = match r.render_with(&lang.name, &ctx) {
                        Err(RenderError::Refused { .. }) => continue,
                        other => other.unwrap(),
                    };
                    assert!(out.ends_with('\n') && !out.ends_with("\n\n"), "{out}");
                    assert!(out.contains("Add Tracking"), "{out}");
                }
            }
        }
    }

    #[test]
    fn curl_uses_x_only_when_needed() {
        let r = all();
        let get = r.render("curl", &req("GET", Body::None)).unwrap();
        assert!(!get.contains("-X"), "{get}");
        let post = r.render("curl", &req("POST", json())).unwrap();
        assert!(!post.contains("-X"), "{post}");
        assert!(post.contains("--data-raw"), "{post}");
        let put = r.render("curl", &req("PUT", json())).unwrap();
        assert!(put.contains("-X PUT"), "{put}");
        let get_body = r.render("curl", &req("GET", json())).unwrap();
        assert!(get_body.contains("-X GET"), "{get_body}");
        let delete = r.render("curl", &req("DELETE", Body::None)).unwrap();
        assert!(delete.contains("-X DELETE"), "{delete}");
        let head = r.render("curl", &req("HEAD", Body::None)).unwrap();
        assert!(head.contains("--head") && !head.contains("-X"), "{head}");
    }

    #[test]
    fn languages_are_selected_and_ordered() {
        let r = Renderer::new(None, &["python".into(), "curl".into()]).unwrap();
        let names: Vec<&str> = r.languages().iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["python", "curl"]);
        assert_eq!(r.language("python").unwrap().fence, "python");
        assert_eq!(
            r.language("python").unwrap().run.as_ref().unwrap().command,
            ["python3", "snippet.py"]
        );
        assert!(r.render("node", &req("GET", Body::None)).is_err());
        let err = Renderer::new(None, &["crystal".into()]).err().unwrap();
        assert!(matches!(err, RenderError::UnknownLanguage { .. }));
        assert!(err.to_string().contains("crystal"));
    }

    #[test]
    fn template_dir_overrides_and_adds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("curl.tera"),
            "curl {{ req.url | sh }}\n\n\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("crystal.tera"),
            "{# docsnip: title=\"Crystal\" fence=\"crystal\" run=\"crystal run\" ext=\".cr\" #}\n\
             puts {{ req.method | py }}\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("bare.tera"), "{{ req.method }}").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let r = Renderer::new(Some(dir.path()), &[]).unwrap();
        let names: Vec<&str> = r.languages().iter().map(|l| l.name.as_str()).collect();
        let mut want: Vec<String> = crate::language::builtins()
            .into_iter()
            .map(|s| s.name)
            .collect();
        want.extend(["bare".to_string(), "crystal".to_string()]);
        assert_eq!(names, want);
        let crystal = r.language("crystal").unwrap();
        assert_eq!(crystal.title, "Crystal");
        assert_eq!(crystal.fence, "crystal");
        let run = crystal.run.as_ref().unwrap();
        assert_eq!(run.command, ["crystal", "run", "snippet.cr"]);
        assert_eq!(run.ext(), ".cr");
        let bare = r.language("bare").unwrap();
        assert_eq!((bare.title.as_str(), bare.fence.as_str()), ("bare", "bare"));
        assert!(bare.run.is_none());
        // The override keeps the built-in metadata.
        assert_eq!(r.language("curl").unwrap().title, "Curl");
        let req = req("GET", Body::None);
        assert_eq!(
            r.render("curl", &req).unwrap(),
            "curl 'https://api.example.com/orders/1/?page=2'\n"
        );
        assert_eq!(r.render("crystal", &req).unwrap(), "puts \"GET\"\n");
        assert_eq!(r.render("bare", &req).unwrap(), "GET\n");
    }

    #[test]
    fn syntax_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("curl.tera");
        std::fs::write(&path, "curl\n{% if req.url %}\n").unwrap();
        let err = Renderer::new(Some(dir.path()), &["curl".into()])
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(matches!(err, RenderError::Syntax { .. }), "{msg}");
        assert!(msg.contains(&path.display().to_string()), "{msg}");
    }

    #[test]
    fn render_error_names_template_and_variable() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.tera"), "{{ req.nope }}").unwrap();
        let r = Renderer::new(Some(dir.path()), &["x".into()]).unwrap();
        let err = r.render("x", &req("GET", Body::None)).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, RenderError::Render { .. }), "{msg}");
        assert!(msg.contains("x.tera") && msg.contains("nope"), "{msg}");
    }

    #[test]
    fn a_template_can_refuse_a_request_it_cannot_send() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x.tera"),
            "{% if req.method == \"GET\" %}{{ refuse(reason=\"x cannot send GET\") }}{% endif %}ok",
        )
        .unwrap();
        let r = Renderer::new(Some(dir.path()), &["x".into()]).unwrap();
        match r.render("x", &req("GET", Body::None)) {
            Err(RenderError::Refused { language, reason }) => {
                assert_eq!(
                    (language.as_str(), reason.as_str()),
                    ("x", "x cannot send GET")
                )
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(r.render("x", &req("POST", Body::None)).unwrap(), "ok\n");
    }

    #[test]
    fn metadata_comment() {
        let m = parse_metadata("{# docsnip: title=\"A \\\"q\\\"\" ext=\"rb\" #}x").unwrap();
        assert_eq!(m.title.as_deref(), Some("A \"q\""));
        assert_eq!(m.ext.as_deref(), Some(".rb"));
        assert!(
            parse_metadata("{# just a comment #}")
                .unwrap()
                .title
                .is_none()
        );
        assert!(parse_metadata("no comment").unwrap().title.is_none());
        assert!(parse_metadata("{# docsnip: title=x #}").is_err());
        assert!(parse_metadata("{# docsnip: colour=\"x\" #}").is_err());
        assert!(parse_metadata("{# docsnip: title=\"x #}").is_err());
    }
}
