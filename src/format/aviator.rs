//! `aviator`: kramdown blocks (fence + `{: title="…" }`) appended to the `right_code`
//! front-matter value, as Jekyll's Aviator theme shows them in its code column.
//! Finding and writing the blocks is shared with [`super::kramdown`] (see
//! [`crate::place`]); only where new blocks go differs.

use super::Format;
use crate::config::Placement;
use crate::page::Structure;
use crate::place::{self, Snippet};

pub struct Aviator;

impl Format for Aviator {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        page.titled_blocks(titles)
    }

    fn place(&self, page: &Structure, snippets: &[Snippet], _titles: &[&str]) -> String {
        place::place(page, snippets, Placement::RightCode)
    }
}
