//! Case cards and metric rows, rendered once per build and spliced into every list.
//!
//! At 10,000 cases each case is listed on an index page, on about five term pages and among
//! the related cases of about five others, and each metric row on about five term pages.
//! Rendering a card through Tera every time it is listed was the largest share of a build, so
//! each card (and row) is rendered once, with [`ROOT_MARK`] where the page's root prefix goes,
//! and a list is the concatenation of its fragments with the prefix filled in.

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;

/// Stands for the page's root prefix (`""`, `"../"`) in a fragment. A private-use character
/// is left alone by the HTML escaper and does not occur in the templates' own text.
pub const ROOT_MARK: &str = "\u{E000}root\u{E000}";

/// Rendered fragments by item index; `None` for items no wanted page shows.
pub struct Fragments {
    html: Vec<Option<String>>,
}

impl Fragments {
    /// Renders item `i` with `render` for every `i` where `needed[i]`, in parallel, trimmed of
    /// surrounding whitespace (lists put their own between). `render` gets a copy of `base`
    /// (what every item shares, such as the UI strings) made once per batch of items, to
    /// add the item to: the shared part is not converted again for each item. Only the first
    /// error is kept: a broken card template fails every card the same way.
    pub fn render(
        needed: &[bool],
        base: &tera::Context,
        render: impl Fn(&mut tera::Context, usize) -> Result<String, Diagnostic> + Sync,
    ) -> Result<Fragments, Diagnostic> {
        let html = needed
            .par_iter()
            .enumerate()
            .map_init(
                || base.clone(),
                |context, (i, &needed)| {
                    let html = needed.then(|| render(context, i)).transpose()?;
                    Ok(html.map(|h| match h.trim() {
                        trimmed if trimmed.len() == h.len() => h,
                        trimmed => trimmed.to_string(),
                    }))
                },
            )
            .collect::<Result<Vec<_>, Diagnostic>>()?;
        Ok(Fragments { html })
    }

    /// No fragments: for builds that list nothing.
    pub fn none() -> Fragments {
        Fragments { html: Vec::new() }
    }

    /// The fragments of `items`, in order, for a page whose root prefix is `root`.
    pub fn join(&self, items: impl IntoIterator<Item = usize>, root: &str, sep: &str) -> String {
        let mut out = String::new();
        self.join_into(&mut out, items, root, sep);
        out
    }

    /// [`Fragments::join`], appended to `out`.
    pub fn join_into(
        &self,
        out: &mut String,
        items: impl IntoIterator<Item = usize>,
        root: &str,
        sep: &str,
    ) {
        let mut first = true;
        for i in items {
            let Some(Some(html)) = self.html.get(i) else {
                continue;
            };
            if !std::mem::take(&mut first) {
                out.push_str(sep);
            }
            let mut parts = html.split(ROOT_MARK);
            out.push_str(parts.next().unwrap_or_default());
            for part in parts {
                out.push_str(root);
                out.push_str(part);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_needed_fragments_with_the_root_filled_in() {
        let needed = [true, false, true];
        let fragments = Fragments::render(&needed, &tera::Context::new(), |_, i| {
            Ok(format!("<a href=\"{ROOT_MARK}c/{i}.html\">{i}</a>"))
        })
        .unwrap();
        assert_eq!(
            fragments.join([2, 1, 0], "../", "\n"),
            "<a href=\"../c/2.html\">2</a>\n<a href=\"../c/0.html\">0</a>"
        );
        assert_eq!(fragments.join([0], "", ""), "<a href=\"c/0.html\">0</a>");
    }

    #[test]
    fn the_first_error_fails_the_whole_set() {
        let result = Fragments::render(&[true, true], &tera::Context::new(), |_, i| match i {
            0 => Ok(String::new()),
            _ => Err(Diagnostic::error("templates/case_card.html", "broken")),
        });
        assert!(result.is_err());
    }
}
