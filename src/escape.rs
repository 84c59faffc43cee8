//! Escaping for every target the templates write: bash words, Python and JavaScript
//! literals, JSON, and the small item syntaxes of curl (`-F`) and HTTPie (`k=v`).
//!
//! Every function here is total over `&str` (no input makes it produce invalid
//! source), except the JSON converters, which fail on text that is not JSON.
//! The renderer exposes them as Tera filters and tests (see [`crate::render`]).

use serde_json::Value;
use std::fmt::Write as _;

/// A bash (and zsh) word for `s`: `s` itself when it is made only of characters that
/// no shell treats specially, else `s` quoted by [`sh_quote`]. A NUL cannot be passed
/// in a command argument at all; it is kept as is.
pub fn sh(s: &str) -> String {
    let plain = !s.is_empty()
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'%' | b'+' | b','
                )
        });
    if plain { s.to_owned() } else { sh_quote(s) }
}

/// Whether a character is written as an ANSI-C byte escape (`$'\xe2\x80\xa8'`) in a
/// bash word rather than raw: CR, NEL (U+0085), U+2028 and U+2029, which YAML 1.1
/// parsers (Psych in Jekyll, PyYAML) read as line breaks and which would end a
/// `right_code` block scalar; what YAML does not allow at all (control characters but
/// tab and line feed, U+FFFE, U+FFFF); and the bidirectional controls, which would
/// reorder how the command reads. Other characters (emoji with joiners, accents) stay
/// as they are.
pub fn sh_escaped(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c,
            '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}' | '\u{61c}' | '\u{200e}' | '\u{200f}'
            | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` always quoted, for arguments that read better quoted, such as URLs and `-H`
/// values: in single quotes (`'` written `'\''`), which keep every byte literal
/// (newlines, `$`, backticks, `!`, backslashes). Characters that [`sh_escaped`] are
/// written as ANSI-C quoted byte escapes next to the single-quoted parts
/// (`'a'$'\xe2\x80\xa8''b'`): bash reads back the same bytes in any locale (`\xHH` is
/// one byte; `\uXXXX` would depend on the locale).
pub fn sh_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    let mut rest = s;
    loop {
        let plain = rest.find(sh_escaped).unwrap_or(rest.len());
        if plain > 0 || out.is_empty() && rest.is_empty() {
            push_single_quoted(&mut out, &rest[..plain]);
        }
        rest = &rest[plain..];
        if rest.is_empty() {
            break;
        }
        let special = rest.find(|c| !sh_escaped(c)).unwrap_or(rest.len());
        out.push_str("$'");
        for b in rest[..special].bytes() {
            match b {
                b'\r' => out.push_str("\\r"),
                _ => {
                    let _ = write!(out, "\\x{b:02x}");
                }
            }
        }
        out.push('\'');
        rest = &rest[special..];
    }
    out
}

/// `s` in single quotes only (`'` written `'\''`): every byte literal for any POSIX
/// shell, including `sh` (dash), which has no `$'…'`. For paths docsnip writes into its
/// own scripts.
pub fn sh_single_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_single_quoted(&mut out, s);
    out
}

fn push_single_quoted(out: &mut String, s: &str) {
    out.push('\'');
    let mut parts = s.split('\'');
    out.push_str(parts.next().unwrap_or(""));
    for part in parts {
        out.push_str("'\\''");
        out.push_str(part);
    }
    out.push('\'');
}

/// Characters that are valid in source but invisible or line-breaking in some editor,
/// terminal or parser: written as escapes in Python and JavaScript literals so that a
/// snippet always shows what it sends (no "trojan source").
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{ad}'
        | '\u{61c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}'
        | '\u{fffe}' | '\u{ffff}')
}

/// A double-quoted string literal in the C family's common syntax (C#, R, Rust, …):
/// `\\` and `\"` escaped, `\n`, `\r`, `\t`, every [`is_invisible`] character written by
/// `invisible` (each language has its own escape for a code point), and every other
/// character as it is (snippets are UTF-8 files).
pub fn c_family_str(s: &str, invisible: impl Fn(&mut String, char)) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => invisible(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Python 3 string literal (double-quoted) whose value is exactly `s`.
/// Printable characters, including astral ones such as emoji, stay as they are
/// (snippets are UTF-8 files); control, format and line-separator characters are
/// written as `\n`, `\xNN` or `\uNNNN`.
pub fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `s` as a Python / JavaScript string literal (the two share one policy).
/// Double-quoted, unless `s` holds more `"` than `'`: then single-quoted, as Black,
/// ruff and Prettier write it (fewer escapes). Runs of printable ASCII other than
/// `\\` and the quote are copied in one go; the rest goes character by character.
fn push_quoted(out: &mut String, s: &str) {
    let doubles = s.bytes().filter(|&b| b == b'"').count();
    let singles = s.bytes().filter(|&b| b == b'\'').count();
    let q = if doubles > singles { b'\'' } else { b'"' };
    out.push(q as char);
    let plain = s
        .bytes()
        .position(|b| !(0x20..0x7f).contains(&b) || b == q || b == b'\\')
        .unwrap_or(s.len());
    out.push_str(&s[..plain]);
    for c in s[plain..].chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == q as char => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_invisible(c) => {
                let n = c as u32;
                if n <= 0xff {
                    let _ = write!(out, "\\x{n:02x}");
                } else {
                    let _ = write!(out, "\\u{n:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push(q as char);
}

/// A Ruby string literal whose value is exactly `s`: single-quoted (only `\\` and `\'`
/// are escapes there, and nothing is interpolated), or, when `s` holds a control,
/// invisible or line-separator character, double-quoted with those written as
/// `\u{XXXX}` (and `\\`, `\"`, `\#` escaped), so that no such character stands raw.
pub fn rb_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    if s.chars().any(is_invisible) {
        out.push('"');
        for c in s.chars() {
            match c {
                '\\' | '"' | '#' => {
                    out.push('\\');
                    out.push(c);
                }
                c if is_invisible(c) => {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
        return out;
    }
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// A JavaScript string literal (double-quoted) whose value is exactly `s`; the same
/// policy as [`py_str`]. U+2028/U+2029 are escaped (they end a line in older engines
/// and in many editors).
pub fn js_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// A JSON string literal for `s`.
pub fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string always serializes")
}

/// `json` (JSON text) pretty-printed with two-space indents, keys in their order and
/// numbers exactly as written.
pub fn json_pretty(json: &str) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    serde_json::to_string_pretty(&v)
}

/// `json` (JSON text) compacted to one line, keys in order, numbers exactly as written.
pub fn json_compact(json: &str) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    serde_json::to_string(&v)
}

/// Target syntax for [`literal`].
#[derive(Clone, Copy)]
enum Lang {
    Python,
    Js,
}

/// `json` (JSON text) as a Python literal: objects become dicts (key order kept),
/// arrays lists, `true`/`false`/`null` `True`/`False`/`None`, numbers as written
/// (an integer stays an exact `int`), strings [`py_str`]. Nested values go one per
/// line, indented by four spaces per level; `indent` is the column the literal
/// starts at, added to every line after the first.
pub fn py_literal(json: &str, indent: usize) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    literal(&v, Lang::Python, indent, (indent, 0), &mut out);
    Ok(out)
}

/// `json` (JSON text) as a JavaScript literal: like [`py_literal`] with two-space
/// indents, `true`/`false`/`null` kept and [`js_str`] strings, written as Prettier
/// (default options) leaves it: keys unquoted where they need no quotes
/// ([`js_key`]), and an array of plain values on one line when that line fits in 80
/// columns (`at` is the column the literal starts at, `tail` the characters that
/// follow it on its line, such as `),`). A `__proto__` key is written as a computed key
/// so that it stays an own property, as in `JSON.parse`.
pub fn js_literal(
    json: &str,
    indent: usize,
    at: usize,
    tail: usize,
) -> Result<String, serde_json::Error> {
    let v: Value = serde_json::from_str(json)?;
    let mut out = String::with_capacity(json.len() + json.len() / 4);
    literal(&v, Lang::Js, indent, (at, tail), &mut out);
    Ok(out)
}

/// An object key as Prettier writes it (`quoteProps: "as-needed"`): bare when it is an
/// ASCII identifier or a plain decimal integer, else a [`js_str`] string.
pub fn js_key(k: &str) -> String {
    let ident = k
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
    let integer = (k == "0" || (k.len() < 16 && !k.starts_with('0')))
        && !k.is_empty()
        && k.bytes().all(|b| b.is_ascii_digit());
    if ident || integer {
        k.to_string()
    } else {
        js_str(k)
    }
}

/// `v` as a literal starting at indentation `col`; `line` is (the column `v` starts at
/// on its line, the characters after it on that line), used by JavaScript's arrays.
fn literal(v: &Value, lang: Lang, col: usize, line: (usize, usize), out: &mut String) {
    let step = match lang {
        Lang::Python => 4,
        Lang::Js => 2,
    };
    match v {
        Value::Null => out.push_str(match lang {
            Lang::Python => "None",
            Lang::Js => "null",
        }),
        Value::Bool(b) => out.push_str(match (lang, b) {
            (Lang::Python, true) => "True",
            (Lang::Python, false) => "False",
            (Lang::Js, true) => "true",
            (Lang::Js, false) => "false",
        }),
        // With `arbitrary_precision` this is the number's text as written; JSON number
        // syntax is valid Python and JavaScript number syntax.
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => push_quoted(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            if matches!(lang, Lang::Js) && js_array_may_fold(items) {
                let mut one = String::from("[");
                for (n, item) in items.iter().enumerate() {
                    if n > 0 {
                        one.push_str(", ");
                    }
                    literal(item, lang, col, (0, 0), &mut one);
                }
                one.push(']');
                if line.0 + one.chars().count() + line.1 <= 80 {
                    out.push_str(&one);
                    return;
                }
            }
            out.push_str("[\n");
            for item in items {
                push_indent(out, col + step);
                literal(item, lang, col + step, (col + step, 1), out);
                out.push_str(",\n");
            }
            push_indent(out, col);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push_str("{\n");
            for (k, item) in map {
                push_indent(out, col + step);
                let start = out.len();
                match lang {
                    Lang::Js if k == "__proto__" => {
                        out.push('[');
                        out.push_str(&js_str(k));
                        out.push(']');
                    }
                    Lang::Js => out.push_str(&js_key(k)),
                    Lang::Python => push_quoted(out, k),
                }
                out.push_str(": ");
                let at = col + step + out[start..].chars().count();
                literal(item, lang, col + step, (at, 1), out);
                out.push_str(",\n");
            }
            push_indent(out, col);
            out.push('}');
        }
    }
}

/// Whether Prettier prints a JavaScript array on one line when it fits: not when it
/// holds an object (written over several lines, which Prettier keeps), nor when it is a
/// matrix (more than one element, each an array of more than one element).
fn js_array_may_fold(items: &[Value]) -> bool {
    fn has_object(v: &Value) -> bool {
        match v {
            Value::Object(o) => !o.is_empty(),
            Value::Array(a) => a.iter().any(has_object),
            _ => false,
        }
    }
    let matrix = items.len() > 1
        && items
            .iter()
            .all(|i| matches!(i, Value::Array(a) if a.len() > 1));
    !matrix && !items.iter().any(has_object)
}

fn push_indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Percent-encodes every byte of `s` but the unreserved ones (`A-Z a-z 0-9 - . _ ~`),
/// as curl's `--data-urlencode` does to the value part. Used for a form field name,
/// which curl sends as given.
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The characters HTTPie's request-item parser treats as separators (`:`, `;`, `=`,
/// `@` and their combinations `==`, `:=`, `=@`, `:@`, …).
const HTTPIE_SPECIAL: &[char] = &[':', ';', '=', '@'];

/// `s` as one side of an HTTPie request item (`key=value`, `Header:value`, …): each
/// separator character gets a backslash, which HTTPie removes, so `s` arrives as is
/// whatever it holds. Exact only when [`httpie_exact`] holds.
pub fn httpie_item(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.chars() {
        if HTTPIE_SPECIAL.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `s` as the value side of an HTTPie request item, after its separator: only a
/// leading separator character needs a backslash (it would make the separator a longer
/// one: `:=`, `=@`, `==`, …); HTTPie takes the rest of the item literally.
pub fn httpie_value(s: &str) -> String {
    match s.chars().next() {
        Some(c) if HTTPIE_SPECIAL.contains(&c) => format!("\\{s}"),
        _ => s.to_owned(),
    }
}

/// Whether [`httpie_item`] can express `s` exactly. HTTPie has no escape for a
/// backslash: `\` followed by a separator character always means that character, so
/// a string holding `\:`, `\;`, `\=` or `\@` cannot be written as an item.
pub fn httpie_exact(s: &str) -> bool {
    !s.as_bytes()
        .windows(2)
        .any(|w| w[0] == b'\\' && HTTPIE_SPECIAL.contains(&(w[1] as char)))
}

/// Whether `s` can be the key of an HTTPie item: [`httpie_exact`], and no trailing
/// backslash, which would escape the separator that follows the key.
pub fn httpie_key_exact(s: &str) -> bool {
    httpie_exact(s) && !s.ends_with('\\')
}

/// A file path for curl's `-F name=@PATH`: as is when curl would read it back
/// unchanged, else in double quotes with `\` and `"` backslash-escaped (curl's own
/// quoting for `-F` words, needed for `;`, `,`, `"` and leading/trailing spaces).
pub fn curl_form_path(path: &str) -> String {
    let needs_quotes = path.is_empty()
        || path.starts_with(' ')
        || path.ends_with(' ')
        || path.contains([';', ',', '"', '\\']);
    if !needs_quotes {
        return path.to_owned();
    }
    let mut out = String::with_capacity(path.len() + 2);
    out.push('"');
    for c in path.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The last component of a `/`- or `\`-separated path: the file name clients send
/// for an uploaded file.
pub fn basename(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// `s` on one line, for a comment: line breaks, controls and invisible formatting
/// characters (see the literal escapes) become spaces, so a comment cannot end early
/// (`\n`, U+2028 in JavaScript) or hide text.
pub fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if is_invisible(c) { ' ' } else { c })
        .collect()
}

/// Whether every character of `s` is ASCII (clients send such header values and
/// credentials unchanged; others need an explicit UTF-8 encoding step).
pub fn is_ascii(s: &str) -> bool {
    s.is_ascii()
}

// URL parts, for clients that take host and request target apart (http.client, and
// node:http when the path must be sent as written). Shared by several languages.

/// The part of `url` after `scheme://`, or all of it when there is no scheme.
fn after_scheme(url: &str) -> &str {
    url.split_once("://").map_or(url, |(_, rest)| rest)
}

/// `host[:port]` of `url` (what ends at the first `/`, `?` or `#`).
pub fn url_host(url: &str) -> &str {
    let rest = after_scheme(url);
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    &rest[..end]
}

/// The request target of `url`: its path and query, starting with `/`.
pub fn url_target(url: &str) -> String {
    let rest = &after_scheme(url)[url_host(url).len()..];
    let rest = rest.split('#').next().unwrap_or("");
    if rest.starts_with('/') {
        rest.to_string()
    } else {
        format!("/{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// These tests run the real runtimes; a missing one is a failure that says what to
    /// install, never a skip.
    fn need(program: &str) {
        let ok = Command::new(program)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "`{program}` is needed by this test: install it (scripts/test.sh does)"
        );
    }

    /// Run `program flag prog` (e.g. `python3 -c PROG`); its stdout, after asserting
    /// that it succeeded.
    fn run(program: &str, flag: &str, prog: &str) -> String {
        need(program);
        let out = Command::new(program).arg(flag).arg(prog).output().unwrap();
        assert!(
            out.status.success(),
            "{}\n{prog}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The strings a program printed as JSON, one per line.
    fn json_lines(stdout: &str) -> Vec<String> {
        stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    const HOSTILE: &[&str] = &[
        "",
        "plain",
        "it's",
        "\"double\" and 'single'",
        "$(touch /tmp/pwned) `id` ${HOME} $HOME",
        "!event !! history",
        "back\\slash\\\\ and \\n not a newline",
        "line1\nline2\r\nline3\ttab",
        "\u{0}\u{1}\u{7}\u{1b}[31m\u{7f}\u{85}\u{9f}",
        "sep\u{2028}para\u{2029}end",
        "nel\u{85}cr\rcrlf\r\n\u{fffe}\u{ffff}",
        "bidi \u{202e}evil\u{202c} \u{feff}bom \u{200b}zw",
        "emoji 😀 astral 𝄞 é ü 中文",
        "@file <file ;type=text/plain",
        "&=+% %20 a=b&c=d",
        "*?[glob]{a,b} ~user #comment | & ; < >",
        "'",
        "''",
        "\\'",
        "trailing backslash\\",
    ];

    #[test]
    fn sh_plain_words_stay_plain() {
        assert_eq!(sh("POST"), "POST");
        assert_eq!(sh("https://x.test/a/b"), "https://x.test/a/b");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("~root"), "'~root'");
        assert_eq!(sh("=cmd"), "'=cmd'");
        assert_eq!(sh("a*"), "'a*'");
    }

    #[test]
    fn sh_quote_forms() {
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote("'"), r"''\'''");
        assert_eq!(sh_quote("a\nb"), "'a\nb'");
        assert_eq!(sh_quote("$(x)"), "'$(x)'");
    }

    #[test]
    fn sh_quote_escapes_yaml_line_breaks_and_controls() {
        assert_eq!(sh_quote("a\u{2028}b"), r"'a'$'\xe2\x80\xa8''b'");
        assert_eq!(sh_quote("\r\n"), "$'\\r''\n'");
        assert_eq!(sh_quote("x\u{85}\u{2029}"), r"'x'$'\xc2\x85\xe2\x80\xa9'");
        assert_eq!(sh_quote("\u{1b}[31m\u{7f}"), r"$'\x1b''[31m'$'\x7f'");
        assert_eq!(sh_quote("tab\tok"), "'tab\tok'");
        assert_eq!(sh("a\rb"), r"'a'$'\r''b'");
        // No YAML 1.1 line break and no character YAML forbids is ever written raw.
        for s in HOSTILE {
            let q = sh_quote(s);
            assert!(
                !q.contains(['\r', '\u{85}', '\u{2028}', '\u{2029}'])
                    && q.chars().all(|c| c == '\n' || c == '\t' || !c.is_control()),
                "{q:?}"
            );
        }
    }

    #[test]
    fn sh_round_trips_through_bash() {
        need("bash");
        // Byte escapes do not depend on the locale: check a C and a UTF-8 one.
        for locale in ["C", "C.UTF-8"] {
            for s in HOSTILE.iter().filter(|s| !s.contains('\0')) {
                for quoted in [sh(s), sh_quote(s)] {
                    let script = format!("printf %s {quoted}");
                    let out = Command::new("bash")
                        .env("LC_ALL", locale)
                        .arg("-c")
                        .arg(&script)
                        .output()
                        .unwrap();
                    assert!(out.status.success(), "{script:?}");
                    assert_eq!(
                        String::from_utf8(out.stdout).unwrap(),
                        *s,
                        "{locale} {script:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn py_str_forms() {
        assert_eq!(py_str(""), r#""""#);
        assert_eq!(py_str("a\"b\\c"), r#"'a"b\\c'"#);
        assert_eq!(py_str("a\"b'c"), r#""a\"b'c""#);
        assert_eq!(py_str("\"\"'"), r#"'""\''"#);
        assert_eq!(py_str("\n\r\t\u{0}\u{7f}"), r#""\n\r\t\x00\x7f""#);
        assert_eq!(py_str("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(py_str("😀é"), "\"😀é\"");
        assert_eq!(py_str("'"), "\"'\"");
    }

    #[test]
    fn js_str_forms() {
        assert_eq!(js_str(""), r#""""#);
        assert_eq!(js_str("a\"b\\c"), r#"'a"b\\c'"#);
        assert_eq!(js_str("a'b"), r#""a'b""#);
        assert_eq!(js_str("\u{0}1"), r#""\x001""#);
        assert_eq!(js_str("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        assert_eq!(js_str("</script>😀"), "\"</script>😀\"");
        assert_eq!(js_str("${x}`"), "\"${x}`\"");
    }

    #[test]
    fn py_str_round_trips_through_python() {
        // The program prints each literal's value as JSON, one per line.
        let mut prog = String::from("import json\n");
        for s in HOSTILE {
            prog.push_str(&format!("print(json.dumps({}))\n", py_str(s)));
        }
        assert_eq!(json_lines(&run("python3", "-c", &prog)), HOSTILE);
    }

    #[test]
    fn js_str_round_trips_through_node() {
        let mut prog = String::new();
        for s in HOSTILE {
            prog.push_str(&format!("console.log(JSON.stringify({}));\n", js_str(s)));
        }
        assert_eq!(json_lines(&run("node", "-e", &prog)), HOSTILE);
    }

    const JSON: &str = r#"{
  "s": "q\"uote's $(x) \n\t\u0000 \u2028 😀",
  "i": 12345678901234567890123,
  "f": 0.1000000000000000055511151231257827,
  "e": 1E+2,
  "neg": -0,
  "t": true,
  "n": null,
  "a": [1, [], {}, "x", false],
  "__proto__": {"p": 1},
  "z": {}
}"#;

    #[test]
    fn py_literal_shape() {
        let lit = py_literal(r#"{"b": [1, true, null], "a": {}, "c": "x"}"#, 0).unwrap();
        assert_eq!(
            lit,
            "{\n    \"b\": [\n        1,\n        True,\n        None,\n    ],\n    \"a\": {},\n    \"c\": \"x\",\n}"
        );
        assert_eq!(py_literal("[]", 4).unwrap(), "[]");
        assert_eq!(
            py_literal("12345678901234567890123", 0).unwrap(),
            "12345678901234567890123"
        );
        assert_eq!(py_literal("1.50", 0).unwrap(), "1.50");
        let nested = py_literal(r#"{"a": 1}"#, 4).unwrap();
        assert_eq!(nested, "{\n        \"a\": 1,\n    }");
        assert!(py_literal("{", 0).is_err());
    }

    #[test]
    fn js_literal_shape() {
        let lit = js_literal(
            r#"{"b": [1, true, null], "__proto__": {}, "c-d": [{}]}"#,
            2,
            2,
            1,
        );
        assert_eq!(
            lit.unwrap(),
            "{\n    b: [1, true, null],\n    [\"__proto__\"]: {},\n    \"c-d\": [{}],\n  }"
        );
        // An array of plain values that does not fit in 80 columns: one value a line.
        let long = format!(r#"{{"k": ["{}", 1]}}"#, "x".repeat(70));
        let lit = js_literal(&long, 0, 0, 0).unwrap();
        assert_eq!(
            lit,
            format!("{{\n  k: [\n    \"{}\",\n    1,\n  ],\n}}", "x".repeat(70))
        );
        // An array holding an object, or a matrix: one value a line.
        let lit = js_literal(r#"[{"a": 1}]"#, 0, 0, 0).unwrap();
        assert_eq!(lit, "[\n  {\n    a: 1,\n  },\n]");
        let lit = js_literal(r#"[[1, 2], [3, 4]]"#, 0, 0, 0).unwrap();
        assert_eq!(lit, "[\n  [1, 2],\n  [3, 4],\n]");
        assert_eq!(js_literal(r#"[[1], 2]"#, 0, 0, 0).unwrap(), "[[1], 2]");
        assert_eq!(js_key("Content-Type"), "\"Content-Type\"");
        assert_eq!(js_key("_a$1"), "_a$1");
        assert_eq!(js_key("10"), "10");
        assert_eq!(js_key("01"), "\"01\"");
        assert_eq!(js_key(""), "\"\"");
    }

    #[test]
    fn py_literal_round_trips_through_python() {
        // Compare with json.loads, types included (a float literal is the nearest
        // double, as for any Python client); integers must stay exact.
        let prog = format!(
            "import json, decimal\n\
             lit = {}\n\
             ref = json.loads({}, parse_float=decimal.Decimal)\n\
             def norm(v):\n\
             \x20   if isinstance(v, dict): return ('d', [(k, norm(x)) for k, x in v.items()])\n\
             \x20   if isinstance(v, list): return ('l', [norm(x) for x in v])\n\
             \x20   if isinstance(v, bool) or v is None: return ('c', v)\n\
             \x20   if isinstance(v, (int, float, decimal.Decimal)): return ('n', v if isinstance(v, int) else float(v))\n\
             \x20   return ('s', v)\n\
             assert norm(lit) == norm(ref), (norm(lit), norm(ref))\n\
             assert isinstance(lit['i'], int) and lit['i'] == 12345678901234567890123\n\
             print('ok')\n",
            py_literal(JSON, 0).unwrap(),
            py_str(JSON)
        );
        assert_eq!(run("python3", "-c", &prog), "ok\n");
    }

    #[test]
    fn rb_str_round_trips_through_ruby() {
        assert_eq!(rb_str("it's"), r"'it\'s'");
        assert_eq!(rb_str("a\u{2028}#{x}"), r#""a\u{2028}\#{x}""#);
        let mut prog = String::from("require 'json'\n");
        for s in HOSTILE {
            prog.push_str(&format!("puts JSON.generate({})\n", rb_str(s)));
        }
        assert_eq!(json_lines(&run("ruby", "-e", &prog)), HOSTILE);
    }

    #[test]
    fn js_literal_round_trips_through_node() {
        // Numbers that are not exact doubles are left out: JS cannot hold them.
        let json = r#"{"s": "q\"uote's \n\u0000 \u2028 😀", "e": 1E+2, "n": null,
            "a": [1, [], {}, false], "__proto__": {"p": 1}, "x": 1.5}"#;
        let prog = format!(
            "const lit = {};\n\
             const ref = JSON.parse({});\n\
             const a = JSON.stringify(lit), b = JSON.stringify(ref);\n\
             if (a !== b) {{ console.error(a, b); process.exit(1); }}\n\
             if (!Object.hasOwn(lit, '__proto__')) process.exit(2);\n",
            js_literal(json, 0, 0, 0).unwrap(),
            js_str(json)
        );
        run("node", "-e", &prog);
    }

    #[test]
    fn json_helpers() {
        assert_eq!(json_str("a\"\n😀"), r#""a\"\n😀""#);
        assert_eq!(
            json_compact("{ \"b\" : 1.50, \"a\": [ 12345678901234567890123 ] }").unwrap(),
            r#"{"b":1.50,"a":[12345678901234567890123]}"#
        );
        assert_eq!(json_pretty("{\"a\":[]}").unwrap(), "{\n  \"a\": []\n}");
    }

    #[test]
    fn urlencode_form_names() {
        assert_eq!(urlencode("a-b_c.d~"), "a-b_c.d~");
        assert_eq!(urlencode("a b&=@é"), "a%20b%26%3D%40%C3%A9");
    }

    #[test]
    fn httpie_items() {
        assert_eq!(httpie_item("a=b:c@d;e"), r"a\=b\:c\@d\;e");
        assert_eq!(httpie_item(r"back\slash"), r"back\slash");
        assert_eq!(httpie_value("@x=y"), r"\@x=y");
        assert_eq!(httpie_value("x=y:z"), "x=y:z");
        assert_eq!(httpie_value(""), "");
        assert!(httpie_exact(r"back\slash"));
        assert!(!httpie_exact(r"a\=b"));
        assert!(httpie_exact("a=b"));
    }

    #[test]
    fn curl_form_paths() {
        assert_eq!(curl_form_path("data/inventory.csv"), "data/inventory.csv");
        assert_eq!(curl_form_path("a;b.csv"), r#""a;b.csv""#);
        assert_eq!(curl_form_path(r#"q"\.txt"#), r#""q\"\\.txt""#);
    }

    #[test]
    fn one_line_comments() {
        assert_eq!(one_line("a\nb\u{2028}c\td😀"), "a b c d😀");
    }

    #[test]
    fn basenames() {
        assert_eq!(basename("data/in.csv"), "in.csv");
        assert_eq!(basename("in.csv"), "in.csv");
        assert_eq!(basename(r"a\b.txt"), "b.txt");
    }

    #[test]
    fn host_and_target() {
        let url = "https://api.example.com/v2/orders/?a=1&b=%2F";
        assert_eq!(url_host(url), "api.example.com");
        assert_eq!(url_target(url), "/v2/orders/?a=1&b=%2F");
        let url = "http://127.0.0.1:8080/run-1/x/../y";
        assert_eq!(url_host(url), "127.0.0.1:8080");
        assert_eq!(url_target(url), "/run-1/x/../y");
        assert_eq!(url_host("http://h:1"), "h:1");
        assert_eq!(url_target("http://h:1"), "/");
        assert_eq!(url_target("http://h?q=1"), "/?q=1");
        assert_eq!(url_target("http://h/p#frag"), "/p");
    }
}
