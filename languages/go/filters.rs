//! Go escaping:
//!
//! | filter | result |
//! | --- | --- |
//! | `go` | a Go interpreted string literal (`"…"`) |
//! | `go_text` | multi-line text as a raw string literal (`` `…` ``) when that is exact, else `go` |
//! | `go_method` | `http.MethodGet` and friends for the standard methods, else a `go` literal |

use std::fmt::Write as _;

use tera::{Kwargs, State, Tera};

use crate::escape::is_invisible;

pub fn register(tera: &mut Tera) {
    tera.register_filter("go", |x: &str, _: Kwargs, _: &State| go_str(x));
    tera.register_filter("go_text", |x: &str, _: Kwargs, _: &State| go_text(x));
    tera.register_filter("go_method", |x: &str, _: Kwargs, _: &State| go_method(x));
}

/// A Go interpreted string literal whose value is exactly `s` (as UTF-8 bytes):
/// `\\`, `\"`, `\n`, `\r`, `\t`, and the other invisible characters as `\xNN` (ASCII)
/// or `\uNNNN`; everything else as itself (Go source is UTF-8).
pub fn go_str(s: &str) -> String {
    crate::escape::c_family_str(s, |out, c| {
        let n = c as u32;
        if n < 0x80 {
            let _ = write!(out, "\\x{n:02x}");
        } else {
            let _ = write!(out, "\\u{n:04x}");
        }
    })
}

/// Multi-line `s` as a raw string literal, which shows the text as it is; [`go_str`]
/// when that would not be exact or readable: a single line, a backquote (it ends the
/// literal), a carriage return (Go drops it from raw strings) or another invisible
/// character.
pub fn go_text(s: &str) -> String {
    let raw = s.contains('\n')
        && !s.contains('`')
        && !s.chars().any(|c| c != '\n' && c != '\t' && is_invisible(c));
    if raw { format!("`{s}`") } else { go_str(s) }
}

/// The `net/http` constant for a standard method, else the method as a string.
pub fn go_method(m: &str) -> String {
    let name = match m {
        "GET" => "Get",
        "HEAD" => "Head",
        "POST" => "Post",
        "PUT" => "Put",
        "PATCH" => "Patch",
        "DELETE" => "Delete",
        "CONNECT" => "Connect",
        "OPTIONS" => "Options",
        "TRACE" => "Trace",
        _ => return go_str(m),
    };
    format!("http.Method{name}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "it's \"quoted\" \\ \\\" `tick`",
        "tab\tnew\nline\rcr \u{0} \u{7} \u{1b} \u{7f}",
        "\u{85} \u{9b} \u{a0} \u{ad} \u{200b} \u{2028} \u{2029} \u{202e} \u{feff}",
        "é 中 € 😀 𝄞 \u{10ffff} \u{1f1e6}",
        "\\u0041 \\x41 %s %v",
        "{\n  \"a\": \"b\"\n}",
        "line\nwith `tick`",
        "line\r\nbreak",
    ];

    /// Compiles and runs a Go program printing every literal as hex; a missing Go
    /// fails the test naming what to install.
    #[test]
    fn go_literals_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let mut code = String::from("package main\n\nimport \"fmt\"\n\nfunc main() {\n");
        for s in HOSTILE {
            let _ = writeln!(code, "\tfmt.Printf(\"%x\\n\", {})", go_str(s));
            let _ = writeln!(code, "\tfmt.Printf(\"%x\\n\", {})", go_text(s));
        }
        code.push_str("}\n");
        std::fs::write(dir.path().join("main.go"), &code).unwrap();
        let out = Command::new("go")
            .args(["run", "main.go"])
            .current_dir(dir.path())
            .output()
            .unwrap_or_else(|e| panic!("go: {e} (install: apt-get install golang-go)"));
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
    fn raw_strings_only_where_exact() {
        assert_eq!(go_text("{\n  \"a\": 1\n}"), "`{\n  \"a\": 1\n}`");
        assert_eq!(go_text("a`b\nc"), "\"a`b\\nc\"");
        assert_eq!(go_text("one"), "\"one\"");
        assert_eq!(go_method("GET"), "http.MethodGet");
        assert_eq!(go_method("PURGE"), "\"PURGE\"");
    }
}
