//! Pagination: long case lists (the index, term pages) split into pages of `paginate_by`.
//!
//! A list published at `X.html` continues at `X/2.html`, `X/3.html`, … : the first page keeps
//! the list's own URL (links to it never change as the collection grows) and later pages
//! cannot collide with another list's URL, since no list URL ends in a bare number folder.

use std::ops::Range;

/// One page of a paginated list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// 1-based page number.
    pub number: usize,
    /// Root-relative URL of this page.
    pub url: String,
    /// The positions in the full list that this page shows.
    pub items: Range<usize>,
}

/// Splits a list of `len` items published at `url` into pages of `per_page` (`0`: one
/// page). An empty list still has its first page.
pub fn paginate(url: &str, len: usize, per_page: usize) -> Vec<ListPage> {
    let per_page = if per_page == 0 { len.max(1) } else { per_page };
    let count = len.div_ceil(per_page).max(1);
    let stem = url.strip_suffix(".html").unwrap_or(url);
    (1..=count)
        .map(|number| ListPage {
            number,
            url: page_url(url, stem, number),
            items: (number - 1) * per_page..(number * per_page).min(len),
        })
        .collect()
}

fn page_url(url: &str, stem: &str, number: usize) -> String {
    match number {
        1 => url.to_string(),
        n => format!("{stem}/{n}.html"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_pages_with_stable_first_url() {
        let pages = paginate("tags/审批.html", 5, 2);
        let urls: Vec<&str> = pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(
            urls,
            ["tags/审批.html", "tags/审批/2.html", "tags/审批/3.html"]
        );
        assert_eq!(pages[0].items, 0..2);
        assert_eq!(pages[2].items, 4..5);
        assert_eq!(pages[2].number, 3);
    }

    #[test]
    fn short_lists_and_zero_keep_one_page() {
        assert_eq!(paginate("index.html", 3, 3).len(), 1);
        assert_eq!(paginate("index.html", 4, 3).len(), 2);
        let all = paginate("index.html", 1000, 0);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].items, 0..1000);
        let empty = paginate("index.html", 0, 10);
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].items, 0..0);
    }
}
