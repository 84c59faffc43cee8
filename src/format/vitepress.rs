//! `vitepress`: VitePress code groups, one fenced block per tab, labelled in its info
//! string:
//!
//! ````text
//! ::: code-group
//!
//! ```bash [Curl]
//! curl …
//! ```
//!
//! ```python [Python (requests)]
//! import requests
//! ```
//!
//! :::
//! ````
//!
//! VitePress keeps no language choice across groups or pages (its code groups are
//! independent radio buttons).
//!
//! Escaping: VitePress gives every highlighted block `v-pre`, so `{{ }}` in code is
//! shown as written, not read as a Vue expression; the code stands in a fence longer
//! than any backtick run in it, and the container's marker is longer than any run of
//! colons that starts a code line (`::::: code-group` … `:::::`): markdown-it-container
//! looks for its closing marker line by line, fenced code or not, so a `:::` line in
//! the code would otherwise end the group. What cannot reach the reader exactly is refused ([`Format::refuse`]):
//! - code ending in white space (VitePress trims the end of every block), or holding a
//!   CR (Markdown reads it as a line break; docsnip's own check refuses it first);
//! - code holding a Shiki notation marker (`[!code focus]`, `[!code ++]`, …, the ones
//!   VitePress turns on), which VitePress removes from the line;
//! - a label holding `{`, `}` (a trailing `{…}` is read as attributes or line
//!   highlights), `<`, `>`, `&` (the tab label is HTML in a Vue template, unescaped),
//!   `[`, `]`, `` ` ``, `\`, a control character, or white space at either end.

use super::{Group, Tabs, fence_for};
use crate::format::splice::Snippet;
use crate::page;

pub struct Vitepress;

/// Why VitePress cannot show this label or code exactly, if it cannot.
fn refusal(title: &str, code: &str) -> Option<String> {
    if let Some(c) = title.chars().find(|c| {
        matches!(c, '{' | '}' | '<' | '>' | '&' | '[' | ']' | '`' | '\\') || c.is_control()
    }) {
        return Some(format!(
            "VitePress cannot show the tab label {title:?} as written ({c:?} is read as markup in a code group's label); choose another `title:` for this language"
        ));
    }
    if title.trim() != title || title.is_empty() {
        return Some(format!(
            "VitePress trims a code group's label: {title:?} cannot be shown as written"
        ));
    }
    if code.contains('\r') {
        return Some("the snippet holds a CR, which no fenced block can carry (Markdown reads it as a line break)".into());
    }
    let body = code.strip_suffix('\n').unwrap_or(code);
    if body.trim_end_matches(js_space) != body {
        return Some(
            "the snippet ends in white space, which VitePress trims from every code block; the request's last value must not end in white space for this format".into(),
        );
    }
    if let Some(m) = notation(code) {
        return Some(format!(
            "the snippet holds `{m}`, which VitePress's code transformers read as a line marker and remove; the request must not hold it for this format"
        ));
    }
    None
}

/// The first Shiki notation marker VitePress acts on in `code`:
/// `[!code ++|--|focus|highlight|hl|error|warning]`, optionally with `:N`.
fn notation(code: &str) -> Option<&str> {
    const WORDS: [&str; 7] = ["++", "--", "focus", "highlight", "hl", "error", "warning"];
    for (at, _) in code.match_indices("[!code ") {
        let rest = &code[at + "[!code ".len()..];
        for w in WORDS {
            let Some(after) = rest.strip_prefix(w) else {
                continue;
            };
            let after = match after.strip_prefix(':') {
                Some(n) => n.trim_start_matches(|c: char| c.is_ascii_digit()),
                None => after,
            };
            if after.starts_with(']') {
                let end = code.len() - after.len() + 1;
                return Some(&code[at..end]);
            }
        }
    }
    None
}

/// White space to JavaScript's `trimEnd` (Unicode White_Space and U+FEFF).
pub(crate) fn js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The colons of a container marker line (`::: code-group`, `:::`) and what follows
/// them, when `line` is one (at most three spaces of indentation).
fn marker(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    let n = t.chars().take_while(|c| *c == ':').count();
    (n >= 3).then(|| (n, t[n..].trim()))
}

/// A tab's label: what the info string holds between its first `[` and last `]`.
fn label(info: &str) -> Option<String> {
    let open = info.find('[')?;
    let close = info.rfind(']')?;
    (close > open).then(|| info[open + 1..close].to_string())
}

impl Tabs for Vitepress {
    fn refuse(&self, s: &Snippet) -> Option<String> {
        refusal(&s.title, &s.code)
    }

    fn groups(&self, body: &str) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut open: Option<(usize, usize)> = None;
        for (start, line) in super::lines_outside_fences(body) {
            let Some((n, rest)) = marker(line) else {
                continue;
            };
            match open {
                None if rest == "code-group" || rest.starts_with("code-group ") => {
                    open = Some((start, n))
                }
                Some((from, colons)) if rest.is_empty() && n >= colons => {
                    let end = super::line_end(body, start);
                    let tabs = page::fenced_blocks(&body[from..end])
                        .into_iter()
                        .filter_map(|b| {
                            let code = body[from..end][b.code.clone()].to_string();
                            label(&b.info).map(|l| (l, code))
                        })
                        .collect();
                    groups.push(Group {
                        range: from..end,
                        tabs,
                    });
                    open = None;
                }
                _ => {}
            }
        }
        groups
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let colons = snippets
            .iter()
            .flat_map(|s| s.code.lines())
            .map(|l| l.trim_start().chars().take_while(|c| *c == ':').count())
            .max()
            .unwrap_or(0);
        let marker = ":".repeat((colons + 1).max(3));
        let mut out = format!("{marker} code-group{nl}");
        for s in snippets {
            let fence = fence_for(&s.code, '`');
            out.push_str(&format!("{nl}{fence}{} [{}]{nl}", s.fence, s.title));
            for l in s.code.lines() {
                out.push_str(l);
                out.push_str(nl);
            }
            out.push_str(&fence);
            out.push_str(nl);
        }
        out.push_str(&format!("{nl}{marker}{nl}"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, snip, structure, two};
    use super::*;

    #[test]
    fn appends_one_group() {
        let page = "---\nmethod: get\n---\n# Title\n\nText with {{ braces }} the author wrote.\n";
        let out = place_twice(&Vitepress, page, &two());
        insta::assert_snapshot!(out);
    }

    #[test]
    fn takes_over_a_hand_written_group_and_keeps_others() {
        let page = "---\nmethod: get\n---\n::: code-group\n\n```json [Response]\n{}\n```\n\n:::\n\nBefore.\n\n:::: code-group\n```bash [Curl]\ncurl old\n```\n::::\n\nAfter.\n\n::: code-group\n\n```bash [Curl]\ndup\n```\n\n:::\n\nEnd.\n\n```md\n::: code-group\n```\n";
        let s = structure(page);
        assert_eq!(
            crate::format::Format::existing(&Vitepress, &s, &["Curl", "Python (requests)"]),
            vec![
                ("Curl".into(), "curl old\n".into()),
                ("Curl".into(), "dup\n".into())
            ]
        );
        let out = place_twice(&Vitepress, page, &two());
        assert!(out.starts_with("---\nmethod: get\n---\n::: code-group\n\n```json [Response]\n{}\n```\n\n:::\n\nBefore.\n\n::: code-group\n\n```bash [Curl]\n"), "{out}");
        // A later group docsnip did not write is kept as it stands (with a warning).
        assert!(
            out.ends_with(":::\n\nAfter.\n\n::: code-group\n\n```bash [Curl]\ndup\n```\n\n:::\n\nEnd.\n\n```md\n::: code-group\n```\n"),
            "{out}"
        );
        assert!(!out.contains("old"));
    }

    #[test]
    fn fences_and_container_lines_in_code_stay_code() {
        let s = vec![snip("x", "Curl", "bash", "a\n```\n:::\n{1,3}\nb {.c}\n")];
        let out = Vitepress.write(&s, "\n");
        assert_eq!(
            out,
            ":::: code-group\n\n````bash [Curl]\na\n```\n:::\n{1,3}\nb {.c}\n````\n\n::::\n"
        );
        let g = Vitepress.groups(&out);
        assert_eq!(
            g[0].tabs,
            vec![("Curl".into(), "a\n```\n:::\n{1,3}\nb {.c}\n".into())]
        );
    }

    #[test]
    fn refuses_what_vitepress_changes() {
        assert_eq!(refusal("Curl", "curl 'a {{ b }}'\n"), None);
        assert_eq!(refusal("Python (requests)", "x = '\t'\n"), None);
        assert_eq!(
            refusal("Curl", "curl '[!code] [!code foo] [!code focus:x]'\n"),
            None
        );
        for (title, code) in [
            ("Curl", "curl 'a  \n"),
            ("Curl", "curl 'a\u{a0}\n"),
            ("Curl", "curl 'a'\n\n"),
            ("Curl", "curl 'a\rb'\n"),
            ("Curl", "curl '# [!code focus]'\n"),
            ("Curl", "curl 'x // [!code ++:2]'\n"),
            ("A {x}", "a\n"),
            ("A <b>", "a\n"),
            ("A &amp;", "a\n"),
            ("[A]", "a\n"),
            (" A", "a\n"),
            ("A`", "a\n"),
        ] {
            assert!(refusal(title, code).is_some(), "{title:?} {code:?}");
        }
    }
}
