//! `hugo`: a tabs shortcode holding one tab per language, Docsy's by default:
//!
//! ```text
//! {{< tabpane >}}
//! {{< tab header="Curl" lang="bash" >}}
//! curl …
//! {{< /tab >}}
//! {{< /tabpane >}}
//! ```
//!
//! The group and tab shortcode names and their parameters are settings (`hugo:` in
//! `docsnip.yml`). Docsy's `tabpane` keeps the reader's language across pages
//! (`persistLang`, on by default).
//!
//! Escaping: Hugo reads `{{<` and `{{%` as shortcodes everywhere in a page, code
//! included, and its first `<!--more-->` as the summary divider. Each `{{<` … `>}}` (and
//! `{{%` … `%}}`) in the code is written in Hugo's comment form `{{</*` … `*/>}}`, which
//! Hugo shows as the text itself. Code that holds an opener with no closer after it, or
//! `<!--more-->`, or a character a page cannot carry as is (CR, other control
//! characters) is written instead as HTML (`<pre><code>`, every such character an
//! entity) in a tab with `text=true`.

use super::{Group, Tabs, attribute};
use crate::format::splice::Snippet;
use crate::page;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The group shortcode.
    pub tabs: String,
    /// Parameters written in the group shortcode (`""` for none).
    pub tabs_params: String,
    /// The tab shortcode.
    pub tab: String,
    /// Parameters of each tab: `{title}`, `{fence}` and `{name}` are replaced by the
    /// language's (escaped for a quoted parameter).
    pub tab_params: String,
    /// Parameters added to a tab whose code is written as HTML.
    pub html_params: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tabs: "tabpane".into(),
            tabs_params: String::new(),
            tab: "tab".into(),
            tab_params: "header=\"{title}\" lang=\"{fence}\"".into(),
            html_params: "text=true".into(),
        }
    }
}

pub struct Hugo(pub Settings);

/// The shortcode a line opens or closes: (name, closing, the text inside the delimiters).
fn shortcode(line: &str) -> Option<(&str, bool, &str)> {
    let t = line.trim();
    let (inner, _) = t
        .strip_prefix("{{<")
        .and_then(|r| r.strip_suffix(">}}").map(|i| (i, '<')))
        .or_else(|| {
            t.strip_prefix("{{%")
                .and_then(|r| r.strip_suffix("%}}").map(|i| (i, '%')))
        })?;
    let inner = inner.trim();
    if inner.starts_with("/*") {
        return None; // Hugo's comment form: text, not a shortcode
    }
    let (closing, rest) = match inner.strip_prefix('/') {
        Some(r) => (true, r.trim_start()),
        None => (false, inner),
    };
    let name_end = rest.find([' ', '\t']).unwrap_or(rest.len());
    Some((&rest[..name_end], closing, &rest[name_end..]))
}

/// A value for a quoted shortcode parameter.
fn quoted(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The code as Hugo shows it inside a shortcode, or `None` when only HTML can carry it.
fn escape(code: &str) -> Option<String> {
    if code.contains("<!--more-->")
        || code
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return None;
    }
    let mut out = String::with_capacity(code.len() + 16);
    let mut at = 0;
    while let Some(i) = code[at..].find("{{").map(|i| at + i) {
        let closer = match code[i + 2..].chars().next() {
            Some('<') => ">}}",
            Some('%') => "%}}",
            _ => {
                out.push_str(&code[at..i + 1]);
                at = i + 1;
                continue;
            }
        };
        let inner_start = i + 3;
        let inner_end = inner_start + code[inner_start..].find(closer)?;
        out.push_str(&code[at..inner_start]);
        out.push_str("/*");
        out.push_str(&code[inner_start..inner_end]);
        out.push_str("*/");
        out.push_str(closer);
        at = inner_end + 3;
    }
    out.push_str(&code[at..]);
    Some(out)
}

/// The inverse of [`escape`].
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(i) = text[at..].find("{{").map(|i| at + i) {
        let closer = match &text[i + 2..] {
            r if r.starts_with("</*") => "*/>}}",
            r if r.starts_with("%/*") => "*/%}}",
            _ => {
                out.push_str(&text[at..i + 1]);
                at = i + 1;
                continue;
            }
        };
        let inner = i + 5;
        let Some(end) = text[inner..].find(closer).map(|e| inner + e) else {
            break;
        };
        out.push_str(&text[at..i + 3]);
        out.push_str(&text[inner..end]);
        out.push_str(&closer[2..]);
        at = end + closer.len();
    }
    out.push_str(&text[at..]);
    out
}

/// Code as HTML text: markup, shortcode openers and control characters as entities.
fn html(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + 16);
    for c in code.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '{' => out.push_str("&#123;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#{};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

const PRE: &str = "<pre><code";

impl Tabs for Hugo {
    fn groups(&self, body: &str) -> Vec<Group> {
        let s = &self.0;
        let mut groups = Vec::new();
        let mut open: Option<Group> = None;
        let mut tab: Option<(String, usize)> = None;
        for r in page::lines(body) {
            let line = page::content(&body[r.clone()]);
            let Some((name, closing, params)) = shortcode(line) else {
                continue;
            };
            match open.as_mut() {
                None if name == s.tabs && !closing => {
                    open = Some(Group {
                        range: r.clone(),
                        tabs: Vec::new(),
                    });
                }
                None => {}
                Some(_) if name == s.tab && !closing => {
                    let label = attribute(params, "header")
                        .or_else(|| attribute(params, "title"))
                        .or_else(|| {
                            let p = params.trim();
                            let q = p.strip_prefix('"')?;
                            q.find('"').map(|e| q[..e].to_string())
                        })
                        .unwrap_or_default();
                    tab = Some((label, r.end));
                }
                Some(g) if name == s.tab => {
                    if let Some((label, from)) = tab.take() {
                        let inner = &body[from..r.start];
                        let code = match inner.trim_start().strip_prefix(PRE) {
                            Some(rest) => {
                                let rest = rest.split_once('>').map_or("", |(_, t)| t);
                                super::decode_entities(
                                    rest.rsplit_once("</code></pre>").map_or(rest, |(c, _)| c),
                                )
                            }
                            None => unescape(inner),
                        };
                        g.tabs.push((label, code));
                    }
                }
                Some(g) if name == s.tabs => {
                    g.range.end = r.end;
                    groups.extend(open.take());
                    tab = None;
                }
                Some(_) => {}
            }
        }
        groups
    }

    fn write(&self, snippets: &[Snippet], nl: &str) -> String {
        let s = &self.0;
        let params = |p: &str| {
            if p.is_empty() {
                String::new()
            } else {
                format!(" {p}")
            }
        };
        let mut out = format!("{{{{< {}{} >}}}}{nl}", s.tabs, params(&s.tabs_params));
        for snip in snippets {
            let tab_params = s
                .tab_params
                .replace("{title}", &quoted(&snip.title))
                .replace("{fence}", &quoted(&snip.fence))
                .replace("{name}", &quoted(&snip.name));
            match escape(&snip.code) {
                Some(code) => {
                    out.push_str(&format!("{{{{< {}{} >}}}}{nl}", s.tab, params(&tab_params)));
                    for l in code.split_inclusive('\n') {
                        out.push_str(l.strip_suffix('\n').unwrap_or(l));
                        out.push_str(nl);
                    }
                }
                None => {
                    let all = format!("{tab_params} {}", s.html_params);
                    out.push_str(&format!("{{{{< {}{} >}}}}{nl}", s.tab, params(all.trim())));
                    let code = snip.code.strip_suffix('\n').unwrap_or(&snip.code);
                    out.push_str(&format!(
                        "{PRE} class=\"language-{}\">{}</code></pre>{nl}",
                        html(&snip.fence),
                        html(code).replace('\n', nl)
                    ));
                }
            }
            out.push_str(&format!("{{{{< /{} >}}}}{nl}", s.tab));
        }
        out.push_str(&format!("{{{{< /{} >}}}}{nl}", s.tabs));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{place_twice, snip, structure, two};
    use super::*;
    use crate::format::Format;

    fn fmt() -> Hugo {
        Hugo(Settings::default())
    }

    #[test]
    fn appends_a_tabpane_with_shortcodes_in_code_escaped() {
        let page = "---\nmethod: get\n---\nText.\n";
        let out = place_twice(&fmt(), page, &two());
        assert_eq!(
            out,
            "---\nmethod: get\n---\nText.\n\n{{< tabpane >}}\n{{< tab header=\"Curl\" lang=\"bash\" >}}\ncurl 'https://x/{{</* a */>}}'\n{{< /tab >}}\n{{< tab header=\"Python (requests)\" lang=\"python\" >}}\nimport requests\n\nx = \"{a}\"\n{{< /tab >}}\n{{< /tabpane >}}\n"
        );
        let s = structure(&out);
        assert_eq!(
            fmt().existing(&s, &["Curl", "Python (requests)"])[0].1,
            "curl 'https://x/{{< a >}}'\n"
        );
    }

    #[test]
    fn escaping_round_trips_and_falls_back_to_html() {
        for code in [
            "{{< x >}} {{% y %}}",
            "{{</* z */>}}",
            "{{<>}}{{%%}}",
            "a {{ b }} {{",
            "{{< /tab >}}",
        ] {
            let e = escape(code).unwrap();
            assert_eq!(unescape(&e), code, "{e}");
            assert!(
                !e.replace("{{</*", "").replace("{{%/*", "").contains("{{<"),
                "{e}"
            );
        }
        for code in ["{{< never closed", "x {{% y", "<!--more-->", "a\rb"] {
            assert_eq!(escape(code), None, "{code}");
        }
        let s = vec![snip(
            "curl",
            "Curl",
            "bash",
            "a {{< b\r\n<!--more--> & {{% c\n",
        )];
        let out = fmt().write(&s, "\n");
        assert_eq!(
            out,
            "{{< tabpane >}}\n{{< tab header=\"Curl\" lang=\"bash\" text=true >}}\n<pre><code class=\"language-bash\">a &#123;&#123;&lt; b&#13;\n&lt;!--more--&gt; &amp; &#123;&#123;% c</code></pre>\n{{< /tab >}}\n{{< /tabpane >}}\n"
        );
        assert_eq!(
            fmt().groups(&out)[0].tabs[0].1,
            "a {{< b\r\n<!--more--> & {{% c"
        );
    }

    #[test]
    fn takes_over_and_configurable_names() {
        let h = Hugo(Settings {
            tabs: "tabs".into(),
            tabs_params: "groupid=\"api\"".into(),
            tab: "tab".into(),
            tab_params: "title=\"{title}\"".into(),
            html_params: String::new(),
        });
        let page = "---\nmethod: get\n---\n{{< tabs >}}\n{{% tab title=\"Curl\" %}}\nold\n{{% /tab %}}\n{{< /tabs >}}\n\nKeep {{< ref \"x\" >}}.\n";
        let out = place_twice(&h, page, &two()[..1]);
        assert_eq!(
            out,
            "---\nmethod: get\n---\n{{< tabs groupid=\"api\" >}}\n{{< tab title=\"Curl\" >}}\ncurl 'https://x/{{</* a */>}}'\n{{< /tab >}}\n{{< /tabs >}}\n\nKeep {{< ref \"x\" >}}.\n"
        );
    }
}
