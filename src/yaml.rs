//! The one place that knows YAML. Everything else sees a [`Node`] tree with positions.
//!
//! Parsing is done by serde-saphyr (pure Rust, maintained, rejects duplicate keys, and
//! bounds anchor/alias expansion with its budget). Each node keeps the byte offset where
//! it starts, so diagnostics can point at `LINE:COL`, and non-string scalars keep the
//! text they were written with (`1.10` stays `1.10`, `12345678901234567890123` stays
//! exact), which is what a query value or a JSON number must send.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// A parsed YAML value with the byte offset (into the parsed text) where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub offset: usize,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// A boolean, with the text it was written as (`true`, `yes`, …).
    Bool(bool, String),
    /// A number, as written in the source (`1.10`, `0x1f`, `1e3`).
    Number(String),
    String(String),
    Seq(Vec<Node>),
    /// A mapping in source order. Keys are nodes too, so they have positions.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// The scalar as text, the way a user would expect it sent: strings as they are,
    /// numbers and booleans as written, null as the empty string. `None` for
    /// sequences and mappings.
    pub fn scalar_text(&self) -> Option<&str> {
        match &self.value {
            Value::Null => Some(""),
            Value::Bool(_, raw) | Value::Number(raw) | Value::String(raw) => Some(raw),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// A short name of the node's kind, for messages.
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(..) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax or structure error, at a byte offset into the parsed text when known,
/// else at a 1-based line and column of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub message: String,
    pub line: usize,
    pub column: usize,
    pub offset: Option<usize>,
}

/// Parse one YAML document. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, Error> {
    let options = serde_saphyr::options! {
        // Front-matter is small; anything that expands past these is an attack or a
        // mistake, and must fail fast rather than eat memory (billion laughs).
        budget: serde_saphyr::budget! {
            max_aliases: 1_000,
            max_nodes: 200_000,
            max_total_scalar_bytes: 64 * 1024 * 1024,
            // Deserializing one level takes up to ~50 KiB of stack in a debug build
            // (the generic code is compiled in this crate), so deep nesting would
            // overflow a 2 MiB thread stack (rayon's, a test's) near 40 levels. 32 is
            // far more than any front-matter needs.
            max_depth: 32,
        },
        with_snippet: false,
        // YAML 1.2 booleans: `country: NO` is the string "NO", not false.
        strict_booleans: true,
    };
    let node: Option<Spanned<Raw>> =
        serde_saphyr::from_str_with_options(text, options).map_err(|e| to_error(&e))?;
    Ok(match node {
        Some(n) => finish(n, text),
        None => Node {
            offset: 0,
            value: Value::Null,
        },
    })
}

fn to_error(e: &serde_saphyr::Error) -> Error {
    let inner = e.without_snippet();
    let (line, column, offset) = match inner.location() {
        Some(loc) => (
            loc.line() as usize,
            loc.column() as usize,
            loc.span().byte_offset().map(|o| o as usize),
        ),
        None => (1, 1, None),
    };
    let mut message = inner.to_string();
    // serde-saphyr appends " at line L, column C"; we print positions ourselves.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    Error {
        message,
        line: line.max(1),
        column: column.max(1),
        offset,
    }
}

/// What serde-saphyr hands us, before raw scalar texts are recovered from the source.
#[derive(Debug)]
enum Raw {
    Null,
    Bool(bool),
    Number(f64),
    Int(String),
    String(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

fn finish(n: Spanned<Raw>, src: &str) -> Node {
    let offset = n
        .referenced
        .span()
        .byte_offset()
        .map(|o| o as usize)
        .unwrap_or(0);
    let value = match n.value {
        Raw::Null => Value::Null,
        Raw::String(s) => Value::String(s),
        Raw::Bool(b) => Value::Bool(
            b,
            raw_token(src, offset)
                .unwrap_or(if b { "true" } else { "false" })
                .to_string(),
        ),
        Raw::Int(s) => Value::Number(raw_token(src, offset).map(str::to_string).unwrap_or(s)),
        Raw::Number(f) => Value::Number(
            raw_token(src, offset)
                .map(str::to_string)
                .unwrap_or_else(|| f.to_string()),
        ),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| finish(i, src)).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (finish(k, src), finish(v, src)))
                .collect(),
        ),
    };
    Node { offset, value }
}

/// The plain-scalar token starting at `offset`: a number or boolean has no spaces, so it
/// runs to white space or a flow indicator. `None` when nothing sensible is there
/// (for instance a value that came through an alias).
fn raw_token(src: &str, offset: usize) -> Option<&str> {
    let rest = src.get(offset..)?;
    let end = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ']' | '}' | '#' | ':'))
        .unwrap_or(rest.len());
    let tok = &rest[..end];
    (!tok.is_empty() && !tok.starts_with(['*', '&', '!', '"', '\''])).then_some(tok)
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(b))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Int(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Int(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Int(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Number(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        String::from_utf8(v.to_vec())
            .map(Raw::String)
            .map_err(|_| E::custom("binary values are not supported"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Spanned<Raw>>()? {
            let v = map.next_value::<Spanned<Raw>>()?;
            entries.push((k, v));
        }
        Ok(Raw::Map(entries))
    }
}

/// The entries of a mapping node, checked against the keys a caller knows: an unknown
/// key is an error at the key, naming the known ones. `what` names the mapping in
/// messages (`request`, `auth scheme token`, …).
pub fn known_fields<'a>(
    node: &'a Node,
    what: &str,
    known: &[&str],
) -> Result<Vec<(&'a str, &'a Node)>, (usize, String)> {
    let Some(entries) = node.as_map() else {
        return Err((
            node.offset,
            format!("`{what}` must be a mapping, not {}", node.kind()),
        ));
    };
    let mut out = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        let Some(key) = k.scalar_text() else {
            return Err((k.offset, format!("a key under `{what}` must be text")));
        };
        if !known.contains(&key) {
            return Err((
                k.offset,
                format!(
                    "unknown key `{key}` under `{what}` (expected one of: {})",
                    known.join(", ")
                ),
            ));
        }
        out.push((key, v));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(n: &Node) -> Vec<(&str, &Node)> {
        n.as_map()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.scalar_text().unwrap(), v))
            .collect()
    }

    #[test]
    fn scalars_keep_their_text_and_offsets() {
        let src = "a: 1.10\nb: 12345678901234567890123\nc: True\nd: 'x'\ne:\nf: [1.50, 2]\n";
        let n = parse(src).unwrap();
        let m = map(&n);
        assert_eq!(m[0].1.value, Value::Number("1.10".into()));
        assert_eq!(m[0].1.offset, 3);
        assert_eq!(
            m[1].1.value,
            Value::Number("12345678901234567890123".into())
        );
        assert_eq!(m[2].1.value, Value::Bool(true, "True".into()));
        assert_eq!(m[3].1.value, Value::String("x".into()));
        assert_eq!(m[4].1.value, Value::Null);
        match &m[5].1.value {
            Value::Seq(items) => {
                assert_eq!(items[0].value, Value::Number("1.50".into()));
                assert_eq!(items[1].value, Value::Number("2".into()));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(n.as_map().unwrap()[1].0.offset, 8);
    }

    #[test]
    fn duplicate_keys_are_errors_with_a_position() {
        let e = parse("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, 3, "{e:?}");
        assert!(e.message.to_lowercase().contains("duplicate"), "{e:?}");
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1, "{e:?}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // Run where a page is parsed: on a thread with a 2 MiB stack.
        let outcome = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let block = |n: usize| {
                    (0..n)
                        .map(|i| format!("{}a:\n", "  ".repeat(i)))
                        .collect::<String>()
                };
                let flow = |n: usize| format!("a: {}{}\n", "[".repeat(n), "]".repeat(n));
                let mut out = Vec::new();
                for n in [20, 30] {
                    out.push(parse(&block(n)).is_ok());
                    out.push(parse(&flow(n)).is_ok());
                }
                for n in [34, 150, 400, 5000] {
                    out.push(parse(&block(n)).is_err());
                    out.push(parse(&flow(n)).is_err());
                }
                out
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(outcome.iter().all(|ok| *ok), "{outcome:?}");
    }

    #[test]
    fn alias_bombs_are_bounded() {
        let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            src.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        // Expanded, this is 10^12 scalars: an unbounded parser would never return. The
        // bound is a hang guard, not a timing assertion (it passes in milliseconds).
        let started = std::time::Instant::now();
        assert!(parse(&src).is_err());
        assert!(started.elapsed().as_secs() < 120);
    }
}
