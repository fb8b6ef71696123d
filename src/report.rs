//! Printing diagnostics: `path:line:col: message` lines for logs and CI, and rustc-like
//! snippets with the source line and a caret when stderr is a terminal.

use std::path::Path;

use codespan_reporting::diagnostic::{Diagnostic as Snippet, Label, Severity as Level};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term;

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};

/// The text to print for `diagnostics`; `fancy` adds source snippets and colour.
pub fn render(diagnostics: &Diagnostics, root: &Path, fancy: bool) -> String {
    let mut out = String::new();
    for d in diagnostics.iter() {
        match fancy.then(|| snippet(d, root)).flatten() {
            Some(text) => out.push_str(&text),
            None => {
                out.push_str(&d.to_string());
                out.push('\n');
            }
        }
    }
    out
}

fn snippet(d: &Diagnostic, root: &Path) -> Option<String> {
    let line = d.line?;
    let source = std::fs::read_to_string(root.join(&d.path)).ok()?;
    let source = source
        .strip_prefix('\u{feff}')
        .unwrap_or(&source)
        .replace("\r\n", "\n");
    let start = byte_offset(&source, line, d.column.unwrap_or(1))?;
    let end = source[start..]
        .find('\n')
        .map_or(source.len(), |n| start + n)
        .max(start);
    let end = if end == start {
        (start + 1).min(source.len())
    } else {
        end
    };
    let file = SimpleFile::new(crate::diagnostic::display_path(&d.path), source);
    let level = match d.severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
    };
    let mut snippet = Snippet::new(level)
        .with_message(&d.message)
        .with_labels(vec![Label::primary((), start..end)]);
    if let Some(hint) = &d.hint {
        snippet = snippet.with_notes(vec![format!("hint: {hint}")]);
    }
    term::emit_into_string(&term::Config::default(), &file, &snippet).ok()
}

fn byte_offset(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let col = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_lines_and_characters() {
        let text = "a\n中文b\nc";
        assert_eq!(byte_offset(text, 1, 1), Some(0));
        assert_eq!(byte_offset(text, 2, 3), Some(8));
        assert_eq!(byte_offset(text, 3, 1), Some(10));
    }
}
