//! R string literals for the httr template.
//!
//! | filter | result |
//! | --- | --- |
//! | `r` | a double-quoted R string literal whose value is exactly the text (UTF-8) |
//! | `r_text(indent=N)` | the same; a multi-line text as `paste0(…)` of one literal per line |
//! | `r_json(indent=N)` | a JSON text as one raw string `r"(…)"` (R 4.0+), so it reads as JSON; where the text holds a control or invisible character other than a line break, `r_text` |
//! | `r_comment` | one line of text for a `#` comment |
//!
//! and the test `r_nul` (R strings cannot hold a NUL character).

use std::fmt::Write as _;
use tera::{Kwargs, State, Tera};
use crate::escape::is_invisible;

pub fn register(tera: &mut Tera) {
    tera.register_filter("r", |x: &str, _: Kwargs, _: &State| r_str(x));
    tera.register_filter("r_text", |x: &str, k: Kwargs, _: &State| {
        Ok::<_, tera::Error>(r_text(x, k.get::<usize>("indent")?.unwrap_or(0)))
    });
    tera.register_filter("r_json", |x: &str, k: Kwargs, _: &State| {
        Ok::<_, tera::Error>(r_json(x, k.get::<usize>("indent")?.unwrap_or(0)))
    });
    tera.register_filter("r_comment", |x: &str, _: Kwargs, _: &State| r_comment(x));
    tera.register_test("r_nul", |x: &str, _: Kwargs, _: &State| x.contains('\0'));
}

/// A double-quoted R string literal whose value is exactly `s`. Printable characters
/// stay as they are (the snippet is UTF-8, read in a UTF-8 locale); `\` and `"` are
/// escaped, and controls and invisible characters are written `\u{XXXX}` (braced, so
/// no following hex digit is swallowed; `\x80`…`\xff` would be bytes, not characters).
/// A NUL cannot be written (R strings cannot hold one): the template refuses it.
pub fn r_str(s: &str) -> String {
    crate::escape::c_family_str(s, |out, c| {
        let _ = write!(out, "\\u{{{:04x}}}", c as u32);
    })
}

/// Like [`r_str`], but a multi-line text is `paste0(` one literal per line `)`, the
/// literals indented by `indent + 2` spaces and the closing parenthesis by `indent`.
pub fn r_text(s: &str, indent: usize) -> String {
    let lines: Vec<&str> = s.split_inclusive('\n').collect();
    if lines.len() <= 1 {
        return r_str(s);
    }
    let pad = " ".repeat(indent + 2);
    let mut out = String::from("paste0(\n");
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&pad);
        out.push_str(&r_str(l));
        out.push_str(if i + 1 < lines.len() { ",\n" } else { "\n" });
    }
    out.push_str(&" ".repeat(indent));
    out.push(')');
    out
}

/// A JSON text as an R raw string `r"(…)"` whose value is exactly `s`, so the body reads
/// as the JSON it sends; dashes (`r"-(…)-"`) are added until the closing `)"` does not
/// occur in the text. A text with a control or invisible character other than `\n`
/// (which a raw string would carry unseen) is written as [`r_text`] instead.
pub fn r_json(s: &str, indent: usize) -> String {
    if s.chars().any(|c| c != '\n' && is_invisible(c)) || !s.contains('\n') {
        return r_text(s, indent);
    }
    let mut dashes = String::new();
    while s.contains(&format!("){dashes}\"")) {
        dashes.push('-');
    }
    format!("r\"{dashes}({s}){dashes}\"")
}

/// `s` on one line for a `#` comment: controls and invisible characters become spaces.
pub fn r_comment(s: &str) -> String {
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
        assert_eq!(r_str("a\"b\\c'"), r#""a\"b\\c'""#);
        assert_eq!(r_str("\u{2028}1\u{85}"), r#""\u{2028}1\u{0085}""#);
        assert_eq!(r_str("é😀"), "\"é😀\"");
        assert_eq!(
            r_text("{\n  \"a\": 1\n}", 2),
            "paste0(\n    \"{\\n\",\n    \"  \\\"a\\\": 1\\n\",\n    \"}\"\n  )"
        );
        assert_eq!(r_comment("a\u{2028}b\nc"), "a b c");
        assert_eq!(r_json("{\n  \"a\": 1\n}", 2), "r\"({\n  \"a\": 1\n})\"");
        assert_eq!(r_json("[\n  \"a)\"\n]", 2), "r\"-([\n  \"a)\"\n])-\"");
        assert_eq!(
            r_json("[\n  \"a)\",\n  \"b)-\"\n]", 2),
            "r\"--([\n  \"a)\",\n  \"b)-\"\n])--\""
        );
        assert_eq!(r_json("[\n  \"\u{2028}\"\n]", 0), r_text("[\n  \"\u{2028}\"\n]", 0));
    }

    /// Hostile values parsed by Rscript and written back as UTF-8, byte for byte.
    #[test]
    fn rscript_reads_the_literals_back() {
        let values = [
            "plain %s `x` $HOME",
            "q\"uo'te \\ back\\ r\"(x)\"",
            "\u{1}\u{7}\u{8}\u{b}\u{c}\u{1b}\u{7f}\u{85}\u{9b}0123",
            "\u{2028}\u{2029}\u{feff}\u{200b}\u{202e}\u{a0}Ab",
            "é ß 中 € ÿ Ω 😀 𝄞 🦀 \u{10ffff} \u{1f1e6}",
            "line\nbreak\r\n\ttab # not a comment",
            "\\u{41}\\x41 \\",
            "{\n  \"a\": \"x)\\\")-\\\" é\\\\\",\n  \"b\": [1, 2.5]\n}",
            "[\n  \"a)\",\n  \"b)-\"\n]",
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut src = String::from("values <- c(\n");
        for (i, v) in values.iter().enumerate() {
            let sep = if i + 1 < values.len() { "," } else { "" };
            src.push_str(&format!("  {},\n  {}{sep}\n", r_text(v, 2), r_json(v, 2)));
        }
        src.push_str(
            ")\nout <- file(\"out.bin\", \"wb\")\nfor (v in values) writeBin(c(charToRaw(enc2utf8(v)), as.raw(0)), out)\nclose(out)\n",
        );
        std::fs::write(dir.path().join("t.R"), &src).unwrap();
        let out = Command::new("Rscript")
            .arg("t.R")
            .env("LC_ALL", "C.UTF-8")
            .current_dir(dir.path())
            .output()
            .expect("Rscript runs (apt-get install r-base-core)");
        assert!(
            out.status.success(),
            "{}\n{src}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut want = Vec::new();
        for v in values {
            for _ in 0..2 {
                want.extend_from_slice(v.as_bytes());
                want.push(0);
            }
        }
        assert_eq!(std::fs::read(dir.path().join("out.bin")).unwrap(), want, "{src}");
    }
}
