//! Ruby literals: `ruby` writes a double-quoted string literal whose value is exactly
//! the input (the same policy as Python's and JavaScript's: printable characters as
//! they are, control, format and line-separator characters as escapes, and `#` escaped
//! where it would start an interpolation); `ruby_literal(indent=N)` writes JSON text as
//! a Ruby value (hashes with string keys, arrays, `nil`/`true`/`false`, numbers as
//! written).

use std::fmt::Write as _;

use serde_json::Value;
use tera::{Kwargs, State, Tera};

/// A double-quoted Ruby string literal whose value is exactly `s`.
pub fn ruby_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_str(&mut out, s);
    out
}

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            // `#{`, `#$` and `#@` interpolate in a double-quoted literal.
            '#' if matches!(chars.peek(), Some('{' | '$' | '@')) => out.push_str("\\#"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::escape::is_invisible(c) => {
                let n = c as u32;
                if n < 0x80 {
                    let _ = write!(out, "\\x{n:02X}");
                } else {
                    let _ = write!(out, "\\u{{{n:X}}}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// JSON text as a Ruby value literal, nested values one per line, indented by two
/// spaces per level, with no comma after the last (RuboCop's default); `indent` is the column the literal starts at.
pub fn ruby_literal(json: &str, indent: usize) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    literal(&v, indent, &mut out);
    Ok(out)
}

fn literal(v: &Value, col: usize, out: &mut String) {
    let pad = |out: &mut String, n: usize| out.extend(std::iter::repeat_n(' ', n));
    match v {
        Value::Null => out.push_str("nil"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        // JSON number syntax is Ruby number syntax; an integer stays an exact Integer.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_str(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                pad(out, col + 2);
                literal(item, col + 2, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            pad(out, col);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (k, item)) in map.iter().enumerate() {
                pad(out, col + 2);
                push_str(out, k);
                out.push_str(" => ");
                literal(item, col + 2, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            pad(out, col);
            out.push('}');
        }
    }
}

pub fn register(tera: &mut Tera) {
    // net/http writes a multipart part's name into its header line as it is.
    tera.register_test("ruby_line_break", |x: &str, _: Kwargs, _: &State| {
        x.contains(['\r', '\n'])
    });
    tera.register_filter("ruby", |x: &str, _: Kwargs, _: &State| ruby_str(x));
    tera.register_filter("ruby_literal", |x: &str, k: Kwargs, _: &State| {
        let indent = k.get::<usize>("indent")?.unwrap_or(0);
        ruby_literal(x, indent).map_err(|e| tera::Error::message(format!("invalid JSON: {e}")))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_only_what_ruby_reads_specially() {
        assert_eq!(ruby_str("plain é 😀"), "\"plain é 😀\"");
        assert_eq!(ruby_str("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(ruby_str("#{x} #$y #@z #x"), "\"\\#{x} \\#$y \\#@z #x\"");
        assert_eq!(ruby_str("\n\r\t\u{1}\u{7f}"), "\"\\n\\r\\t\\x01\\x7F\"");
        assert_eq!(
            ruby_str("\u{85}\u{2028}\u{feff}"),
            "\"\\u{85}\\u{2028}\\u{FEFF}\""
        );
    }

    #[test]
    fn json_becomes_a_ruby_value() {
        let text = r#"{"a": [1, 2.50, -0, 1e5, 12345678901234567890123], "b": {"c": null, "d": true}, "": {}, "e": []}"#;
        assert_eq!(
            ruby_literal(text, 2).unwrap(),
            "{\n    \"a\" => [\n      1,\n      2.50,\n      -0,\n      1e+5,\n      12345678901234567890123\n    ],\n    \"b\" => {\n      \"c\" => nil,\n      \"d\" => true\n    },\n    \"\" => {},\n    \"e\" => []\n  }"
        );
        assert!(ruby_literal("{", 0).is_err());
    }

    /// Hostile strings and a JSON value, run through `ruby`: each must come back as
    /// exactly the same bytes (a missing Ruby fails the test, naming what to install).
    #[test]
    fn ruby_reads_back_the_exact_bytes() {
        let hostile = [
            "it's \"quoted\" \\ \\\\ \\\"",
            "#{`touch pwned`} #$0 #@x #",
            "$(touch pwned) `x` %s %d {0}",
            "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9b}\n\r\t",
            "\u{2028}\u{2029}\u{feff}\u{200b}\u{202e}\u{a0}",
            "😀𝄞🦀\u{10ffff}\u{1f1e6} é中€",
            "@/etc/passwd",
            "--verbose",
        ];
        let mut program = String::from("$stdout.binmode\n");
        for s in hostile {
            let _ = writeln!(program, "$stdout.write({}, \"\\x00\")", ruby_str(s));
        }
        let json = r##"{"k\"#{x}": ["v\u2028", 1.5, null, {"n": 12345678901234567890}]}"##;
        let _ = writeln!(
            program,
            "require \"json\"\n$stdout.write(JSON.generate({}))",
            ruby_literal(json, 0).unwrap()
        );
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t.rb");
        std::fs::write(&file, &program).unwrap();
        let out = std::process::Command::new("ruby")
            .arg(&file)
            .output()
            .expect("ruby runs (apt-get install ruby)");
        assert!(
            out.status.success(),
            "{}\n{program}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut want = Vec::new();
        for s in hostile {
            want.extend_from_slice(s.as_bytes());
            want.push(0);
        }
        let (strings, rest) = out.stdout.split_at(want.len());
        assert_eq!(strings, &want[..], "{program}");
        let got: Value = serde_json::from_slice(rest).unwrap();
        assert_eq!(got, serde_json::from_str::<Value>(json).unwrap());
    }
}
