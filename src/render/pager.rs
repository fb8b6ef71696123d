//! What a page of a paginated list shows of its place in the list: the links to the first,
//! last and nearby pages, and a status line (`第 2 / 5 页：第 101–200 个，共 480 个案例`).

use super::context::{PagerLink, PagerView};
use super::i18n::{fill, Strings};
use super::metrics_page::METRICS_URL;
use crate::site::paginate::ListPage;
use crate::site::taxonomy::TaxonomyKind;

/// Pages linked on each side of the current one (the first and last are always linked).
const NEARBY: usize = 2;

/// The pager of page `number` among `pages` (of a list of `total` items); `None` when the
/// list fits on one page.
pub fn view(t: &Strings, pages: &[ListPage], number: usize, total: usize) -> Option<PagerView> {
    if pages.len() < 2 {
        return None;
    }
    let current = &pages[number - 1];
    let url = |n: usize| pages.get(n.checked_sub(1)?).map(|p| p.url.clone());
    let shown = pages.iter().filter(|p| {
        p.number == 1 || p.number == pages.len() || p.number.abs_diff(number) <= NEARBY
    });
    let mut links: Vec<PagerLink> = Vec::new();
    for page in shown {
        let gap_before = links.last().is_some_and(|l| l.number + 1 < page.number);
        links.push(PagerLink {
            number: page.number,
            url: page.url.clone(),
            label: page_label(t, page.number),
            current: page.number == number,
            gap_before,
        });
    }
    Some(PagerView {
        current: number,
        pages: pages.len(),
        previous: url(number - 1),
        next: url(number + 1),
        links,
        label: page_label(t, number),
        status: fill(
            t.page_status,
            &[
                ("n", number.to_string()),
                ("pages", pages.len().to_string()),
                ("from", (current.items.start + 1).to_string()),
                ("to", current.items.end.to_string()),
                ("total", total.to_string()),
            ],
        ),
    })
}

fn page_label(t: &Strings, number: usize) -> String {
    fill(t.page_label, &[("n", number.to_string())])
}

/// `metrics.html` filtered to one term (the page's script reads its filters from the
/// fragment): where a paginated term's whole metric table is.
pub fn metrics_filter_url(kind: TaxonomyKind, term: &str) -> String {
    let key = match kind {
        TaxonomyKind::Tags => "tag",
        TaxonomyKind::Regions => "region",
        TaxonomyKind::Departments => "department",
    };
    format!("{METRICS_URL}#{key}={}", encode_component(term))
}

/// Percent-encodes everything but unreserved ASCII, as `encodeURIComponent` does.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Language;
    use crate::site::paginate::paginate;

    fn numbers(view: &PagerView) -> Vec<(usize, bool)> {
        view.links
            .iter()
            .map(|l| (l.number, l.gap_before))
            .collect()
    }

    #[test]
    fn links_first_last_and_nearby_pages_with_gaps() {
        let t = super::super::i18n::strings(Language::En);
        let pages = paginate("index.html", 1000, 100);
        let view = view(t, &pages, 5, 1000).unwrap();
        let expected = [
            (1, false),
            (3, true),
            (4, false),
            (5, false),
            (6, false),
            (7, false),
            (10, true),
        ];
        assert_eq!(numbers(&view), expected);
        assert_eq!(view.previous.as_deref(), Some("index/4.html"));
        assert_eq!(view.next.as_deref(), Some("index/6.html"));
        assert_eq!(view.status, "Page 5 of 10: cases 401–500 of 1000");
        assert!(view.links[3].current);
    }

    #[test]
    fn first_and_last_pages_have_one_neighbour() {
        let t = super::super::i18n::strings(Language::ZhCn);
        let pages = paginate("tags/x.html", 5, 2);
        let first = view(t, &pages, 1, 5).unwrap();
        assert_eq!(
            (first.previous.as_deref(), first.next.as_deref()),
            (None, Some("tags/x/2.html"))
        );
        let last = view(t, &pages, 3, 5).unwrap();
        assert_eq!(
            (last.previous.as_deref(), last.next),
            (Some("tags/x/2.html"), None)
        );
        assert_eq!(last.status, "第 3 / 3 页：第 5–5 个，共 5 个案例");
        assert!(view(t, &paginate("index.html", 5, 10), 1, 5).is_none());
    }

    #[test]
    fn filter_links_encode_the_term() {
        assert_eq!(
            metrics_filter_url(TaxonomyKind::Tags, "审批 & 服务"),
            "metrics.html#tag=%E5%AE%A1%E6%89%B9%20%26%20%E6%9C%8D%E5%8A%A1"
        );
        assert_eq!(
            metrics_filter_url(TaxonomyKind::Regions, "a-b"),
            "metrics.html#region=a-b"
        );
    }
}
