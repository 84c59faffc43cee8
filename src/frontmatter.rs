//! The typed endpoint a page's front-matter describes, with positions for diagnostics.
//!
//! Only the keys docsnip reads are interpreted; every other top-level key is the site's
//! business and is left alone. Under `request:` every key is checked.

use crate::yaml::{self, Node, Value};

/// A value and the byte offset (into the page) it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct At<T> {
    pub value: T,
    pub offset: usize,
}

/// A problem found in the front-matter, at a byte offset into the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub offset: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Endpoint {
    pub title: Option<At<String>>,
    pub name: Option<String>,
    pub method: Option<At<String>>,
    /// `base_url:`: this page's (or this request's) host, overriding the config's.
    pub base_url: Option<At<String>>,
    /// Offset of the `right_code` key, when the page has one.
    pub right_code_key: Option<usize>,
    pub request: Option<RequestSpec>,
    /// `snippets: false` opts a page out.
    pub snippets: bool,
}

impl Endpoint {
    /// A page is an endpoint page when it has a non-empty `method:` or a `request:`.
    pub fn is_endpoint(&self) -> bool {
        self.snippets
            && (self.request.is_some()
                || self
                    .method
                    .as_ref()
                    .is_some_and(|m| !m.value.trim().is_empty()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodySpec {
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
    Multipart(Vec<PartSpec>),
    Raw(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartSpec {
    pub name: String,
    pub value: Option<String>,
    pub file: Option<String>,
    pub content_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct RequestSpec {
    pub offset: usize,
    pub path: Option<At<String>>,
    pub params: Vec<(String, At<String>)>,
    pub query: Vec<(At<String>, At<String>)>,
    pub headers: Vec<(At<String>, At<String>)>,
    pub cookies: Vec<(At<String>, At<String>)>,
    pub auth: Option<At<String>>,
    pub body: Option<At<BodySpec>>,
    pub content_type: Option<At<String>>,
}

const REQUEST_KEYS: [&str; 11] = [
    "path",
    "params",
    "query",
    "headers",
    "cookies",
    "auth",
    "json",
    "form",
    "multipart",
    "body",
    "content_type",
];

/// Interpret the parsed front-matter. `base` is the page offset of the YAML text, so
/// every position comes out as a page offset.
pub fn interpret(root: &Node, base: usize) -> Result<Endpoint, Vec<Problem>> {
    let mut ep = Endpoint {
        snippets: true,
        ..Endpoint::default()
    };
    let mut problems = Vec::new();
    let at = |n: &Node| n.offset + base;
    let Some(entries) = root.as_map() else {
        if root.value == Value::Null {
            return Ok(ep);
        }
        return Err(vec![Problem {
            offset: at(root),
            message: format!("front-matter must be a mapping, not {}", root.kind()),
        }]);
    };
    for (k, v) in entries {
        match k.scalar_text() {
            Some("title") => {
                ep.title = v.scalar_text().map(|t| At {
                    value: t.to_string(),
                    offset: at(v),
                })
            }
            Some("name") => ep.name = v.scalar_text().map(str::to_string),
            Some("method") => match v.scalar_text() {
                Some(m) => {
                    ep.method = Some(At {
                        value: m.to_string(),
                        offset: at(v),
                    })
                }
                None => problems.push(Problem {
                    offset: at(v),
                    message: format!("`method` must be text, not {}", v.kind()),
                }),
            },
            Some("base_url") => match text(v, "base_url", base) {
                Ok(b) if b.value.starts_with("http://") || b.value.starts_with("https://") => {
                    ep.base_url = Some(b)
                }
                Ok(b) => problems.push(Problem {
                    offset: b.offset,
                    message: format!(
                        "`base_url` must be an http:// or https:// URL, not `{}`",
                        b.value
                    ),
                }),
                Err(p) => problems.push(p),
            },
            Some("right_code") => ep.right_code_key = Some(at(k)),
            Some("snippets") => match v.value {
                Value::Bool(b, _) => ep.snippets = b,
                _ => problems.push(Problem {
                    offset: at(v),
                    message: "`snippets` must be true or false".into(),
                }),
            },
            Some("request") => match request(v, base) {
                Ok(r) => ep.request = Some(r),
                Err(mut p) => problems.append(&mut p),
            },
            _ => {}
        }
    }
    if problems.is_empty() {
        Ok(ep)
    } else {
        Err(problems)
    }
}

fn text(n: &Node, what: &str, base: usize) -> Result<At<String>, Problem> {
    n.scalar_text()
        .map(|t| At {
            value: t.to_string(),
            offset: n.offset + base,
        })
        .ok_or_else(|| Problem {
            offset: n.offset + base,
            message: format!("`{what}` must be text, not {}", n.kind()),
        })
}

type Pairs = Vec<(At<String>, At<String>)>;

/// `name: value` pairs in order; a list value repeats the name.
fn pairs(n: &Node, what: &str, base: usize) -> Result<Pairs, Problem> {
    let entries = n.as_map().ok_or_else(|| Problem {
        offset: n.offset + base,
        message: format!(
            "`{what}` must be a mapping of names to values, not {}",
            n.kind()
        ),
    })?;
    let mut out = Vec::new();
    for (k, v) in entries {
        let name = text(k, &format!("{what} name"), base)?;
        match &v.value {
            Value::Seq(items) => {
                for item in items {
                    out.push((
                        name.clone(),
                        text(item, &format!("{what}.{}", name.value), base)?,
                    ));
                }
            }
            _ => out.push((
                name.clone(),
                text(v, &format!("{what}.{}", name.value), base)?,
            )),
        }
    }
    Ok(out)
}

fn request(n: &Node, base: usize) -> Result<RequestSpec, Vec<Problem>> {
    let mut spec = RequestSpec {
        offset: n.offset + base,
        ..RequestSpec::default()
    };
    if n.value == Value::Null {
        return Ok(spec);
    }
    let fields = yaml::known_fields(n, "request", &REQUEST_KEYS).map_err(|(o, m)| {
        vec![Problem {
            offset: o + base,
            message: m,
        }]
    })?;
    let mut problems = Vec::new();
    for (key, v) in fields {
        let result: Result<(), Problem> = (|| {
            let body = |b: BodySpec| -> Option<At<BodySpec>> {
                Some(At {
                    value: b,
                    offset: v.offset + base,
                })
            };
            let new_body = match key {
                "path" => {
                    spec.path = Some(text(v, key, base)?);
                    None
                }
                "params" => {
                    spec.params = pairs(v, key, base)?
                        .into_iter()
                        .map(|(k, v)| (k.value, v))
                        .collect();
                    None
                }
                "query" => {
                    spec.query = pairs(v, key, base)?;
                    None
                }
                "headers" => {
                    spec.headers = pairs(v, key, base)?;
                    None
                }
                "cookies" => {
                    spec.cookies = pairs(v, key, base)?;
                    None
                }
                "auth" => {
                    spec.auth = Some(text(v, key, base)?);
                    None
                }
                "content_type" => {
                    spec.content_type = Some(text(v, key, base)?);
                    None
                }
                "json" => body(BodySpec::Json(to_json(v, base)?)),
                "form" => body(BodySpec::Form(
                    pairs(v, key, base)?
                        .into_iter()
                        .map(|(k, v)| (k.value, v.value))
                        .collect(),
                )),
                "multipart" => body(BodySpec::Multipart(parts(v, base)?)),
                "body" => body(BodySpec::Raw(text(v, key, base)?.value)),
                _ => unreachable!("known_fields checked the key"),
            };
            if let Some(b) = new_body {
                if let Some(first) = &spec.body {
                    return Err(Problem {
                        offset: b.offset,
                        message: format!(
                            "a request has one body, but this page gives both `{}` and `{key}`",
                            body_key(&first.value)
                        ),
                    });
                }
                spec.body = Some(b);
            }
            Ok(())
        })();
        if let Err(p) = result {
            problems.push(p);
        }
    }
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

fn body_key(b: &BodySpec) -> &'static str {
    match b {
        BodySpec::Json(_) => "json",
        BodySpec::Form(_) => "form",
        BodySpec::Multipart(_) => "multipart",
        BodySpec::Raw(_) => "body",
    }
}

fn parts(n: &Node, base: usize) -> Result<Vec<PartSpec>, Problem> {
    let Value::Seq(items) = &n.value else {
        return Err(Problem {
            offset: n.offset + base,
            message: "`multipart` must be a list of parts such as `{ name: note, value: hi }`"
                .into(),
        });
    };
    let mut out = Vec::new();
    for item in items {
        let fields = yaml::known_fields(
            item,
            "multipart part",
            &["name", "value", "file", "content_type"],
        )
        .map_err(|(o, m)| Problem {
            offset: o + base,
            message: m,
        })?;
        let mut part = PartSpec {
            name: String::new(),
            value: None,
            file: None,
            content_type: None,
        };
        let mut has_name = false;
        for (k, v) in fields {
            let t = text(v, &format!("multipart {k}"), base)?.value;
            match k {
                "name" => {
                    part.name = t;
                    has_name = true;
                }
                "value" => part.value = Some(t),
                "file" => part.file = Some(t),
                _ => part.content_type = Some(t),
            }
        }
        let problem = if !has_name {
            Some("a multipart part needs a `name`")
        } else if part.value.is_some() == part.file.is_some() {
            Some("a multipart part needs exactly one of `value` and `file`")
        } else {
            None
        };
        if let Some(message) = problem {
            return Err(Problem {
                offset: item.offset + base,
                message: message.into(),
            });
        }
        out.push(part);
    }
    Ok(out)
}

/// A YAML value as JSON: key order kept, numbers exactly as written where JSON can
/// write them that way.
pub fn to_json(n: &Node, base: usize) -> Result<serde_json::Value, Problem> {
    use serde_json::Value as J;
    Ok(match &n.value {
        Value::Null => J::Null,
        Value::Bool(b, _) => J::Bool(*b),
        Value::String(s) => J::String(s.clone()),
        Value::Number(raw) => J::Number(json_number(raw).ok_or_else(|| Problem {
            offset: n.offset + base,
            message: format!("`{raw}` has no JSON form (JSON numbers are finite decimals)"),
        })?),
        Value::Seq(items) => J::Array(
            items
                .iter()
                .map(|i| to_json(i, base))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(entries) => {
            let mut m = serde_json::Map::new();
            for (k, v) in entries {
                let key = k.scalar_text().ok_or_else(|| Problem {
                    offset: k.offset + base,
                    message: "a JSON object key must be text".into(),
                })?;
                m.insert(key.to_string(), to_json(v, base)?);
            }
            J::Object(m)
        }
    })
}

/// A YAML number's text as a JSON number, kept verbatim when it is already valid JSON.
fn json_number(raw: &str) -> Option<serde_json::Number> {
    if let Ok(n) = raw.parse::<serde_json::Number>() {
        return Some(n);
    }
    let t = raw.replace('_', "");
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let sign = if neg { "-" } else { "" };
    let radix = [("0x", 16), ("0o", 8), ("0b", 2)]
        .iter()
        .find_map(|(p, r)| digits.strip_prefix(p).map(|d| (d, *r)));
    if let Some((d, r)) = radix {
        let v = u128::from_str_radix(d, r).ok()?;
        return format!("{sign}{v}").parse().ok();
    }
    // `.5`, `5.`, `+5`, `007`: plain decimals JSON spells differently.
    let f: f64 = digits.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    let mut s = digits.to_string();
    if s.starts_with('.') {
        s.insert(0, '0');
    }
    if s.ends_with('.') {
        s.push('0');
    }
    let s = s.replace(".e", ".0e").replace(".E", ".0E");
    let trimmed = s.trim_start_matches('0');
    let s = if trimmed.is_empty() || trimmed.starts_with(['.', 'e', 'E']) {
        format!("0{trimmed}")
    } else {
        trimmed.to_string()
    };
    format!("{sign}{s}").parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(src: &str) -> Result<Endpoint, Vec<Problem>> {
        interpret(&yaml::parse(src).unwrap(), 0)
    }

    #[test]
    fn reads_an_endpoint() {
        let e = ep("title: /a/{id}\nname: A\nmethod: post\nposition: 5.2\nrequest:\n  params: { id: 7 }\n  query: { page: 2, s: [a, b] }\n  headers: { X-A: '1' }\n  json: { a: 1.50, b: [true, null] }\n").unwrap();
        assert!(e.is_endpoint());
        let r = e.request.unwrap();
        assert_eq!(r.params[0].1.value, "7");
        let q: Vec<_> = r
            .query
            .iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str()))
            .collect();
        assert_eq!(q, [("page", "2"), ("s", "a"), ("s", "b")]);
        match r.body.unwrap().value {
            BodySpec::Json(v) => assert_eq!(
                serde_json::to_string(&v).unwrap(),
                r#"{"a":1.50,"b":[true,null]}"#
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_endpoints() {
        assert!(!ep("title: Authentication\n").unwrap().is_endpoint());
        assert!(!ep("method: ''\n").unwrap().is_endpoint());
        assert!(!ep("method: get\nsnippets: false\n").unwrap().is_endpoint());
        assert!(ep("request:\n").unwrap().is_endpoint());
    }

    #[test]
    fn errors_point_at_the_key() {
        let src = "method: get\nrequest:\n  bdy: x\n";
        let p = ep(src).unwrap_err();
        assert_eq!(p[0].offset, src.find("bdy").unwrap());
        assert!(p[0].message.contains("unknown key `bdy`"));
        let src = "request:\n  json: {}\n  form: { a: b }\n";
        let p = ep(src).unwrap_err();
        assert_eq!(p[0].offset, src.find("{ a").unwrap());
        assert!(p[0].message.contains("`json` and `form`"), "{p:?}");
    }

    #[test]
    fn yaml_numbers_in_json() {
        for (yaml, json) in [
            ("12345678901234567890123", "12345678901234567890123"),
            ("0x1f", "31"),
            ("+5", "5"),
            (".5", "0.5"),
            ("-0.0", "-0.0"),
            ("1e3", "1e+3"),
        ] {
            assert_eq!(
                json_number(yaml).map(|n| n.to_string()).as_deref(),
                Some(json),
                "{yaml}"
            );
        }
        assert!(json_number(".inf").is_none());
    }
}
