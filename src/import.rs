//! Placeholder until the importer lands.
use std::path::PathBuf;

use crate::config::ImportConfig;
use crate::diagnostic::{Diagnostic, Diagnostics};

pub struct ImportOptions {
    pub source: PathBuf,
    pub out_dir: PathBuf,
    pub intro_out: Option<PathBuf>,
    pub pattern: Option<String>,
    pub force: bool,
    pub known: ImportConfig,
}

pub struct ImportReport {
    pub written: Vec<PathBuf>,
    pub skipped: Vec<PathBuf>,
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn lines(&self) -> Vec<String> {
        self.notes.clone()
    }
}

pub fn run(options: &ImportOptions) -> Result<ImportReport, Diagnostics> {
    Err(Diagnostic::error(&options.source, "import is not implemented yet").into())
}
