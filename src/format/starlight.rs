//! `starlight`: Astro Starlight's `<Tabs>` / `<TabItem>` components in `.mdx` pages:
//!
//! ````text
//! import { Tabs, TabItem } from '@astrojs/starlight/components';
//!
//! <Tabs syncKey="api-language">
//! <TabItem label="Curl">
//!
//! ```bash title="" frame="code"
//! curl …
//! ```
//!
//! </TabItem>
//! </Tabs>
//! ````
//!
//! The import is added once, at the top of the body, when missing. `syncKey` makes
//! Starlight switch every group on the page together and remember the reader's choice
//! across pages. Endpoint pages must be `.mdx` (a `.md` page cannot hold components:
//! it is refused with an error saying to rename it). Code holding a CR is refused (docsnip's
//! own check refuses it first): Markdown and HTML both read it as a line break.
//!
//! Escaping: MDX reads `{`, `<` and `import`/`export` as code outside fenced blocks, so
//! code only stands inside a fence longer than any backtick run in it, and labels that
//! JSX strings cannot carry are JavaScript string expressions (as for Docusaurus).
//! Starlight draws fenced code with Expressive Code, which would change it: a comment
//! in the first lines that looks like a file name (`# /orders/`) becomes the frame's
//! title and leaves the code (`title=""` stops that), and the copy button of a terminal
//! frame drops comment lines (`frame="code"` stops that). It also trims white space at
//! the end of every line, drops blank first and last lines and turns tabs into spaces
//! (unless the site sets `tabWidth: 0`), which no fence setting stops: such code is
//! written as `<pre><code>{"…"}</code></pre>`, its text a JavaScript string that MDX
//! gives the page as is (Expressive Code does not see JSX elements).

use super::docusaurus::{jsx_groups, jsx_value};
use super::vitepress::js_space;
use super::{Group, Tabs, fence_for, first_code};
use crate::format::splice::Snippet;

pub struct Starlight;

/// The `syncKey` of every group: groups with the same key switch together, site-wide.
const SYNC_KEY: &str = "api-language";
const MODULE: &str = "@astrojs/starlight/components";
const PRE_START: &str = "<pre><code>{";
const PRE_END: &str = "}</code></pre>";

/// Whether Expressive Code would show `code` differently from how it is written.
fn expressive_code_changes(code: &str) -> bool {
    let body = code.strip_suffix('\n').unwrap_or(code);
    let lines: Vec<&str> = body.split('\n').collect();
    body.contains('\t')
        || lines.iter().any(|l| l.trim_end_matches(js_space) != *l)
        || lines.first().is_some_and(|l| l.is_empty())
        || lines.last().is_some_and(|l| l.is_empty())
}

/// The code a tab's content shows: its first fenced block, or the `<pre>` docsnip wrote.
fn tab_code(content: &str) -> String {
    let t = content.trim();
    if let Some(rest) = t.strip_prefix(PRE_START)
        && rest.ends_with(PRE_END)
    {
        let mut de = serde_json::Deserializer::from_str(rest).into_iter::<String>();
        if let Some(Ok(code)) = de.next() {
            return code;
        }
    }
    first_code(content)
}

/// The identifiers an `import` line names.
fn imported(line: &str) -> Vec<&str> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
        .filter(|w| !w.is_empty())
        .collect()
}

impl Tabs for Starlight {
    fn refuse(&self, s: &Snippet) -> Option<String> {
        s.code.contains('\r').then(|| {
            "the snippet holds a CR, which neither a fenced block nor MDX text can carry (both read it as a line break)".into()
        })
    }

    fn refuse_page(&self, ext: &str) -> Option<String> {
        (ext != "mdx").then(|| {
            format!(
                "Starlight's <Tabs> components only work in MDX: rename this .{ext} page to .mdx"
            )
        })
    }

    fn groups(&self, body: &str) -> Vec<Group> {
        jsx_groups(body, tab_code)
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let mut out = format!("<Tabs syncKey={}>{nl}", jsx_value(SYNC_KEY));
        for s in snippets {
            out.push_str(&format!("<TabItem label={}>{nl}{nl}", jsx_value(&s.title)));
            if expressive_code_changes(&s.code) {
                let code = s.code.strip_suffix('\n').unwrap_or(&s.code);
                out.push_str(PRE_START);
                out.push_str(&serde_json::Value::String(code.to_string()).to_string());
                out.push_str(PRE_END);
                out.push_str(nl);
            } else {
                let fence = fence_for(&s.code, '`');
                out.push_str(&format!("{fence}{} title=\"\" frame=\"code\"{nl}", s.fence));
                for l in s.code.lines() {
                    out.push_str(l);
                    out.push_str(nl);
                }
                out.push_str(&fence);
                out.push_str(nl);
            }
            out.push_str(&format!("{nl}</TabItem>{nl}"));
        }
        out.push_str(&format!("</Tabs>{nl}"));
        out
    }

    fn prelude(&self, body: &str, nl: &str) -> Option<String> {
        let names: Vec<&str> = super::lines_outside_fences(body)
            .into_iter()
            .filter(|(_, l)| l.starts_with("import ") && l.contains(MODULE))
            .flat_map(|(_, l)| imported(l))
            .collect();
        let missing: Vec<&str> = ["Tabs", "TabItem"]
            .into_iter()
            .filter(|n| !names.contains(n))
            .collect();
        if missing.is_empty() {
            return None;
        }
        let mut p = format!("import {{ {} }} from '{MODULE}';{nl}", missing.join(", "));
        if !body.starts_with("import ") && !body.starts_with(['\n', '\r']) {
            p.push_str(nl);
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, snip, structure, two};
    use super::*;

    #[test]
    fn appends_one_group_and_the_import_once() {
        let page = "---\ntitle: T\nmethod: get\n---\n# Title\n\nText with {'{braces}'} escaped by the author.\n";
        let out = place_twice(&Starlight, page, &two());
        insta::assert_snapshot!(out);
        assert_eq!(out.matches("import {").count(), 1);
    }

    #[test]
    fn takes_over_a_hand_written_group_and_keeps_others() {
        let page = "---\ntitle: T\nmethod: get\n---\nimport { Card, Tabs } from '@astrojs/starlight/components';\n\n<Tabs>\n<TabItem label=\"Response\">\n\n```json\n{}\n```\n\n</TabItem>\n</Tabs>\n\nBefore.\n\n<Tabs syncKey=\"x\">\n  <TabItem label=\"Curl\">\n\n  ```bash\n  curl old\n  ```\n\n  </TabItem>\n</Tabs>\n\nAfter.\n";
        let s = structure(page);
        assert_eq!(
            crate::format::Format::existing(&Starlight, &s, &["Curl", "Python (requests)"]),
            vec![("Curl".into(), "curl old\n".into())]
        );
        let out = place_twice(&Starlight, page, &two());
        assert!(out.starts_with("---\ntitle: T\nmethod: get\n---\nimport { TabItem } from '@astrojs/starlight/components';\nimport { Card, Tabs } from '@astrojs/starlight/components';\n\n<Tabs>\n<TabItem label=\"Response\">"), "{out}");
        assert!(out.contains("Before.\n\n<Tabs syncKey=\"api-language\">\n<TabItem label=\"Curl\">\n\n```bash title=\"\" frame=\"code\"\n"), "{out}");
        assert!(out.ends_with("</Tabs>\n\nAfter.\n"), "{out}");
        assert!(!out.contains("old"));
    }

    #[test]
    fn code_expressive_code_would_change_is_a_pre() {
        for code in [
            "a\tb\n",
            "a  \nb\n",
            "a\u{a0}\n",
            "\nb\n",
            "a\n\n",
            "x = \"</code>\" {a} \\ \u{feff}\n",
        ] {
            let s = vec![snip("curl", "Curl", "bash", code)];
            let out = Starlight.write(&s, "\n");
            assert!(out.contains("\n\n<pre><code>{\""), "{code:?}: {out}");
            assert_eq!(
                Starlight.groups(&out)[0].tabs[0].1,
                code.strip_suffix('\n').unwrap()
            );
        }
        let out = Starlight.write(&[snip("c", "A \"&\" B", "bash", "# /orders/\nx\n")], "\n");
        assert_eq!(
            out,
            "<Tabs syncKey=\"api-language\">\n<TabItem label={\"A \\\"&\\\" B\"}>\n\n```bash title=\"\" frame=\"code\"\n# /orders/\nx\n```\n\n</TabItem>\n</Tabs>\n"
        );
        assert_eq!(
            Starlight.groups(&out)[0].tabs,
            vec![("A \"&\" B".into(), "# /orders/\nx\n".into())]
        );
    }

    #[test]
    fn md_pages_and_cr_are_refused() {
        assert!(
            Starlight
                .refuse(&snip("c", "Curl", "bash", "a\rb\n"))
                .is_some()
        );
        assert!(
            Starlight
                .refuse(&snip("c", "Curl", "bash", "a\tb  \n"))
                .is_none()
        );
        assert!(Starlight.refuse_page("md").unwrap().contains(".mdx"));
        assert_eq!(Starlight.refuse_page("mdx"), None);
    }
}
