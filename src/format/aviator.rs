//! `aviator`: kramdown blocks (fence + `{: title="…" }`) appended to the `right_code`
//! front-matter value, as Jekyll's Aviator theme shows them in its code column.
//! Finding and writing the blocks is shared with [`super::kramdown`] (see
//! [`crate::format::splice`]); only where new blocks go differs.

use super::Format;
use super::Placement;
use super::splice::{self, Snippet};
use crate::page::Structure;

pub struct Aviator {
    /// Whether the page body goes through Liquid (see [`splice::liquid_raw`]).
    pub liquid: bool,
}

impl Format for Aviator {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        let mut blocks = page.titled_blocks(titles);
        for (_, code) in &mut blocks {
            *code = splice::liquid_unwrap(code).into_owned();
        }
        blocks
    }

    fn place(&self, page: &Structure, snippets: &[Snippet], _titles: &[&str]) -> String {
        splice::place_with(page, snippets, Placement::RightCode, self.liquid)
    }
}
