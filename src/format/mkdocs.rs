//! `mkdocs`: Material for MkDocs content tabs (`pymdownx.tabbed` with
//! `alternate_style: true`, `pymdownx.superfences`):
//!
//! ````text
//! === "Curl"
//!
//!     ```bash
//!     curl …
//!     ```
//!
//! === "HTTPie"
//!
//!     ```bash
//!     http …
//!     ```
//! ````
//!
//! With Material's `content.tabs.link` feature, tabs with the same label switch
//! together, across pages.
//!
//! Escaping: a tab's content is its indented lines, so every code line is indented by
//! four spaces (blank lines stay empty) inside a fence longer than any backtick run in
//! the code; a label's Markdown punctuation is backslash-escaped. Python-Markdown
//! rewrites some text before any extension sees it (tabs become spaces, CR becomes LF,
//! lines of only spaces become empty, STX/ETX are dropped), so code holding a tab, a
//! control character or a white-space-only line is written as one line of HTML instead,
//! `<pre><code>` with every such character, every line break and all ASCII punctuation
//! as a character reference (nothing left for Markdown to read).

use super::{Group, Tabs, fence_for, first_code};
use crate::format::splice::Snippet;

pub struct Mkdocs;

const INDENT: &str = "    ";

/// A tab header line: `=== "Label"` (with `!` it starts a new group), as
/// (label, starts_new_group).
fn header(line: &str) -> Option<(String, bool)> {
    let rest = line.strip_prefix("===")?;
    let marks: String = rest
        .chars()
        .take_while(|c| *c == '!' || *c == '+')
        .collect();
    let rest = &rest[marks.len()..];
    if marks.len() > 2 || !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim();
    let label = rest.strip_prefix('"')?.strip_suffix('"')?;
    Some((unescape(label), marks.contains('!')))
}

const ESCAPED: [char; 6] = ['\\', '`', '*', '_', '[', ']'];

fn escape(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.chars() {
        if ESCAPED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn unescape(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    let mut chars = label.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && ESCAPED.contains(&n)
        {
            out.push(n);
            chars.next();
        } else {
            out.push(c);
        }
    }
    out
}

const PRE: &str = "<pre><code";

/// Whether Python-Markdown would change the code before showing it.
fn needs_html(code: &str) -> bool {
    code.chars().any(|c| c.is_control() && c != '\n')
        || code
            .lines()
            .any(|l| !l.is_empty() && l.trim_matches([' ', '\t']).is_empty())
}

/// Code as one line of HTML text that Markdown leaves alone.
fn html(code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    for c in code.chars() {
        if c.is_ascii_alphanumeric()
            || c == ' '
            || (!c.is_ascii() && (!c.is_control() || (c as u32) >= 0x80))
        {
            out.push(c); // C1 controls stay raw: HTML reads &#128;..&#159; as Windows-1252.
        } else {
            out.push_str(&format!("&#{};", c as u32));
        }
    }
    out
}

/// The code a tab's (dedented) content shows.
fn tab_code(content: &str) -> String {
    match content.trim_start().strip_prefix(PRE) {
        Some(rest) => {
            let rest = rest.split_once('>').map_or("", |(_, t)| t);
            super::decode_entities(rest.rsplit_once("</code></pre>").map_or(rest, |(c, _)| c))
        }
        None => first_code(content),
    }
}

fn dedent(line: &str) -> &str {
    line.strip_prefix(INDENT)
        .or_else(|| line.strip_prefix('\t'))
        .unwrap_or(line.trim_start_matches(' '))
}

impl Tabs for Mkdocs {
    fn groups(&self, body: &str) -> Vec<Group> {
        struct Open {
            group: Group,
            /// The current tab: label and its content lines (dedented, with endings).
            tab: Option<(String, String)>,
            /// End of the last non-blank line of the group.
            last: usize,
        }
        fn close(o: Open, groups: &mut Vec<Group>) {
            let mut g = o.group;
            if let Some((label, content)) = o.tab {
                g.tabs.push((label, tab_code(&content)));
            }
            g.range.end = o.last;
            groups.push(g);
        }
        let mut groups = Vec::new();
        let mut open: Option<Open> = None;
        let mut prev_end = 0;
        for (start, line) in super::lines_outside_fences(body) {
            let end = super::line_end(body, start);
            let contiguous = start == prev_end;
            prev_end = end;
            let head = header(line);
            if let Some(o) = open.as_mut() {
                let part_of = contiguous
                    && (line.trim().is_empty()
                        || line.starts_with(INDENT)
                        || line.starts_with('\t')
                        || head.as_ref().is_some_and(|(_, new)| !new));
                if part_of {
                    if let Some((label, _)) = head {
                        if let Some((l, content)) = o.tab.take() {
                            o.group.tabs.push((l, tab_code(&content)));
                        }
                        o.tab = Some((label, String::new()));
                    } else if let Some((_, content)) = o.tab.as_mut() {
                        content.push_str(dedent(&body[start..end]));
                    }
                    if !line.trim().is_empty() {
                        o.last = end;
                    }
                    continue;
                }
                close(open.take().expect("open"), &mut groups);
            }
            if let Some((label, _)) = head {
                open = Some(Open {
                    group: Group {
                        range: start..end,
                        tabs: Vec::new(),
                    },
                    tab: Some((label, String::new())),
                    last: end,
                });
            }
        }
        if let Some(o) = open {
            close(o, &mut groups);
        }
        groups
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let mut out = String::new();
        for (i, s) in snippets.iter().enumerate() {
            if i > 0 {
                out.push_str(nl);
            }
            out.push_str(&format!("=== \"{}\"{nl}{nl}", escape(&s.title)));
            if needs_html(&s.code) {
                let code = s.code.strip_suffix('\n').unwrap_or(&s.code);
                out.push_str(&format!(
                    "{INDENT}{PRE} class=\"language-{}\">{}</code></pre>{nl}",
                    html(&s.fence),
                    html(code)
                ));
                continue;
            }
            let fence = fence_for(&s.code, '`');
            out.push_str(&format!("{INDENT}{fence}{}{nl}", s.fence));
            for l in s.code.lines() {
                if !l.is_empty() {
                    out.push_str(INDENT);
                    out.push_str(l);
                }
                out.push_str(nl);
            }
            out.push_str(&format!("{INDENT}{fence}{nl}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, snip, structure, two};
    use super::*;
    use crate::format::Format;

    #[test]
    fn appends_a_group_of_indented_tabs() {
        let page = "---\nmethod: get\n---\n# Title\n\nText.\n";
        let out = place_twice(&Mkdocs, page, &two());
        assert_eq!(
            out,
            "---\nmethod: get\n---\n# Title\n\nText.\n\n=== \"Curl\"\n\n    ```bash\n    curl 'https://x/{{< a >}}'\n    ```\n\n=== \"Python (requests)\"\n\n    ```python\n    import requests\n\n    x = \"{a}\"\n    ```\n"
        );
    }

    #[test]
    fn takes_over_a_hand_written_group_and_keeps_the_others_as_they_stand() {
        let page = "---\nmethod: get\n---\n=== \"Curl\"\n\n    ```bash\n    curl old\n    ```\n\n===! \"Response\"\n\n    ```json\n    {}\n    ```\n\nMiddle.\n\n=== \"Python (requests)\"\n    ```python\n    dup\n    ```\n\nEnd.\n";
        let s = structure(page);
        assert_eq!(
            Mkdocs.existing(&s, &["Curl", "Python (requests)"]),
            vec![
                ("Curl".into(), "curl old\n".into()),
                ("Python (requests)".into(), "dup\n".into())
            ]
        );
        let out = place_twice(&Mkdocs, page, &two());
        assert!(
            out.starts_with("---\nmethod: get\n---\n=== \"Curl\"\n\n    ```bash\n    curl 'https"),
            "{out}"
        );
        assert!(
            out.contains(
                "    ```\n\n===! \"Response\"\n\n    ```json\n    {}\n    ```\n\nMiddle.\n\n=== \"Python (requests)\"\n    ```python\n    dup\n    ```\n\nEnd.\n"
            ),
            "{out}"
        );
        assert!(!out.contains("old"));
        let kept = Mkdocs
            .place(&s, &two(), &["Curl", "Python (requests)"], &[])
            .kept;
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].at, page.find("=== \"Python").unwrap());
        assert_eq!(kept[0].written, Some(page.find("=== \"Curl").unwrap()));
    }

    #[test]
    fn code_markdown_would_change_is_written_as_html() {
        let code = "a\tb *c* `d`\r\n   \n\u{85}é\n";
        let s = vec![snip("x", "X", "bash", code)];
        let out = Mkdocs.write(&s, "\n");
        assert_eq!(
            out,
            "=== \"X\"\n\n    <pre><code class=\"language-bash\">a&#9;b &#42;c&#42; &#96;d&#96;&#13;&#10;   &#10;\u{85}é</code></pre>\n"
        );
        assert_eq!(
            Mkdocs.groups(&out)[0].tabs[0].1,
            code.trim_end_matches('\n')
        );
    }

    #[test]
    fn labels_and_fences_are_escaped() {
        let s = vec![snip("x", "A_*b*", "bash", "```\n  x\n")];
        let out = Mkdocs.write(&s, "\n");
        assert_eq!(
            out,
            "=== \"A\\_\\*b\\*\"\n\n    ````bash\n    ```\n      x\n    ````\n"
        );
        assert_eq!(
            Mkdocs.groups(&out)[0].tabs,
            vec![("A_*b*".to_string(), "```\n  x\n".to_string())]
        );
    }
}
