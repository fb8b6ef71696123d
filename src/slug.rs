//! Slugs: the file names of generated pages.
//!
//! Chinese terms stay readable in URLs (`tags/并联审批.html`): a slug keeps letters and digits
//! of every script and turns everything else into `-`. Whatever the input, a slug can never
//! contain a path separator, `..`, a drive letter or a name reserved by the site or by Windows,
//! so no term or file name can write outside its folder.

/// Names the site itself uses at the top level; a page or term slug may not take them.
pub const RESERVED: &[&str] = &[
    "404",
    "atom",
    "cases",
    "data",
    "departments",
    "index",
    "metrics",
    "print",
    "regions",
    "robots",
    "search",
    "sitemap",
    "static",
    "tags",
];

/// Device names Windows refuses as file names, with any extension.
const WINDOWS_DEVICES: &[&str] = &[
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Turns any text into a safe slug. `transliterate` maps non-ASCII to ASCII first.
pub fn slugify(text: &str, transliterate: bool) -> String {
    let source = if transliterate {
        deunicode::deunicode(text)
    } else {
        text.to_string()
    };
    let mut slug = String::with_capacity(source.len());
    for c in source.chars() {
        if c.is_alphanumeric() || c == '_' {
            slug.extend(c.to_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').to_string();
    if slug.is_empty() {
        return "-".to_string();
    }
    if is_windows_device(&slug) || RESERVED.contains(&slug.as_str()) {
        return format!("{slug}-");
    }
    slug
}

/// Whether a single path segment (a file stem or folder name) is safe to write as given.
pub fn is_safe_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && !segment.starts_with('.')
        && !segment.chars().any(|c| {
            matches!(
                c,
                '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '#' | '%'
            ) || c.is_control()
        })
        && !is_windows_device(segment)
        && segment.trim() == segment
}

fn is_windows_device(segment: &str) -> bool {
    let stem = segment.split('.').next().unwrap_or("").to_ascii_lowercase();
    WINDOWS_DEVICES.contains(&stem.as_str())
}

/// Whether a relative output path (`/`-separated) stays inside the output folder.
pub fn is_safe_output_path(path: &str) -> bool {
    !path.is_empty() && !path.starts_with('/') && path.split('/').all(is_safe_segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_cjk_and_lowercases_latin() {
        assert_eq!(slugify("并联审批", false), "并联审批");
        assert_eq!(slugify("One Window 服务", false), "one-window-服务");
        assert_eq!(slugify("e拍即得", false), "e拍即得");
    }

    #[test]
    fn drops_path_characters() {
        assert_eq!(slugify("../../etc/passwd", false), "etc-passwd");
        assert_eq!(slugify("a\\b:c", false), "a-b-c");
        assert_eq!(slugify("C:", false), "c");
        assert_eq!(slugify("...", false), "-");
    }

    #[test]
    fn never_returns_a_reserved_name() {
        assert_eq!(slugify("search", false), "search-");
        assert_eq!(slugify("CON", false), "con-");
        assert_eq!(slugify("tags", false), "tags-");
    }

    #[test]
    fn transliterates_when_asked() {
        assert_eq!(slugify("并联审批", true), "bing-lian-shen-pi");
    }

    #[test]
    fn safe_segments() {
        assert!(is_safe_segment("001"));
        assert!(is_safe_segment("并联审批"));
        for bad in [
            "", ".", "..", ".hidden", "a/b", "a\\b", "c:", "nul", "NUL.txt", " x",
        ] {
            assert!(!is_safe_segment(bad), "{bad:?} must be refused");
        }
        assert!(is_safe_output_path("cases/001.html"));
        assert!(!is_safe_output_path("../x.html"));
        assert!(!is_safe_output_path("/etc/x"));
    }
}
