//! Reading a hand-pasted shell command the way bash hands it to the program: words
//! split on blanks, single and double quotes, `$'…'` ANSI-C quoting, backslash escapes
//! and backslash-newline continuations, `#` comments. Anything bash would expand or
//! treat as an operator (a variable, command substitution, a pipe, a redirection, a
//! second command, a glob brace or tilde) is refused: the command is never guessed.

/// One word of the command, as the program receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// Byte offset into the source where the word starts.
    pub offset: usize,
}

/// Why a command cannot be read, at a byte offset into the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellError {
    pub offset: usize,
    pub message: String,
}

fn err<T>(offset: usize, message: impl Into<String>) -> Result<T, ShellError> {
    Err(ShellError {
        offset,
        message: message.into(),
    })
}

/// Starts a variable's name in a word read by [`words_with_vars`] (Unicode private use).
pub const VAR_OPEN: char = '\u{E000}';
/// Ends a variable's name in a word read by [`words_with_vars`].
pub const VAR_CLOSE: char = '\u{E001}';

/// The words of the one command in `src` (blank lines and comment lines around it are
/// allowed). Errors when `src` holds no command, more than one, or anything bash would
/// expand.
pub fn words(src: &str) -> Result<Vec<Word>, ShellError> {
    read(src, false)
}

/// Like [`words`], but a variable (`$NAME`, `${NAME}`, outside single quotes) or a
/// template (`{{ site.app_url }}`) is kept in its word as `VAR_OPEN NAME VAR_CLOSE`:
/// the page does not say its value, and import maps it to what it stands for.
pub fn words_with_vars(src: &str) -> Result<Vec<Word>, ShellError> {
    read(src, true)
}

/// A `$NAME` or `${NAME}` at `i` (the `$`): its name and the offset after it.
fn variable(src: &str, i: usize) -> Option<(&str, usize)> {
    let rest = &src[i + 1..];
    if let Some(inner) = rest.strip_prefix('{') {
        let end = inner.find('}')?;
        let name = &inner[..end];
        let ok = !name.is_empty()
            && name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        return ok.then_some((name, i + 3 + end));
    }
    if !rest.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return None;
    }
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    Some((&rest[..len], i + 1 + len))
}

fn push_var(out: &mut Vec<u8>, name: &str) {
    let mut buf = [0; 4];
    out.extend_from_slice(VAR_OPEN.encode_utf8(&mut buf).as_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(VAR_CLOSE.encode_utf8(&mut buf).as_bytes());
}

fn read(src: &str, vars: bool) -> Result<Vec<Word>, ShellError> {
    let b = src.as_bytes();
    let mut out: Vec<Word> = Vec::new();
    let mut i = 0;
    // The current word: bytes, start offset, and whether it has any quoted part.
    let mut cur: Option<(Vec<u8>, usize)> = None;
    let mut ended = false; // a newline ended the command
    let finish =
        |cur: &mut Option<(Vec<u8>, usize)>, out: &mut Vec<Word>| -> Result<(), ShellError> {
            if let Some((bytes, start)) = cur.take() {
                let text = String::from_utf8(bytes).map_err(|_| ShellError {
                    offset: start,
                    message: "the word is not valid UTF-8 once unquoted".into(),
                })?;
                out.push(Word {
                    text,
                    offset: start,
                });
            }
            Ok(())
        };
    while i < b.len() {
        let c = b[i];
        let starting = cur.is_none();
        if ended && !matches!(c, b' ' | b'\t' | b'\r' | b'\n' | b'#') {
            return err(
                i,
                "a second command follows (one command per Curl block, please)",
            );
        }
        match c {
            b' ' | b'\t' | b'\r' => {
                finish(&mut cur, &mut out)?;
                i += 1;
            }
            b'\n' => {
                finish(&mut cur, &mut out)?;
                if !out.is_empty() {
                    ended = true;
                }
                i += 1;
            }
            b'#' if starting => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    i += 2;
                } else if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                    i += 3;
                } else if let Some(ch) = src[i + 1..].chars().next() {
                    let w = cur.get_or_insert_with(|| (Vec::new(), i));
                    let mut buf = [0; 4];
                    w.0.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 1 + ch.len_utf8();
                } else {
                    return err(i, "the command ends in a lone backslash");
                }
            }
            b'\'' => {
                let start = i;
                let Some(close) = src[i + 1..].find('\'') else {
                    return err(start, "a single quote is never closed");
                };
                let w = cur.get_or_insert_with(|| (Vec::new(), start));
                w.0.extend_from_slice(&b[i + 1..i + 1 + close]);
                i += close + 2;
            }
            b'"' => {
                let start = i;
                let w = cur.get_or_insert_with(|| (Vec::new(), start));
                i = double_quoted(src, i + 1, &mut w.0, vars)?;
            }
            b'$' => match b.get(i + 1) {
                Some(b'\'') => {
                    let start = i;
                    let w = cur.get_or_insert_with(|| (Vec::new(), start));
                    i = ansi_c(src, i + 2, &mut w.0)?;
                }
                Some(b'"') => {
                    // $"…" is a locale translation: the same text in the C locale.
                    let start = i;
                    let w = cur.get_or_insert_with(|| (Vec::new(), start));
                    i = double_quoted(src, i + 2, &mut w.0, vars)?;
                }
                Some(_) if vars && variable(src, i).is_some() => {
                    let (name, end) = variable(src, i).unwrap_or_default();
                    push_var(&mut cur.get_or_insert_with(|| (Vec::new(), i)).0, name);
                    i = end;
                }
                Some(n) if n.is_ascii_alphanumeric() || b"_{(@*#?!$-".contains(n) => {
                    return err(
                        i,
                        "a shell variable or command substitution (`$…`): its value is not in the page",
                    );
                }
                _ => {
                    cur.get_or_insert_with(|| (Vec::new(), i)).0.push(b'$');
                    i += 1;
                }
            },
            b'`' => return err(i, "a command substitution (backticks)"),
            b'|' => return err(i, "a pipe: only a single curl command can be read"),
            b'&' | b';' => {
                return err(
                    i,
                    "a command separator: only a single curl command can be read",
                );
            }
            b'<' | b'>' => return err(i, "a redirection: only a single curl command can be read"),
            b'(' | b')' => {
                return err(
                    i,
                    "a subshell or function: only a single curl command can be read",
                );
            }
            b'~' if starting => return err(i, "a `~` at the start of a word, which bash expands"),
            b'{' if vars && src[i..].starts_with("{{") && src[i..].find("}}").is_some() => {
                // A template (Liquid, Hugo) the toolchain fills in.
                let end = src[i..].find("}}").unwrap_or(0);
                let name = src[i + 2..i + end].trim();
                push_var(&mut cur.get_or_insert_with(|| (Vec::new(), i)).0, name);
                i += end + 2;
            }
            b'{' => {
                // Brace expansion: `{a,b}` or `{1..3}` unquoted.
                let rest = &src[i + 1..];
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '}' || c == '\'' || c == '"')
                    .unwrap_or(rest.len());
                if rest[end..].starts_with('}')
                    && (rest[..end].contains(',') || rest[..end].contains(".."))
                {
                    return err(i, "an unquoted `{…,…}`, which bash expands");
                }
                cur.get_or_insert_with(|| (Vec::new(), i)).0.push(b'{');
                i += 1;
            }
            _ => {
                let ch = src[i..].chars().next().unwrap_or('\0');
                let w = cur.get_or_insert_with(|| (Vec::new(), i));
                let mut buf = [0; 4];
                w.0.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                i += ch.len_utf8();
            }
        }
    }
    finish(&mut cur, &mut out)?;
    if out.is_empty() {
        return err(0, "the block holds no command");
    }
    Ok(out)
}

/// A `"…"` string from `i` (after the opening quote) into `out`; returns the offset after
/// the closing quote.
fn double_quoted(
    src: &str,
    mut i: usize,
    out: &mut Vec<u8>,
    vars: bool,
) -> Result<usize, ShellError> {
    let b = src.as_bytes();
    let open = i - 1;
    while i < b.len() {
        match b[i] {
            b'"' => return Ok(i + 1),
            b'\\' => match b.get(i + 1) {
                Some(b'\n') => i += 2,
                Some(&c @ (b'$' | b'`' | b'"' | b'\\')) => {
                    out.push(c);
                    i += 2;
                }
                _ => {
                    out.push(b'\\');
                    i += 1;
                }
            },
            b'{' if vars && src[i..].starts_with("{{") && src[i..].find("}}").is_some() => {
                let end = src[i..].find("}}").unwrap_or(0);
                push_var(out, src[i + 2..i + end].trim());
                i += end + 2;
            }
            b'$' => match b.get(i + 1) {
                Some(_) if vars && variable(src, i).is_some() => {
                    let (name, end) = variable(src, i).unwrap_or_default();
                    push_var(out, name);
                    i = end;
                }
                Some(n) if n.is_ascii_alphanumeric() || b"_{(@*#?!$-".contains(n) => {
                    return err(
                        i,
                        "a shell variable or command substitution (`$…`) inside double quotes: its value is not in the page",
                    );
                }
                _ => {
                    out.push(b'$');
                    i += 1;
                }
            },
            b'`' => return err(i, "a command substitution (backticks) inside double quotes"),
            b'!' if b
                .get(i + 1)
                .is_some_and(|n| !n.is_ascii_whitespace() && *n != b'"' && *n != b'=') =>
            {
                return err(
                    i,
                    "a `!` inside double quotes, which interactive bash expands from its history",
                );
            }
            _ => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    err(open, "a double quote is never closed")
}

/// A `$'…'` string from `i` (after the opening quote) into `out`, with bash's escapes;
/// returns the offset after the closing quote.
fn ansi_c(src: &str, mut i: usize, out: &mut Vec<u8>) -> Result<usize, ShellError> {
    let b = src.as_bytes();
    let open = i - 2;
    while i < b.len() {
        match b[i] {
            b'\'' => return Ok(i + 1),
            b'\\' => {
                let Some(&e) = b.get(i + 1) else { break };
                i += 2;
                let simple = match e {
                    b'a' => Some(7),
                    b'b' => Some(8),
                    b'e' | b'E' => Some(0x1b),
                    b'f' => Some(0x0c),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'v' => Some(0x0b),
                    b'\\' | b'\'' | b'"' | b'?' => Some(e),
                    _ => None,
                };
                if let Some(v) = simple {
                    out.push(v);
                    continue;
                }
                let digits = |i: usize, max: usize, radix: u32| -> (u32, usize) {
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < max
                        && let Some(d) = b.get(i + n).and_then(|&c| (c as char).to_digit(radix))
                    {
                        v = v * radix + d;
                        n += 1;
                    }
                    (v, n)
                };
                match e {
                    b'0'..=b'7' => {
                        let (v, n) = digits(i - 1, 3, 8);
                        out.push((v & 0xff) as u8);
                        i += n - 1;
                    }
                    b'x' => {
                        let (v, n) = digits(i, 2, 16);
                        if n == 0 {
                            out.extend_from_slice(b"\\x");
                        } else {
                            out.push(v as u8);
                            i += n;
                        }
                    }
                    b'u' | b'U' => {
                        let (v, n) = digits(i, if e == b'u' { 4 } else { 8 }, 16);
                        match char::from_u32(v).filter(|_| n > 0) {
                            Some(ch) => {
                                let mut buf = [0; 4];
                                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                                i += n;
                            }
                            None => return err(i - 2, "a `\\u` escape that is not a character"),
                        }
                    }
                    b'c' => {
                        let Some(&c) = b.get(i) else { break };
                        out.push(c & 0x1f);
                        i += 1;
                    }
                    _ => {
                        out.push(b'\\');
                        out.push(e);
                    }
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    err(open, "a `$'` string is never closed")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<String> {
        words(src).unwrap().into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn quotes_escapes_and_continuations() {
        assert_eq!(
            texts(
                "# send it\ncurl \"https://x/a\" \\\n  -H 'A: b c' \\\n  -d $'{\\n\\t\"k\": \\'v\\'}' x\\ y\n\n"
            ),
            [
                "curl",
                "https://x/a",
                "-H",
                "A: b c",
                "-d",
                "{\n\t\"k\": 'v'}",
                "x y"
            ]
        );
        assert_eq!(texts(r#"a"b\"c\$d\e"'f'g"#), [r#"ab"c$d\efg"#]);
        assert_eq!(texts(r"$'\x41\101\u00e9\cA\q'"), ["AAé\u{1}\\q"]);
        assert_eq!(texts("a$ b $\"c\""), ["a$", "b", "c"]);
        assert_eq!(texts("curl x # trailing comment"), ["curl", "x"]);
        assert_eq!(texts("a#b"), ["a#b"]);
        assert_eq!(texts("'{\"a\":1,\"b\":2}' {}"), ["{\"a\":1,\"b\":2}", "{}"]);
        assert_eq!(words("ab  'c'").unwrap()[1].offset, 4);
    }

    #[test]
    fn refuses_what_bash_would_expand() {
        for (src, what) in [
            ("curl $URL", "variable"),
            ("curl \"${HOST}/a\"", "variable"),
            ("curl x | jq .", "pipe"),
            ("curl x > out.json", "redirection"),
            ("curl `cat u`", "backticks"),
            ("curl x; curl y", "separator"),
            ("curl x\ncurl y", "second command"),
            ("curl ~/x", "~"),
            ("curl -d {a,b}", "expands"),
            ("curl 'x", "never closed"),
            ("curl \"$(date)\"", "substitution"),
            ("", "no command"),
        ] {
            let e = words(src).unwrap_err();
            assert!(e.message.contains(what), "{src}: {e:?}");
        }
        assert_eq!(words("curl \\\n  $X").unwrap_err().offset, 9);
    }
}
