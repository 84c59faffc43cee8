//! C# string literals for the HttpClient template.
//!
//! | filter | result |
//! | --- | --- |
//! | `cs` | a regular C# string literal whose value is exactly the text |
//! | `cs_text(indent=N)` | the same, split after each line break into literals joined by `+`, one per line |
//! | `cs_json(indent=N)` | a JSON text as one verbatim literal `@"…"` (quotes doubled), so it reads as JSON; where the text holds a control or invisible character other than a line break, `cs_text` |
//! | `cs_comment` | one line of text for a `//` comment |
//!
//! and the tests `cs_quotable` and `cs_uri_exact` (see [`cs_quotable`], [`cs_uri_exact`]).

use std::fmt::Write as _;
use tera::{Kwargs, State, Tera};
use crate::escape::is_invisible;

pub fn register(tera: &mut Tera) {
    tera.register_filter("cs", |x: &str, _: Kwargs, _: &State| cs_str(x));
    tera.register_filter("cs_text", |x: &str, k: Kwargs, _: &State| {
        Ok::<_, tera::Error>(cs_text(x, k.get::<usize>("indent")?.unwrap_or(0)))
    });
    tera.register_filter("cs_json", |x: &str, k: Kwargs, _: &State| {
        Ok::<_, tera::Error>(cs_json(x, k.get::<usize>("indent")?.unwrap_or(0)))
    });
    tera.register_filter("cs_comment", |x: &str, _: Kwargs, _: &State| {
        cs_comment(x)
    });
    tera.register_test("cs_quotable", |x: &str, _: Kwargs, _: &State| {
        cs_quotable(x)
    });
    tera.register_test("cs_uri_exact", |x: &str, _: Kwargs, _: &State| {
        cs_uri_exact(x)
    });
}

/// Whether System.Uri keeps the URL `url` (percent-encoded) as it is: it removes the
/// bidirectional formatting characters U+200E, U+200F and U+202A–U+202E, even
/// percent-encoded.
pub fn cs_uri_exact(url: &str) -> bool {
    let bytes = url.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            decoded.push((h * 16 + l) as u8);
            i += 3;
            continue;
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    !String::from_utf8_lossy(&decoded)
        .chars()
        .any(|c| matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}'))
}

/// Whether HttpClient writes `s` unchanged as a quoted multipart name or file name:
/// printable ASCII without `"` or `\` (it MIME-encodes non-ASCII text as
/// `=?utf-8?B?…?=`, rejects inner quotes, and passes line breaks into the header).
pub fn cs_quotable(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

/// A regular (not verbatim) C# string literal whose value is exactly `s`. Printable
/// characters stay as they are (the file is UTF-8); `\` and `"` are escaped, and
/// controls and invisible characters are written `\uXXXX` (fixed length, unlike
/// `\x`, so a following hex digit is never swallowed).
pub fn cs_str(s: &str) -> String {
    crate::escape::c_family_str(s, |out, c| {
        let _ = write!(out, "\\u{:04X}", c as u32);
    })
}

/// A JSON text as a C# verbatim string literal `@"…"` whose value is exactly `s`: every
/// byte as written but `"`, which is doubled, so the body reads as the JSON it sends. A
/// text with a control or invisible character other than `\n` (which a verbatim literal
/// would carry unseen) is written as [`cs_text`] instead.
pub fn cs_json(s: &str, indent: usize) -> String {
    if s.chars().any(|c| c != '\n' && is_invisible(c)) || !s.contains('\n') {
        return cs_text(s, indent);
    }
    format!("@\"{}\"", s.replace('"', "\"\""))
}

/// Like [`cs_str`], but a multi-line text is written as literals joined by `+`, one
/// line of text per source line, continuation lines indented by `indent` spaces.
pub fn cs_text(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    if lines.len() <= 1 {
        return cs_str(s);
    }
    let sep = format!(" +\n{}", " ".repeat(indent));
    lines
        .iter()
        .map(|l| cs_str(l))
        .collect::<Vec<_>>()
        .join(&sep)
}

/// `s` on one line for a `//` comment: controls, line-ending and invisible characters
/// become spaces.
pub fn cs_comment(s: &str) -> String {
    s.chars()
        .map(|c| if is_invisible(c) { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn literals() {
        assert_eq!(cs_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(cs_str("\u{2028}1\u{85}"), r#""\u20281\u0085""#);
        assert_eq!(cs_str("é😀{0}"), "\"é😀{0}\"");
        assert_eq!(cs_text("{\n  \"a\": 1\n}", 4), "\"{\\n\" +\n    \"  \\\"a\\\": 1\\n\" +\n    \"}\"");
        assert_eq!(cs_comment("a\u{2028}b\nc"), "a b c");
        assert_eq!(cs_json("{\n  \"a\": 1\n}", 4), "@\"{\n  \"\"a\"\": 1\n}\"");
        assert_eq!(cs_json("[\n\"\u{2028}\"\n]", 4), cs_text("[\n\"\u{2028}\"\n]", 4));
        assert!(cs_quotable("file name.csv"));
        assert!(cs_uri_exact("https://a.example/x%E2%80%8By?q=%41"));
        assert!(!cs_uri_exact("https://a.example/hostile/%E2%80%AE/end"));
        assert!(!cs_uri_exact("https://a.example/?q=%e2%80%8f"));
        assert!(!cs_quotable("say \"hi\"") && !cs_quotable("né") && !cs_quotable("a\r\n"));
    }

    /// Hostile values compiled by mcs and written back as UTF-8, byte for byte.
    #[test]
    fn mcs_reads_the_literals_back() {
        let values = [
            "plain {0} {{",
            "q\"uo'te \\ back\\ @\"x\"",
            "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9b}0123 \u{0}end",
            "\u{2028}\u{2029}\u{feff}\u{200b}\u{202e}\u{a0}Ab",
            "é ß 中 € ÿ Ω 😀 𝄞 🦀 \u{10ffff} \u{1f1e6}",
            "line\nbreak\r\n\ttab %s $HOME `x` */ //",
            "\\u0041\\x41 \\",
            "{\n  \"a\": \"x \\\" \\\\ {0} é\",\n  \"b\": [1, 2.5]\n}",
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut src = String::from(
            "using System;\nusing System.Text;\n\nclass Program\n{\n    static void Main()\n    {\n        var stdout = Console.OpenStandardOutput();\n        string[] values = {\n",
        );
        for v in values {
            src.push_str(&format!(
                "            {},\n            {},\n",
                cs_text(v, 12),
                cs_json(v, 12)
            ));
        }
        src.push_str(
            "        };\n        foreach (var v in values)\n        {\n            var bytes = new UTF8Encoding(false).GetBytes(v + \"\\0\");\n            stdout.Write(bytes, 0, bytes.Length);\n        }\n    }\n}\n",
        );
        std::fs::write(dir.path().join("t.cs"), &src).unwrap();
        let out = Command::new("mcs")
            .args(["-warnaserror", "-out:t.exe", "t.cs"])
            .current_dir(dir.path())
            .output()
            .expect("mcs runs (apt-get install mono-mcs)");
        assert!(
            out.status.success(),
            "{}{}\n{src}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new("mono")
            .arg("t.exe")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let mut want = Vec::new();
        for v in values {
            for _ in 0..2 {
                want.extend_from_slice(v.as_bytes());
                want.push(0);
            }
        }
        assert_eq!(out.stdout, want, "{src}");
    }
}
