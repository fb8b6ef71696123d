//! Plain pages: `content/*.md` that are not cases (an about page), and `content/_index.md`,
//! whose body becomes the lead text of the front page.

use std::path::PathBuf;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::render::markdown::Rendered;

/// Front matter of a plain page.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageFrontMatter {
    pub title: String,
    /// Position in the navigation (lower first); pages without one are not in the navigation.
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub title: String,
    /// Root-relative URL (`about.html`); empty for the front page's `_index.md`.
    pub url: String,
    pub weight: Option<i64>,
    pub draft: bool,
    pub extra: serde_json::Map<String, serde_json::Value>,
    #[serde(skip)]
    pub source: PathBuf,
    #[serde(skip)]
    pub body: String,
    #[serde(skip)]
    pub body_line: usize,
    #[serde(skip)]
    pub rendered: Rendered,
}
