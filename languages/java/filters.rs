//! Java escaping:
//!
//! | filter | result |
//! | --- | --- |
//! | `java` | a Java string literal (`"…"`) |
//! | `java_text(indent=N)` | multi-line text as a text block (`"""`), its lines indented by `N` spaces, when that is exact; else `java` |
//! | `java_line` | one line for a `//` comment |
//!
//! javac turns `\uXXXX` into its character before it reads anything else, even in a
//! comment: every backslash these write is doubled (an escaped backslash cannot start
//! a Unicode escape), and comments double theirs too.

use std::fmt::Write as _;

use tera::{Kwargs, State, Tera};

use crate::escape::{is_invisible, one_line};

pub fn register(tera: &mut Tera) {
    tera.register_filter("java", |x: &str, _: Kwargs, _: &State| java_str(x));
    tera.register_filter("java_text", |x: &str, k: Kwargs, _: &State| {
        let indent = k.get::<usize>("indent")?.unwrap_or(0);
        Ok::<String, tera::Error>(java_text(x, indent))
    });
    tera.register_filter("java_line", |x: &str, _: Kwargs, _: &State| java_line(x));
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_invisible(c) => {
            let n = c as u32;
            if n <= 0xff {
                // Always three octal digits, so a following digit is not read into it.
                let _ = write!(out, "\\{n:03o}");
            } else {
                let _ = write!(out, "\\u{n:04x}");
            }
        }
        c => out.push(c),
    }
}

/// A Java string literal whose value is exactly `s`: `\\`, `\"`, `\n`, `\r`, `\t`,
/// other invisible characters as octal (up to U+00FF) or `\uXXXX` escapes; everything
/// else as itself (the source is UTF-8).
pub fn java_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    out.push('"');
    out
}

/// Multi-line `s` as a text block whose lines are indented by `indent` spaces (javac
/// strips that common indentation) and which ends right after the text. Characters
/// are escaped as in [`java_str`] (text blocks read the same escapes) except line feeds,
/// which end lines, and `"`, which stays as it is unless the text holds `"""` or ends
/// with `"`. A space that javac would strip (at the end of a line) or count as
/// indentation (at the start of every line) is written `\040`. A single line is a
/// [`java_str`].
pub fn java_text(s: &str, indent: usize) -> String {
    if !s.contains('\n') {
        return java_str(s);
    }
    let quotes = s.contains("\"\"\"") || s.ends_with('"');
    let mut lines: Vec<String> = s
        .split('\n')
        .map(|line| {
            let mut body = String::with_capacity(line.len());
            for c in line.chars() {
                if c == '"' && !quotes {
                    body.push('"');
                } else {
                    push_escaped(&mut body, c);
                }
            }
            if body.ends_with(' ') {
                body.pop();
                body.push_str("\\040");
            }
            body
        })
        .collect();
    // Blank lines do not count for the common indentation; the others must not all
    // start with a space, or javac would strip it too.
    if lines
        .iter()
        .filter(|l| !l.is_empty())
        .all(|l| l.starts_with(' '))
        && let Some(first) = lines.iter_mut().find(|l| !l.is_empty())
    {
        first.replace_range(..1, "\\040");
    }
    let pad = " ".repeat(indent);
    let mut out = String::from("\"\"\"");
    for line in &lines {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(line);
    }
    out.push_str("\"\"\"");
    out
}

/// One line of comment text: invisible characters become spaces and backslashes are
/// doubled (so `\u000a` cannot end the comment).
pub fn java_line(s: &str) -> String {
    one_line(s).replace('\\', "\\\\")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "it's \"quoted\" \\ \\\" \\u0041 \\\\u0041 \\u000a",
        "tab\tnew\nline\rcr \u{0}1 \u{7}9 \u{1b} \u{7f} \u{8} \u{c}",
        "\u{85} \u{9b} \u{a0} \u{ad} \u{200b} \u{2028} \u{2029} \u{202e} \u{feff}",
        "é 中 € 😀 𝄞 \u{10ffff} \u{1f1e6}",
        "{\n  \"a\": \"b \\\" \\\\ \\n \\u0007\",\n  \"c\": [1, 2]\n}",
        "a\n\"\"\"\nb",
        "x\n  ",
        " a\n  b",
        "a \n b \n",
        "\n",
        "a\n\n\"",
        "{\n  \"s\": \"ls\u{2028}ps \u{7} \\u0007\"\n}",
        "\t x\n\r\n",
    ];

    /// Compiles and runs a Java program printing every literal as hex; a missing JDK
    /// fails the test naming what to install.
    #[test]
    fn java_literals_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut code = format!(
            "// {}\npublic class Main {{\n    static void hex(String s) {{\n        StringBuilder b = new StringBuilder();\n        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) b.append(String.format(\"%02x\", x));\n        System.out.println(b);\n    }}\n\n    public static void main(String[] args) {{\n",
            java_line("comment \\u000a hex(\"pwned\"); \\\\u000a")
        );
        for s in HOSTILE {
            let _ = writeln!(code, "        hex({});", java_str(s));
            let _ = writeln!(code, "        hex({});", java_text(s, 12));
        }
        code.push_str("    }\n}\n");
        std::fs::write(dir.path().join("Main.java"), &code).unwrap();
        let out = Command::new("java")
            .args(["-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8", "Main.java"])
            .current_dir(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("java: {e} (install: apt-get install openjdk-17-jdk-headless)"));
        assert!(
            out.status.success(),
            "{}\n{code}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = String::from_utf8(out.stdout).unwrap();
        let got: Vec<&str> = out.lines().collect();
        let want: Vec<String> = HOSTILE
            .iter()
            .flat_map(|s| {
                let hex: String = s.bytes().map(|b| format!("{b:02x}")).collect();
                [hex.clone(), hex]
            })
            .collect();
        assert_eq!(got, want, "{code}");
    }

    #[test]
    fn text_blocks_only_where_exact() {
        assert_eq!(
            java_text("{\n  \"a\": \"\\n\"\n}", 4),
            "\"\"\"\n    {\n      \"a\": \"\\\\n\"\n    }\"\"\""
        );
        assert!(java_text("one line", 4).starts_with("\"o"));
        assert_eq!(java_text("a\n\"\"\"", 0), "\"\"\"\na\n\\\"\\\"\\\"\"\"\"");
        assert_eq!(java_text(" a \n b", 0), "\"\"\"\n\\040a\\040\n b\"\"\"");
        assert_eq!(java_line("a\\u000a\nb"), "a\\\\u000a b");
    }
}
