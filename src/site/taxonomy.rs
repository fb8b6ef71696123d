//! Taxonomies: tags, regions and departments, each term with the cases that carry it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::case::Case;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::slug::slugify;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaxonomyKind {
    Tags,
    Regions,
    Departments,
}

impl TaxonomyKind {
    pub const ALL: [TaxonomyKind; 3] = [
        TaxonomyKind::Tags,
        TaxonomyKind::Regions,
        TaxonomyKind::Departments,
    ];

    /// The folder of its pages, also its key in config and templates.
    pub fn key(self) -> &'static str {
        match self {
            TaxonomyKind::Tags => "tags",
            TaxonomyKind::Regions => "regions",
            TaxonomyKind::Departments => "departments",
        }
    }

    /// The terms one case carries in this taxonomy.
    pub fn terms_of(self, case: &Case) -> Vec<&str> {
        match self {
            TaxonomyKind::Tags => case.tags.iter().map(String::as_str).collect(),
            TaxonomyKind::Regions => vec![case.region.as_str()],
            TaxonomyKind::Departments => vec![case.department.as_str()],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Term {
    pub name: String,
    pub slug: String,
    /// Root-relative URL of the term page.
    pub url: String,
    /// Indices into the site's cases, in case order.
    pub cases: Vec<usize>,
    /// The pages its list of cases is split into (see [`super::paginate`]).
    #[serde(skip)]
    pub pages: Vec<super::paginate::ListPage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Taxonomy {
    pub kind: TaxonomyKind,
    /// Sorted by name.
    pub terms: Vec<Term>,
}

impl Taxonomy {
    /// Groups `cases` by their terms. Two terms whose slugs collide is an error naming both.
    pub fn build(
        kind: TaxonomyKind,
        cases: &[Case],
        transliterate: bool,
        per_page: usize,
    ) -> Result<Taxonomy, Diagnostics> {
        let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (index, case) in cases.iter().enumerate() {
            for term in kind.terms_of(case) {
                by_name.entry(term).or_default().push(index);
            }
        }
        let mut problems = Diagnostics::new();
        let mut slugs: BTreeMap<String, &str> = BTreeMap::new();
        let mut terms = Vec::with_capacity(by_name.len());
        for (name, indices) in by_name {
            let slug = slugify(name, transliterate);
            if let Some(other) = slugs.insert(slug.clone(), name) {
                let case = &cases[indices[0]];
                problems.push(
                    Diagnostic::error(
                        &case.source,
                        format!(
                            "{} `{name}` and `{other}` would both be published as `{}/{slug}.html`",
                            kind.key(),
                            kind.key()
                        ),
                    )
                    .with_hint(
                        "spell the two the same way, or make them differ in letters or digits",
                    ),
                );
            }
            let url = format!("{}/{slug}.html", kind.key());
            terms.push(Term {
                name: name.to_string(),
                pages: super::paginate::paginate(&url, indices.len(), per_page),
                url,
                slug,
                cases: indices,
            });
        }
        problems.into_result(Taxonomy { kind, terms })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(tags: &[&str]) -> Case {
        let front = "id: 1\ntitle: T\nregion: 福州市\ndepartment: D\n";
        let fm = crate::content::front_matter::parse(front, 2).unwrap();
        let (mut c, _) =
            crate::content::case::validate(fm, "c.md".into(), "c".into(), 2, &Default::default());
        c.tags = tags.iter().map(|s| s.to_string()).collect();
        c
    }

    #[test]
    fn groups_cases_by_term() {
        let cases = [case(&["融资", "信用"]), case(&["信用"])];
        let tax = Taxonomy::build(TaxonomyKind::Tags, &cases, false, 0).unwrap();
        let names: Vec<_> = tax
            .terms
            .iter()
            .map(|t| (t.name.as_str(), t.cases.clone()))
            .collect();
        assert_eq!(names, [("信用", vec![0, 1]), ("融资", vec![0])]);
        assert_eq!(tax.terms[0].url, "tags/信用.html");
    }

    #[test]
    fn colliding_slugs_are_an_error() {
        let cases = [case(&["One Window", "one-window"])];
        let err = Taxonomy::build(TaxonomyKind::Tags, &cases, false, 0).unwrap_err();
        assert!(
            err.0[0].message.contains("would both be published"),
            "{err}"
        );
    }
}
