//! Import: split one plain-text collection into one Markdown case file per case.
//!
//! Editors receive collections as one long document (a report, a circular, a press release):
//! an introduction, then `案例1:标题`, `案例2:标题`, … each followed by its text. Typing 23
//! front-matter blocks by hand is slow and error-prone, so `casebook import` does the
//! mechanical part and leaves the judgement to the editor:
//!
//! - [`split`] (pure) finds the case headings (the default pattern, or `--pattern` with named
//!   groups `id` and `title`), keeps the text before the first case as the introduction, and
//!   turns each case's lines into Markdown: `一、…` sections become `##`, `(一)…` sub-sections
//!   `###`, `1.…` measures an ordered list with the lead sentence in bold, everything else
//!   paragraphs. Source indentation (ASCII or full-width) is stripped, since four leading
//!   spaces would make Markdown render a paragraph as code.
//! - [`case_file`] (pure) adds the front matter. What the importer cannot know it writes as the
//!   explicit placeholder [`PLACEHOLDER`], which `casebook check` reports, instead of guessing
//!   or leaving a key out: a visible gap gets fixed, a plausible guess gets published.
//! - [`run`] reads the file, writes the pages and never overwrites an existing file unless
//!   asked to (`force`): a collection is imported once and then edited by hand, and a second
//!   import must not wipe those edits.
//!
//! Paragraphs: a source line is a paragraph, which is how Chinese plain text is written. Only
//! in a document that separates paragraphs with blank lines does a flush-left line directly
//! under another line continue it (hard-wrapped text).

use std::collections::btree_map::{BTreeMap, Entry};
use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use crate::config::{ImportConfig, CONFIG_FILE};
use crate::content::case::PLACEHOLDER;
use crate::diagnostic::{display_path, Diagnostic, Diagnostics};

/// What `casebook import FILE [--out DIR] [--pattern REGEX] [--force]` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The plain-text collection.
    pub source: PathBuf,
    /// Where case files go (`content/cases` by default).
    pub out_dir: PathBuf,
    /// Where the introduction page goes (see [`default_intro_out`]); `None`: don't write it.
    pub intro_out: Option<PathBuf>,
    /// A regex with named groups `id` and `title`, matched against each (unindented) line.
    pub pattern: Option<String>,
    /// Overwrite existing files.
    pub force: bool,
    /// Known regions and units, to fill `region` and `department` from a title.
    pub known: ImportConfig,
}

/// What an import did, for the user to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub written: Vec<PathBuf>,
    /// Files that existed and were left alone (no `force`).
    pub skipped: Vec<PathBuf>,
    /// Things the editor should look at (a cleaned title, a cut-off text, placeholders left).
    pub notes: Vec<String>,
}

impl ImportReport {
    /// Human-readable lines: `wrote …`, `skipped … (exists; use --force)`, the notes, a tally.
    pub fn lines(&self) -> Vec<String> {
        let wrote = self
            .written
            .iter()
            .map(|p| format!("wrote {}", display_path(p)));
        let skipped = self
            .skipped
            .iter()
            .map(|p| format!("skipped {} (exists; use --force)", display_path(p)));
        let tally = format!(
            "{} written, {} skipped",
            plural(self.written.len(), "file"),
            self.skipped.len()
        );
        wrote
            .chain(skipped)
            .chain(self.notes.iter().cloned())
            .chain(std::iter::once(tally))
            .collect()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One case as found in the source: its number, clean title and Markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCase {
    pub id: u32,
    pub title: String,
    /// What cleaning the title removed, e.g. `removed trailing "?"`.
    pub title_note: Option<String>,
    /// Markdown, ending with a newline unless empty.
    pub body: String,
}

/// A split collection: the introduction (Markdown) and the cases in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub intro: String,
    pub cases: Vec<ImportedCase>,
}

/// The introduction page next to the cases folder: `content/_index.md` for `content/cases`.
pub fn default_intro_out(out_dir: &Path) -> PathBuf {
    match out_dir.parent() {
        Some(parent) => parent.join("_index.md"),
        None => out_dir.join("..").join("_index.md"),
    }
}

/// Imports `options.source`: reads, splits, then writes every page that does not exist yet.
pub fn run(options: &ImportOptions) -> Result<ImportReport, Diagnostics> {
    let pattern = compile_pattern(options.pattern.as_deref())?;
    let text = read_source(&options.source)?;
    let collection = split_located(&text, pattern.as_ref())
        .map_err(|problems| problems_to_diagnostics(problems, &options.source))?;
    let pages = plan_pages(&collection, options);
    write_pages(&pages, options)
}

// ---------------------------------------------------------------------------------------------
// Reading the source and checking the pattern
// ---------------------------------------------------------------------------------------------

/// The `--pattern`, checked: a valid regex with named groups `id` and `title`.
fn compile_pattern(pattern: Option<&str>) -> Result<Option<Regex>, Diagnostic> {
    let Some(pattern) = pattern else {
        return Ok(None);
    };
    let example = r"--pattern '^Case (?P<id>\d+)\. (?P<title>.+)$'";
    let regex = Regex::new(pattern).map_err(|e| {
        Diagnostic::error("--pattern", format!("not a valid regex: {e}"))
            .with_hint(format!("for example {example}"))
    })?;
    let names: Vec<&str> = regex.capture_names().flatten().collect();
    let missing: Vec<&str> = ["id", "title"]
        .into_iter()
        .filter(|group| !names.contains(group))
        .collect();
    if !missing.is_empty() {
        let groups = missing
            .iter()
            .map(|g| format!("`(?P<{g}>…)`"))
            .collect::<Vec<_>>();
        return Err(Diagnostic::error(
            "--pattern",
            format!("the regex lacks the named group {}", groups.join(" and ")),
        )
        .with_hint(format!(
            "name the case number `id` and the title `title`, e.g. {example}"
        )));
    }
    Ok(Some(regex))
}

/// The source as text, or an error saying why it cannot be imported (unreadable, not UTF-8).
fn read_source(path: &Path) -> Result<String, Diagnostic> {
    let bytes = fs::read(path)
        .map_err(|e| Diagnostic::error(path, format!("cannot read the file: {e}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let (line, column) = utf8_error_position(bytes, e.utf8_error().valid_up_to());
        Diagnostic::error(path, "the file is not UTF-8 text")
            .at(line, column)
            .with_hint(
                "convert it to UTF-8 first, e.g. `iconv -f GB18030 -t UTF-8 in.txt > out.txt`",
            )
    })
}

/// 1-based line and column (in characters) of the first invalid byte.
fn utf8_error_position(bytes: &[u8], valid_up_to: usize) -> (usize, usize) {
    let valid = &bytes[..valid_up_to.min(bytes.len())];
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&valid[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

// ---------------------------------------------------------------------------------------------
// Splitting
// ---------------------------------------------------------------------------------------------

/// `案例1:标题`, `案例 12 : 标题`, with a full-width or ASCII colon and digits.
static DEFAULT_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^案例\s*(?P<id>[0-9０-９]+)\s*[:\x{FF1A}]\s*(?P<title>.*)$")
        .expect("the default case-heading pattern is a valid regex")
});

/// A problem that stops a split, with its 1-based line when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Problem {
    line: Option<usize>,
    message: String,
    hint: Option<String>,
}

/// Splits a plain-text collection into its introduction and cases (see the module docs).
///
/// `text` may start with a BOM and use CRLF line ends. `pattern` replaces the default case
/// heading (`案例N:标题`); it must have named groups `id` and `title`.
pub fn split(text: &str, pattern: Option<&Regex>) -> Result<Collection, String> {
    split_located(text, pattern).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(problem_text).collect();
        lines.join("\n")
    })
}

fn problem_text(problem: &Problem) -> String {
    match problem.line {
        Some(line) => format!("line {line}: {}", problem.message),
        None => problem.message.clone(),
    }
}

fn problems_to_diagnostics(problems: Vec<Problem>, source: &Path) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for problem in problems {
        let mut diagnostic = Diagnostic::error(source, problem.message);
        if let Some(line) = problem.line {
            diagnostic = diagnostic.at(line, 1);
        }
        if let Some(hint) = problem.hint {
            diagnostic = diagnostic.with_hint(hint);
        }
        diagnostics.push(diagnostic);
    }
    diagnostics
}

/// A case heading found in the source, `index` being its 0-based line.
struct Heading {
    index: usize,
    id: u32,
    title: String,
    title_note: Option<String>,
}

fn split_located(text: &str, pattern: Option<&Regex>) -> Result<Collection, Vec<Problem>> {
    let text = normalize(text);
    let lines: Vec<&str> = text.split('\n').collect();
    let regex = pattern.unwrap_or(&DEFAULT_HEADING);
    let headings = find_headings(&lines, regex)?;
    let layout = Layout::of(&lines);
    let first = headings.first().map_or(lines.len(), |h| h.index);
    let intro = intro_markdown(&lines[..first], layout);
    let cases = headings
        .iter()
        .enumerate()
        .map(|(n, heading)| {
            let end = headings.get(n + 1).map_or(lines.len(), |next| next.index);
            ImportedCase {
                id: heading.id,
                title: heading.title.clone(),
                title_note: heading.title_note.clone(),
                body: render(&blocks(&lines[heading.index + 1..end], layout)),
            }
        })
        .collect();
    Ok(Collection { intro, cases })
}

/// Drops a BOM and turns CRLF and lone CR line ends into `\n`.
fn normalize(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Leading characters that are layout, not text: spaces, full-width spaces, tabs, stray BOMs.
fn is_indent(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}')
}

fn unindent(line: &str) -> &str {
    line.trim_start_matches(is_indent)
        .trim_end_matches(is_indent)
}

/// Every case heading, or every problem with them (none found, bad number, duplicates).
fn find_headings(lines: &[&str], regex: &Regex) -> Result<Vec<Heading>, Vec<Problem>> {
    let mut headings = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let Some(caps) = regex.captures(unindent(line)) else {
            continue;
        };
        match heading_from(index, &caps) {
            Ok(heading) => headings.push(heading),
            Err(problem) => problems.push(problem),
        }
    }
    if headings.is_empty() && problems.is_empty() {
        problems.push(Problem {
            line: None,
            message: "no case heading found".to_string(),
            hint: Some(
                "cases start with a line like `案例1:标题`; for another layout pass --pattern \
                 with named groups `id` and `title`"
                    .to_string(),
            ),
        });
    }
    problems.extend(duplicate_ids(&headings));
    if problems.is_empty() {
        Ok(headings)
    } else {
        Err(problems)
    }
}

fn heading_from(index: usize, caps: &regex::Captures<'_>) -> Result<Heading, Problem> {
    let problem = |message: String| Problem {
        line: Some(index + 1),
        message,
        hint: None,
    };
    let raw_id = caps.name("id").map_or("", |m| m.as_str());
    let id = parse_id(raw_id).ok_or_else(|| {
        problem(format!(
            "case number `{raw_id}` in a case heading is not a whole number"
        ))
    })?;
    let raw_title = caps.name("title").map_or("", |m| m.as_str());
    let (title, title_note) = clean_title(raw_title);
    if title.is_empty() {
        return Err(problem(format!("case {id} has no title")));
    }
    Ok(Heading {
        index,
        id,
        title,
        title_note,
    })
}

/// A case number: ASCII or full-width digits, surrounding spaces ignored.
fn parse_id(raw: &str) -> Option<u32> {
    let digits: String = raw
        .trim_matches(is_indent)
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

fn duplicate_ids(headings: &[Heading]) -> Vec<Problem> {
    let mut first_line: BTreeMap<u32, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for heading in headings {
        let line = heading.index + 1;
        match first_line.entry(heading.id) {
            Entry::Vacant(slot) => {
                slot.insert(line);
            }
            Entry::Occupied(first) => problems.push(Problem {
                line: Some(line),
                message: format!(
                    "duplicate case number {} (also on line {})",
                    heading.id,
                    first.get()
                ),
                hint: Some("give every case its own number".to_string()),
            }),
        }
    }
    problems
}

/// Characters a title never ends with (ASCII and full-width `?`, `,`, `;`, `:`, and `、`, `。`,
/// U+FFFD); found there, they are leftovers of the source, like case 17's `?`.
fn is_stray_title_end(c: char) -> bool {
    is_indent(c)
        || matches!(
            c,
            '?' | '\u{ff1f}'
                | ','
                | '\u{ff0c}'
                | '\u{3001}'
                | ';'
                | '\u{ff1b}'
                | ':'
                | '\u{ff1a}'
                | '\u{3002}'
                | '\u{fffd}'
        )
}

/// The title without stray trailing characters, and a note saying what was removed.
fn clean_title(raw: &str) -> (String, Option<String>) {
    let trimmed = raw.trim_start_matches(is_indent);
    let title = trimmed.trim_end_matches(is_stray_title_end);
    let removed = trimmed[title.len()..].trim_matches(is_indent);
    let note = (!removed.is_empty()).then(|| format!("removed trailing \"{removed}\""));
    (title.to_string(), note)
}

// ---------------------------------------------------------------------------------------------
// Plain text to Markdown
// ---------------------------------------------------------------------------------------------

/// How the source separates paragraphs.
#[derive(Debug, Clone, Copy)]
struct Layout {
    /// Blank lines between paragraphs, so a flush-left line under a line continues it.
    blank_separated: bool,
}

impl Layout {
    fn of(lines: &[&str]) -> Layout {
        let mut seen_text = false;
        let mut blank_after_text = false;
        for line in lines {
            let blank = unindent(line).is_empty();
            if !blank && blank_after_text {
                return Layout {
                    blank_separated: true,
                };
            }
            blank_after_text |= blank && seen_text;
            seen_text |= !blank;
        }
        Layout {
            blank_separated: false,
        }
    }
}

/// A piece of a case's body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    /// `##` (level 2) section or `###` (level 3) sub-section.
    Heading(usize, String),
    /// A numbered measure: `1. **lead sentence。** rest`.
    Measure(u32, String),
    Paragraph(String),
}

static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<n>[一二三四五六七八九十百零〇]+)、\s*(?P<rest>\S.*)$")
        .expect("the section pattern is a valid regex")
});

static SUBSECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?P<open>[(\x{FF08}])\s*(?P<n>[一二三四五六七八九十百零〇]+)\s*",
        r"(?P<close>[)\x{FF09}])\s*(?P<rest>\S.*)$",
    ))
    .expect("the sub-section pattern is a valid regex")
});

static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<n>[0-9０-９]{1,3})\s*(?P<sep>[.、\x{FF0E}])(?P<rest>.*)$")
        .expect("the measure pattern is a valid regex")
});

/// The blocks of a run of source lines.
fn blocks(lines: &[&str], layout: Layout) -> Vec<Block> {
    let mut blocks: Vec<Block> = Vec::new();
    let mut open = false;
    for line in lines {
        let text = unindent(line);
        if text.is_empty() {
            open = false;
            continue;
        }
        let structural = structural_blocks(text);
        let indented = line.starts_with(is_indent);
        if structural.is_none() && open && layout.blank_separated && !indented {
            continue_block(blocks.last_mut(), text);
            continue;
        }
        let new = structural.unwrap_or_else(|| vec![Block::Paragraph(text.to_string())]);
        open = matches!(new.last(), Some(Block::Measure(..) | Block::Paragraph(_)));
        blocks.extend(new);
    }
    blocks
}

/// Appends a wrapped line to the paragraph or measure it continues.
fn continue_block(block: Option<&mut Block>, text: &str) {
    if let Some(Block::Paragraph(body) | Block::Measure(_, body)) = block {
        if needs_space(body, text) {
            body.push(' ');
        }
        body.push_str(text);
    }
}

/// Wrapped Latin text needs a space where the line broke; Chinese text does not.
fn needs_space(before: &str, after: &str) -> bool {
    let last = before.chars().next_back();
    let first = after.chars().next();
    matches!((last, first), (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_alphanumeric())
}

/// A section, sub-section or measure line as blocks; `None` for a plain paragraph.
fn structural_blocks(text: &str) -> Option<Vec<Block>> {
    if let Some(caps) = SECTION.captures(text) {
        return Some(heading_blocks(
            2,
            format!("{}、", &caps["n"]),
            &caps["rest"],
        ));
    }
    if let Some(caps) = SUBSECTION.captures(text) {
        let number = format!("{}{}{}", &caps["open"], &caps["n"], &caps["close"]);
        return Some(heading_blocks(3, number, &caps["rest"]));
    }
    let caps = MEASURE.captures(text)?;
    let rest = &caps["rest"];
    let decimal =
        caps["sep"] != *"、" && rest.starts_with(|c: char| parse_id(&c.to_string()).is_some());
    let rest = rest.trim_start_matches(is_indent);
    if decimal || rest.is_empty() {
        return None; // `4.98万个项目…` starts with a number, not with measure 4
    }
    let number = parse_id(&caps["n"])?;
    Some(vec![Block::Measure(number, rest.to_string())])
}

/// A heading line; text after its first `。` is a paragraph (`(一)科学管理。一是…`).
fn heading_blocks(level: usize, number: String, rest: &str) -> Vec<Block> {
    let (title, after) = match rest.split_once('。') {
        Some((title, after)) => (title, after.trim_start_matches(is_indent)),
        None => (rest, ""),
    };
    let mut blocks = vec![Block::Heading(
        level,
        format!("{number}{}", title.trim_end()),
    )];
    if !after.is_empty() {
        blocks.push(Block::Paragraph(after.to_string()));
    }
    blocks
}

/// Blocks as Markdown, separated by blank lines.
fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&render_block(block));
        out.push('\n');
    }
    out
}

fn render_block(block: &Block) -> String {
    match block {
        Block::Heading(level, text) => format!("{} {}", "#".repeat(*level), escape_inline(text)),
        Block::Measure(number, text) => format!("{number}. {}", measure_text(text)),
        Block::Paragraph(text) => escape_block_start(&escape_inline(text)),
    }
}

/// The lead sentence (up to the first `。`) in bold, then the rest.
fn measure_text(text: &str) -> String {
    match text.split_once('。') {
        Some((lead, rest)) => {
            let lead = format!("**{}。**", escape_inline(lead));
            let rest = rest.trim_start_matches(is_indent);
            if rest.is_empty() {
                lead
            } else {
                format!("{lead} {}", escape_inline(rest))
            }
        }
        None => escape_block_start(&escape_inline(text)),
    }
}

/// Escapes the ASCII characters that start inline Markdown (emphasis, code, links, HTML).
fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\\' | '*' | '_' | '`' | '<' | '[') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes a line start that Markdown would read as a heading, quote, list, rule or table.
fn escape_block_start(text: &str) -> String {
    if text.starts_with(['#', '>', '-', '+', '=', '|', '~']) {
        return format!("\\{text}");
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let marker = text[digits..].chars().next();
    let after = text[digits..].chars().nth(1);
    let list_like = (1..=9).contains(&digits)
        && matches!(marker, Some('.' | ')'))
        && after.is_none_or(char::is_whitespace);
    if list_like {
        return format!("{}\\{}", &text[..digits], &text[digits..]);
    }
    text.to_string()
}

/// The introduction: a short first line without closing punctuation is its `#` title.
fn intro_markdown(lines: &[&str], layout: Layout) -> String {
    let first = lines.iter().position(|line| !unindent(line).is_empty());
    let Some(first) = first else {
        return String::new();
    };
    let text = unindent(lines[first]);
    if !looks_like_title(text) {
        return render(&blocks(lines, layout));
    }
    let mut all = vec![Block::Heading(1, text.to_string())];
    all.extend(blocks(&lines[first + 1..], layout));
    render(&all)
}

fn looks_like_title(text: &str) -> bool {
    let closing = [
        '。', '.', '!', '\u{ff01}', '?', '\u{ff1f}', ';', '\u{ff1b}', ',', '\u{ff0c}', ':',
        '\u{ff1a}', '、',
    ];
    text.chars().count() <= 60 && !text.ends_with(closing) && structural_blocks(text).is_none()
}

/// The first Markdown heading's text, and the body without it when it is the leading `#`.
fn intro_title(intro: &str) -> (Option<String>, &str) {
    if let Some(rest) = intro.strip_prefix("# ") {
        let (title, body) = rest.split_once('\n').unwrap_or((rest, ""));
        return (Some(unescape(title)), body.trim_start_matches('\n'));
    }
    (intro.lines().find_map(markdown_heading), intro)
}

/// The text of an ATX heading line (`## 一、背景情况`), unescaped.
fn markdown_heading(line: &str) -> Option<String> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    line[hashes..].strip_prefix(' ').map(unescape)
}

/// Undoes [`escape_inline`] (for a heading reused as a front-matter title).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            _ => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Front matter
// ---------------------------------------------------------------------------------------------

/// Region and department as read from the title; `None` where the importer cannot tell.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    region: Option<String>,
    department: Option<String>,
}

/// A known unit at the start of the title (longest wins), else a known region, else nothing.
fn infer_origin(title: &str, known: &ImportConfig) -> Origin {
    let unit = known
        .units
        .iter()
        .filter(|(prefix, _)| !prefix.is_empty() && title.starts_with(prefix.as_str()))
        .max_by_key(|(prefix, _)| prefix.len());
    if let Some((_, (region, department))) = unit {
        return Origin {
            region: Some(region.clone()),
            department: Some(department.clone()),
        };
    }
    let region = known
        .regions
        .iter()
        .filter(|region| !region.is_empty() && title.starts_with(region.as_str()))
        .max_by_key(|region| region.len());
    Origin {
        region: region.cloned(),
        department: None,
    }
}

/// A case file: front matter (`id`, `title`, `region`, `department`, `tags`) and the body.
pub fn case_file(case: &ImportedCase, known: &ImportConfig) -> String {
    let origin = infer_origin(&case.title, known);
    let mut out = String::from("---\n");
    let _ = writeln!(out, "id: {}", case.id);
    let _ = writeln!(out, "title: {}", yaml_string(&case.title));
    out.push_str(&known_or_placeholder("region", origin.region.as_deref()));
    out.push_str(&known_or_placeholder(
        "department",
        origin.department.as_deref(),
    ));
    out.push_str("tags: []\n---\n");
    if !case.body.is_empty() {
        out.push('\n');
        out.push_str(&case.body);
    }
    out
}

fn known_or_placeholder(key: &str, value: Option<&str>) -> String {
    match value {
        Some(value) => format!("{key}: {}\n", yaml_string(value)),
        None => format!(
            "{key}: {} # FIXME: casebook import could not tell the {key}; write it\n",
            yaml_string(PLACEHOLDER)
        ),
    }
}

/// The introduction page: front matter with only `title`, then the Markdown.
fn intro_page(title: &str, body: &str) -> String {
    let mut out = format!("---\ntitle: {}\n---\n", yaml_string(title));
    if !body.is_empty() {
        out.push('\n');
        out.push_str(body);
    }
    out
}

/// A double-quoted YAML scalar: valid whatever the text (`:`, `#`, quotes, leading `[`).
fn yaml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A file to write and what to tell the editor about it.
struct Page {
    path: PathBuf,
    contents: String,
    notes: Vec<String>,
    /// `region` or `department` is the placeholder.
    incomplete: bool,
}

fn plan_pages(collection: &Collection, options: &ImportOptions) -> Vec<Page> {
    let mut pages = Vec::new();
    if let Some(path) = &options.intro_out {
        pages.extend(plan_intro(&collection.intro, path, &options.source));
    }
    for case in &collection.cases {
        let path = options.out_dir.join(format!("{:03}.md", case.id));
        let notes = case_notes(case)
            .into_iter()
            .map(|note| format!("{}: {note}", display_path(&path)))
            .collect();
        let origin = infer_origin(&case.title, &options.known);
        pages.push(Page {
            contents: case_file(case, &options.known),
            path,
            notes,
            incomplete: origin.region.is_none() || origin.department.is_none(),
        });
    }
    pages
}

fn plan_intro(intro: &str, path: &Path, source: &Path) -> Option<Page> {
    if intro.trim().is_empty() {
        return None;
    }
    let (title, body) = intro_title(intro);
    let title = title.unwrap_or_else(|| {
        source.file_stem().map_or_else(
            || "Introduction".to_string(),
            |s| s.to_string_lossy().into_owned(),
        )
    });
    Some(Page {
        path: path.to_path_buf(),
        contents: intro_page(&title, body),
        notes: Vec::new(),
        incomplete: false,
    })
}

/// What the editor should check in one case: a cleaned title, a missing or cut-off text.
/// (Placeholders get one summary line, see [`placeholder_note`]: `casebook check` lists each.)
fn case_notes(case: &ImportedCase) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(note) = &case.title_note {
        notes.push(format!("cleaned title ({note})"));
    }
    if case.body.trim().is_empty() {
        notes.push("the case has no text".to_string());
    } else if ends_mid_sentence(&case.body) {
        notes.push("the text ends mid-sentence; the source may be cut off".to_string());
    }
    notes
}

fn ends_mid_sentence(body: &str) -> bool {
    let closing = [
        '。', '.', '!', '\u{ff01}', '?', '\u{ff1f}', '”', '’', '"', '\'', ')', '\u{ff09}', '》',
        '】', '〕', '…', '*',
    ];
    let last_block = body.trim_end().lines().last().unwrap_or("");
    if last_block.starts_with('#') {
        return false;
    }
    !last_block.ends_with(closing)
}

/// Writes the pages; existing files are skipped unless `force`. Every I/O failure is reported.
/// Notes are kept for the pages written only: a skipped file is the editor's, not the import's.
fn write_pages(pages: &[Page], options: &ImportOptions) -> Result<ImportReport, Diagnostics> {
    let mut report = ImportReport::default();
    let mut problems = Diagnostics::new();
    let mut incomplete = 0;
    for page in pages {
        match write_page(&page.path, &page.contents, options.force) {
            Ok(true) => {
                report.written.push(page.path.clone());
                report.notes.extend(page.notes.iter().cloned());
                incomplete += usize::from(page.incomplete);
            }
            Ok(false) => report.skipped.push(page.path.clone()),
            Err(e) => problems.push(Diagnostic::error(
                &page.path,
                format!("cannot write the file: {e}"),
            )),
        }
    }
    report.notes.extend(placeholder_note(incomplete));
    problems.into_result(report)
}

fn placeholder_note(files: usize) -> Option<String> {
    (files > 0).then(|| {
        format!(
            "{} with `region` or `department` left as {PLACEHOLDER}: write them (`casebook \
             check` lists each), or list the units and regions under [import] in {CONFIG_FILE} \
             and re-import with --force before editing",
            plural(files, "case file")
        )
    })
}

/// Writes `contents` to `path`; `Ok(false)` when the file exists and `force` is off.
fn write_page(path: &Path, contents: &str, force: bool) -> io::Result<bool> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    if force {
        fs::write(path, contents)?;
        return Ok(true);
    }
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(contents.as_bytes())?;
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_case(text: &str) -> ImportedCase {
        let collection = split(text, None).expect("test input splits");
        assert_eq!(collection.cases.len(), 1, "{collection:?}");
        collection.cases.into_iter().next().expect("one case")
    }

    /// The front matter of a written file, parsed as YAML.
    fn front_matter(file: &str) -> serde_json::Value {
        let rest = file
            .strip_prefix("---\n")
            .expect("file starts with a fence");
        let (yaml, _) = rest.split_once("\n---\n").expect("front matter is closed");
        serde_saphyr::from_str(yaml).expect("front matter is valid YAML")
    }

    fn known() -> ImportConfig {
        let mut config = ImportConfig {
            regions: vec!["福州市".into(), "福州市鼓楼区".into(), "厦门市".into()],
            ..ImportConfig::default()
        };
        config.units.insert(
            "省税务局".into(),
            ("福建省".into(), "国家税务总局福建省税务局".into()),
        );
        config
            .units
            .insert("省".into(), ("福建省".into(), "福建省人民政府".into()));
        config
    }

    #[test]
    fn case_headings_with_either_colon_and_spaces() {
        let text = "案例1:甲\n正文。\n案例2\u{ff1a}乙\n正文。\n  案例 3 \u{ff1a} 丙 \n正文。\n案例\u{ff14}:丁\n";
        let collection = split(text, None).unwrap();
        let found: Vec<(u32, &str)> = collection
            .cases
            .iter()
            .map(|c| (c.id, c.title.as_str()))
            .collect();
        assert_eq!(found, [(1, "甲"), (2, "乙"), (3, "丙"), (4, "丁")]);
        assert!(collection.cases.iter().all(|c| c.title_note.is_none()));
    }

    #[test]
    fn heading_needs_a_number_and_a_colon() {
        let text = "案例分析:不是案例\n案例1:真的\n本案例2:也不是\n";
        let collection = split(text, None).unwrap();
        assert_eq!(collection.cases.len(), 1);
        assert_eq!(
            collection.intro, "# 案例分析:不是案例\n",
            "a short first line is the title"
        );
        assert_eq!(collection.cases[0].body, "本案例2:也不是\n");
    }

    #[test]
    fn crlf_and_bom_are_handled() {
        let text = "\u{feff}引言。\r\n\r\n案例1:标题\r\n\r\n一、背景情况\r\n\r\n  正文。\r\n";
        let collection = split(text, None).unwrap();
        assert_eq!(collection.intro, "引言。\n");
        assert_eq!(collection.cases[0].title, "标题");
        assert_eq!(collection.cases[0].body, "## 一、背景情况\n\n正文。\n");
        assert!(!collection.cases[0].body.contains('\r'));
    }

    #[test]
    fn indentation_never_becomes_a_code_block() {
        let text = "案例1:标题\n\n    四个空格。\n\n\u{3000}\u{3000}全角缩进。\n\n\t制表符。\n\n  \u{3000} 混合。\n";
        let body = one_case(text).body;
        assert_eq!(body, "四个空格。\n\n全角缩进。\n\n制表符。\n\n混合。\n");
        assert!(body
            .lines()
            .all(|line| !line.starts_with(char::is_whitespace)));
    }

    #[test]
    fn sections_subsections_and_measures() {
        let text = "\
案例1:标题

  一、背景情况

  背景。

  二、 主要做法

  (一)科学管理“零缺位”。一是建机制。二是强队伍。

  1.坚持“检察机关主导”。全省确定试点。

  2.减环节。

  (二)线上线下

  1、加强联动。与省财政厅联合。

  三、取得成效

  成效。
";
        let expected = "\
## 一、背景情况

背景。

## 二、主要做法

### (一)科学管理“零缺位”

一是建机制。二是强队伍。

1. **坚持“检察机关主导”。** 全省确定试点。

2. **减环节。**

### (二)线上线下

1. **加强联动。** 与省财政厅联合。

## 三、取得成效

成效。
";
        assert_eq!(one_case(text).body, expected);
    }

    #[test]
    fn fullwidth_brackets_digits_and_period() {
        let text = "案例1:标题\n\u{ff08}一\u{ff09}全角括号\n\u{ff11}\u{ff0e}全角数字。后文\n";
        assert_eq!(
            one_case(text).body,
            "### \u{ff08}一\u{ff09}全角括号\n\n1. **全角数字。** 后文\n"
        );
    }

    #[test]
    fn decimal_numbers_are_not_measures() {
        let text = "案例1:标题\n4.98万个项目已清偿。\n2. 2022年起实施。\n";
        assert_eq!(
            one_case(text).body,
            "4.98万个项目已清偿。\n\n2. **2022年起实施。**\n"
        );
    }

    #[test]
    fn measure_without_full_stop_is_a_plain_item() {
        let text = "案例1:标题\n1.没有句号的做法\n";
        assert_eq!(one_case(text).body, "1. 没有句号的做法\n");
    }

    #[test]
    fn missing_section_is_fine() {
        let text = "案例1:甲\n一、背景情况\n背景。\n三、取得成效\n成效。\n案例2:乙\n一、背景情况\n背景。\n二、主要做法\n一是……\n";
        let collection = split(text, None).unwrap();
        assert_eq!(
            collection.cases[0].body,
            "## 一、背景情况\n\n背景。\n\n## 三、取得成效\n\n成效。\n"
        );
        assert_eq!(
            collection.cases[1].body,
            "## 一、背景情况\n\n背景。\n\n## 二、主要做法\n\n一是……\n"
        );
    }

    #[test]
    fn case_without_sections_keeps_its_paragraphs() {
        let text = "案例1:标题\n  第一段。\n  第二段。\n";
        assert_eq!(one_case(text).body, "第一段。\n\n第二段。\n");
    }

    #[test]
    fn empty_case_is_kept() {
        let collection = split("案例1:甲\n案例2:乙\n正文。\n", None).unwrap();
        assert_eq!(collection.cases[0].body, "");
        assert_eq!(collection.cases[1].body, "正文。\n");
    }

    #[test]
    fn stray_question_mark_is_cleaned_with_a_note() {
        let ascii = one_case("案例17:推行“e拍即得”协同执行机制?\n正文。\n");
        assert_eq!(ascii.title, "推行“e拍即得”协同执行机制");
        assert_eq!(ascii.title_note.as_deref(), Some("removed trailing \"?\""));

        let full = one_case("案例17:协同执行机制\u{ff1f} \u{3000}\n正文。\n");
        assert_eq!(full.title, "协同执行机制");
        assert_eq!(
            full.title_note,
            Some("removed trailing \"\u{ff1f}\"".to_string())
        );

        let punct = one_case("案例1:标题。,\n");
        assert_eq!(punct.title, "标题");
        assert_eq!(
            punct.title_note.as_deref(),
            Some("removed trailing \"。,\"")
        );
    }

    #[test]
    fn trailing_whitespace_alone_needs_no_note() {
        let case = one_case("案例1:标题\u{3000} \n");
        assert_eq!(case.title, "标题");
        assert_eq!(case.title_note, None);
    }

    #[test]
    fn inner_spaces_and_closing_quotes_stay() {
        let case = one_case("案例22:省工信厅着力清欠 降低企业负担\n案例\n");
        assert_eq!(case.title, "省工信厅着力清欠 降低企业负担");
        let quoted = one_case("案例1:打造“晋江窗”\n");
        assert_eq!(quoted.title, "打造“晋江窗”");
    }

    #[test]
    fn custom_pattern() {
        let pattern = Regex::new(r"^Case (?P<id>\d+)\. (?P<title>.+)$").unwrap();
        let text = "Intro.\n\nCase 1. First\n\nText.\n\nCase 2. Second?\n\nMore.\n";
        let collection = split(text, Some(&pattern)).unwrap();
        assert_eq!(collection.intro, "Intro.\n");
        let found: Vec<(u32, &str)> = collection
            .cases
            .iter()
            .map(|c| (c.id, c.title.as_str()))
            .collect();
        assert_eq!(found, [(1, "First"), (2, "Second")]);
        assert_eq!(collection.cases[0].body, "Text.\n");
    }

    #[test]
    fn custom_pattern_with_non_numeric_id_is_an_error() {
        let pattern = Regex::new(r"^Case (?P<id>\w+): (?P<title>.+)$").unwrap();
        let error = split("Case A: First\n", Some(&pattern)).unwrap_err();
        assert_eq!(
            error,
            "line 1: case number `A` in a case heading is not a whole number"
        );
    }

    #[test]
    fn duplicate_case_numbers_are_an_error() {
        let error = split("案例1:甲\n正文。\n案例1:乙\n案例2:丙\n案例2:丁\n", None).unwrap_err();
        assert_eq!(
            error,
            "line 3: duplicate case number 1 (also on line 1)\n\
             line 5: duplicate case number 2 (also on line 4)"
        );
    }

    #[test]
    fn no_case_heading_is_an_error() {
        let error = split("只有引言。\n没有案例。\n", None).unwrap_err();
        assert_eq!(error, "no case heading found");
        assert_eq!(split("", None).unwrap_err(), "no case heading found");
    }

    #[test]
    fn empty_title_and_huge_number_are_errors() {
        assert_eq!(
            split("案例1:?\n", None).unwrap_err(),
            "line 1: case 1 has no title"
        );
        let huge = split("案例99999999999:标题\n", None).unwrap_err();
        assert!(
            huge.starts_with("line 1: case number `99999999999`"),
            "{huge}"
        );
    }

    #[test]
    fn yaml_strings_are_escaped() {
        let case = ImportedCase {
            id: 7,
            title: "[草案] \"引号\": # 不是注释 \\ 反斜杠\t".to_string(),
            title_note: None,
            body: "正文。\n".to_string(),
        };
        let file = case_file(&case, &ImportConfig::default());
        let yaml = front_matter(&file);
        assert_eq!(yaml["id"], 7);
        assert_eq!(yaml["title"], case.title.as_str());
        assert_eq!(yaml["tags"], serde_json::json!([]));
        assert!(file.ends_with("---\n\n正文。\n"), "{file}");
        assert_eq!(yaml_string("a\u{2028}b\u{7}"), r#""a\u2028b\u0007""#);
    }

    #[test]
    fn unknown_origin_is_a_commented_placeholder() {
        let case = one_case("案例1:某某单位推行改革\n正文。\n");
        let file = case_file(&case, &known());
        let yaml = front_matter(&file);
        assert_eq!(yaml["region"], PLACEHOLDER);
        assert_eq!(yaml["department"], PLACEHOLDER);
        assert!(file.contains(
            "region: \"FIXME\" # FIXME: casebook import could not tell the region; write it\n"
        ));
        assert!(file.contains(
            "department: \"FIXME\" # FIXME: casebook import could not tell the department; write it\n"
        ));
        let keys: Vec<&String> = yaml.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 5, "{keys:?}");
    }

    #[test]
    fn known_unit_fills_region_and_department_longest_first() {
        let case = one_case("案例7:省税务局创新推出“税悦工作室”\n");
        let yaml = front_matter(&case_file(&case, &known()));
        assert_eq!(yaml["region"], "福建省");
        assert_eq!(yaml["department"], "国家税务总局福建省税务局");

        let case = one_case("案例1:省检察院坚持“三个结合”\n");
        let yaml = front_matter(&case_file(&case, &known()));
        assert_eq!(
            yaml["department"], "福建省人民政府",
            "the shorter unit `省` matches"
        );
    }

    #[test]
    fn known_region_fills_region_only() {
        let origin = infer_origin("福州市鼓楼区打造“共享营业厅”", &known());
        assert_eq!(origin.region.as_deref(), Some("福州市鼓楼区"));
        assert_eq!(origin.department, None);
        let case = one_case("案例8:福州市打造“共享营业厅”\n");
        let file = case_file(&case, &known());
        let yaml = front_matter(&file);
        assert_eq!(yaml["region"], "福州市");
        assert_eq!(yaml["department"], PLACEHOLDER);
        assert!(file.contains("could not tell the department"));
        assert!(!file.contains("could not tell the region"));
    }

    #[test]
    fn markdown_syntax_in_the_source_is_escaped() {
        let text = "案例1:标题\n- 不是列表。\n# 不是标题。\n1) 不是列表。\n用*星号*和_下划线_和`反引号`和<标签>。\n";
        assert_eq!(
            one_case(text).body,
            "\\- 不是列表。\n\n\\# 不是标题。\n\n1\\) 不是列表。\n\n用\\*星号\\*和\\_下划线\\_和\\`反引号\\`和\\<标签>。\n"
        );
    }

    #[test]
    fn wrapped_lines_join_only_in_blank_separated_text() {
        let wrapped = "案例1:标题\n\nThe first line\ncontinues here.\n中文第一行\n接着写。\n\n  New paragraph.\n  Indented starts another.\n";
        assert_eq!(
            one_case(wrapped).body,
            "The first line continues here.中文第一行接着写。\n\nNew paragraph.\n\nIndented starts another.\n"
        );
        let dense = "案例1:标题\n第一段。\n第二段。\n";
        assert_eq!(one_case(dense).body, "第一段。\n\n第二段。\n");
    }

    #[test]
    fn intro_title_from_a_title_line_or_none() {
        let collection = split(
            "福建省优化营商环境典型经验做法\n\n  引言正文。\n\n案例1:甲\n",
            None,
        )
        .unwrap();
        assert_eq!(
            collection.intro,
            "# 福建省优化营商环境典型经验做法\n\n引言正文。\n"
        );
        let (title, body) = intro_title(&collection.intro);
        assert_eq!(title.as_deref(), Some("福建省优化营商环境典型经验做法"));
        assert_eq!(body, "引言正文。\n");

        let plain = split("今年,全省各级各部门认真贯彻落实。\n案例1:甲\n", None).unwrap();
        assert_eq!(
            intro_title(&plain.intro),
            (None, "今年,全省各级各部门认真贯彻落实。\n")
        );

        let section = split("一、总体情况\n正文。\n案例1:甲\n", None).unwrap();
        assert_eq!(
            intro_title(&section.intro).0.as_deref(),
            Some("一、总体情况")
        );
    }

    #[test]
    fn notes_point_at_what_to_check() {
        let collection = split("案例1:某单位做法?\n一、背景\n写到一半", None).unwrap();
        assert_eq!(
            case_notes(&collection.cases[0]),
            [
                "cleaned title (removed trailing \"?\")",
                "the text ends mid-sentence; the source may be cut off",
            ]
        );
        let done = split("案例1:做法\n一、背景\n正文。\n", None).unwrap();
        assert!(case_notes(&done.cases[0]).is_empty());
        let empty = split("案例1:做法\n", None).unwrap();
        assert_eq!(case_notes(&empty.cases[0]), ["the case has no text"]);
    }

    #[test]
    fn placeholders_get_one_summary_note() {
        assert_eq!(placeholder_note(0), None);
        let note = placeholder_note(22).unwrap();
        assert!(note.starts_with("22 case files with `region` or `department` left as FIXME"));
        assert!(note.contains("[import] in casebook.toml"), "{note}");
    }

    #[test]
    fn report_lines() {
        let report = ImportReport {
            written: vec![PathBuf::from("content/cases/001.md")],
            skipped: vec![PathBuf::from("content/cases/002.md")],
            notes: vec!["content/cases/017.md: cleaned title (removed trailing \"?\")".into()],
        };
        assert_eq!(
            report.lines(),
            [
                "wrote content/cases/001.md",
                "skipped content/cases/002.md (exists; use --force)",
                "content/cases/017.md: cleaned title (removed trailing \"?\")",
                "1 file written, 1 skipped",
            ]
        );
    }

    #[test]
    fn default_intro_out_is_next_to_the_cases_folder() {
        assert_eq!(
            default_intro_out(Path::new("content/cases")),
            Path::new("content/_index.md")
        );
        assert_eq!(
            default_intro_out(Path::new("cases")),
            Path::new("_index.md")
        );
    }

    #[test]
    fn utf8_error_is_located() {
        let bytes = b"line one\n\xe4\xb8\xad\xff rest";
        assert_eq!(utf8_error_position(bytes, 12), (2, 2));
    }

    #[test]
    fn odd_inputs_do_not_panic() {
        for text in [
            "案例1:",
            "案例1:\u{feff}",
            "\r\r\r案例1:x\r",
            "案例1:x\n(一)\n1.\n一、",
            "案例0:x\n1.。",
            "\u{feff}",
        ] {
            let _ = split(text, None);
        }
    }

    // --- run: reading and writing files -------------------------------------------------

    struct Site {
        dir: tempfile::TempDir,
    }

    impl Site {
        fn new(source: &[u8]) -> Site {
            let dir = tempfile::tempdir().expect("temp dir");
            std::fs::write(dir.path().join("collection.txt"), source).expect("write source");
            Site { dir }
        }

        fn options(&self) -> ImportOptions {
            let out_dir = self.dir.path().join("content/cases");
            ImportOptions {
                source: self.dir.path().join("collection.txt"),
                intro_out: Some(default_intro_out(&out_dir)),
                out_dir,
                pattern: None,
                force: false,
                known: known(),
            }
        }

        fn read(&self, path: &str) -> String {
            std::fs::read_to_string(self.dir.path().join(path)).expect("file was written")
        }
    }

    const SMALL: &str = "前言。\n\n案例1:省税务局做法\n\n正文。\n\n案例17:平潭机制?\n\n正文。\n";

    #[test]
    fn run_writes_cases_and_intro() {
        let site = Site::new(SMALL.as_bytes());
        let report = run(&site.options()).unwrap();
        let names: Vec<String> = report
            .written
            .iter()
            .map(|p| {
                p.strip_prefix(site.dir.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            [
                "content/_index.md",
                "content/cases/001.md",
                "content/cases/017.md"
            ]
        );
        assert_eq!(
            site.read("content/_index.md"),
            "---\ntitle: \"collection\"\n---\n\n前言。\n"
        );
        assert!(site
            .read("content/cases/017.md")
            .contains("title: \"平潭机制\"\n"));
        let note = format!(
            "{}: cleaned title (removed trailing \"?\")",
            display_path(&site.dir.path().join("content/cases/017.md"))
        );
        assert!(report.notes.contains(&note), "{:?}", report.notes);
    }

    #[test]
    fn run_never_overwrites_without_force() {
        let site = Site::new(SMALL.as_bytes());
        run(&site.options()).unwrap();
        let edited = site.dir.path().join("content/cases/001.md");
        std::fs::write(&edited, "hand edited").unwrap();
        std::fs::remove_file(site.dir.path().join("content/cases/017.md")).unwrap();

        let again = run(&site.options()).unwrap();
        assert_eq!(
            again.written,
            [site.dir.path().join("content/cases/017.md")]
        );
        assert_eq!(again.skipped.len(), 2, "intro and 001 exist");
        assert_eq!(site.read("content/cases/001.md"), "hand edited");
        assert!(again
            .lines()
            .iter()
            .any(|l| l.ends_with("001.md (exists; use --force)")));

        let forced = run(&ImportOptions {
            force: true,
            ..site.options()
        })
        .unwrap();
        assert_eq!(forced.written.len(), 3);
        assert!(forced.skipped.is_empty());
        assert!(site
            .read("content/cases/001.md")
            .starts_with("---\nid: 1\n"));
    }

    #[test]
    fn run_without_intro_out_writes_only_cases() {
        let site = Site::new(SMALL.as_bytes());
        let report = run(&ImportOptions {
            intro_out: None,
            ..site.options()
        })
        .unwrap();
        assert_eq!(report.written.len(), 2);
        assert!(!site.dir.path().join("content/_index.md").exists());
    }

    #[test]
    fn run_reports_unreadable_and_non_utf8_files() {
        let site = Site::new(b"\xe6\xa1\x88\xe4\xbe\x8b1:\n\xb0\xb8\xc0\xfd2\n");
        let error = run(&site.options()).unwrap_err();
        assert_eq!(error.0.len(), 1);
        assert_eq!((error.0[0].line, error.0[0].column), (Some(2), Some(1)));
        assert_eq!(error.0[0].message, "the file is not UTF-8 text");

        let missing = ImportOptions {
            source: site.dir.path().join("nope.txt"),
            ..site.options()
        };
        let error = run(&missing).unwrap_err();
        assert!(
            error.0[0].message.starts_with("cannot read the file"),
            "{error}"
        );
    }

    #[test]
    fn run_locates_split_problems() {
        let site = Site::new("案例1:甲\n案例1:乙\n".as_bytes());
        let error = run(&site.options()).unwrap_err();
        assert_eq!(error.0[0].line, Some(2));
        assert_eq!(
            error.0[0].message,
            "duplicate case number 1 (also on line 1)"
        );
        assert!(
            !site.dir.path().join("content").exists(),
            "nothing written on error"
        );

        let site = Site::new("没有案例。\n".as_bytes());
        let error = run(&site.options()).unwrap_err();
        assert_eq!(error.0[0].message, "no case heading found");
        assert!(error.0[0]
            .hint
            .as_deref()
            .unwrap_or("")
            .contains("--pattern"));
    }

    #[test]
    fn run_rejects_bad_patterns() {
        let site = Site::new(SMALL.as_bytes());
        let invalid = ImportOptions {
            pattern: Some("(unclosed".into()),
            ..site.options()
        };
        let error = run(&invalid).unwrap_err();
        assert!(
            error.0[0].message.starts_with("not a valid regex"),
            "{error}"
        );
        assert_eq!(error.0[0].path, Path::new("--pattern"));

        let no_groups = ImportOptions {
            pattern: Some(r"^Case (\d+)$".into()),
            ..site.options()
        };
        let error = run(&no_groups).unwrap_err();
        assert_eq!(
            error.0[0].message,
            "the regex lacks the named group `(?P<id>…)` and `(?P<title>…)`"
        );

        let no_title = ImportOptions {
            pattern: Some(r"^Case (?P<id>\d+)$".into()),
            ..site.options()
        };
        let error = run(&no_title).unwrap_err();
        assert_eq!(
            error.0[0].message,
            "the regex lacks the named group `(?P<title>…)`"
        );
    }

    #[test]
    fn run_with_custom_pattern() {
        let site = Site::new(b"Report\n\nCase 1. First\nText.\n");
        let options = ImportOptions {
            pattern: Some(r"^Case (?P<id>\d+)\. (?P<title>.+)$".into()),
            ..site.options()
        };
        run(&options).unwrap();
        assert!(site
            .read("content/cases/001.md")
            .contains("title: \"First\""));
        assert_eq!(
            site.read("content/_index.md"),
            "---\ntitle: \"Report\"\n---\n"
        );
    }
}
