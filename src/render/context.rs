//! Typed template contexts: one struct per kind of page, serialised into Tera.

use serde::Serialize;

use super::i18n::Strings;
use super::markdown::TocEntry;
use crate::content::case::CaseId;
use crate::site::metrics::MetricView;
use crate::site::taxonomy::TaxonomyKind;
use crate::site::Site;

/// A link to another page: text and root-relative URL.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub name: String,
    pub url: String,
}

/// What every page knows about the site.
#[derive(Debug, Serialize)]
pub struct SiteInfo {
    pub title: String,
    pub description: String,
    /// BCP 47 tag for `<html lang>`.
    pub language: String,
    pub base_url: Option<String>,
    /// Plain pages with a `weight`, in weight order.
    pub pages: Vec<Link>,
    /// The list pages of enabled taxonomies.
    pub taxonomies: Vec<Link>,
    /// Root file of the search index ([`crate::search::ROOT`]), root-relative.
    pub search_index: Option<String>,
    /// `print.html`, root-relative, when the site has it ([`crate::site::Site::has_print_page`]).
    pub print: Option<String>,
}

/// `site` and `t`, the same on every page, converted for Tera once: a converted map is
/// shared by reference count, where serialising them again for every page was 0.7 % of a
/// build.
pub struct Shared {
    pub site: tera::Value,
    pub t: tera::Value,
}

impl Shared {
    pub fn new(site: &SiteInfo, t: &Strings) -> Self {
        Shared {
            site: tera::Value::from_serializable(site),
            t: tera::Value::from_serializable(t),
        }
    }

    /// A context with `site` and `t`, for pages that render many at a time and add their own
    /// fields to it.
    pub fn context(&self) -> tera::Context {
        let mut context = self.t_context();
        context.insert_value("site", self.site.clone());
        context
    }

    /// A context with `t` alone (metric tables, `print.html`'s cases).
    pub fn t_context(&self) -> tera::Context {
        let mut context = tera::Context::new();
        context.insert_value("t", self.t.clone());
        context
    }
}

/// Fields shared by every page context.
#[derive(Debug, Serialize)]
pub struct Common<'a> {
    pub site: &'a tera::Value,
    pub t: &'a tera::Value,
    /// Prefix that leads from this page to the site root (`""`, `"../"`): every link is relative.
    pub root: String,
    /// This page's root-relative URL.
    pub page_url: String,
}

impl<'a> Common<'a> {
    pub fn new(shared: &'a Shared, page_url: &str) -> Self {
        Common {
            site: &shared.site,
            t: &shared.t,
            root: root_of(page_url),
            page_url: page_url.to_string(),
        }
    }
}

/// The prefix that leads from `page_url` to the site root.
pub fn root_of(page_url: &str) -> String {
    "../".repeat(page_url.matches('/').count())
}

/// A case as listed on the index and term pages.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary<'a> {
    pub id: &'a CaseId,
    pub title: &'a str,
    pub url: &'a str,
    pub region: TermLinkValue<'a>,
    pub department: TermLinkValue<'a>,
    pub date: Option<&'a str>,
    pub tags: Vec<TermLinkValue<'a>>,
    pub summary: &'a str,
    /// The summary is the body's first paragraph (not shown above a body that has it).
    pub summary_from_body: bool,
    pub headline: Option<&'a MetricView>,
}

impl<'a> CaseSummary<'a> {
    /// Case `i` of `site`, its terms' links from `terms`.
    pub fn new(site: &'a Site, terms: &TermLinks, i: usize) -> Self {
        let case = &site.content.cases[i];
        let link = |kind: TaxonomyKind, name: &'a str| terms.link(site, kind, name);
        CaseSummary {
            id: &case.id,
            title: &case.title,
            url: &case.url,
            region: link(TaxonomyKind::Regions, &case.region),
            department: link(TaxonomyKind::Departments, &case.department),
            date: case.date.as_deref(),
            tags: case
                .tags
                .iter()
                .map(|t| link(TaxonomyKind::Tags, t))
                .collect(),
            summary: &case.summary,
            summary_from_body: case.summary_from_body,
            headline: site.metrics.rows_of(i).first().map(|row| &row.view),
        }
    }
}

/// A link to a taxonomy term's page ([`Link`]) with the term's name, serialised as a template
/// value made once per term ([`TermLinks`]).
#[derive(Debug, Clone)]
pub struct TermLinkValue<'a> {
    pub name: &'a str,
    /// The term's page, root-relative; empty when its taxonomy is not published.
    pub url: &'a str,
    value: tera::Value,
}

impl Serialize for TermLinkValue<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

/// Every term's [`Link`] as a template value, made once: a term is on hundreds or thousands
/// of cases, and a case's summary is converted for Tera three times (its card, its page, its
/// entry in `print.html`); the links were half of that conversion.
pub struct TermLinks {
    /// By [`TaxonomyKind`], in the order of the taxonomy's terms; empty when it is not
    /// published.
    values: Vec<(TaxonomyKind, Vec<tera::Value>)>,
}

impl TermLinks {
    pub fn new(site: &Site) -> Self {
        let values = site
            .taxonomies
            .iter()
            .map(|taxonomy| {
                let links = taxonomy.terms.iter().map(|term| {
                    tera::Value::from_serializable(&Link {
                        name: term.name.clone(),
                        url: term.url.clone(),
                    })
                });
                (taxonomy.kind, links.collect())
            })
            .collect();
        TermLinks { values }
    }

    /// The link of term `name`: to its page, or with an empty URL when its taxonomy is not
    /// published.
    fn link<'a>(&self, site: &'a Site, kind: TaxonomyKind, name: &'a str) -> TermLinkValue<'a> {
        let made = term_at(site, kind, name).and_then(|(taxonomy, at)| {
            let (_, values) = self.values.iter().find(|(k, _)| *k == kind)?;
            Some((taxonomy.terms[at].url.as_str(), values.get(at)?.clone()))
        });
        let (url, value) = made.unwrap_or_else(|| {
            let link = Link {
                name: name.to_string(),
                url: String::new(),
            };
            ("", tera::Value::from_serializable(&link))
        });
        TermLinkValue { name, url, value }
    }
}

/// Every case's [`CaseSummary`], each made the first time it is asked for: a full build asks
/// for all of them, a watch-mode rebuild after one save for a handful.
pub struct Summaries<'a> {
    site: &'a Site,
    terms: TermLinks,
    made: Vec<std::sync::OnceLock<CaseSummary<'a>>>,
}

impl<'a> Summaries<'a> {
    pub fn new(site: &'a Site) -> Self {
        let made = (0..site.content.cases.len())
            .map(|_| Default::default())
            .collect();
        Summaries {
            site,
            terms: TermLinks::new(site),
            made,
        }
    }

    /// The summary of case `i`.
    pub fn get(&self, i: usize) -> &CaseSummary<'a> {
        self.made[i].get_or_init(|| CaseSummary::new(self.site, &self.terms, i))
    }

    pub fn len(&self) -> usize {
        self.made.len()
    }

    pub fn is_empty(&self) -> bool {
        self.made.is_empty()
    }
}

/// URL of a term's page, if that taxonomy is published.
pub(crate) fn term_url(site: &Site, kind: TaxonomyKind, name: &str) -> Option<String> {
    let (taxonomy, at) = term_at(site, kind, name)?;
    Some(taxonomy.terms[at].url.clone())
}

/// The published taxonomy of `kind` and where term `name` is among its terms.
fn term_at<'s>(
    site: &'s Site,
    kind: TaxonomyKind,
    name: &str,
) -> Option<(&'s crate::site::taxonomy::Taxonomy, usize)> {
    let taxonomy = site.taxonomy(kind)?;
    let at = taxonomy
        .terms
        .binary_search_by(|t| t.name.as_str().cmp(name))
        .ok()?;
    Some((taxonomy, at))
}

/// Where a page of a paginated list is, and links to the others.
#[derive(Debug, Serialize)]
pub struct PagerView {
    pub current: usize,
    pub pages: usize,
    /// Root-relative URLs of the neighbouring pages.
    pub previous: Option<String>,
    pub next: Option<String>,
    /// The first and last pages and those around this one.
    pub links: Vec<PagerLink>,
    /// `第 2 页`: names this page (title, landmark label).
    pub label: String,
    /// `第 2 / 5 页：第 101–200 个，共 480 个案例`.
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct PagerLink {
    pub number: usize,
    pub url: String,
    pub label: String,
    pub current: bool,
    /// Pages were left out between the previous link and this one.
    pub gap_before: bool,
}

#[derive(Serialize)]
pub struct IndexPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub lead_title: Option<&'a str>,
    pub lead: Option<&'a str>,
    /// Cases in the whole list.
    pub total: usize,
    /// Position of this page's first case in the whole list (1-based).
    pub first: usize,
    /// This page's case cards (`case_card.html`), ready to go inside `<ol class="case-list">`.
    /// In the context, [`CARDS_MARK`](super::fragments::CARDS_MARK) stands for them: print
    /// it with `| safe`, and test `total` rather than this.
    pub cases_html: tera::Value,
    /// `None` when the list fits on one page.
    pub pager: Option<PagerView>,
}

/// A case page's own fields. `site` and `t`, the same on every page, are in the context
/// each thread keeps between pages ([`Shared::context`]): serialising them again for every
/// case cost more than a tenth of a case page's render. Since the context is reused, no
/// field may be left out when serialising (`skip_serializing_if`): it would keep the
/// previous case's value.
#[derive(Serialize)]
pub struct CasePage<'a> {
    pub root: String,
    pub page_url: &'a str,
    /// The case as listed ([`CaseSummary`]), converted once for this and `print.html`.
    pub case: tera::Value,
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
    /// The case's metrics (`MetricView`s), converted once for the page and its table.
    pub metrics: tera::Value,
    /// The metrics as a table (`metric_table.html`), also shown on `print.html`.
    /// A mark the table is written over ([`super::fragments::TABLE_MARK`]), empty when the
    /// case has no metrics.
    pub metrics_html: tera::Value,
    /// Inline SVG of the before/after metrics, drawn at build time.
    /// A mark the chart is written over ([`super::fragments::CHART_MARK`]).
    pub chart: Option<tera::Value>,
    /// The body: a mark it is written over ([`super::fragments::BODY_MARK`]), so never empty;
    /// `has_content` says whether the body is.
    pub content: tera::Value,
    pub has_content: bool,
    pub toc: &'a [TocEntry],
    pub previous: Option<Link>,
    pub next: Option<Link>,
    /// The cards of related cases (`case_card.html`), to go inside `<ol>`: a mark they are
    /// written over, empty when the case has none.
    pub related_html: tera::Value,
}

impl CasePage<'_> {
    /// Writes every field into `context`, as [`tera::Context::from_serialize`] would, under
    /// names that need no copy: that function builds a map of the fields, copies each name
    /// into a new string, then sorts them into a second map, which was 1.8 % of a build's
    /// instructions. (A test checks that the two give the same context.)
    pub fn insert_into(self, context: &mut tera::Context) {
        context.insert("root", &self.root);
        context.insert("page_url", self.page_url);
        context.insert_value("case", self.case);
        context.insert("extra", self.extra);
        context.insert_value("metrics", self.metrics);
        context.insert_value("metrics_html", self.metrics_html);
        context.insert("chart", &self.chart);
        context.insert_value("content", self.content);
        context.insert("has_content", &self.has_content);
        context.insert("toc", self.toc);
        context.insert("previous", &self.previous);
        context.insert("next", &self.next);
        context.insert_value("related_html", self.related_html);
    }
}

#[derive(Serialize)]
pub struct TermLink {
    pub name: String,
    pub url: String,
    pub count: usize,
}

#[derive(Serialize)]
pub struct TaxonomyListPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub taxonomy: &'static str,
    pub title: &'static str,
    pub terms: Vec<TermLink>,
}

#[derive(Serialize)]
pub struct TermPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub taxonomy: &'static str,
    pub taxonomy_title: &'static str,
    pub term: &'a str,
    /// Cases carrying the term, on all pages.
    pub total: usize,
    /// Position of this page's first case in the whole list (1-based).
    pub first: usize,
    /// As on [`IndexPage`]: a mark the cards replace.
    pub cases_html: tera::Value,
    pub pager: Option<PagerView>,
    /// Rows (`metric_row.html`) of the metrics of this page's cases, in case order; a mark
    /// (as `cases_html`), so test `metric_count`.
    pub metric_rows_html: tera::Value,
    pub metric_count: usize,
    /// Rows of all the term's cases, on all pages.
    pub metric_total: usize,
    /// `metrics.html` filtered to this term, and the link's text (paginated terms only).
    pub metrics_link: String,
    pub metrics_link_text: String,
}

#[derive(Serialize)]
pub struct PlainPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub title: &'a str,
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub extra: &'a serde_json::Map<String, serde_json::Value>,
}

/// One entry of the Atom feed or the sitemap; URLs absolute when `base_url` is set.
#[derive(Serialize)]
pub struct FeedEntry<'a> {
    pub id: String,
    pub title: &'a str,
    pub url: String,
    pub updated: String,
    pub summary: &'a str,
}

#[derive(Serialize)]
pub struct FeedPage<'a> {
    #[serde(flatten)]
    pub common: Common<'a>,
    pub site_url: String,
    pub feed_url: String,
    pub updated: String,
    pub entries: Vec<FeedEntry<'a>>,
    pub urls: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field `CasePage` serialises is in the context `insert_into` fills, with the same
    /// value: a field added to the struct but not there would keep the previous case's value.
    #[test]
    fn a_case_page_inserts_what_it_serialises() {
        let extra: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"incomplete": true, "source": "report"}"#).unwrap();
        let toc = [TocEntry {
            level: 2,
            id: "一-背景".into(),
            title: "一、背景".into(),
        }];
        let link = |name: &str| Link {
            name: name.into(),
            url: format!("cases/{name}.html"),
        };
        let page = CasePage {
            root: "../".into(),
            page_url: "cases/a.html",
            case: tera::Value::from_serializable(&serde_json::json!({"title": "A", "id": 1})),
            extra: &extra,
            metrics: tera::Value::from_serializable(&[1, 2]),
            metrics_html: tera::Value::safe_string("<table>"),
            chart: Some(tera::Value::safe_string("<svg>")),
            content: tera::Value::safe_string("<p>"),
            has_content: true,
            toc: &toc,
            previous: Some(link("z")),
            next: None,
            related_html: tera::Value::safe_string("<li>"),
        };
        let serialised = tera::Context::from_serialize(&page).unwrap();
        let serde_json::Value::Object(fields) = serde_json::to_value(&page).unwrap() else {
            panic!("a page serialises as a map");
        };
        let mut inserted = tera::Context::new();
        page.insert_into(&mut inserted);
        assert_eq!(fields.len(), 13);
        for name in fields.keys() {
            assert_eq!(inserted.get(name), serialised.get(name), "{name}");
            assert!(inserted.get(name).is_some(), "{name}");
        }
    }
}
