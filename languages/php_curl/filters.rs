//! PHP escaping, shared by `php_curl` and `guzzle` (registered once, here):
//!
//! | filter | result |
//! | --- | --- |
//! | `php` | a PHP string literal: single-quoted, or double-quoted with escapes when the text holds a control, format or line-separator character |
//! | `php_literal(indent=N)` | JSON text as a PHP value for `json_encode`: arrays, `(object) [...]` where an array would not stay a JSON object |
//! | `php_text(marker=M)` | multi-line text as a nowdoc (`<<<'M'` … `M`) when that is exact, else `php` |
//! | `php_line` | one line for a `//` comment (`?>` would leave PHP mode) |
//! | `header_groups` | `req.headers` as `[{name, values}]`, one entry per name (case-insensitively, the first spelling, in first-seen order): for clients that take a map of header lists |

use std::fmt::Write as _;

use serde_json::Value;
use tera::{Kwargs, State, Tera};

use crate::escape::{is_invisible, one_line};

pub fn register(tera: &mut Tera) {
    tera.register_filter("php", |x: &str, _: Kwargs, _: &State| php_str(x));
    tera.register_filter("php_literal", |x: &str, k: Kwargs, _: &State| {
        let indent = k.get::<usize>("indent")?.unwrap_or(0);
        php_literal(x, indent).map_err(|e| tera::Error::message(format!("invalid JSON: {e}")))
    });
    tera.register_filter("php_text", |x: &str, k: Kwargs, _: &State| {
        let marker = k.get::<&str>("marker")?.unwrap_or("TEXT").to_string();
        Ok::<String, tera::Error>(php_text(x, &marker))
    });
    tera.register_filter("php_line", |x: &str, _: Kwargs, _: &State| php_line(x));
    tera.register_filter("header_groups", |x: &[tera::Value], _: Kwargs, _: &State| {
        let field = |v: &tera::Value, f: &str| -> String {
            v.get_from_path(f)
                .and_then(|s| s.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let pairs: Vec<(String, String)> = x
            .iter()
            .map(|h| (field(h, "name"), field(h, "value")))
            .collect();
        header_groups(&pairs)
            .iter()
            .map(tera::Value::from_serializable)
            .collect::<Vec<_>>()
    });
}

/// One header name and every value it has, in order.
#[derive(Debug, PartialEq, Eq, serde::Serialize)]
pub struct HeaderGroup {
    pub name: String,
    pub values: Vec<String>,
}

/// Headers grouped by name, case-insensitively (HTTP header names are), in the order
/// each name first appears, with its first spelling; values keep their order.
pub fn header_groups(headers: &[(String, String)]) -> Vec<HeaderGroup> {
    let mut out: Vec<HeaderGroup> = Vec::new();
    for (name, value) in headers {
        match out.iter_mut().find(|g| g.name.eq_ignore_ascii_case(name)) {
            Some(g) => g.values.push(value.clone()),
            None => out.push(HeaderGroup {
                name: name.clone(),
                values: vec![value.clone()],
            }),
        }
    }
    out
}

/// A PHP string literal whose value is exactly `s`. Single quotes (where only `\\` and
/// `\'` are escapes and nothing is interpolated) when every character is visible;
/// otherwise double quotes, with `\\`, `\"`, `\$` and the invisible characters written
/// as `\n`, `\r`, `\t`, `\xNN` (ASCII) or `\u{NNNN}` (PHP 7+, written as UTF-8).
pub fn php_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    if !s.chars().any(is_invisible) {
        out.push('\'');
        for c in s.chars() {
            if c == '\\' || c == '\'' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push('\'');
        return out;
    }
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => {
                let n = c as u32;
                if n < 0x80 {
                    let _ = write!(out, "\\x{n:02x}");
                } else {
                    let _ = write!(out, "\\u{{{n:04x}}}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Multi-line `s` as a nowdoc (`<<<'MARKER'`, the lines, `MARKER`: no escapes, no
/// interpolation), which reads like the text itself; [`php_str`] when a nowdoc would
/// not be exact: a single line, a character [`php_str`] would escape (other than a line
/// feed), or a line that PHP 7.3+ would read as the closing marker (the marker after
/// optional white space, not followed by an identifier character).
pub fn php_text(s: &str, marker: &str) -> String {
    let ends = |line: &str| {
        line.trim_start_matches([' ', '\t'])
            .strip_prefix(marker)
            .is_some_and(|rest| {
                !rest
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
            })
    };
    let exact = s.contains('\n')
        && !s.chars().any(|c| c != '\n' && is_invisible(c))
        && !s.split('\n').any(ends)
        && !marker.is_empty()
        && marker.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    if exact {
        format!("<<<'{marker}'\n{s}\n{marker}")
    } else {
        php_str(s)
    }
}

/// One line of comment text: invisible characters become spaces, and `?>` (which ends
/// a `//` comment and PHP mode) becomes `? >`.
pub fn php_line(s: &str) -> String {
    one_line(s).replace("?>", "? >")
}

/// `json` (JSON text) as a PHP value that `json_encode` turns back into the same JSON:
/// objects are `['key' => value]` arrays, one entry per line (`indent` is the column
/// the value starts at; four spaces per level), arrays are lists, numbers are written
/// as in the JSON (a PHP int or float literal), strings [`php_str`]. An object that is
/// empty or has an integer-like key (PHP would make the key an int, and `0, 1, …`
/// keys would encode as a JSON list) is written `(object) [...]`.
pub fn php_literal(json: &str, indent: usize) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    literal(&v, indent, &mut out);
    Ok(out)
}

/// Whether PHP turns the array key `k` into an integer (a canonical decimal integer).
fn int_like(k: &str) -> bool {
    let digits = k.strip_prefix('-').unwrap_or(k);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" && k == "0" || !digits.starts_with('0'))
}

fn literal(v: &Value, col: usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // With `arbitrary_precision` this is the number's text as written, which is
        // valid PHP number syntax (a negative one is `-` applied to a literal).
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => out.push_str(&php_str(s)),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for item in items {
                push_indent(out, col + 4);
                literal(item, col + 4, out);
                out.push_str(",\n");
            }
            push_indent(out, col);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() || map.keys().any(|k| int_like(k)) {
                out.push_str("(object) ");
            }
            if map.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push_str("[\n");
            for (k, item) in map {
                push_indent(out, col + 4);
                out.push_str(&php_str(k));
                out.push_str(" => ");
                literal(item, col + 4, out);
                out.push_str(",\n");
            }
            push_indent(out, col);
            out.push(']');
        }
    }
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Runs `code` with `php -r` and returns its output; a missing PHP fails the test
    /// naming what to install.
    fn php(code: &str) -> Vec<u8> {
        let out = Command::new("php")
            .args(["-n", "-d", "serialize_precision=-1", "-r", code])
            .output()
            .unwrap_or_else(|e| panic!("php: {e} (install: apt-get install php-cli)"));
        assert!(
            out.status.success(),
            "php failed: {}\n{code}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "it's \"quoted\" \\ \\' \\\\",
        "$HOME {$x} ${y} \\$z",
        "tab\tnew\nline\rcr \u{0} \u{7} \u{1b} \u{7f}",
        "\u{85} \u{9b} \u{a0} \u{ad} \u{200b} \u{2028} \u{2029} \u{202e} \u{feff}",
        "é 中 € 😀 𝄞 \u{10ffff} \u{1f1e6}",
        "?> <?php echo 1; // /* */ #",
        "\\u{41} \\x41 \\101",
    ];

    #[test]
    fn php_strings_are_exact() {
        let mut code = String::new();
        for s in HOSTILE {
            code.push_str(&format!("echo bin2hex({}), \"\\n\";\n", php_str(s)));
        }
        let out = String::from_utf8(php(&code)).unwrap();
        let got: Vec<&str> = out.lines().collect();
        let want: Vec<String> = HOSTILE
            .iter()
            .map(|s| s.bytes().map(|b| format!("{b:02x}")).collect())
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn visible_text_stays_single_quoted_and_invisible_is_escaped() {
        assert_eq!(php_str("it's $x"), "'it\\'s $x'");
        assert_eq!(php_str("a\nb$"), "\"a\\nb\\$\"");
        assert_eq!(php_str("\u{2028}"), "\"\\u{2028}\"");
        assert_eq!(php_str("\u{1}"), "\"\\x01\"");
    }

    #[test]
    fn nowdocs_are_exact_or_not_used() {
        let cases = [
            "{\n  \"a\": \"it's $x \\\\ {$y}\"\n}",
            "a\n\n",
            "\nJSON_X\n JSONx\n",
            "one line",
            "a\nJSON\nb",
            "a\n  JSON;\n",
            "a\r\nb",
            "a\u{2028}\nb",
        ];
        let mut code = String::new();
        for s in cases {
            code.push_str(&format!(
                "$v = {};\necho bin2hex($v), \"\\n\";\n",
                php_text(s, "JSON")
            ));
        }
        let out = String::from_utf8(php(&code)).unwrap();
        let got: Vec<&str> = out.lines().collect();
        let want: Vec<String> = cases
            .iter()
            .map(|s| s.bytes().map(|b| format!("{b:02x}")).collect())
            .collect();
        assert_eq!(got, want, "{code}");
        assert!(php_text(cases[0], "JSON").starts_with("<<<'JSON'\n"));
        assert!(php_text(cases[2], "JSON").starts_with("<<<"));
        for s in &cases[3..] {
            assert!(php_text(s, "JSON").starts_with(['\'', '"']), "{s:?}");
        }
    }

    #[test]
    fn headers_group_by_name_case_insensitively() {
        let h = |n: &str, v: &str| (n.to_string(), v.to_string());
        let groups = header_groups(&[h("X-Tag", "1"), h("A", "a"), h("x-tag", "2")]);
        assert_eq!(
            groups,
            [
                HeaderGroup {
                    name: "X-Tag".into(),
                    values: vec!["1".into(), "2".into()]
                },
                HeaderGroup {
                    name: "A".into(),
                    values: vec!["a".into()]
                },
            ]
        );
    }

    #[test]
    fn comments_cannot_leave_php_mode() {
        assert_eq!(php_line("a ?> b\nc"), "a ? > b c");
    }

    #[test]
    fn php_literals_encode_back_to_the_same_json() {
        let cases = [
            r#"{"a": 1, "b": [1, 2.5, -0.0, 1.5e-300, 6.02e23], "c": null, "d": true}"#,
            r#"{}"#,
            r#"[]"#,
            r#"{"0": "a", "1": "b"}"#,
            r#"{"-1": {}, "01": [], "-0": "x", "": ""}"#,
            r#"[{"k": [{}]}, "x"]"#,
            r#"{"it's": "\"$x\" \\ \n \u2028 😀"}"#,
        ];
        for json in cases {
            let lit = php_literal(json, 0).unwrap();
            let out = php(&format!("echo json_encode({lit});"));
            let want: Value = serde_json::from_str(json).unwrap();
            let got: Value = serde_json::from_slice(&out)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out)));
            assert_eq!(
                serde_json::to_string(&strip_numbers(&got)).unwrap(),
                serde_json::to_string(&strip_numbers(&want)).unwrap(),
                "{json} -> {lit}"
            );
        }
    }

    /// Numbers as f64 (the literal goes through a PHP float or int; the cases are
    /// exact in both).
    fn strip_numbers(v: &Value) -> Value {
        match v {
            Value::Number(n) => {
                let f: f64 = n.to_string().parse().unwrap();
                serde_json::json!(if f == 0.0 { 0.0 } else { f })
            }
            Value::Array(a) => Value::Array(a.iter().map(strip_numbers).collect()),
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), strip_numbers(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}
