//! Rendering: the site model in, every output file (as bytes in memory) out.
//!
//! Rendering does no file I/O: it turns the [`Site`] into [`OutputFile`]s that
//! [`crate::output`] writes. Case pages, the largest share, render in parallel.

pub mod chart;
pub mod context;
pub mod exports;
pub mod highlight;
pub mod i18n;
pub mod markdown;
pub mod metrics_page;
pub mod print;
pub mod theme;

use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::output::OutputFile;
use crate::site::taxonomy::TaxonomyKind;
use crate::site::Site;
use context::*;
use i18n::Strings;
use theme::Theme;

/// Escapes text for HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Compiled templates, with the origin of each for error messages.
pub struct Templates {
    tera: tera::Tera,
    origins: std::collections::BTreeMap<String, std::path::PathBuf>,
}

impl Templates {
    /// Compiles every template once; syntax errors name the template file.
    pub fn compile(theme: &Theme) -> Result<Templates, Diagnostics> {
        let mut tera = tera::Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // Tera's default escaper also turns `/` into `&#x2F;`, which bloats every URL.
        tera.set_escape_fn(escape_html);
        let origins = theme
            .templates
            .iter()
            .map(|(n, s)| (n.clone(), s.origin.clone()))
            .collect();
        let mut templates = Templates { tera, origins };
        let sources: Vec<(&str, &str)> = theme
            .templates
            .iter()
            .map(|(n, s)| (n.as_str(), s.text.as_str()))
            .collect();
        if let Err(e) = templates.tera.add_raw_templates(sources) {
            return Err(templates.diagnostic(&e, None).into());
        }
        Ok(templates)
    }

    fn render<T: Serialize>(&self, name: &str, page: &T) -> Result<String, Diagnostic> {
        let context =
            tera::Context::from_serialize(page).map_err(|e| self.diagnostic(&e, Some(name)))?;
        self.tera
            .render(name, &context)
            .map_err(|e| self.diagnostic(&e, Some(name)))
    }

    /// A Tera error as a diagnostic on the template file, with its line when Tera gives one.
    fn diagnostic(&self, error: &tera::Error, template: Option<&str>) -> Diagnostic {
        let mut chain = vec![error.to_string()];
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            chain.push(e.to_string());
            source = e.source();
        }
        let text = chain.join(": ");
        let name = template
            .map(str::to_string)
            .or_else(|| text.split('\'').nth(1).map(str::to_string))
            .unwrap_or_default();
        let origin = self
            .origins
            .get(&name)
            .cloned()
            .unwrap_or_else(|| format!("templates/{name}").into());
        let mut d = Diagnostic::error(origin, first_line_summary(&text))
            .with_hint("fix the template; see https://keats.github.io/tera/docs/ for the syntax");
        if let Some((line, col)) = pest_position(&text) {
            d = d.at(line, col);
        }
        d
    }
}

/// Tera's parse errors read ` --> 3:5` followed by a source excerpt; keep a one-line message.
fn first_line_summary(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let expected = lines
        .iter()
        .find(|l| l.starts_with('='))
        .map(|l| l.trim_start_matches("= ").to_string());
    match expected {
        Some(e) if text.starts_with("Failed to parse") => format!("template syntax error: {e}"),
        _ => lines.join(" "),
    }
}

fn pest_position(text: &str) -> Option<(usize, usize)> {
    let after = text.split("--> ").nth(1)?;
    let pos: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ':')
        .collect();
    let (line, col) = pos.split_once(':')?;
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// Renders every page of the site.
pub fn render_site(
    site: &Site,
    templates: &Templates,
    theme: &Theme,
) -> Result<Vec<OutputFile>, Diagnostics> {
    render_selected(site, templates, theme, &|_| true)
}

/// Renders the pages whose URL `wants` accepts, and every output it is not asked about
/// (static files, assets, site-wide data): watch mode skips pages whose inputs are unchanged.
pub fn render_selected(
    site: &Site,
    templates: &Templates,
    theme: &Theme,
    wants: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Vec<OutputFile>, Diagnostics> {
    let t = i18n::strings(site.config.language);
    let (search, summaries) = rayon::join(
        // Watch mode defers the index (it covers every case) until saves pause.
        || wants(crate::search::ROOT).then(|| crate::search::build(site)),
        || {
            site.content
                .cases
                .par_iter()
                .map(|c| CaseSummary::new(site, c))
                .collect::<Vec<CaseSummary>>()
        },
    );
    let mut info = site_info(site, t);
    info.search_index = Some(crate::search::ROOT.to_string());
    let rows = match wants(metrics_page::METRICS_URL) {
        true => metrics_page::row_views(site, &summaries),
        false => Vec::new(), // only the metrics page shows them
    };
    let r = Renderer {
        site,
        templates,
        t,
        info: &info,
        summaries: &summaries,
        rows: &rows,
    };
    // The index lists every case: the longest single page, so it renders alongside the rest.
    let (index, mut results) = rayon::join(
        || wants("index.html").then(|| r.index_page()),
        || -> Vec<Result<OutputFile, Diagnostic>> {
            (0..site.content.cases.len())
                .into_par_iter()
                .filter(|&i| wants(&site.content.cases[i].url))
                .map(|i| r.case_page(i))
                .collect()
        },
    );
    results.extend(index);
    if wants("print.html") {
        results.push(r.print_page());
    }
    if wants(metrics_page::METRICS_URL) {
        results.push(r.metrics_page());
    }
    for taxonomy in &site.taxonomies {
        if wants(&format!("{}/index.html", taxonomy.kind.key())) {
            results.push(r.taxonomy_list(taxonomy));
        }
        results.extend(
            taxonomy
                .terms
                .par_iter()
                .filter(|term| wants(&term.url))
                .map(|term| r.term_page(taxonomy.kind, term))
                .collect::<Vec<_>>(),
        );
    }
    let pages = site.content.pages.iter().filter(|p| wants(&p.url));
    results.extend(pages.map(|p| r.plain_page(p)));
    if wants("404.html") {
        results.push(r.simple("404.html", "404.html"));
    }
    if wants("search.html") {
        results.push(r.search_page());
    }
    for feed in ["atom.xml", "sitemap.xml", "robots.txt"] {
        if wants(feed) {
            results.push(r.feed(feed));
        }
    }
    if wants(exports::CASES_JSON) {
        match exports::files(site) {
            Ok(exported) => results.extend(exported.into_iter().map(Ok)),
            Err(d) => results.push(Err(d)),
        }
    }
    let mut problems = Diagnostics::new();
    let mut files = Vec::with_capacity(results.len() + theme.statics.len());
    for result in results {
        match result {
            Ok(file) => files.push(file),
            Err(d) => problems.push(d),
        }
    }
    files.extend(search.into_iter().flat_map(|index| index.files));
    for (name, bytes) in &theme.statics {
        files.push(OutputFile::new(format!("static/{name}"), bytes.clone()));
    }
    for asset in &site.content.assets {
        match std::fs::read(&asset.source) {
            Ok(bytes) => files.push(OutputFile::new(asset.url.clone(), bytes)),
            Err(e) => problems.push(Diagnostic::error(
                &asset.source,
                format!("cannot read: {e}"),
            )),
        }
    }
    check_file_links(site, &files, &mut problems);
    problems.into_result(files)
}

/// Links written in Markdown to other files of the site (`files/report.pdf`,
/// `../tags/x.html`) must name a file of the built site; checked here because only now is
/// every output path known.
fn check_file_links(site: &Site, files: &[OutputFile], problems: &mut Diagnostics) {
    let paths: std::collections::HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let cases = site
        .content
        .cases
        .iter()
        .map(|c| (&c.source, &c.body, c.body_line, &c.rendered));
    let pages = site
        .content
        .pages
        .iter()
        .map(|p| (&p.source, &p.body, p.body_line, &p.rendered));
    for (source, body, body_line, rendered) in cases.chain(pages) {
        for link in &rendered.file_links {
            if paths.contains(percent_decode(&link.path).as_str()) {
                continue;
            }
            let (line, col) = crate::diagnostic::line_col(body, link.offset);
            problems.push(
                Diagnostic::error(source, format!("broken link to `{}`: no such file in the built site", link.written))
                    .at(body_line + line - 1, col)
                    .with_hint("links are relative to the Markdown file; put the file in content/ or fix the path"),
            );
        }
    }
}

/// Decodes `%XX` escapes (UTF-8); invalid sequences stay as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn site_info(site: &Site, t: &'static Strings) -> SiteInfo {
    let raw = &site.config.raw;
    let mut weighted: Vec<_> = site
        .content
        .pages
        .iter()
        .filter(|p| p.weight.is_some())
        .collect();
    weighted.sort_by_key(|p| (p.weight, p.url.clone()));
    SiteInfo {
        title: raw.title.clone(),
        description: raw.description.clone(),
        language: raw.language.clone(),
        base_url: site.config.base_url.clone(),
        pages: weighted
            .iter()
            .map(|p| Link {
                name: p.title.clone(),
                url: p.url.clone(),
            })
            .collect(),
        taxonomies: site
            .taxonomies
            .iter()
            .map(|tax| Link {
                name: taxonomy_title(t, tax.kind).to_string(),
                url: format!("{}/index.html", tax.kind.key()),
            })
            .collect(),
        search_index: None,
    }
}

fn taxonomy_title(t: &'static Strings, kind: TaxonomyKind) -> &'static str {
    match kind {
        TaxonomyKind::Tags => t.tags,
        TaxonomyKind::Regions => t.regions,
        TaxonomyKind::Departments => t.departments,
    }
}

struct Renderer<'a> {
    site: &'a Site,
    templates: &'a Templates,
    t: &'static Strings,
    info: &'a SiteInfo,
    summaries: &'a [CaseSummary<'a>],
    /// Every metric row of the collection, for the metrics page and term pages.
    rows: &'a [metrics_page::MetricRowView<'a>],
}

impl<'a> Renderer<'a> {
    fn common(&self, url: &str) -> Common<'a> {
        Common::new(self.info, self.t, url)
    }

    fn page<T: Serialize>(
        &self,
        template: &str,
        url: &str,
        page: &T,
    ) -> Result<OutputFile, Diagnostic> {
        Ok(OutputFile::new(url, self.templates.render(template, page)?))
    }

    fn case_page(&self, i: usize) -> Result<OutputFile, Diagnostic> {
        let case = &self.site.content.cases[i];
        let link = |j: usize| Link {
            name: self.summaries[j].title.to_string(),
            url: self.summaries[j].url.to_string(),
        };
        let page = CasePage {
            common: self.common(&case.url),
            case: &self.summaries[i],
            extra: &case.extra,
            metrics: case
                .metrics
                .iter()
                .map(crate::site::metrics::MetricView::new)
                .collect(),
            chart: self.case_chart(i),
            content: &case.rendered.html,
            toc: &case.rendered.toc,
            previous: i.checked_sub(1).map(link),
            next: (i + 1 < self.summaries.len()).then(|| link(i + 1)),
            related: self.site.related[i]
                .iter()
                .map(|&j| &self.summaries[j])
                .collect(),
        };
        self.page("case.html", &case.url, &page)
    }

    fn index_page(&self) -> Result<OutputFile, Diagnostic> {
        let front = self.site.content.front.as_ref();
        let page = IndexPage {
            common: self.common("index.html"),
            lead_title: front.map(|p| p.title.as_str()),
            lead: front.map(|p| p.rendered.html.as_str()),
            cases: self.summaries.iter().collect(),
        };
        self.page("index.html", "index.html", &page)
    }

    /// `print.html`: every case in id order, in full.
    fn print_page(&self) -> Result<OutputFile, Diagnostic> {
        let page = print::PrintPage {
            common: self.common("print.html"),
            cases: print::print_cases(&self.site.content.cases, self.summaries),
        };
        self.page("print.html", "print.html", &page)
    }

    fn taxonomy_list(
        &self,
        taxonomy: &crate::site::taxonomy::Taxonomy,
    ) -> Result<OutputFile, Diagnostic> {
        let url = format!("{}/index.html", taxonomy.kind.key());
        let mut terms: Vec<TermLink> = taxonomy
            .terms
            .iter()
            .map(|term| TermLink {
                name: term.name.clone(),
                url: term.url.clone(),
                count: term.cases.len(),
            })
            .collect();
        terms.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let page = TaxonomyListPage {
            common: self.common(&url),
            taxonomy: taxonomy.kind.key(),
            title: taxonomy_title(self.t, taxonomy.kind),
            terms,
        };
        self.page("taxonomy_list.html", &url, &page)
    }

    fn term_page(
        &self,
        kind: TaxonomyKind,
        term: &crate::site::taxonomy::Term,
    ) -> Result<OutputFile, Diagnostic> {
        let page = TermPage {
            common: self.common(&term.url),
            taxonomy: kind.key(),
            taxonomy_title: taxonomy_title(self.t, kind),
            term: &term.name,
            cases: term.cases.iter().map(|&i| &self.summaries[i]).collect(),
            metric_rows: term
                .cases
                .iter()
                .flat_map(|&i| &self.rows[self.site.metrics.case_rows[i].clone()])
                .collect(),
        };
        self.page("taxonomy_term.html", &term.url, &page)
    }

    fn plain_page(&self, p: &crate::content::page::Page) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common(&p.url),
            title: &p.title,
            content: &p.rendered.html,
            toc: &p.rendered.toc,
            extra: &p.extra,
        };
        self.page("page.html", &p.url, &page)
    }

    fn simple(&self, template: &str, url: &str) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common(url),
            title: self.t.not_found_title,
            content: "",
            toc: &[],
            extra: &Default::default(),
        };
        self.page(template, url, &page)
    }

    /// `search.html`: the results page the search box submits to.
    fn search_page(&self) -> Result<OutputFile, Diagnostic> {
        let page = PlainPage {
            common: self.common("search.html"),
            title: self.t.search,
            content: "",
            toc: &[],
            extra: &Default::default(),
        };
        self.page("search.html", "search.html", &page)
    }

    /// `atom.xml`, `sitemap.xml` and `robots.txt`: absolute URLs only when `base_url` is set.
    fn feed(&self, name: &str) -> Result<OutputFile, Diagnostic> {
        let base = self.site.config.base_url.clone().unwrap_or_default();
        let fallback = self
            .site
            .config
            .raw
            .date
            .clone()
            .unwrap_or_else(|| "1970-01-01".to_string());
        let stamp = |date: Option<&str>| format!("{}T00:00:00Z", date.unwrap_or(&fallback));
        let mut entries: Vec<FeedEntry> = self
            .site
            .content
            .cases
            .iter()
            .map(|c| FeedEntry {
                id: format!("urn:casebook:case:{}", c.id),
                title: &c.title,
                url: format!("{base}{}", c.url),
                updated: stamp(c.date.as_deref()),
                summary: &c.summary,
            })
            .collect();
        entries.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.url.cmp(&b.url)));
        let updated = entries
            .first()
            .map(|e| e.updated.clone())
            .unwrap_or_else(|| stamp(None));
        let mut urls: Vec<String> = ["index.html", metrics_page::METRICS_URL]
            .into_iter()
            .map(str::to_string)
            .chain(self.site.content.cases.iter().map(|c| c.url.clone()))
            .chain(self.site.taxonomies.iter().flat_map(|t| {
                std::iter::once(format!("{}/index.html", t.kind.key()))
                    .chain(t.terms.iter().map(|term| term.url.clone()))
            }))
            .chain(self.site.content.pages.iter().map(|p| p.url.clone()))
            .map(|u| format!("{base}{u}"))
            .collect();
        urls.sort();
        entries.truncate(50);
        let page = FeedPage {
            common: self.common(name),
            site_url: if base.is_empty() {
                "index.html".into()
            } else {
                base.clone()
            },
            feed_url: format!("{base}atom.xml"),
            updated,
            entries,
            urls,
        };
        self.page(name, name, &page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_dangerous() {
        assert_eq!(
            escape_html("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b/%E4%B8%AD.html"), "a b/中.html");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn finds_pest_positions() {
        assert_eq!(
            pest_position("Failed to parse 'x.html'\n --> 3:14\n  |"),
            Some((3, 14))
        );
        assert_eq!(pest_position("no position"), None);
    }
}
