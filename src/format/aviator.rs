//! `aviator`: kramdown blocks (fence + `{: title="…" }`) appended to the `right_code`
//! front-matter value, as Jekyll's Aviator theme shows them in its code column.
//! Finding and writing the blocks is shared with [`super::kramdown`] (see
//! [`crate::format::splice`]); only where new blocks go differs.

use super::splice::{self, Snippet};
use super::{Format, Group, Placed, Placement};
use crate::page::Structure;
use std::ops::Range;

pub struct Aviator {
    /// Whether the page body goes through Liquid (see [`splice::liquid_raw`]).
    pub liquid: bool,
}

impl Format for Aviator {
    fn existing(&self, page: &Structure, titles: &[&str]) -> Vec<(String, String)> {
        splice::existing(page, titles)
    }

    fn owned_groups(&self, page: &Structure, titles: &[&str]) -> Vec<Group> {
        splice::groups(page, titles)
    }

    fn write_group(&self, page: &Structure, snippets: &[Snippet]) -> String {
        splice::group_text(snippets, page.newline(), self.liquid)
    }

    fn place(
        &self,
        page: &Structure,
        snippets: &[Snippet],
        _titles: &[&str],
        claimed: &[Range<usize>],
    ) -> Placed {
        splice::place_with(page, snippets, Placement::RightCode, self.liquid, claimed)
    }
}
