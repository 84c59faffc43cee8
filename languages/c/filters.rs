//! C string literals for the libcurl template.
//!
//! | filter | result |
//! | --- | --- |
//! | `c` | a C string literal whose bytes are exactly the UTF-8 of the value |
//! | `c_text(indent=N)` | the same, split after each line break into adjacent literals, one per line |
//! | `c_comment` | one line of text for a `/* … */` comment |
//! | `c_size` | the length of the value in bytes (UTF-8) |
//!
//! and the test `c_nul` (the value holds a NUL byte, so C's strlen would cut it short).

use tera::{Kwargs, State, Tera};
use crate::escape::is_invisible;

pub fn register(tera: &mut Tera) {
    tera.register_filter("c", |x: &str, _: Kwargs, _: &State| c_str(x));
    tera.register_filter("c_text", |x: &str, k: Kwargs, _: &State| {
        Ok::<_, tera::Error>(c_text(x, k.get::<usize>("indent")?.unwrap_or(0)))
    });
    tera.register_filter("c_comment", |x: &str, _: Kwargs, _: &State| c_comment(x));
    tera.register_filter("c_size", |x: &str, _: Kwargs, _: &State| x.len());
    tera.register_test("c_nul", |x: &str, _: Kwargs, _: &State| x.contains('\0'));
}

/// Appends the body of a C string literal for `s` (no quotes). Printable characters,
/// non-ASCII ones included, stay as they are (the file is UTF-8 and GCC, Clang and
/// MSVC with /utf-8 keep the bytes); `\` and `"` are escaped; a `?` after a `?` is
/// written `\?` so that no trigraph (`??/`, `??=`, …) forms under `-std=c89/c99`;
/// controls and invisible characters are written as their UTF-8 bytes in three-digit
/// octal escapes (`\342\200\250`), which, unlike `\x`, never swallow a following digit.
fn push_body(out: &mut String, s: &str) {
    let mut prev = '\0';
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '?' if prev == '?' => out.push_str("\\?"),
            c if is_invisible(c) => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{b:03o}"));
                }
            }
            c => out.push(c),
        }
        prev = c;
    }
}

/// A C string literal whose bytes are exactly the UTF-8 of `s` (a NUL byte is written
/// `\000`; the template passes the length where one can occur).
pub fn c_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    push_body(&mut out, s);
    out.push('"');
    out
}

/// Like [`c_str`], but a multi-line text is written as adjacent literals, one line of
/// text per source line, each continuation line indented by `indent` spaces (the
/// compiler joins adjacent literals).
pub fn c_text(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    if lines.len() <= 1 {
        return c_str(s);
    }
    let sep = format!("\n{}", " ".repeat(indent));
    lines
        .iter()
        .map(|l| c_str(l))
        .collect::<Vec<_>>()
        .join(&sep)
}

/// `s` on one line for a `/* … */` comment: controls and invisible characters become
/// spaces, and `*/` cannot end the comment early.
pub fn c_comment(s: &str) -> String {
    let line: String = s
        .chars()
        .map(|c| if is_invisible(c) { ' ' } else { c })
        .collect();
    line.replace("*/", "* /")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn literals() {
        assert_eq!(c_str("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(c_str("??=x?"), r#""?\?=x?""#);
        assert_eq!(c_str("\u{2028}1"), r#""\342\200\2501""#);
        assert_eq!(c_str("\u{1}7\n"), r#""\0017\n""#);
        assert_eq!(c_str("é😀"), "\"é😀\"");
        assert_eq!(c_text("{\n  \"a\": 1\n}", 4), "\"{\\n\"\n    \"  \\\"a\\\": 1\\n\"\n    \"}\"");
        assert_eq!(c_text("one line", 4), "\"one line\"");
        assert_eq!(c_comment("a */ b\nc"), "a * / b c");
    }

    /// Hostile values compiled by gcc in strict C99 (trigraphs on) and printed back
    /// byte for byte.
    #[test]
    fn gcc_reads_the_literals_back() {
        let values = [
            "plain",
            "q\"uo'te \\ back\\",
            "??/ ??= ??' ??( ??! ???",
            "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9b}0123",
            "\u{2028}\u{2029}\u{feff}\u{200b}\u{202e}\u{a0}",
            "é ß 中 € ÿ Ω 😀 𝄞 🦀 \u{10ffff} \u{1f1e6}",
            "line\nbreak\r\n\ttab %s %n $HOME `x`",
            "\\x41\\101 \\",
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut src = String::from("#include <stdio.h>\nint main(void)\n{\n");
        for v in values {
            src.push_str(&format!(
                "    fputs({}, stdout);\n    putchar(0);\n",
                c_text(v, 8)
            ));
        }
        src.push_str("    return 0;\n}\n");
        let file = dir.path().join("t.c");
        std::fs::write(&file, &src).unwrap();
        let exe = dir.path().join("t");
        let out = Command::new("gcc")
            .args(["-std=c99", "-pedantic", "-Wall", "-Wextra", "-Werror", "-o"])
            .arg(&exe)
            .arg(&file)
            .output()
            .expect("gcc runs (apt-get install gcc)");
        assert!(out.status.success(), "{}\n{src}", String::from_utf8_lossy(&out.stderr));
        let out = Command::new(&exe).output().unwrap();
        let mut want = Vec::new();
        for v in values {
            want.extend_from_slice(v.as_bytes());
            want.push(0);
        }
        assert_eq!(out.stdout, want, "{src}");
    }
}
