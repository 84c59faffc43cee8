//! Splicing generated blocks into a page: into the `right_code` front-matter value or the
//! body, replacing blocks with a language's title where they stand. Every line docsnip
//! does not replace is written back byte for byte.

use crate::config::Placement;
use crate::page::{self, Block};
use std::borrow::Cow;
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
struct Line<'a> {
    /// The Markdown text of the line (indentation removed), with its line ending:
    /// borrowed from the page, owned only for lines docsnip writes.
    text: Cow<'a, str>,
    /// The original bytes of the line in the page, for lines written back unchanged.
    orig: Option<Range<usize>>,
    /// Where `text` starts in the page.
    start: usize,
}

/// Markdown that holds snippet blocks: the `right_code` value or the body.
#[derive(Debug, Clone)]
struct Container<'a> {
    lines: Vec<Line<'a>>,
    /// Indentation written before new lines (the block scalar's; 0 in the body).
    indent: usize,
}

/// A container as read from the page, with its text and fenced blocks found once.
#[derive(Debug, Clone)]
struct Scanned<'a> {
    container: Container<'a>,
    /// The lines joined (borrowed from the page for the body).
    text: Cow<'a, str>,
    /// The fenced blocks, with line index ranges next to their byte ranges in `text`.
    blocks: Vec<(Range<usize>, Block)>,
}

impl<'a> Scanned<'a> {
    fn new(container: Container<'a>, text: Cow<'a, str>) -> Self {
        let mut starts = Vec::with_capacity(container.lines.len() + 1);
        let mut at = 0;
        for l in &container.lines {
            starts.push(at);
            at += l.text.len();
        }
        starts.push(at);
        let line_of = |offset: usize| starts.partition_point(|&s| s < offset);
        let blocks = page::fenced_blocks(&text)
            .into_iter()
            .map(|b| {
                let r = line_of(b.range.start)..line_of(b.range.end);
                (r, b)
            })
            .collect();
        Scanned {
            container,
            text,
            blocks,
        }
    }

    /// The page offset of a byte offset into `text`.
    fn page_offset(&self, offset: usize) -> usize {
        self.container.page_offset(offset)
    }
}

impl Container<'_> {
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
        self.render_into(page, &mut out);
        out
    }

    fn render_into(&self, page: &str, out: &mut String) {
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
    }
}

/// How the `right_code` value is written in the front-matter.
#[derive(Debug, Clone)]
enum RightCode<'a> {
    /// A `|` block scalar: its lines are spliced in place.
    Block { value: Scanned<'a> },
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
    right_code: Option<(Range<usize>, RightCode<'a>)>,
    body: Scanned<'a>,
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
                    text: Cow::Borrowed(&page[body + r.start..body + r.end]),
                    orig: Some(body + r.start..body + r.end),
                    start: body + r.start,
                })
                .collect(),
            indent: 0,
        };
        let body_container = Scanned::new(body_container, Cow::Borrowed(&page[body..]));
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
            .blocks
            .iter()
            .find(|(_, b)| b.title.as_deref() == Some(title))?;
        let code = value.text[block.code.clone()].to_string();
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
        let mut collect = |c: &Scanned| {
            for (_, b) in &c.blocks {
                if let Some(t) = b.title.as_ref().filter(|t| titles.contains(&t.as_str())) {
                    out.push((t.clone(), c.text[b.code.clone()].to_string()));
                }
            }
        };
        if let Some((_, RightCode::Block { value })) = &self.right_code {
            collect(value);
        }
        collect(&self.body);
        out
    }

    /// Every titled block of the page (`right_code` first, then the body), as
    /// (title, fence info, code).
    pub fn titled_blocks(&self) -> Vec<(String, String, String)> {
        let mut out = Vec::new();
        let mut collect = |c: &Scanned| {
            for (_, b) in &c.blocks {
                if let Some(t) = &b.title {
                    out.push((
                        t.clone(),
                        b.info.clone(),
                        c.text[b.code.clone()].to_string(),
                    ));
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
        let lines_of = |s: &Snippet| -> Vec<Line<'a>> { block_lines(s, nl) };
        let mut placed = vec![false; snippets.len()];

        // Replace in place, in the right_code value, then in the body.
        let mut positions: Vec<Option<(bool, Range<usize>)>> = vec![None; snippets.len()];
        let mut rc_lines: Option<Container<'a>> = None;
        if let Some((_, RightCode::Block { value })) = &self.right_code {
            let (c, found) = replace(value, snippets, &mut placed, &lines_of);
            for (i, r) in found.into_iter().enumerate() {
                if let Some(r) = r {
                    positions[i] = Some((true, r));
                }
            }
            rc_lines = Some(c);
        }
        let (mut body, found) = replace(&self.body, snippets, &mut placed, &lines_of);
        for (i, r) in found.into_iter().enumerate() {
            if let Some(r) = r {
                positions[i] = Some((false, r));
            }
        }

        // A missing language goes next to its neighbours in language order: after the
        // one before it, else before the one after it; with none there, per `placement`.
        let mut new_right_code: Option<String> = None;
        let mut other_value: Option<String> = None;
        let any_placed = positions.iter().any(Option::is_some);
        let mut rest: Vec<Line<'a>> = Vec::new();
        for i in 0..snippets.len() {
            if positions[i].is_some() {
                continue;
            }
            if !any_placed {
                rest.push(blank(nl));
                rest.extend(lines_of(&snippets[i]));
                continue;
            }
            let before = (0..i).rev().find_map(|j| positions[j].clone());
            let after_previous = before.is_some();
            let (in_rc, at, lines) = match before {
                Some((in_rc, r)) => {
                    let mut l = vec![blank(nl)];
                    l.extend(lines_of(&snippets[i]));
                    (in_rc, r.end, l)
                }
                None => {
                    let Some((in_rc, r)) =
                        (i + 1..snippets.len()).find_map(|k| positions[k].clone())
                    else {
                        continue;
                    };
                    let mut l = lines_of(&snippets[i]);
                    l.push(blank(nl));
                    (in_rc, r.start, l)
                }
            };
            let n = lines.len();
            let container = match (in_rc, rc_lines.as_mut()) {
                (true, Some(value)) => value,
                _ => &mut body,
            };
            insert_at(container, at, lines);
            for (c, r) in positions.iter_mut().flatten() {
                if *c == in_rc && r.start >= at {
                    *r = r.start + n..r.end + n;
                }
            }
            let own = if after_previous {
                at + 1..at + n
            } else {
                at..at + n - 1
            };
            positions[i] = Some((in_rc, own));
        }
        if !rest.is_empty() {
            let mut new_lines = rest;
            match (&self.right_code, rc_lines.as_mut(), placement) {
                (_, _, Placement::Body) => append(&mut body, new_lines, nl),
                (_, Some(value), Placement::RightCode) => append(value, new_lines, nl),
                (Some((_, RightCode::Other { value, .. })), None, Placement::RightCode) => {
                    let mut c = Container {
                        lines: page::lines(value)
                            .map(|r| Line {
                                text: Cow::Borrowed(&value[r]),
                                orig: None,
                                start: 0,
                            })
                            .collect(),
                        indent: 2,
                    };
                    append(&mut c, new_lines, nl);
                    other_value = Some(c.lines.iter().map(|l| l.text.as_ref()).collect());
                }
                (_, None, Placement::RightCode) => {
                    new_lines.remove(0);
                    let c = Container {
                        lines: new_lines,
                        indent: 2,
                    };
                    new_right_code = Some(format!("right_code: |{nl}{}", c.render(self.page)));
                }
            }
        }

        // Write the page back.
        let mut out = String::with_capacity(self.page.len() + 4096);
        match &self.right_code {
            Some((entry, RightCode::Block { .. })) => {
                out.push_str(&self.page[..entry.start]);
                if let Some(value) = &rc_lines {
                    value.render_into(self.page, &mut out);
                }
                out.push_str(&self.page[entry.end..self.yaml_end]);
            }
            Some((_, RightCode::Other { entry, value })) => {
                out.push_str(&self.page[..entry.start]);
                let text = other_value.as_deref().unwrap_or(value);
                let c = Container {
                    lines: page::lines(text)
                        .map(|r| Line {
                            text: Cow::Borrowed(&text[r]),
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
        body.render_into(self.page, &mut out);
        out
    }
}

fn blank<'a>(nl: &'static str) -> Line<'a> {
    Line {
        text: Cow::Borrowed(nl),
        orig: None,
        start: 0,
    }
}

/// Replace the first block with each snippet's title (unless an earlier container
/// already had one) and drop the duplicates; returns each snippet's new line range.
fn replace<'a>(
    scanned: &Scanned<'a>,
    snippets: &[Snippet],
    placed: &mut [bool],
    lines_of: &dyn Fn(&Snippet) -> Vec<Line<'a>>,
) -> (Container<'a>, Vec<Option<Range<usize>>>) {
    let c = &scanned.container;
    let mut edits: Vec<(Range<usize>, Option<usize>)> = Vec::new();
    for (lines, b) in &scanned.blocks {
        let lines = lines.clone();
        let Some(i) = snippets
            .iter()
            .position(|s| Some(&s.title) == b.title.as_ref())
        else {
            continue;
        };
        if placed[i] {
            // A duplicate: remove it, and one blank line after it.
            let mut end = lines.end;
            if c.lines.get(end).is_some_and(|l| l.text.trim().is_empty()) {
                end += 1;
            }
            edits.push((lines.start..end, None));
        } else {
            placed[i] = true;
            edits.push((lines, Some(i)));
        }
    }
    let mut positions = vec![None; snippets.len()];
    let mut out: Vec<Line<'a>> = Vec::with_capacity(c.lines.len() + 64);
    let mut at = 0;
    for (r, which) in edits {
        out.extend(c.lines[at..r.start].iter().cloned());
        if let Some(i) = which {
            let start = out.len();
            out.extend(lines_of(&snippets[i]));
            positions[i] = Some(start..out.len());
        }
        at = r.end;
    }
    out.extend(c.lines[at..].iter().cloned());
    let container = Container {
        lines: out,
        indent: c.indent,
    };
    (container, positions)
}

fn insert_at<'a>(c: &mut Container<'a>, at: usize, lines: Vec<Line<'a>>) {
    let tail = c.lines.split_off(at);
    c.lines.extend(lines);
    c.lines.extend(tail);
}

/// Append after the last non-blank line (trailing blank lines stay last).
fn append<'a>(c: &mut Container<'a>, mut lines: Vec<Line<'a>>, nl: &str) {
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
        last.text.to_mut().push_str(nl);
        last.orig = None;
    }
    insert_at(c, at, lines);
}

/// A snippet as kramdown lines: fence, code, fence, title.
fn block_lines<'a>(s: &Snippet, nl: &str) -> Vec<Line<'a>> {
    let longest = s
        .code
        .lines()
        .map(|l| l.trim_start().chars().take_while(|c| *c == '~').count())
        .max()
        .unwrap_or(0);
    let fence = "~".repeat((longest + 1).max(3));
    // Built with push_str, not format!: this runs for every line of every snippet.
    let line = |parts: &[&str]| {
        let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>());
        for p in parts {
            text.push_str(p);
        }
        Line {
            text: Cow::Owned(text),
            orig: None,
            start: 0,
        }
    };
    let mut lines = Vec::with_capacity(s.code.len() / 24 + 4);
    lines.push(line(&[&fence, " ", &s.fence, nl]));
    for l in s.code.lines() {
        lines.push(line(&[l, nl]));
    }
    lines.push(line(&[&fence, nl]));
    lines.push(line(&["{: title=\"", &s.title, "\" }", nl]));
    lines
}

/// Find the `right_code` entry's lines and how its value is written.
fn locate_right_code<'a>(
    page: &'a str,
    yaml: Range<usize>,
    key: usize,
    value: &str,
) -> (Range<usize>, RightCode<'a>) {
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
                text: Cow::Borrowed(&line[strip..]),
                orig: Some(start..start + line.len()),
                start: start + strip,
            }
        })
        .collect::<Vec<_>>();
    let text: String = lines.iter().map(|l| l.text.as_ref()).collect();
    (
        key_line_end..end,
        RightCode::Block {
            value: Scanned::new(Container { lines, indent }, Cow::Owned(text)),
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
    fn missing_languages_go_next_to_their_neighbours() {
        let page = "---\nmethod: get\nright_code: |\n  ~~~ bash\n  old\n  ~~~\n  {: title=\"B\" }\n---\n~~~ bash\nx\n~~~\n{: title=\"B\" }\n";
        let s = [snip("A", "a\n"), snip("B", "b\n"), snip("C", "c\n")];
        let out = layout(page).place(&s, Placement::Body);
        assert_eq!(
            out,
            "---\nmethod: get\nright_code: |\n  ~~~ bash\n  a\n  ~~~\n  {: title=\"A\" }\n\n  ~~~ bash\n  b\n  ~~~\n  {: title=\"B\" }\n\n  ~~~ bash\n  c\n  ~~~\n  {: title=\"C\" }\n---\n"
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
