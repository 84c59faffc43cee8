//! Diagnostics: `PATH:LINE:COL: error: message`, collected for a whole run.

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

/// One message about one file, at a position where it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line and column (in characters), when the message has a position.
    pub position: Option<(usize, usize)>,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn error(
        path: &Path,
        position: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            position,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(
        path: &Path,
        position: Option<(usize, usize)>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, position, message)
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        let kind = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        // One diagnostic is one line: a message never spans lines.
        write!(f, ": {kind}: {}", self.message.replace('\n', " "))
    }
}

/// Line and column (1-based, column counted in characters) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = text[line_start..offset].chars().count() + 1;
    (line, col)
}

/// A short unified diff of `old` against `new` for `--check --verbose`: the changed
/// lines with 3 lines of context, at most 40 changed lines. Empty when they are equal.
/// Pages whose line count is unchanged (the usual stale snippet) get one hunk per changed
/// run; otherwise one hunk spans from the first to the last changed line.
pub fn first_hunk(old: &str, new: &str, name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if head == a.len() && head == b.len() {
        return String::new();
    }
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    // Changed runs as (start, end in a, end in b).
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    if a.len() == b.len() {
        let mut i = head;
        while i < a.len() - tail {
            if a[i] == b[i] {
                i += 1;
                continue;
            }
            let start = i;
            while i < a.len() && a[i] != b[i] {
                i += 1;
            }
            match runs.last_mut() {
                Some(last) if start <= last.1 + 6 => {
                    last.1 = i;
                    last.2 = i;
                }
                _ => runs.push((start, i, i)),
            }
        }
    } else {
        runs.push((head, a.len() - tail, b.len() - tail));
    }
    let mut out = format!("--- {name} (as it is)\n+++ {name} (as docsnip would write it)\n");
    let mut shown = 0;
    let mut left = 0;
    for (start, a_end, b_end) in runs {
        if shown >= 40 {
            left += (a_end - start) + (b_end - start);
            continue;
        }
        let from = start.saturating_sub(3);
        let (a_to, b_to) = ((a_end + 3).min(a.len()), (b_end + 3).min(b.len()));
        let b_from = from;
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            from + 1,
            a_to - from,
            b_from + 1,
            b_to - b_from
        ));
        for l in &a[from..start] {
            out.push_str(&format!(" {l}\n"));
        }
        for l in a[start..a_end]
            .iter()
            .map(|l| ('-', l))
            .chain(b[start..b_end].iter().map(|l| ('+', l)))
        {
            if shown < 40 {
                out.push_str(&format!("{}{}\n", l.0, l.1));
            } else {
                left += 1;
            }
            shown += 1;
        }
        for l in &a[a_end..a_to] {
            out.push_str(&format!(" {l}\n"));
        }
    }
    if left > 0 {
        out.push_str(&format!("… {left} more changed lines\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_and_without_position() {
        let d = Diagnostic::error(Path::new("docs/a.md"), Some((3, 7)), "bad\nthing");
        assert_eq!(d.to_string(), "docs/a.md:3:7: error: bad thing");
        let w = Diagnostic::warning(Path::new("b.md"), None, "hm");
        assert_eq!(w.to_string(), "b.md: warning: hm");
    }

    #[test]
    fn first_hunk_shows_the_change_with_context() {
        let d = first_hunk("a\nb\nc\nd\n", "a\nb\nX\nd\n", "f.md");
        assert_eq!(
            d,
            "--- f.md (as it is)\n+++ f.md (as docsnip would write it)\n@@ -1,4 +1,4 @@\n a\n b\n-c\n+X\n d\n"
        );
        assert_eq!(first_hunk("same\n", "same\n", "f"), "");
    }

    #[test]
    fn line_col_counts_characters() {
        let t = "ab\né€x\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, 3 + 2 + 3), (2, 3));
        assert_eq!(line_col(t, 4), (2, 1)); // inside 'é': rounds down
    }
}
