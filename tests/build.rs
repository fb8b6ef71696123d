//! Building fixture sites: the pages produced, links that work from disk, determinism, and a
//! failed build that leaves the previous output alone.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;

fn built_basic() -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    build_into(&fixture("basic"), &out.path().join("public")).expect("basic builds");
    out
}

fn all_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn basic_site_produces_every_page() {
    let out = built_basic();
    let files: Vec<String> = all_files(&out.path().join("public")).into_keys().collect();
    insta::assert_snapshot!("basic_files", files.join("\n"));
}

#[test]
fn representative_pages_match_snapshots() {
    let out = built_basic();
    let public = out.path().join("public");
    for page in [
        "index.html",
        "cases/001.html",
        "cases/002.html",
        "tags/permits.html",
        "tags/index.html",
        "about.html",
        "atom.xml",
        "sitemap.xml",
    ] {
        let name = page.replace(['/', '.'], "_");
        insta::assert_snapshot!(name, read(public.join(page)));
    }
}

#[test]
fn drafts_only_with_the_flag() {
    let out = tempfile::tempdir().unwrap();
    let options = casebook::BuildOptions {
        output: Some(out.path().join("p")),
        drafts: true,
        ..Default::default()
    };
    let report = casebook::build(&fixture("basic"), &options).unwrap();
    assert_eq!(report.cases, 4);
    assert!(out.path().join("p/cases/004.html").exists());
    assert!(!built_basic().path().join("public/cases/004.html").exists());
}

#[test]
fn markdown_links_become_relative_urls() {
    let out = built_basic();
    let public = out.path().join("public");
    let case = read(public.join("cases/001.html"));
    assert!(
        case.contains("href=\"../cases/002.html\""),
        "link to a case from a case"
    );
    assert!(
        case.contains("href=\"../cases/003.html\""),
        "link into a subfolder source"
    );
    let about = read(public.join("about.html"));
    assert!(
        about.contains("href=\"cases/001.html#results\""),
        "link with fragment from a page"
    );
}

#[test]
fn raw_html_and_dangerous_urls_are_sanitized() {
    let out = built_basic();
    let case = read(out.path().join("public/cases/002.html"));
    let body = &case[case.find("class=\"prose\"").unwrap()..];
    for bad in ["<script>alert", "onclick", "onerror", "javascript:"] {
        assert!(!body.contains(bad), "{bad} survived sanitizing");
    }
    assert!(body.contains("<b>少跑腿</b>"), "harmless markup is kept");
}

/// Every `href`/`src` in the output is relative, names a file, and that file exists: the site
/// works from disk, at a server's root, under a sub-path and zipped.
#[test]
fn every_internal_link_resolves_to_a_file() {
    let out = built_basic();
    check_links(&out.path().join("public"));
}

pub fn check_links(public: &Path) {
    let attr = regex::Regex::new(r#"(?:href|src)="([^"]*)""#).unwrap();
    let mut checked = 0;
    for (rel, bytes) in all_files(public) {
        if !rel.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).unwrap();
        let dir = Path::new(&rel).parent().unwrap().to_path_buf();
        for cap in attr.captures_iter(&html) {
            let url = cap[1].replace("&amp;", "&");
            if url.starts_with("http://")
                || url.starts_with("https://")
                || url.starts_with("mailto:")
                || url.starts_with('#')
            {
                continue;
            }
            assert!(!url.starts_with('/'), "{rel}: absolute link {url}");
            let path = url.split(['#', '?']).next().unwrap();
            assert!(
                !path.is_empty() && !path.ends_with('/'),
                "{rel}: link {url} does not name a file"
            );
            let target = public.join(&dir).join(path);
            assert!(
                target.is_file(),
                "{rel}: link {url} points to a missing file"
            );
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} links checked");
}

/// `print.html` is made for collections of up to `print_max_cases` cases and linked from every
/// page's footer; past the limit, or with `0`, it is not made and no page links to it.
#[test]
fn print_page_only_up_to_print_max_cases() {
    let out = tempfile::tempdir().unwrap();
    let cases = build_into(&fixture("basic"), out.path()).unwrap().cases;
    assert!(cases > 1);
    for (max, made) in [(cases, true), (cases - 1, false), (0, false)] {
        let site = copy_fixture_with_config("basic", &format!("print_max_cases = {max}"));
        let public = site.path().join("public");
        build_into(site.path(), &public).unwrap();
        assert_eq!(public.join("print.html").is_file(), made, "{max}");
        // Each page and whether it links the print page: all of them when it is made, none
        // when it is not.
        let pages: Vec<(String, bool)> = all_files(&public)
            .into_iter()
            .filter(|(rel, _)| rel.ends_with(".html"))
            .map(|(rel, bytes)| {
                let links = String::from_utf8_lossy(&bytes).contains("print.html\"");
                (rel, links)
            })
            .collect();
        assert!(pages.len() > 10, "{pages:?}");
        assert!(pages.iter().all(|p| p.1 == made), "{max}: {pages:?}");
        check_links(&public);
    }
    // `0` never makes it, even for a collection with no cases at all.
    for (max, made) in [(0, false), (1, true)] {
        let site = copy_fixture_with_config("basic", &format!("print_max_cases = {max}"));
        std::fs::remove_dir_all(site.path().join("content/cases")).unwrap();
        std::fs::remove_file(site.path().join("content/about.md")).unwrap(); // links a case
        let public = site.path().join("public");
        assert_eq!(build_into(site.path(), &public).unwrap().cases, 0);
        assert_eq!(public.join("print.html").is_file(), made, "{max}");
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let a = built_basic();
    let b = built_basic();
    let (fa, fb) = (
        all_files(&a.path().join("public")),
        all_files(&b.path().join("public")),
    );
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    for (path, bytes) in &fa {
        assert!(bytes == &fb[path], "{path} differs between two builds");
    }
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let site = copy_fixture("basic");
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    let before = all_files(&public);
    std::fs::write(
        site.path().join("content/cases/001.md"),
        "---\nid: 1\ntitle: [broken\n---\n",
    )
    .unwrap();
    let err = build_into(site.path(), &public).unwrap_err();
    assert!(err.has_errors());
    assert_eq!(
        all_files(&public),
        before,
        "public/ changed after a failed build"
    );
    let leftovers: Vec<_> = std::fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("casebook-"))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left: {leftovers:?}");
}

/// A rebuild into an existing output folder writes only what changed, deletes what the
/// build no longer makes, and leaves exactly what a build into an empty folder would.
#[test]
fn rebuild_writes_only_what_changed_and_matches_a_clean_build() {
    use std::os::unix::fs::MetadataExt;
    let site = copy_fixture("basic");
    let public = site.path().join("public");
    let first = build_into(site.path(), &public).unwrap();
    assert_eq!(
        first.written, first.files,
        "a first build writes every file"
    );
    let inode = |rel: &str| std::fs::metadata(public.join(rel)).unwrap().ino();
    let (about, case_2) = (inode("about.html"), inode("cases/002.html"));
    let again = build_into(site.path(), &public).unwrap();
    assert_eq!(again.written, 0, "nothing changed, nothing written");
    std::fs::write(public.join("stray.html"), "not ours").unwrap();
    let source = site.path().join("content/cases/002.md");
    let text = read(&source).replace("办税服务", "办税服务改革");
    std::fs::write(&source, text).unwrap();
    let edited = build_into(site.path(), &public).unwrap();
    assert!(
        edited.written > 0 && edited.written < edited.files,
        "{} of {} files written",
        edited.written,
        edited.files
    );
    assert_eq!(
        inode("about.html"),
        about,
        "an unchanged page is left alone"
    );
    assert_ne!(
        inode("cases/002.html"),
        case_2,
        "the edited case is written"
    );
    assert!(read(public.join("cases/002.html")).contains("办税服务改革"));
    let clean = tempfile::tempdir().unwrap();
    build_into(site.path(), &clean.path().join("p")).unwrap();
    assert!(
        all_files(&public) == all_files(&clean.path().join("p")),
        "the refreshed folder differs from a clean build (or kept the stray file)"
    );
}

#[test]
fn base_url_makes_feed_and_sitemap_absolute_only() {
    let out = tempfile::tempdir().unwrap();
    let options = casebook::BuildOptions {
        output: Some(out.path().join("p")),
        base_url: Some("https://example.org/sub".into()),
        ..Default::default()
    };
    casebook::build(&fixture("basic"), &options).unwrap();
    let sitemap = read(out.path().join("p/sitemap.xml"));
    assert!(sitemap.contains("<loc>https://example.org/sub/cases/001.html</loc>"));
    assert!(read(out.path().join("p/robots.txt"))
        .contains("Sitemap: https://example.org/sub/sitemap.xml"));
    assert!(read(out.path().join("p/atom.xml"))
        .contains("href=\"https://example.org/sub/cases/001.html\""));
    let index = read(out.path().join("p/index.html"));
    assert!(!index.contains("example.org"), "pages keep relative links");
}

#[test]
fn overrides_replace_theme_files_one_by_one() {
    let site = copy_fixture("basic");
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::create_dir_all(site.path().join("static")).unwrap();
    std::fs::write(
        site.path().join("templates/page.html"),
        "<p>custom {{ title }}</p>",
    )
    .unwrap();
    std::fs::write(site.path().join("static/extra.css"), "body{}").unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    assert_eq!(read(public.join("about.html")), "<p>custom About</p>");
    assert!(
        read(public.join("index.html")).contains("class=\"case-list\""),
        "other templates stay default"
    );
    assert_eq!(read(public.join("static/extra.css")), "body{}");
    assert!(public.join("static/style.css").exists());
}

#[test]
fn a_case_metric_table_is_rendered_once_for_its_page_and_print() {
    let site = copy_fixture("basic");
    std::fs::create_dir_all(site.path().join("templates")).unwrap();
    std::fs::write(
        site.path().join("templates/metric_table.html"),
        "<p class=\"mine\">{{ caption }}: {{ metrics | length }} {{ t.metrics }}</p>",
    )
    .unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    let case = read(public.join("cases/001.html"));
    let table =
        between(&case, "<p class=\"mine\">", "</p>").expect("the case page shows the table");
    assert!(table.ends_with(" Metrics"), "{table}");
    assert!(
        read(public.join("print.html")).contains(&format!("<p class=\"mine\">{table}</p>")),
        "print.html shows the same table"
    );
}

/// Case pages are made together with their parts of `print.html`: a theme whose
/// `print.html` shows no cases, or fails, or whose `print_case.html` fails, must still get
/// every case page, and a failing build must report the case pages' own problems too.
#[test]
fn case_pages_do_not_depend_on_print_html() {
    let site = copy_fixture("basic");
    let templates = site.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(templates.join("print.html"), "<p>no cases here</p>").unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    assert_eq!(read(public.join("print.html")), "<p>no cases here</p>");
    for case in ["001", "002", "003"] {
        let page = read(public.join(format!("cases/{case}.html")));
        assert!(page.contains("class=\"prose\""), "{case}: {page}");
    }
    let broken_case_page =
        "{% extends \"base.html\" %}{% block content %}{{ no_case_value }}{% endblock content %}";
    std::fs::write(templates.join("case.html"), broken_case_page).unwrap();
    for (template, text) in [
        ("print.html", "{{ no_print_value }}"),
        ("print_case.html", "{{ no_print_value }}"),
    ] {
        std::fs::remove_file(templates.join("print.html")).ok();
        std::fs::write(templates.join(template), text).unwrap();
        let problems = format!("{:?}", build_into(site.path(), &public).unwrap_err());
        assert!(
            problems.contains("no_print_value"),
            "{template}: {problems}"
        );
        assert!(problems.contains("no_case_value"), "{template}: {problems}");
        std::fs::remove_file(templates.join(template)).unwrap();
    }
}

#[test]
fn template_context_is_autoescaped() {
    let site = copy_fixture("basic");
    let case = site.path().join("content/cases/001.md");
    let text = read(&case).replace(
        "title: Riverside cuts",
        "title: <script>x()</script> Riverside cuts",
    );
    std::fs::write(&case, text).unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();
    let page = read(public.join("cases/001.html"));
    assert!(!page.contains("<script>x()"));
    assert!(page.contains("&lt;script&gt;x()"));
}

/// Hrefs of the case cards on a list page, in order.
fn listed_cases(html: &str) -> Vec<String> {
    let card = regex::Regex::new(r#"<h3 class="case-card-title"><a href="([^"]*)""#).unwrap();
    card.captures_iter(html).map(|c| c[1].to_string()).collect()
}

#[test]
fn paginated_lists_reach_every_case_once() {
    let site = copy_fixture_with_config("basic", "paginate_by = 2");
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let report = build_into(site.path(), &public).unwrap();

    // The index: page 1 keeps its URL, later pages live under index/, each linked both ways.
    let first = read(public.join("index.html"));
    let second = read(public.join("index/2.html"));
    assert!(first.contains(r#"<link rel="next" href="index/2.html">"#));
    assert!(second.contains(r#"<link rel="prev" href="../index.html">"#));
    assert!(second.contains(r#"<a aria-current="page" href="../index/2.html">2</a>"#));
    assert!(second.contains(r#"<ol class="case-list" start="3">"#));
    let mut listed = listed_cases(&first);
    assert_eq!(listed.len(), 2, "{first}");
    let mut page = 2;
    while public.join(format!("index/{page}.html")).is_file() {
        let html = read(public.join(format!("index/{page}.html")));
        listed.extend(listed_cases(&html).iter().map(|u| u.replacen("../", "", 1)));
        page += 1;
    }
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        listed.len(),
        "a case listed twice: {listed:?}"
    );
    assert_eq!(
        listed.len(),
        report.cases,
        "every case on some page: {listed:?}"
    );

    // A term with more cases than a page: its rest under tags/<term>/, its metric table split
    // the same way, and a link to all of its rows on the metrics page.
    let term = read(public.join("tags/permits/2.html"));
    assert_eq!(listed_cases(&term).len(), 1, "{term}");
    assert!(term.contains(r#"href="../../tags/permits.html""#), "{term}");
    assert!(
        term.contains(r#"href="../../metrics.html#tag=permits""#),
        "{term}"
    );
    assert!(term.contains("Page 2 of 2: cases 3–3 of 3"), "{term}");
    assert!(read(public.join("sitemap.xml")).contains("tags/permits/2.html"));
    check_links(&public);
}

#[test]
fn a_list_item_template_error_fails_the_build_and_keeps_the_old_site() {
    for template in [
        "print_case.html",
        "case_card.html",
        "metric_row.html",
        "metric_table.html",
    ] {
        let site = copy_fixture("basic");
        let public = site.path().join("public");
        build_into(site.path(), &public).unwrap();
        let before = all_files(&public);
        std::fs::create_dir_all(site.path().join("templates")).unwrap();
        std::fs::write(
            site.path().join("templates").join(template),
            "{{ no_such_value }}",
        )
        .unwrap();
        let problems = build_into(site.path(), &public).unwrap_err();
        let text = format!("{problems:?}");
        assert!(text.contains(template), "{template}: {text}");
        assert!(text.contains("no_such_value"), "{template}: {text}");
        assert!(
            all_files(&public) == before,
            "{template}: the old site is kept"
        );
    }
}

/// Builds the basic fixture with case 001's title line and first sentence replaced, and
/// checks that no page shows a raw mark character or lost the text `&#xE000;body&#xE000;`,
/// and that case 001's page has its body and related cards once each; returns that page.
fn build_with_marks_in_case_001(title_line: &str, first_sentence: &str) -> String {
    let site = copy_fixture("basic");
    let case = site.path().join("content/cases/001.md");
    let text = read(&case)
        .replace(
            "title: Riverside cuts permit time with parallel approval",
            title_line,
        )
        .replace(
            "Riverside merged four approvals into one window.",
            first_sentence,
        );
    std::fs::write(&case, text).unwrap();
    let out = tempfile::tempdir().unwrap();
    build_into(site.path(), &out.path().join("public")).expect("builds");
    let public = out.path().join("public");
    for page in [
        "cases/001.html",
        "index.html",
        "print.html",
        "tags/permits.html",
    ] {
        let html = read(public.join(page));
        assert!(
            !html.contains('\u{E000}'),
            "{page} has a raw mark character"
        );
        assert!(
            html.contains("&#xE000;body&#xE000;"),
            "{page} lost the text"
        );
    }
    let page = read(public.join("cases/001.html"));
    assert_eq!(
        page.matches("Applicants used to visit four offices.")
            .count(),
        1
    );
    assert_eq!(page.matches("<li class=\"case-card\"").count(), 2, "{page}");
    page
}

/// A case's own text holding the marks a page is spliced at (U+E000 words) gets neither a body
/// nor a list written into it: the title, summary and body show the characters as entities,
/// and the page has its body and related cards once each, where the template puts them.
#[test]
fn text_that_looks_like_a_mark_is_not_spliced() {
    let marks = "\u{E000}body\u{E000} \u{E000}cards\u{E000} \u{E000}root\u{E000}";
    build_with_marks_in_case_001(
        &format!("title: \"Riverside {marks}\"\nsummary: \"Summary {marks}\""),
        &format!("Riverside merged four approvals. {marks}"),
    );
}

/// Text that is exactly a mark (a title, a summary, a heading of the body) is text too:
/// the marks templates print are safe values, and the escaper writes U+E000 in every other.
#[test]
fn text_that_is_exactly_a_mark_is_not_spliced() {
    let page = build_with_marks_in_case_001(
        "title: \"\\uE000body\\uE000\"\nsummary: \"\\uE000cards\\uE000\"",
        "Riverside merged four approvals.\n\n## \u{E000}root\u{E000}\n\nMore.",
    );
    assert!(page.contains("&#xE000;root&#xE000;"), "the heading is kept");
}

/// A case without a `summary` gets its first paragraph as one: lists and the meta
/// description and the feed show it, but its own page and `print.html` show the body, which has it already.
#[test]
fn a_summary_taken_from_the_body_is_not_shown_twice() {
    let out = built_basic();
    let public = out.path().join("public");
    let first = "Riverside merged four approvals into one window.";
    let page = read(public.join("cases/001.html"));
    assert_eq!(
        page.matches(first).count(),
        2,
        "description and body: {page}"
    );
    assert!(page.contains(&format!("<meta name=\"description\" content=\"{first}\">")));
    assert!(!page.contains("<p class=\"summary\">"), "{page}");
    let print = read(public.join("print.html"));
    assert_eq!(print.matches(first).count(), 1, "{print}");
    assert!(
        read(public.join("atom.xml")).contains(first),
        "the feed keeps it"
    );
    // A summary of its own is shown above the body, on both.
    let written = "<p class=\"summary\">示例市把办税事项集中到一个窗口。</p>";
    assert!(read(public.join("cases/002.html")).contains(written));
    assert!(print.contains(written));
}

#[test]
fn a_summary_taken_from_the_body_keeps_only_the_sentences_that_fit() {
    let site = copy_fixture_with_config("basic", "summary_length = 60");
    let case = site.path().join("content/cases/001.md");
    let first = "Riverside merged four approvals into one window.";
    let longer = format!("{first} Applicants now file once and wait a week instead of a month.");
    std::fs::write(&case, read(&case).replace(first, &longer)).unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public).unwrap();

    let page = read(public.join("cases/001.html"));
    assert!(
        page.contains(&format!("<meta name=\"description\" content=\"{first}\">")),
        "{page}"
    );
    assert!(page.contains(&longer), "the body keeps the whole paragraph");
    let cases = read(public.join("data/cases.json"));
    assert!(
        cases.contains(&format!("\"summary\":\"{first}\"")),
        "{cases}"
    );
    assert!(!read(public.join("atom.xml")).contains("wait a week"));
}

/// The default `case_card.html`, `metric_row.html` and `metric_table.html` are written in Rust
/// when a theme leaves them as they are (`render::builtin`). The same templates through Tera,
/// made different from the built-in ones by a comment, must give every file the same bytes:
/// on sites with string and numeric ids, cases without a date, tags or metrics, notes,
/// changes of known, unknown and no direction, a change from 0, and taxonomies whose terms
/// have no pages.
#[test]
fn builtin_templates_match_tera() {
    let unpublished = copy_fixture("basic");
    let config = unpublished.path().join("casebook.toml");
    let text = read(&config);
    let off = ["regions", "departments", "tags"]
        .map(|kind| format!("\n[taxonomies.{kind}]\nenabled = false\n"))
        .concat();
    std::fs::write(&config, text + &off).unwrap();
    let metrics = copy_fixture("metrics_site");
    std::fs::write(
        metrics.path().join("content/cases/099.md"),
        "---\nid: 99\ntitle: 'A <b>case</b> & \"more\"'\nregion: 福州市\ndepartment: 某局\n\
         tags: [审批]\nmetrics:\n  - name: 某某数\n    before: 3\n    after: 5\n    unit: 个\n\
         \x20   note: 'note <i>'\n  - name: 材料\n    before: 8\n    after: 2\n    unit: 份\n---\n\nBody.\n",
    )
    .unwrap();
    // No tags; a headline change from 0 (no percentage); a change to the same value (no arrow).
    std::fs::write(
        metrics.path().join("content/cases/098.md"),
        "---\nid: 98\ntitle: 无标签\nregion: 福州市\ndepartment: 某局\ndate: 2022-01-01\n\
         metrics:\n  - name: 新增企业\n    before: 0\n    after: 5\n    unit: 家\n\
         \x20 - name: 办理时长\n    before: 3\n    after: 3\n    unit: 天\n---\n\nBody.\n",
    )
    .unwrap();
    let default_site = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    common::copy_dir(&repo.join("content"), &default_site.path().join("content"));
    std::fs::copy(
        repo.join("casebook.toml"),
        default_site.path().join("casebook.toml"),
    )
    .unwrap();
    let sites = [
        copy_fixture("basic"),
        unpublished,
        metrics,
        copy_fixture("search_site"),
        default_site,
    ];
    for site in &sites {
        let out = tempfile::tempdir().unwrap();
        let builtin = out.path().join("builtin");
        build_into(site.path(), &builtin).unwrap();
        let templates = site.path().join("templates");
        std::fs::create_dir_all(&templates).unwrap();
        for name in ["case_card.html", "metric_row.html", "metric_table.html"] {
            let default = read(repo.join("themes/default/templates").join(name));
            std::fs::write(templates.join(name), default + "{# through Tera #}").unwrap();
        }
        let tera = out.path().join("tera");
        build_into(site.path(), &tera).unwrap();
        let (builtin, tera) = (all_files(&builtin), all_files(&tera));
        assert_eq!(
            builtin.keys().collect::<Vec<_>>(),
            tera.keys().collect::<Vec<_>>()
        );
        for (path, bytes) in &builtin {
            assert!(
                *bytes == tera[path],
                "{path} differs:\n--- built in\n{}\n--- Tera\n{}",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&tera[path])
            );
        }
    }
}
