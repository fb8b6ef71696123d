//! The site model: everything the renderer needs, computed once from validated content.
//!
//! Pure and deterministic: taxonomies, previous/next, related cases. Site-wide metric tables
//! and the search index hang off this model too.

pub mod metrics;
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
}

impl Site {
    pub fn new(config: Config, content: Content) -> Result<Site, Diagnostics> {
        let mut problems = Diagnostics::new();
        let mut taxonomies = Vec::new();
        for kind in TaxonomyKind::ALL {
            if !taxonomy_config(&config, kind).enabled {
                continue;
            }
            match Taxonomy::build(kind, &content.cases, config.raw.slugs.transliterate) {
                Ok(t) => taxonomies.push(t),
                Err(e) => problems.extend(e),
            }
        }
        let related = related_cases(&content.cases);
        let metrics = metrics::MetricTable::new(&content.cases);
        problems.into_result(Site {
            config,
            content,
            taxonomies,
            related,
            metrics,
        })
    }

    pub fn taxonomy(&self, kind: TaxonomyKind) -> Option<&Taxonomy> {
        self.taxonomies.iter().find(|t| t.kind == kind)
    }
}

pub fn taxonomy_config(config: &Config, kind: TaxonomyKind) -> &crate::config::TaxonomyConfig {
    let t = &config.raw.taxonomies;
    match kind {
        TaxonomyKind::Tags => &t.tags,
        TaxonomyKind::Regions => &t.regions,
        TaxonomyKind::Departments => &t.departments,
    }
}

/// Related cases by shared tags, found through a tag index (no all-pairs comparison).
/// Ties go to the lower case index, so the result is deterministic.
fn related_cases(cases: &[crate::content::case::Case]) -> Vec<Vec<usize>> {
    let mut by_tag: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, case) in cases.iter().enumerate() {
        for tag in &case.tags {
            by_tag.entry(tag).or_default().push(i);
        }
    }
    use rayon::prelude::*;
    (0..cases.len())
        .into_par_iter()
        .map(|i| {
            let mut shared: BTreeMap<usize, usize> = BTreeMap::new();
            for tag in &cases[i].tags {
                for &j in &by_tag[tag.as_str()] {
                    if j != i {
                        *shared.entry(j).or_default() += 1;
                    }
                }
            }
            let mut ranked: Vec<(usize, usize)> = shared.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            ranked
                .into_iter()
                .take(RELATED_LIMIT)
                .map(|(j, _)| j)
                .collect()
        })
        .collect()
}
