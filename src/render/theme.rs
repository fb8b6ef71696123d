//! The theme: Tera templates and static files.
//!
//! The default theme is compiled into the binary (as mdBook does), so any site folder builds
//! without a copy of it. A site overrides it file by file: `themes/<theme>/templates/` and
//! `templates/` for templates, `themes/<theme>/static/` and `static/` for static files (the
//! later folder wins).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Diagnostics};

macro_rules! embed {
    ($kind:literal, $($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../themes/default/", $kind, "/", $name)) as &[u8])),*]
    };
}

/// Templates of the built-in default theme.
pub const DEFAULT_TEMPLATES: &[(&str, &[u8])] = embed!(
    "templates",
    "404.html",
    "atom.xml",
    "base.html",
    "case.html",
    "case_card.html",
    "index.html",
    "macros.html",
    "metric_row.html",
    "metric_table.html",
    "metrics.html",
    "page.html",
    "print.html",
    "print_case.html",
    "robots.txt",
    "search.html",
    "sitemap.xml",
    "taxonomy_list.html",
    "taxonomy_term.html",
);

/// Static files of the built-in default theme, published under `static/`.
pub const DEFAULT_STATIC: &[(&str, &[u8])] = embed!(
    "static",
    "favicon.svg",
    "metrics.js",
    "search.js",
    "style.css",
    "syntax.css"
);

/// A template's text and where it came from (for error messages).
pub struct TemplateSource {
    pub text: String,
    pub origin: PathBuf,
}

pub struct Theme {
    pub templates: BTreeMap<String, TemplateSource>,
    pub statics: BTreeMap<String, Vec<u8>>,
}

impl Theme {
    /// The default theme with the site's overrides applied.
    pub fn load(config: &Config) -> Result<Theme, Diagnostics> {
        let mut problems = Diagnostics::new();
        let theme_dir = config.theme_dir();
        if config.raw.theme != "default" && !theme_dir.is_dir() {
            problems.push(
                Diagnostic::error(
                    crate::config::CONFIG_FILE,
                    format!("theme `{}` not found", config.raw.theme),
                )
                .with_hint(format!(
                    "create themes/{}/ or remove `theme` to use the built-in default",
                    config.raw.theme
                )),
            );
        }
        let origin =
            |name: &str| PathBuf::from(format!("themes/default/templates/{name} (built-in)"));
        let mut templates: BTreeMap<String, TemplateSource> = DEFAULT_TEMPLATES
            .iter()
            .map(|(name, bytes)| {
                let text = String::from_utf8_lossy(bytes).into_owned();
                (
                    name.to_string(),
                    TemplateSource {
                        text,
                        origin: origin(name),
                    },
                )
            })
            .collect();
        let mut statics: BTreeMap<String, Vec<u8>> = DEFAULT_STATIC
            .iter()
            .map(|(n, b)| (n.to_string(), b.to_vec()))
            .collect();
        for dir in [theme_dir.join("templates"), config.root.join("templates")] {
            for (name, path) in files_in(&dir, &config.root, &mut problems) {
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        let origin = path
                            .strip_prefix(&config.root)
                            .unwrap_or(&path)
                            .to_path_buf();
                        templates.insert(name, TemplateSource { text, origin });
                    }
                    Err(e) => problems.push(Diagnostic::error(
                        &path,
                        format!("cannot read template: {e}"),
                    )),
                }
            }
        }
        for dir in [theme_dir.join("static"), config.root.join("static")] {
            for (name, path) in files_in(&dir, &config.root, &mut problems) {
                match std::fs::read(&path) {
                    Ok(bytes) => {
                        statics.insert(name, bytes);
                    }
                    Err(e) => problems.push(Diagnostic::error(&path, format!("cannot read: {e}"))),
                }
            }
        }
        problems.into_result(Theme { templates, statics })
    }
}

/// Files below `dir` as (`/`-separated relative name, path), skipping hidden and editor files.
fn files_in(dir: &Path, root: &Path, problems: &mut Diagnostics) -> Vec<(String, PathBuf)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::content::is_ignored(e.file_name()));
    for entry in walker.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        match rel.to_str() {
            Some(name) if crate::slug::is_safe_output_path(&name.replace('\\', "/")) => {
                out.push((name.replace('\\', "/"), entry.path().to_path_buf()))
            }
            _ => problems.push(Diagnostic::error(
                entry.path().strip_prefix(root).unwrap_or(entry.path()),
                "this file name cannot be published safely; rename it",
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of themes/default must be compiled in, or sites without a copy break.
    #[test]
    fn every_theme_file_is_embedded() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        for (kind, list) in [("templates", DEFAULT_TEMPLATES), ("static", DEFAULT_STATIC)] {
            let mut on_disk: Vec<String> = std::fs::read_dir(base.join(kind))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            on_disk.sort();
            let embedded: Vec<String> = list.iter().map(|(n, _)| n.to_string()).collect();
            assert_eq!(
                on_disk, embedded,
                "themes/default/{kind} and the embedded list differ"
            );
        }
    }
}
