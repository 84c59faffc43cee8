//! Rust string literals for the reqwest template.
//!
//! | filter | result |
//! | --- | --- |
//! | `rs` | a Rust string literal (`"…"`) whose value is exactly the text |
//! | `rs_text` | a multi-line text as a raw string literal (`r#"…"#`) when it can be one, else as `rs` |
//! | `rs_comment` | one line of text for a `//` comment |
//!
//! and the tests `rs_plain_name` and `rs_quotable` (multipart names, see below).

use std::fmt::Write as _;
use tera::{Kwargs, State, Tera};
use crate::escape::is_invisible;

pub fn register(tera: &mut Tera) {
    tera.register_filter("rs", |x: &str, _: Kwargs, _: &State| rs_str(x));
    tera.register_filter("rs_text", |x: &str, _: Kwargs, _: &State| rs_text(x));
    tera.register_filter("rs_comment", |x: &str, _: Kwargs, _: &State| {
        rs_comment(x)
    });
    tera.register_test("rs_plain_name", |x: &str, _: Kwargs, _: &State| {
        rs_plain_name(x)
    });
    tera.register_test("rs_quotable", |x: &str, _: Kwargs, _: &State| {
        rs_quotable(x)
    });
}

/// Whether reqwest's multipart form sends `name` as `name="…"` by default: it
/// percent-encodes a name holding a non-ASCII, control, space or one of `"<>`#?{}/%`,
/// and then sends it as `name*=utf-8''…`, which RFC 7578 forbids.
pub fn rs_plain_name(name: &str) -> bool {
    name.bytes().all(|b| {
        (0x21..0x7f).contains(&b) && !b"\"<>`#?{}/%".contains(&b)
    })
}

/// Whether a multipart name can be sent as is with `percent_encode_noop()` (between
/// quotes, unescaped): no `"` and no control character.
pub fn rs_quotable(name: &str) -> bool {
    !name.chars().any(|c| c == '"' || c.is_control())
}

/// A Rust string literal whose value is exactly `s`: `\` and `"` escaped, `\n`, `\r`,
/// `\t`, and `\u{…}` for other controls and invisible characters; printable
/// characters as they are (the file is UTF-8).
pub fn rs_str(s: &str) -> String {
    crate::escape::c_family_str(s, |out, c| {
        let _ = write!(out, "\\u{{{:x}}}", c as u32);
    })
}

/// A text that spans lines as a raw string literal, `r#"…"#` with as many `#` as it
/// takes, so JSON reads as JSON; a one-line text, or one holding a control or
/// invisible character other than the line breaks, as [`rs_str`].
pub fn rs_text(s: &str) -> String {
    if !s.contains('\n') || s.chars().any(|c| c != '\n' && is_invisible(c)) {
        return rs_str(s);
    }
    let mut hashes = 1;
    while s.contains(&format!("\"{}", "#".repeat(hashes))) {
        hashes += 1;
    }
    let h = "#".repeat(hashes);
    format!("r{h}\"{s}\"{h}")
}

/// `s` on one line for a `//` comment: controls and invisible characters become spaces.
pub fn rs_comment(s: &str) -> String {
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
        assert_eq!(rs_str("a\"b\\c{}"), r#""a\"b\\c{}""#);
        assert_eq!(rs_str("\u{2028}1\u{85}\0"), r#""\u{2028}1\u{85}\u{0}""#);
        assert_eq!(rs_text("{\n  \"a\": \"#\"\n}"), "r##\"{\n  \"a\": \"#\"\n}\"##");
        assert_eq!(rs_text("a\r\nb"), r#""a\r\nb""#);
        assert_eq!(rs_text("one"), r#""one""#);
        assert_eq!(rs_comment("a\u{2028}b\nc"), "a b c");
        assert!(rs_plain_name("file-1_x.y") && !rs_plain_name("a b") && !rs_plain_name("é"));
        assert!(rs_quotable("a b é") && !rs_quotable("say \"hi\"") && !rs_quotable("a\r\n"));
    }

    /// Hostile values compiled by rustc and written back, byte for byte.
    #[test]
    fn rustc_reads_the_literals_back() {
        let values = [
            "plain {} {{ %s $HOME",
            "q\"uo'te \\ back\\ r#\"x\"# \"##",
            "\u{0}\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9b}0123",
            "\u{2028}\u{2029}\u{feff}\u{200b}\u{202e}\u{a0}Ab",
            "é ß 中 € ÿ Ω 😀 𝄞 🦀 \u{10ffff} \u{1f1e6}",
            "line\nbreak\r\n\ttab */ //",
            "{\n  \"a\": \"#\\n\"\n}\n",
            "\\u{41}\\x41 \\",
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut src = String::from("use std::io::Write;\n\nfn main() {\n    let values = [\n");
        for v in values {
            src.push_str(&format!("        {},\n", rs_text(v)));
        }
        src.push_str(
            "    ];\n    let mut out = std::io::stdout();\n    for v in values {\n        out.write_all(v.as_bytes()).unwrap();\n        out.write_all(b\"\\0\").unwrap();\n    }\n}\n",
        );
        std::fs::write(dir.path().join("t.rs"), &src).unwrap();
        let out = Command::new("rustc")
            .args(["--edition", "2021", "-D", "warnings", "-o", "t", "t.rs"])
            .current_dir(dir.path())
            .output()
            .expect("rustc runs");
        assert!(
            out.status.success(),
            "{}\n{src}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = Command::new(dir.path().join("t")).output().unwrap();
        let mut want = Vec::new();
        for v in values {
            want.extend_from_slice(v.as_bytes());
            want.push(0);
        }
        assert_eq!(out.stdout, want, "{src}");
    }
}
