//! docsnip comments: `<!-- docsnip … -->` (or `{/* docsnip … */}` in MDX) standing on
//! their own lines in a page body, each holding one request's keys as YAML, found
//! outside fenced code (a comment in a code block is an example, not a request).
//!
//! Two shapes: the opening on a line of its own, block YAML, the closing on a line of
//! its own; or a YAML flow mapping on the one line, `<!-- docsnip {method: POST} -->`.

use super::content;
use std::ops::Range;

/// A docsnip comment in a body (offsets into the body text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    /// Whole lines, from the opening line's start to the end of the closing line.
    pub range: Range<usize>,
    /// The YAML text inside.
    pub yaml: Range<usize>,
}

/// A comment that opens but never closes, at the offset of its opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclosed {
    pub at: usize,
    pub close: &'static str,
}

/// The two spellings: HTML (Markdown) and JSX (MDX).
const SHAPES: [(&str, &str); 2] = [("<!--", "-->"), ("{/*", "*/}")];
const WORD: &str = "docsnip";

/// After an opening mark, `docsnip` and then the end of the line or a space.
fn opening(line: &str) -> Option<(&'static str, usize)> {
    let t = line.trim_start_matches(' ');
    if line.len() - t.len() > 3 {
        return None;
    }
    SHAPES.iter().find_map(|(open, close)| {
        let rest = t.strip_prefix(open)?.trim_start_matches([' ', '\t']);
        let after = rest.strip_prefix(WORD)?;
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return None;
        }
        Some((*close, line.len() - after.len()))
    })
}

/// The lines of `body` as (start, line without its ending) that are not inside fenced
/// code. Fences are found line by line, at any indentation (a fence in a tab or a list
/// item too, and one right after raw HTML or JSX, which CommonMark would read as part
/// of the HTML block but MDX and the tab formats read as code): a line of three or more
/// backticks or tildes opens one, a line of at least as many of the same closes it.
fn outside_fences(body: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut open: Option<(char, usize)> = None;
    for r in super::lines(body) {
        let line = content(&body[r.clone()]);
        let t = line.trim_start();
        let run = |c: char| t.chars().take_while(|x| *x == c).count();
        match open {
            Some((c, n)) => {
                if run(c) >= n && t.trim_start_matches(c).trim().is_empty() {
                    open = None;
                }
            }
            None => {
                if let Some(c) = ['`', '~'].into_iter().find(|c| run(*c) >= 3)
                    && !(c == '`' && t[run(c)..].contains('`'))
                {
                    open = Some((c, run(c)));
                } else {
                    out.push((r.start, line));
                }
            }
        }
    }
    out
}

/// Every docsnip comment of `body`, in order, and every one left unclosed.
pub fn comments(body: &str) -> (Vec<Comment>, Vec<Unclosed>) {
    let (mut found, mut unclosed) = (Vec::new(), Vec::new());
    if !body.contains(WORD) {
        return (found, unclosed);
    }
    let lines = outside_fences(body);
    let end_of = |start: usize| {
        body[start..]
            .find('\n')
            .map_or(body.len(), |i| start + i + 1)
    };
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        i += 1;
        let Some((close, after)) = opening(line) else {
            continue;
        };
        let rest = line[after..].trim_end_matches([' ', '\t']);
        if let Some(inner) = rest.strip_suffix(close) {
            // One line: the YAML is what stands between `docsnip` and the closing mark.
            let lead = inner.len() - inner.trim_start().len();
            let yaml = start + after + lead..start + after + inner.trim_end().len();
            found.push(Comment {
                range: start..end_of(start),
                yaml: yaml.start..yaml.end.max(yaml.start),
            });
            continue;
        }
        if !rest.trim().is_empty() {
            // `<!-- docsnip something` without the closing mark on the line: not ours
            // unless it is the block shape, whose first line holds only `docsnip`.
            unclosed.push(Unclosed { at: start, close });
            continue;
        }
        let yaml_start = end_of(start);
        match lines[i..].iter().position(|(_, l)| l.trim() == close) {
            Some(k) => {
                let (close_start, _) = lines[i + k];
                found.push(Comment {
                    range: start..end_of(close_start),
                    yaml: yaml_start..close_start,
                });
                i += k + 1;
            }
            None => unclosed.push(Unclosed { at: start, close }),
        }
    }
    (found, unclosed)
}

/// The offset of the first line after `comment` that is not blank (the body's end
/// when there is none).
pub fn next_content(body: &str, comment: &Comment) -> usize {
    let from = comment.range.end;
    super::lines(&body[from..])
        .find(|r| {
            !content(&body[from + r.start..from + r.end])
                .trim()
                .is_empty()
        })
        .map_or(body.len(), |r| from + r.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml<'a>(body: &'a str, c: &Comment) -> &'a str {
        &body[c.yaml.clone()]
    }

    #[test]
    fn block_and_one_line_shapes_in_both_spellings() {
        let body = "Intro\n\n<!-- docsnip\nname: A\nmethod: POST\n-->\n\ntext\n<!-- docsnip {method: GET, request: {path: /b}} -->\n{/* docsnip\nmethod: PUT\n*/}\n   {/* docsnip {method: DELETE} */}  \n";
        let (c, u) = comments(body);
        assert!(u.is_empty());
        assert_eq!(c.len(), 4);
        assert_eq!(yaml(body, &c[0]), "name: A\nmethod: POST\n");
        assert_eq!(
            &body[c[0].range.clone()],
            "<!-- docsnip\nname: A\nmethod: POST\n-->\n"
        );
        assert_eq!(yaml(body, &c[1]), "{method: GET, request: {path: /b}}");
        assert_eq!(yaml(body, &c[2]), "method: PUT\n");
        assert_eq!(yaml(body, &c[3]), "{method: DELETE}");
        assert_eq!(next_content(body, &c[0]), body.find("text").unwrap());
        // Several blank lines, then the end of the body.
        let body = "<!-- docsnip {a: 1} -->\n\n\n  \nx\n<!-- docsnip {b: 2} -->\n\n";
        let (c, _) = comments(body);
        assert_eq!(next_content(body, &c[0]), body.find('x').unwrap());
        assert_eq!(next_content(body, &c[1]), body.len());
    }

    #[test]
    fn comments_in_code_and_other_comments_are_not_requests() {
        let body = "```md\n<!-- docsnip {method: GET} -->\n```\n\n<!-- docsnippet -->\n<!-- a docsnip -->\n    <!-- docsnip {x: 1} -->\n";
        assert_eq!(comments(body), (vec![], vec![]));
    }

    #[test]
    fn fences_right_after_html_and_indented_fences_hide_comments() {
        let body = "</Tabs>\n```md\n<!-- docsnip {method: GET} -->\n```\n=== \"A\"\n\n    ~~~~\n    <!-- docsnip {method: GET} -->\n    ~~~\n    ~~~~\n<!-- docsnip {method: PUT} -->\n";
        let (c, _) = comments(body);
        assert_eq!(c.len(), 1);
        assert_eq!(&body[c[0].yaml.clone()], "{method: PUT}");
    }

    #[test]
    fn unclosed_comments_are_reported() {
        let body = "a\n<!-- docsnip\nmethod: GET\n";
        let (c, u) = comments(body);
        assert!(c.is_empty());
        assert_eq!(
            u,
            vec![Unclosed {
                at: 2,
                close: "-->"
            }]
        );
    }
}
