//! The site model: everything the renderer needs, computed once from validated content.
//!
//! Pure and deterministic: taxonomies, previous/next, related cases. Site-wide metric tables
//! and the search index hang off this model too.

pub mod metrics;
pub mod paginate;
pub mod taxonomy;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::content::Content;
use crate::diagnostic::Diagnostics;
use taxonomy::{Taxonomy, TaxonomyKind};

/// How many related cases a case page lists.
const RELATED_LIMIT: usize = 5;

pub struct Site {
    pub config: Config,
    pub content: Content,
    /// Enabled taxonomies, in [`TaxonomyKind::ALL`] order.
    pub taxonomies: Vec<Taxonomy>,
    /// For each case (by index), the cases sharing most tags with it.
    pub related: Vec<Vec<usize>>,
    /// Every metric of every case as one comparable table.
    pub metrics: metrics::MetricTable,
    /// The pages the index's list of every case is split into.
    pub index_pages: Vec<paginate::ListPage>,
}

impl Site {
    pub fn new(config: Config, content: Content) -> Result<Site, Diagnostics> {
        Site::with_related(config, content, related_cases)
    }

    /// [`Site::new`] with the related-cases step supplied: watch mode reuses the previous
    /// result when no case's tags changed.
    pub fn with_related(
        config: Config,
        content: Content,
        related_cases: impl FnOnce(&[crate::content::case::Case]) -> Vec<Vec<usize>> + Send,
    ) -> Result<Site, Diagnostics> {
        // Side by side: each has a serial part (grouping, sorting, summaries) that would
        // leave the other core idle.
        let ((taxonomies, related), metrics) = rayon::join(
            || {
                rayon::join(
                    || build_taxonomies(&config, &content.cases),
                    || related_cases(&content.cases),
                )
            },
            || metrics::MetricTable::new(&content.cases),
        );
        let (taxonomies, problems) = taxonomies;
        let index_pages =
            paginate::paginate("index.html", content.cases.len(), config.raw.paginate_by);
        problems.into_result(Site {
            index_pages,
            config,
            content,
            taxonomies,
            related,
            metrics,
        })
    }

    /// Whether `print.html` is made: only while the collection is small enough to print as
    /// one page (`print_max_cases`).
    pub fn has_print_page(&self) -> bool {
        let max = self.config.raw.print_max_cases;
        max > 0 && self.content.cases.len() <= max
    }

    /// `print_max_cases` when the collection has more cases than it allows (not when it is
    /// `0`: the page was turned off, not outgrown).
    pub fn print_limit_passed(&self) -> Option<usize> {
        let max = self.config.raw.print_max_cases;
        (max > 0 && !self.has_print_page()).then_some(max)
    }

    pub fn taxonomy(&self, kind: TaxonomyKind) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.kind == kind)
    }
}

/// The enabled taxonomies, in [`TaxonomyKind::ALL`] order, and the problems of their terms.
fn build_taxonomies(
    config: &Config,
    cases: &[crate::content::case::Case],
) -> (Vec<Taxonomy>, Diagnostics) {
    let mut problems = Diagnostics::new();
    let mut taxonomies = Vec::new();
    let (transliterate, per_page) = (config.raw.slugs.transliterate, config.raw.paginate_by);
    for kind in TaxonomyKind::ALL {
        if !taxonomy_config(config, kind).enabled {
            continue;
        }
        match Taxonomy::build(kind, cases, transliterate, per_page) {
            Ok(t) => taxonomies.push(t),
            Err(e) => problems.extend(e),
        }
    }
    (taxonomies, problems)
}

pub fn taxonomy_config(config: &Config, kind: TaxonomyKind) -> &crate::config::TaxonomyConfig {
    let t = &config.raw.taxonomies;
    match kind {
        TaxonomyKind::Tags => &t.tags,
        TaxonomyKind::Regions => &t.regions,
        TaxonomyKind::Departments => &t.departments,
    }
}

/// How far (in places, each side) a case looks along each of its tags' lists of cases.
const RELATED_WINDOW: usize = 256;

/// Related cases by shared tags, found through a tag index (no all-pairs comparison).
/// Ties go to the lower case index, so the result is deterministic. Counts go into a dense
/// per-thread array rather than a map: watch mode recomputes this after every save.
///
/// A case counts only the cases within [`RELATED_WINDOW`] places of itself in each tag's
/// list. With a fixed pool of tags the lists grow with the collection, and counting all of
/// them is quadratic (100,000 cases over 40 tags: 2·10⁹ increments, 19 s); windows keep the
/// work per case bounded (0.2 s at 100,000 cases). Lists up to 513 cases are seen whole, so
/// the result is exact while no tag has more cases than that.
pub fn related_cases(cases: &[crate::content::case::Case]) -> Vec<Vec<usize>> {
    let mut by_tag: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        for tag in &case.tags {
            by_tag.entry(tag).or_default().push(i);
        }
    }
    use rayon::prelude::*;
    (0..cases.len())
        .into_par_iter()
        .map_init(
            || (vec![0u32; cases.len()], Vec::new(), Vec::new()),
            |(counts, touched, shared), i| {
                for tag in &cases[i].tags {
                    let list = &by_tag[tag.as_str()];
                    let at = list.partition_point(|&j| j < i);
                    let from = at.saturating_sub(RELATED_WINDOW);
                    let to = (at + RELATED_WINDOW + 1).min(list.len());
                    for &j in &list[from..to] {
                        if j != i {
                            match counts[j] {
                                0 => touched.push(j),
                                1 => shared.push(j),
                                _ => {}
                            }
                            counts[j] += 1;
                        }
                    }
                }
                // More shared tags rank first: once enough cases share two or more, the best
                // are among them, and the thousand or so that share one need no look.
                let ranked = if shared.len() >= RELATED_LIMIT {
                    &shared[..]
                } else {
                    &touched[..]
                };
                let best = best_related(ranked, counts);
                for &j in touched.iter() {
                    counts[j] = 0;
                }
                touched.clear();
                shared.clear();
                best
            },
        )
        .collect()
}

/// The [`RELATED_LIMIT`] best of the `touched` cases, by `counts`: more shared tags first,
/// then the lower index. One pass that keeps the best few in order: nearly every case fails
/// the first comparison, where ranking all of them (a case touches about 1,300 at 10,000
/// cases) was half of finding related cases.
fn best_related(touched: &[usize], counts: &[u32]) -> Vec<usize> {
    let mut best: Vec<(u32, usize)> = Vec::with_capacity(RELATED_LIMIT + 1);
    let beats = |(c, j): (u32, usize), (bc, bj): (u32, usize)| c > bc || (c == bc && j < bj);
    for &j in touched {
        let candidate = (counts[j], j);
        if best.len() == RELATED_LIMIT && !beats(candidate, best[RELATED_LIMIT - 1]) {
            continue;
        }
        let at = best.partition_point(|&b| beats(b, candidate));
        best.insert(at, candidate);
        best.truncate(RELATED_LIMIT);
    }
    best.iter().map(|&(_, j)| j).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(tags: &[&str]) -> crate::content::case::Case {
        let front = "id: 1\ntitle: T\nregion: R\ndepartment: D\n";
        let fm = crate::content::front_matter::parse(front, 2).unwrap();
        let (mut c, _) =
            crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
        c.tags = tags.iter().map(|s| s.to_string()).collect();
        c
    }

    #[test]
    fn related_cases_rank_by_shared_tags_then_index() {
        let cases = [
            case(&["a", "b", "c"]),
            case(&["a"]),
            case(&["a", "b"]),
            case(&["x"]),
            case(&["c", "b"]),
            case(&["a"]),
            case(&["a"]),
            case(&["a"]),
        ];
        let related = related_cases(&cases);
        assert_eq!(related[0], [2, 4, 1, 5, 6]);
        assert_eq!(related[3], Vec::<usize>::new());
        assert_eq!(related[4], [0, 2]);
    }

    #[test]
    fn related_cases_are_those_a_full_count_ranks_first() {
        // 60 cases over 6 tags, two or three each: many share two tags, some share one.
        let pool = ["a", "b", "c", "d", "e", "f"];
        let cases: Vec<_> = (0..60usize)
            .map(|k| {
                let n = 2 + k % 2;
                let mut tags: Vec<&str> = (0..n)
                    .map(|t| pool[(k * 7 + t * (k % 5 + 1)) % 6])
                    .collect();
                tags.sort();
                tags.dedup();
                case(&tags)
            })
            .collect();
        let related = related_cases(&cases);
        for (i, got) in related.iter().enumerate() {
            let shared = |j: usize| {
                cases[i]
                    .tags
                    .iter()
                    .filter(|t| cases[j].tags.contains(t))
                    .count()
            };
            let mut ranked: Vec<(usize, usize)> = (0..cases.len())
                .filter(|&j| j != i && shared(j) > 0)
                .map(|j| (shared(j), j))
                .collect();
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let want: Vec<usize> = ranked.iter().take(RELATED_LIMIT).map(|r| r.1).collect();
            assert_eq!(*got, want, "case {i}");
        }
    }

    #[test]
    fn related_cases_look_only_within_a_window_of_each_tag() {
        let mut cases: Vec<_> = (0..3000).map(|_| case(&["a"])).collect();
        cases[2900] = case(&["a", "b"]);
        cases[2950] = case(&["a", "b"]);
        let related = related_cases(&cases);
        // Lower indices first among the cases within the window of case 2500.
        let first = 2500 - RELATED_WINDOW;
        assert_eq!(
            related[2500],
            [first, first + 1, first + 2, first + 3, first + 4]
        );
        // Sharing two tags outranks sharing one.
        assert_eq!(related[2950][0], 2900);
    }

    #[test]
    fn the_best_related_are_those_a_full_ranking_puts_first() {
        // Counts 0..4 over 300 cases touched in a scrambled order, as the windows of
        // several tags touch them; every prefix length, so the short lists are checked too.
        let counts: Vec<u32> = (0..300u32).map(|j| (j * 7 + j / 13) % 5).collect();
        let order: Vec<usize> = (0..300).map(|k| (k * 37 + 11) % 300).collect();
        for n in [0, 1, 3, 5, 6, 40, 300] {
            let touched = &order[..n];
            let mut ranked: Vec<(u32, usize)> = touched.iter().map(|&j| (counts[j], j)).collect();
            ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let expected: Vec<usize> = ranked.iter().take(RELATED_LIMIT).map(|r| r.1).collect();
            assert_eq!(best_related(touched, &counts), expected, "{n} touched");
        }
    }

    #[test]
    fn related_lists_hold_no_more_memory_than_they_show() {
        let cases: Vec<_> = (0..200).map(|_| case(&["shared"])).collect();
        let related = related_cases(&cases);
        assert!(related.iter().all(|r| r.len() == RELATED_LIMIT));
        assert!(
            related.iter().all(|r| r.capacity() <= RELATED_LIMIT),
            "buffers kept"
        );
    }
}
