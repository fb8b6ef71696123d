//! `casebook init` and `casebook new`: start a site, add a case with the next free id.

use std::path::{Path, PathBuf};

use crate::config::CONFIG_FILE;
use crate::content::case::{CaseId, FrontMatter};
use crate::content::front_matter;
use crate::diagnostic::{Diagnostic, Diagnostics};

const EXAMPLE_CONFIG: &str = r#"# casebook site configuration: see README.md for every key.
title = "示例案例集"
description = "一个用 casebook 构建的案例集"
language = "zh-CN"
# base_url = "https://example.org/cases/"   # only for absolute links in atom.xml and sitemap.xml

[markdown]
allow_html = false
"#;

/// Creates a new site in `dir`: config, one example case, a front-page introduction.
pub fn init(dir: &Path) -> Result<Vec<PathBuf>, Diagnostics> {
    if dir.join(CONFIG_FILE).exists() {
        return Err(
            Diagnostic::error(dir.join(CONFIG_FILE), "a site already exists here")
                .with_hint("choose an empty folder")
                .into(),
        );
    }
    let example = case_text(
        &CaseId::Int(1),
        "示例市推行施工许可并联审批",
        "示例市",
        "示例市住房和城乡建设局",
    );
    let files = [
        (PathBuf::from(CONFIG_FILE), EXAMPLE_CONFIG.to_string()),
        (
            PathBuf::from("content/_index.md"),
            "---\ntitle: 示例案例集\n---\n\n这里写案例集的导语。\n".to_string(),
        ),
        (PathBuf::from("content/cases/001.md"), example),
    ];
    let mut written = Vec::new();
    for (rel, text) in files {
        write_new(&dir.join(&rel), &text)?;
        written.push(dir.join(rel));
    }
    Ok(written)
}

/// Adds `content/cases/NNN.md` with the next free integer id.
pub fn new_case(
    root: &Path,
    title: &str,
    region: &str,
    department: &str,
) -> Result<PathBuf, Diagnostics> {
    if !root.join(CONFIG_FILE).exists() {
        return Err(Diagnostic::error(CONFIG_FILE, "not a casebook site")
            .with_hint("run this in a site folder or pass --root DIR")
            .into());
    }
    let cases_dir = root.join("content/cases");
    let next = highest_id(&cases_dir) + 1;
    let path = cases_dir.join(format!("{next:03}.md"));
    write_new(
        &path,
        &case_text(&CaseId::Int(next), title, region, department),
    )?;
    Ok(path)
}

/// The highest integer id among the cases that parse; unreadable files are skipped here
/// (`check` reports them).
fn highest_id(cases_dir: &Path) -> i64 {
    walkdir::WalkDir::new(cases_dir)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .filter_map(|text| {
            let split = front_matter::split(&text).ok()?;
            let front: FrontMatter = front_matter::parse_fast(split.yaml, split.yaml_line).ok()?;
            match front.id.value {
                CaseId::Int(n) => Some(n),
                CaseId::Str(_) => None,
            }
        })
        .max()
        .unwrap_or(0)
}

fn case_text(id: &CaseId, title: &str, region: &str, department: &str) -> String {
    format!(
        "---\nid: {id}\ntitle: {}\nregion: {}\ndepartment: {}\ntags: []\n# metrics:\n#   - name: 办理时长\n#     before: 20\n#     after: 4.5\n#     unit: 工作日\nmetrics: []\n---\n\n## 一、背景情况\n\n## 二、主要做法\n\n## 三、取得成效\n",
        yaml_string(title),
        yaml_string(region),
        yaml_string(department)
    )
}

/// A double-quoted YAML scalar: safe for any text.
pub fn yaml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn write_new(path: &Path, text: &str) -> Result<(), Diagnostics> {
    if path.exists() {
        return Err(Diagnostic::error(path, "file already exists; not overwriting it").into());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Diagnostic::error(parent, format!("cannot create folder: {e}")))?;
    }
    std::fs::write(path, text)
        .map_err(|e| Diagnostic::error(path, format!("cannot write: {e}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_case_takes_the_next_free_id() {
        let dir = tempfile::tempdir().unwrap();
        init(dir.path()).unwrap();
        let path = new_case(dir.path(), "标题: \"引号\"", "福州市", "福州市人民政府").unwrap();
        assert!(path.ends_with("content/cases/002.md"));
        let text = std::fs::read_to_string(&path).unwrap();
        let split = front_matter::split(&text).unwrap();
        let front: FrontMatter = front_matter::parse(split.yaml, split.yaml_line).unwrap();
        assert_eq!(front.title.value, "标题: \"引号\"");
        assert_eq!(front.id.value, CaseId::Int(2));
        assert!(init(dir.path()).is_err(), "init refuses an existing site");
    }
}
