//! A page's structure, read once: the containers that hold Markdown (the `right_code`
//! front-matter value, when it is a block scalar, and the body), their lines with the
//! page bytes they came from, and their fenced blocks with kramdown titles. Formats
//! find their own groups in it; `place` writes blocks back through it.

use super::comment::{self, Comment};
use super::{Block, content, fenced_blocks, lines, newline};
use std::borrow::Cow;
use std::ops::Range;

/// One line of a container's Markdown.
#[derive(Debug, Clone)]
pub(crate) struct Line<'a> {
    /// The Markdown text of the line (indentation removed), with its line ending:
    /// borrowed from the page, owned only for lines docsnip writes.
    pub(crate) text: Cow<'a, str>,
    /// The original bytes of the line in the page, for lines written back unchanged.
    pub(crate) orig: Option<Range<usize>>,
    /// Where `text` starts in the page.
    pub(crate) start: usize,
}

/// Markdown that holds snippet blocks: the `right_code` value or the body.
#[derive(Debug, Clone)]
pub(crate) struct Container<'a> {
    pub(crate) lines: Vec<Line<'a>>,
    /// Indentation written before new lines (the block scalar's; 0 in the body).
    pub(crate) indent: usize,
}

/// A container as read from the page, with its text and fenced blocks found once.
#[derive(Debug, Clone)]
pub(crate) struct Scanned<'a> {
    pub(crate) container: Container<'a>,
    /// The lines joined (borrowed from the page for the body).
    pub(crate) text: Cow<'a, str>,
    /// The fenced blocks, with line index ranges next to their byte ranges in `text`.
    pub(crate) blocks: Vec<(Range<usize>, Block)>,
}

impl<'a> Scanned<'a> {
    pub(crate) fn new(container: Container<'a>, text: Cow<'a, str>) -> Self {
        let mut starts = Vec::with_capacity(container.lines.len() + 1);
        let mut at = 0;
        for l in &container.lines {
            starts.push(at);
            at += l.text.len();
        }
        starts.push(at);
        let line_of = |offset: usize| starts.partition_point(|&s| s < offset);
        let blocks = fenced_blocks(&text)
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
    pub(crate) fn page_offset(&self, offset: usize) -> usize {
        self.container.page_offset(offset)
    }
}

impl Container<'_> {
    /// The page offset of a byte offset into `text()`.
    pub(crate) fn page_offset(&self, offset: usize) -> usize {
        let mut at = 0;
        for l in &self.lines {
            if offset < at + l.text.len() {
                return l.start + (offset - at);
            }
            at += l.text.len();
        }
        self.lines.last().map_or(0, |l| l.start + l.text.len())
    }

    pub(crate) fn render(&self, page: &str) -> String {
        let mut out = String::new();
        self.render_into(page, &mut out);
        out
    }

    pub(crate) fn render_into(&self, page: &str, out: &mut String) {
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
pub(crate) enum RightCode<'a> {
    /// A `|` block scalar: its lines are spliced in place.
    Block { value: Scanned<'a> },
    /// Any other style (quoted, plain, folded): the whole entry is written anew as a
    /// `|` block scalar holding the same text plus the snippets.
    Other { entry: Range<usize>, value: String },
}

/// An endpoint page taken apart: its containers and their titled blocks.
#[derive(Debug, Clone)]
pub struct Structure<'a> {
    pub(crate) page: &'a str,
    pub(crate) newline: &'static str,
    /// End of the YAML text (where a new `right_code` goes).
    pub(crate) yaml_end: usize,
    pub(crate) right_code: Option<(Range<usize>, RightCode<'a>)>,
    pub(crate) body: Scanned<'a>,
    pub(crate) body_start: usize,
    /// The front-matter text range and the `right_code` key's offset, to read a page
    /// whose body changed ([`Structure::reparse`]).
    yaml: Range<usize>,
    right_code_key: Option<usize>,
    /// The docsnip comments of the body (body offsets), each the place of one request.
    pub(crate) comments: Vec<Comment>,
}

impl<'a> Structure<'a> {
    /// `yaml` is the front-matter text range, `body` where the body starts,
    /// `right_code` the page offset of the `right_code` key and its value as text.
    pub fn new(
        page: &'a str,
        yaml: Range<usize>,
        body: usize,
        right_code: Option<(usize, &str)>,
    ) -> Self {
        let newline = newline(page);
        let body_container = Container {
            lines: lines(&page[body..])
                .map(|r| Line {
                    text: Cow::Borrowed(&page[body + r.start..body + r.end]),
                    orig: Some(body + r.start..body + r.end),
                    start: body + r.start,
                })
                .collect(),
            indent: 0,
        };
        let body_container = Scanned::new(body_container, Cow::Borrowed(&page[body..]));
        let right_code_key = right_code.map(|(key, _)| key);
        let right_code =
            right_code.map(|(key, value)| locate_right_code(page, yaml.clone(), key, value));
        Structure {
            page,
            newline,
            yaml_end: yaml.end,
            right_code,
            body: body_container,
            body_start: body,
            yaml,
            right_code_key,
            comments: comment::comments(&page[body..]).0,
        }
    }

    /// The same page read again after its body (only) changed into `text`.
    pub fn reparse<'b>(&self, text: &'b str) -> Structure<'b> {
        debug_assert_eq!(text[..self.body_start], self.page[..self.body_start]);
        let value = match &self.right_code {
            Some((_, RightCode::Other { value, .. })) => value.as_str(),
            _ => "",
        };
        let rc = self.right_code_key.map(|k| (k, value));
        Structure::new(text, self.yaml.clone(), self.body_start, rc)
    }

    /// The docsnip comments of the body, in order (body offsets).
    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// The whole page.
    pub fn text(&self) -> &'a str {
        self.page
    }

    /// The front-matter's YAML text range in the page.
    pub fn yaml_range(&self) -> Range<usize> {
        self.yaml.clone()
    }

    /// The page's line ending.
    pub fn newline(&self) -> &'static str {
        self.newline
    }

    /// Where the body starts in the page.
    pub fn body_start(&self) -> usize {
        self.body_start
    }

    /// The body: everything after the front-matter's closing line.
    pub fn body(&self) -> &'a str {
        &self.page[self.body_start..]
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

    /// The kramdown blocks with these titles found in the page (in `right_code`, then
    /// the body), with the code they hold now.
    pub fn titled_blocks(&self, titles: &[&str]) -> Vec<(String, String)> {
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
}

impl Structure<'_> {
    /// Every titled fenced block of the page (`right_code` first, then the body), as
    /// (title, fence info, code), whatever its title.
    pub fn all_titled_blocks(&self) -> Vec<(String, String, String)> {
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
}

/// Find the `right_code` entry's lines and how its value is written.
pub(crate) fn locate_right_code<'a>(
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
    for r in lines(&page[key_line_end..yaml.end]) {
        let line = &page[key_line_end + r.start..key_line_end + r.end];
        let c = content(line);
        if !c.trim().is_empty() && !c.starts_with([' ', '\t']) {
            break;
        }
        end = key_line_end + r.end;
    }
    let header = content(&page[key..key_line_end]);
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
        lines(region)
            .map(|r| content(&region[r]))
            .find(|l| !l.trim().is_empty())
            .map_or(2, |l| l.len() - l.trim_start_matches(' ').len())
    });
    let lines = lines(region)
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
    use crate::page::{FrontMatter, front_matter};

    fn structure(page: &str) -> Structure<'_> {
        let FrontMatter::Closed { yaml, body } = front_matter(page) else {
            panic!()
        };
        let key = page.find("right_code:").filter(|k| *k < yaml.end);
        Structure::new(page, yaml, body, key.map(|k| (k, "")))
    }

    #[test]
    fn finds_the_request_block_with_page_offsets() {
        let page =
            "---\nright_code: |\n  ~~~ json\n  {\"a\": 1}\n  ~~~\n  {: title=\"Request\" }\n---\n";
        let (code, starts) = structure(page).right_code_block("Request").unwrap();
        assert_eq!(code, "{\"a\": 1}\n");
        assert_eq!(starts, vec![page.find("{\"a").unwrap()]);
    }

    #[test]
    fn titled_blocks_in_right_code_then_the_body() {
        let page = "---\nright_code: |\n  ~~~ bash\n  a\n  ~~~\n  {: title=\"Curl\" }\n---\n~~~ py\nb\n~~~\n{: title=\"Python\" }\n\n~~~ x\nc\n~~~\n{: title=\"Other\" }\n";
        let s = structure(page);
        assert_eq!(
            s.titled_blocks(&["Curl", "Python"]),
            vec![
                ("Curl".into(), "a\n".into()),
                ("Python".into(), "b\n".into())
            ]
        );
        assert_eq!(s.body(), &page[page.rfind("---\n").unwrap() + 4..]);
    }
}
