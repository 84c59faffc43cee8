//! Splicing generated blocks into a page: into the `right_code` front-matter value or the
//! body, replacing blocks with a language's title where they stand. Every line docsnip
//! does not replace is written back byte for byte.

use crate::config::Placement;
use crate::page::{self, Block};
use std::ops::Range;

/// A generated snippet, ready to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub title: String,
    pub fence: String,
    pub code: String,
}

/// One line of a container's Markdown.
#[derive(Debug, Clone)]
struct Line {
    /// The Markdown text of the line (indentation removed), with its line ending.
    text: String,
    /// The original bytes of the line in the page, for lines written back unchanged.
    orig: Option<Range<usize>>,
    /// Where `text` starts in the page.
    start: usize,
}

/// Markdown that holds snippet blocks: the `right_code` value or the body.
#[derive(Debug, Clone)]
struct Container {
    lines: Vec<Line>,
    /// Indentation written before new lines (the block scalar's; 0 in the body).
    indent: usize,
}

impl Container {
    fn text(&self) -> String {
        self.lines.iter().map(|l| l.text.as_str()).collect()
    }

    /// The titled blocks, with line index ranges instead of byte ranges.
    fn blocks(&self) -> Vec<(Range<usize>, Block)> {
        let text = self.text();
        let mut starts = Vec::with_capacity(self.lines.len() + 1);
        let mut at = 0;
        for l in &self.lines {
            starts.push(at);
            at += l.text.len();
        }
        starts.push(at);
        let line_of = |offset: usize| starts.partition_point(|&s| s < offset);
        page::fenced_blocks(&text)
            .into_iter()
            .map(|b| {
                let r = line_of(b.range.start)..line_of(b.range.end);
                (r, b)
            })
            .collect()
    }

    /// The page offset of a byte offset into `text()`.
    fn page_offset(&self, offset: usize) -> usize {
        let mut at = 0;
        for l in &self.lines {
            if offset < at + l.text.len() {
                return l.start + (offset - at);
            }
            at += l.text.len();
        }
        self.lines.last().map_or(0, |l| l.start + l.text.len())
    }

    fn render(&self, page: &str) -> String {
        let mut out = String::new();
        for l in &self.lines {
            match &l.orig {
                Some(r) => out.push_str(&page[r.clone()]),
                None if l.text.trim_end_matches(['\r', '\n']).is_empty() => out.push_str(&l.text),
                None => {
                    out.extend(std::iter::repeat_n(' ', self.indent));
                    out.push_str(&l.text);
                }
            }
        }
        out
    }
}

/// How the `right_code` value is written in the front-matter.
#[derive(Debug, Clone)]
enum RightCode {
    /// A `|` block scalar: its lines are spliced in place.
    Block { value: Container },
    /// Any other style (quoted, plain, folded): the whole entry is written anew as a
    /// `|` block scalar holding the same text plus the snippets.
    Other { entry: Range<usize>, value: String },
}

/// A page taken apart for placing snippets.
#[derive(Debug, Clone)]
pub struct Layout<'a> {
    page: &'a str,
    newline: &'static str,
    /// End of the YAML text (where a new `right_code` goes).
    yaml_end: usize,
    right_code: Option<(Range<usize>, RightCode)>,
    body: Container,
    body_start: usize,
}

impl<'a> Layout<'a> {
    /// `yaml` is the front-matter text range, `body` where the body starts,
    /// `right_code` the page offset of the `right_code` key and its value as text.
    pub fn new(
        page: &'a str,
        yaml: Range<usize>,
        body: usize,
        right_code: Option<(usize, &str)>,
    ) -> Self {
        let newline = page::newline(page);
        let body_container = Container {
            lines: page::lines(&page[body..])
                .map(|r| Line {
                    text: page[body + r.start..body + r.end].to_string(),
                    orig: Some(body + r.start..body + r.end),
                    start: body + r.start,
                })
                .collect(),
            indent: 0,
        };
        let right_code =
            right_code.map(|(key, value)| locate_right_code(page, yaml.clone(), key, value));
        Layout {
            page,
            newline,
            yaml_end: yaml.end,
            right_code,
            body: body_container,
            body_start: body,
        }
    }

    /// The code of the `right_code` block titled `title`, with the page offset of the
    /// start of its code (to place JSON errors) and a way to map code offsets.
    pub fn right_code_block(&self, title: &str) -> Option<(String, Vec<usize>)> {
        let Some((_, RightCode::Block { value })) = &self.right_code else {
            return None;
        };
        let (_, block) = value
            .blocks()
            .into_iter()
            .find(|(_, b)| b.title.as_deref() == Some(title))?;
        let text = value.text();
        let code = text[block.code.clone()].to_string();
        // Page offset of each code line's start.
        let mut line_starts = Vec::new();
        let mut at = block.code.start;
        for l in code.split_inclusive('\n') {
            line_starts.push(value.page_offset(at));
            at += l.len();
        }
        Some((code, line_starts))
    }

    /// The blocks with these titles found in the page, with the code they hold now.
    pub fn existing(&self, titles: &[&str]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut collect = |c: &Container| {
            let text = c.text();
            for (_, b) in c.blocks() {
                if let Some(t) = b.title.filter(|t| titles.contains(&t.as_str())) {
                    out.push((t, text[b.code.clone()].to_string()));
                }
            }
        };
        if let Some((_, RightCode::Block { value })) = &self.right_code {
            collect(value);
        }
        collect(&self.body);
        out
    }

    /// The page with `snippets` placed.
    pub fn place(&self, snippets: &[Snippet], placement: Placement) -> String {
        let nl = self.newline;
        let lines_of = |s: &Snippet| -> Vec<Line> { block_lines(s, nl) };
        let mut rc = self.right_code.clone();
        let mut body = self.body.clone();
        let mut placed = vec![false; snippets.len()];

        // Replace in place, in the right_code value, then in the body.
        let mut last_in_rc = None;
        if let Some((_, RightCode::Block { value })) = rc.as_mut() {
            last_in_rc = replace(value, snippets, &mut placed, &lines_of);
        }
        let last_in_body = replace(&mut body, snippets, &mut placed, &lines_of);

        // Place the rest next to the last existing one, else per `placement`.
        let missing: Vec<&Snippet> = snippets
            .iter()
            .zip(&placed)
            .filter(|(_, p)| !**p)
            .map(|(s, _)| s)
            .collect();
        let mut new_right_code: Option<String> = None;
        let mut other_value: Option<String> = None;
        if !missing.is_empty() {
            let mut new_lines: Vec<Line> = Vec::new();
            for s in &missing {
                new_lines.push(blank(nl));
                new_lines.extend(lines_of(s));
            }
            match (last_in_rc, last_in_body, rc.as_mut(), placement) {
                (Some(at), _, Some((_, RightCode::Block { value })), _) => {
                    insert_at(value, at, new_lines)
                }
                (None, Some(at), _, _) => insert_at(&mut body, at, new_lines),
                (_, _, _, Placement::Body) => append(&mut body, new_lines, nl),
                (_, _, Some((_, RightCode::Block { value })), Placement::RightCode) => {
                    append(value, new_lines, nl)
                }
                (_, _, Some((_, RightCode::Other { value, .. })), Placement::RightCode) => {
                    let mut c = Container {
                        lines: page::lines(value)
                            .map(|r| Line {
                                text: value[r].to_string(),
                                orig: None,
                                start: 0,
                            })
                            .collect(),
                        indent: 2,
                    };
                    append(&mut c, new_lines, nl);
                    other_value = Some(c.text());
                }
                (_, _, None, Placement::RightCode) => {
                    let mut c = Container {
                        lines: Vec::new(),
                        indent: 2,
                    };
                    new_lines.remove(0);
                    c.lines = new_lines;
                    new_right_code = Some(format!("right_code: |{nl}{}", c.render(self.page)));
                }
            }
        }

        // Write the page back.
        let mut out = String::with_capacity(self.page.len() + 4096);
        match &rc {
            Some((entry, RightCode::Block { value })) => {
                out.push_str(&self.page[..entry.start]);
                out.push_str(&value.render(self.page));
                out.push_str(&self.page[entry.end..self.yaml_end]);
            }
            Some((_, RightCode::Other { entry, value })) => {
                out.push_str(&self.page[..entry.start]);
                let text = other_value.as_deref().unwrap_or(value);
                let c = Container {
                    lines: page::lines(text)
                        .map(|r| Line {
                            text: text[r].to_string(),
                            orig: None,
                            start: 0,
                        })
                        .collect(),
                    indent: 2,
                };
                out.push_str(&format!("right_code: |{nl}{}", c.render(self.page)));
                if !text.ends_with('\n') && !text.is_empty() {
                    out.push_str(nl);
                }
                out.push_str(&self.page[entry.end..self.yaml_end]);
            }
            None => out.push_str(&self.page[..self.yaml_end]),
        }
        if let Some(r) = new_right_code {
            out.push_str(&r);
        }
        out.push_str(&self.page[self.yaml_end..self.body_start]);
        out.push_str(&body.render(self.page));
        out
    }
}

fn blank(nl: &str) -> Line {
    Line {
        text: nl.to_string(),
        orig: None,
        start: 0,
    }
}

/// Replace the first block with each snippet's title, drop later duplicates; returns the
/// line index just after the last snippet block in the container.
fn replace(
    c: &mut Container,
    snippets: &[Snippet],
    placed: &mut [bool],
    lines_of: &dyn Fn(&Snippet) -> Vec<Line>,
) -> Option<usize> {
    let blocks = c.blocks();
    let mut last = None;
    let mut edits: Vec<(Range<usize>, Option<usize>)> = Vec::new();
    let mut seen = vec![false; snippets.len()];
    for (lines, b) in &blocks {
        let Some(i) = snippets
            .iter()
            .position(|s| Some(&s.title) == b.title.as_ref())
        else {
            continue;
        };
        if seen[i] {
            // A duplicate: remove it, and one blank line after it.
            let mut end = lines.end;
            if c.lines.get(end).is_some_and(|l| l.text.trim().is_empty()) {
                end += 1;
            }
            edits.push((lines.start..end, None));
        } else {
            seen[i] = true;
            edits.push((lines.clone(), Some(i)));
        }
    }
    let mut edits_sorted = edits;
    edits_sorted.sort_by_key(|(r, _)| r.start);
    let mut out: Vec<Line> = Vec::with_capacity(c.lines.len());
    let mut at = 0;
    for (r, which) in edits_sorted {
        out.extend(c.lines[at..r.start].iter().cloned());
        if let Some(i) = which {
            out.extend(lines_of(&snippets[i]));
            placed[i] = true;
            last = Some(out.len());
        }
        at = r.end;
    }
    out.extend(c.lines[at..].iter().cloned());
    c.lines = out;
    last
}

fn insert_at(c: &mut Container, at: usize, lines: Vec<Line>) {
    let tail = c.lines.split_off(at);
    c.lines.extend(lines);
    c.lines.extend(tail);
}

/// Append after the last non-blank line (trailing blank lines stay last).
fn append(c: &mut Container, mut lines: Vec<Line>, nl: &str) {
    let at = c
        .lines
        .iter()
        .rposition(|l| !l.text.trim().is_empty())
        .map_or(0, |i| i + 1);
    if at == 0 {
        lines.remove(0); // nothing before: no blank line needed
    } else if !c.lines[at - 1].text.ends_with('\n') {
        // The last line has no line ending (end of the page): give it one.
        let last = &mut c.lines[at - 1];
        last.text.push_str(nl);
        last.orig = None;
    }
    insert_at(c, at, lines);
}

/// A snippet as kramdown lines: fence, code, fence, title.
fn block_lines(s: &Snippet, nl: &str) -> Vec<Line> {
    let longest = s
        .code
        .lines()
        .map(|l| l.trim_start().chars().take_while(|c| *c == '~').count())
        .max()
        .unwrap_or(0);
    let fence = "~".repeat((longest + 1).max(3));
    let mut lines = vec![Line {
        text: format!("{fence} {}{nl}", s.fence),
        orig: None,
        start: 0,
    }];
    for l in s.code.lines() {
        lines.push(Line {
            text: format!("{l}{nl}"),
            orig: None,
            start: 0,
        });
    }
    lines.push(Line {
        text: format!("{fence}{nl}"),
        orig: None,
        start: 0,
    });
    lines.push(Line {
        text: format!("{{: title=\"{}\" }}{nl}", s.title),
        orig: None,
        start: 0,
    });
    lines
}

/// Find the `right_code` entry's lines and how its value is written.
fn locate_right_code(
    page: &str,
    yaml: Range<usize>,
    key: usize,
    value: &str,
) -> (Range<usize>, RightCode) {
    let key_line_end = page[key..yaml.end]
        .find('\n')
        .map_or(yaml.end, |i| key + i + 1);
    // The entry runs to the next line that starts in column 0 with content.
    let mut end = key_line_end;
    for r in page::lines(&page[key_line_end..yaml.end]) {
        let line = &page[key_line_end + r.start..key_line_end + r.end];
        let c = page::content(line);
        if !c.trim().is_empty() && !c.starts_with([' ', '\t']) {
            break;
        }
        end = key_line_end + r.end;
    }
    let header = page::content(&page[key..key_line_end]);
    let after_colon = header.split_once(':').map_or("", |(_, v)| v).trim();
    let indicator = after_colon.split('#').next().unwrap_or("").trim();
    let is_block = indicator.starts_with('|')
        && indicator[1..]
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        && key == page[..key].rfind('\n').map_or(0, |i| i + 1);
    if !is_block {
        return (
            key..end,
            RightCode::Other {
                entry: key..end,
                value: value.to_string(),
            },
        );
    }
    let explicit = indicator[1..]
        .chars()
        .find(|c| c.is_ascii_digit())
        .and_then(|c| c.to_digit(10));
    let region = &page[key_line_end..end];
    let indent = explicit.map(|d| d as usize).unwrap_or_else(|| {
        page::lines(region)
            .map(|r| page::content(&region[r]))
            .find(|l| !l.trim().is_empty())
            .map_or(2, |l| l.len() - l.trim_start_matches(' ').len())
    });
    let lines = page::lines(region)
        .map(|r| {
            let start = key_line_end + r.start;
            let line = &page[start..key_line_end + r.end];
            let strip =
                if line.len() >= indent && line.as_bytes()[..indent].iter().all(|b| *b == b' ') {
                    indent
                } else {
                    line.len() - line.trim_start_matches(' ').len()
                };
            Line {
                text: line[strip..].to_string(),
                orig: Some(start..start + line.len()),
                start: start + strip,
            }
        })
        .collect();
    (
        key_line_end..end,
        RightCode::Block {
            value: Container { lines, indent },
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snip(title: &str, code: &str) -> Snippet {
        Snippet {
            title: title.into(),
            fence: "bash".into(),
            code: code.into(),
        }
    }

    fn layout(page: &str) -> Layout<'_> {
        let page::FrontMatter::Closed { yaml, body } = page::front_matter(page) else {
            panic!()
        };
        let key = page.find("right_code:").filter(|k| *k < yaml.end);
        Layout::new(page, yaml, body, key.map(|k| (k, "")))
    }

    #[test]
    fn appends_to_right_code_and_is_idempotent() {
        let page = "---\ntitle: /a\nright_code: |\n  ~~~ json\n  {}\n  ~~~\n  {: title=\"Request\" }\n\nposition: 1\n---\nbody {% include x.md %}\n";
        let s = [snip("Curl", "curl a\n"), snip("HTTPie", "http a\n")];
        let out = layout(page).place(&s, Placement::RightCode);
        assert_eq!(
            out,
            "---\ntitle: /a\nright_code: |\n  ~~~ json\n  {}\n  ~~~\n  {: title=\"Request\" }\n\n  ~~~ bash\n  curl a\n  ~~~\n  {: title=\"Curl\" }\n\n  ~~~ bash\n  http a\n  ~~~\n  {: title=\"HTTPie\" }\n\nposition: 1\n---\nbody {% include x.md %}\n"
        );
        assert_eq!(layout(&out).place(&s, Placement::RightCode), out);
    }

    #[test]
    fn replaces_in_the_body_where_they_stand_and_drops_duplicates() {
        let page = "---\nmethod: get\n---\ntext\n\n~~~ bash\nold\n~~~\n{: title=\"Curl\" }\n\nmiddle\n\n~~~ bash\nold2\n~~~\n{: title=\"Curl\" }\n\nend\n";
        let s = [snip("Curl", "new\n"), snip("HTTPie", "h\n")];
        let out = layout(page).place(&s, Placement::RightCode);
        assert_eq!(
            out,
            "---\nmethod: get\n---\ntext\n\n~~~ bash\nnew\n~~~\n{: title=\"Curl\" }\n\n~~~ bash\nh\n~~~\n{: title=\"HTTPie\" }\n\nmiddle\n\nend\n"
        );
        assert_eq!(layout(&out).place(&s, Placement::RightCode), out);
    }

    #[test]
    fn creates_right_code_or_appends_to_body() {
        let page = "---\nmethod: get\n---\nhello";
        let s = [snip("Curl", "c\n")];
        assert_eq!(
            layout(page).place(&s, Placement::RightCode),
            "---\nmethod: get\nright_code: |\n  ~~~ bash\n  c\n  ~~~\n  {: title=\"Curl\" }\n---\nhello"
        );
        let out = layout(page).place(&s, Placement::Body);
        assert_eq!(
            out,
            "---\nmethod: get\n---\nhello\n\n~~~ bash\nc\n~~~\n{: title=\"Curl\" }\n"
        );
        assert_eq!(layout(&out).place(&s, Placement::Body), out);
    }

    #[test]
    fn crlf_and_long_fences() {
        let page = "---\r\nmethod: get\r\n---\r\nx\r\n";
        let s = [snip("Curl", "a\n~~~\nb\n")];
        let out = layout(page).place(&s, Placement::Body);
        assert_eq!(
            out,
            "---\r\nmethod: get\r\n---\r\nx\r\n\r\n~~~~ bash\r\na\r\n~~~\r\nb\r\n~~~~\r\n{: title=\"Curl\" }\r\n"
        );
        assert_eq!(layout(&out).place(&s, Placement::Body), out);
    }

    #[test]
    fn finds_the_request_block_with_page_offsets() {
        let page =
            "---\nright_code: |\n  ~~~ json\n  {\"a\": 1}\n  ~~~\n  {: title=\"Request\" }\n---\n";
        let (code, starts) = layout(page).right_code_block("Request").unwrap();
        assert_eq!(code, "{\"a\": 1}\n");
        assert_eq!(starts, vec![page.find("{\"a").unwrap()]);
    }
}
