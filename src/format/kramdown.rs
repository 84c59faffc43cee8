//! `kramdown`: kramdown blocks (fence + `{: title="…" }`) in the page body, for any
//! Jekyll/kramdown site. A block whose title is a configured language's is that
//! language's snippet, in `right_code` or the body; new ones go to the body. The block
//! writer is `block_lines` in [`crate::place`].

use super::Format;
use crate::config::Placement;
use crate::page::Structure;
use crate::place::{self, Snippet};

pub struct Kramdown;

impl Format for Kramdown {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        page.titled_blocks(titles)
    }

    fn place(&self, page: &Structure, snippets: &[Snippet], _titles: &[&str]) -> String {
        place::place(page, snippets, Placement::Body)
    }
}
