//! `docusaurus`: MDX tabs for Docusaurus 3, in `.md` and `.mdx` pages:
//!
//! ````text
//! import Tabs from '@theme/Tabs';
//! import TabItem from '@theme/TabItem';
//!
//! <Tabs groupId="api-language">
//! <TabItem value="curl" label="Curl">
//!
//! ```bash
//! curl …
//! ```
//!
//! </TabItem>
//! </Tabs>
//! ````
//!
//! The two imports are added once, at the top of the body, when missing. `groupId`
//! makes Docusaurus keep the reader's language choice across pages.
//!
//! Escaping: MDX reads `{`, `<` and `import`/`export` as code outside fenced blocks, so
//! snippet text only ever stands inside a fence longer than any backtick run in it;
//! labels that hold `"` or `&` (which JSX strings cannot carry as is) are written as a
//! JavaScript string expression, `label={"…"}`. A CR cannot pass through Markdown or
//! React's text (HTML reads it as a line break), so code holding one is written as
//! `<pre><code dangerouslySetInnerHTML={{__html: "…"}} /></pre>`: its HTML text, markup and
//! the CR as character references.

use super::{Group, Tabs, attribute, fence_for, first_code};
use crate::format::splice::Snippet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The `groupId` of every group: tabs with the same id switch together, site-wide.
    pub group_id: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            group_id: "api-language".into(),
        }
    }
}

pub struct Docusaurus(pub Settings);

const IMPORTS: [(&str, &str); 2] = [
    ("import Tabs from", "import Tabs from '@theme/Tabs';"),
    (
        "import TabItem from",
        "import TabItem from '@theme/TabItem';",
    ),
];

/// Whether `line` opens the JSX element `name` (`<Tabs`, `<Tabs>`, `<Tabs groupId…`).
fn opens(line: &str, name: &str) -> bool {
    let t = line.trim_start();
    line.len() - t.len() <= 3
        && t.strip_prefix('<')
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '>', '/']))
}

fn closes(line: &str, name: &str) -> bool {
    let t = line.trim();
    t.strip_prefix("</")
        .and_then(|r| r.strip_prefix(name))
        .is_some_and(|r| r.trim_start() == ">")
}

const HTML_START: &str = "<pre><code className=";
const HTML_MARK: &str = "dangerouslySetInnerHTML={{__html: ";

/// Code holding a CR, which Markdown (and React's HTML) would turn into a line break:
/// its HTML, with the CR as a character reference, given to React as is.
fn html_block(code: &str, fence: &str) -> String {
    let code = code.strip_suffix('\n').unwrap_or(code);
    let mut h = String::with_capacity(code.len() + 16);
    for c in code.chars() {
        match c {
            '&' => h.push_str("&amp;"),
            '<' => h.push_str("&lt;"),
            '>' => h.push_str("&gt;"),
            '\r' => h.push_str("&#13;"),
            c => h.push(c),
        }
    }
    format!(
        "{HTML_START}{} {HTML_MARK}{}}}}} /></pre>",
        jsx_value(&format!("language-{fence}")),
        serde_json::Value::String(h)
    )
}

/// The code a tab's content shows: its first fenced block, or the HTML docsnip wrote.
fn tab_code(content: &str) -> String {
    if let Some(at) = content.find(HTML_MARK)
        && content.trim_start().starts_with(HTML_START)
    {
        let json = content[at + HTML_MARK.len()..].trim_start();
        let mut de = serde_json::Deserializer::from_str(json).into_iter::<String>();
        if let Some(Ok(h)) = de.next() {
            return super::decode_entities(&h);
        }
    }
    first_code(content)
}

/// A JSX attribute value: a plain string when JSX reads it back unchanged, else a
/// JavaScript string expression.
fn jsx_value(v: &str) -> String {
    if v.contains(['"', '&']) || v.chars().any(char::is_control) {
        format!("{{{}}}", serde_json::Value::String(v.to_string()))
    } else {
        format!("\"{v}\"")
    }
}

impl Tabs for Docusaurus {
    fn groups(&self, body: &str) -> Vec<Group> {
        let mut groups = Vec::new();
        let mut open: Option<Group> = None;
        let mut item: Option<(String, usize)> = None;
        for (start, line) in super::lines_outside_fences(body) {
            let end = super::line_end(body, start);
            match open.as_mut() {
                None if opens(line, "Tabs") => {
                    open = Some(Group {
                        range: start..end,
                        tabs: Vec::new(),
                    });
                }
                None => {}
                Some(g) => {
                    if opens(line, "TabItem") {
                        let label = attribute(line, "label")
                            .or_else(|| attribute(line, "value"))
                            .unwrap_or_default();
                        item = Some((label, end));
                    } else if closes(line, "TabItem") {
                        if let Some((label, from)) = item.take() {
                            g.tabs.push((label, tab_code(&body[from..start])));
                        }
                    } else if closes(line, "Tabs") {
                        g.range.end = end;
                        groups.extend(open.take());
                        item = None;
                    }
                }
            }
        }
        groups
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "<Tabs groupId={}>{nl}",
            jsx_value(&self.0.group_id)
        ));
        for s in snippets {
            out.push_str(&format!(
                "<TabItem value={} label={}>{nl}{nl}",
                jsx_value(&s.name),
                jsx_value(&s.title),
            ));
            if s.code.contains('\r') {
                out.push_str(&html_block(&s.code, &s.fence));
                out.push_str(nl);
            } else {
                let fence = fence_for(&s.code, '`');
                out.push_str(&format!("{fence}{}{nl}", s.fence));
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
        let lines = super::lines_outside_fences(body);
        let missing: Vec<&str> = IMPORTS
            .iter()
            .filter(|(probe, _)| !lines.iter().any(|(_, l)| l.starts_with(probe)))
            .map(|(_, line)| *line)
            .collect();
        if missing.is_empty() {
            return None;
        }
        let mut p = String::new();
        for l in missing {
            p.push_str(l);
            p.push_str(nl);
        }
        if !body.starts_with("import ") && !body.starts_with(['\n', '\r']) {
            p.push_str(nl);
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, structure, two};
    use super::*;
    use crate::format::Format;

    fn fmt() -> Docusaurus {
        Docusaurus(Settings::default())
    }

    #[test]
    fn appends_one_group_and_the_imports_once() {
        let page = "---\nmethod: get\n---\n# Title\n\nText with {braces} escaped by the author.\n";
        let out = place_twice(&fmt(), page, &two());
        assert_eq!(
            out,
            "---\nmethod: get\n---\nimport Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n# Title\n\nText with {braces} escaped by the author.\n\n<Tabs groupId=\"api-language\">\n<TabItem value=\"curl\" label=\"Curl\">\n\n```bash\ncurl 'https://x/{{< a >}}'\n```\n\n</TabItem>\n<TabItem value=\"python\" label=\"Python (requests)\">\n\n```python\nimport requests\n\nx = \"{a}\"\n```\n\n</TabItem>\n</Tabs>\n"
        );
        assert_eq!(out.matches("import Tabs from").count(), 1);
    }

    #[test]
    fn takes_over_a_hand_written_group_and_keeps_the_others_as_they_stand() {
        let page = "---\nmethod: get\n---\nimport Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n<Tabs>\n<TabItem value=\"a\" label=\"Response\">\n\n```json\n{}\n```\n\n</TabItem>\n</Tabs>\n\nBefore.\n\n<Tabs groupId=\"x\">\n  <TabItem value=\"c\" label=\"Curl\">\n\n  ```bash\n  curl old\n  ```\n\n  </TabItem>\n</Tabs>\n\nAfter.\n\n<Tabs>\n<TabItem value=\"c\" label=\"Curl\">\n\n```bash\ndup\n```\n\n</TabItem>\n</Tabs>\n\nEnd.\n";
        let f = fmt();
        let s = structure(page);
        assert_eq!(
            f.existing(&s, &["Curl", "Python (requests)"]),
            vec![
                ("Curl".into(), "curl old\n".into()),
                ("Curl".into(), "dup\n".into())
            ]
        );
        let out = place_twice(&f, page, &two());
        assert!(out.starts_with("---\nmethod: get\n---\nimport Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n<Tabs>\n<TabItem value=\"a\" label=\"Response\">"));
        assert!(out.contains("Before.\n\n<Tabs groupId=\"api-language\">\n"));
        // A second owned group is the user's: kept as it stands, and reported.
        assert!(
            out.ends_with("</Tabs>\n\nAfter.\n\n<Tabs>\n<TabItem value=\"c\" label=\"Curl\">\n\n```bash\ndup\n```\n\n</TabItem>\n</Tabs>\n\nEnd.\n"),
            "{out}"
        );
        assert!(!out.contains("old"));
        let titles = ["Curl", "Python (requests)"];
        assert_eq!(
            f.place(&s, &two(), &titles, &[]).kept,
            vec![crate::format::Kept {
                at: page.find("<Tabs>\n<TabItem value=\"c\"").unwrap(),
                titles: vec!["Curl".into()],
                written: page.find("<Tabs groupId=\"x\">"),
            }]
        );
    }

    #[test]
    fn code_with_a_cr_is_written_as_html() {
        let s = vec![super::super::testing::snip(
            "curl",
            "Curl",
            "bash",
            "a\rb <c> & \"d\"\r\n",
        )];
        let out = fmt().write(&s, "\n");
        assert!(
            out.contains("\n\n<pre><code className=\"language-bash\" dangerouslySetInnerHTML={{__html: \"a&#13;b &lt;c&gt; &amp; \\\"d\\\"&#13;\"}} /></pre>\n\n</TabItem>\n"),
            "{out}"
        );
        assert_eq!(fmt().groups(&out)[0].tabs[0].1, "a\rb <c> & \"d\"\r");
    }

    #[test]
    fn hostile_labels_and_fences() {
        let s = vec![super::super::testing::snip(
            "x",
            "A \"&amp;\" B",
            "bash",
            "a\n```\n````js\n",
        )];
        let out = fmt().write(&s, "\n");
        assert!(out.contains("label={\"A \\\"&amp;\\\" B\"}"), "{out}");
        assert!(
            out.contains("\n`````bash\na\n```\n````js\n`````\n"),
            "{out}"
        );
        let g = fmt().groups(&out);
        assert_eq!(
            g[0].tabs,
            vec![("A \"&amp;\" B".to_string(), "a\n```\n````js\n".to_string())]
        );
    }
}
