//! Times `search::build` alone on a site folder, and sums what it writes.
//!
//!     cargo bench --bench search_build_bench -- SITE_DIR [RUNS]
//!
//! Loads the site once (content, model), then builds the index RUNS times (default 3) and
//! prints wall and CPU times, memory, the files and bytes written by kind (`p`, `q`, `d`, ...)
//! and the blocks they take on a 4 kB-block file system. A measurement, not a test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use casebook::render::markdown::MarkdownRenderer;

/// User + system CPU time of this process so far (Linux: /proc/self/stat, 100 ticks a second).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) * 10.0
}

/// A `kB` line of /proc/self/status (Linux), 0 when missing.
fn status_kb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let root = PathBuf::from(
        args.first()
            .expect("usage: search_build_bench SITE_DIR [RUNS]"),
    );
    let runs: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(3);
    let config = casebook::Config::load(&root).expect("a casebook site");
    let markdown = MarkdownRenderer::for_site(&config.raw);
    let (content, _) = casebook::content::load(&config, &markdown, false);
    let site = casebook::site::Site::new(config, content).expect("a valid site");
    let rss_before = status_kb("VmRSS");
    eprintln!("site loaded: {} MB resident", rss_before / 1024);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    let mut index = None;
    for _ in 0..runs {
        let (start, cpu_start) = (Instant::now(), cpu_ms());
        index = Some(casebook::search::build(&site));
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        cpu.push(cpu_ms() - cpu_start);
    }
    let index = index.expect("at least one run");
    times.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    println!("cases: {}", site.content.cases.len());
    let median = |v: &[f64]| v[v.len() / 2];
    println!(
        "search::build wall ms: {times:.0?} (median {:.0})",
        median(&times)
    );
    println!(
        "search::build CPU ms: {cpu:.0?} (median {:.0})",
        median(&cpu)
    );
    println!(
        "memory: {} MB resident with the site loaded, peak {} MB while building the index",
        rss_before / 1024,
        status_kb("VmHWM") / 1024
    );
    let mut kinds: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    for file in &index.files {
        let name = file.path.rsplit('/').next().unwrap_or_default();
        let kind: String = name
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        let entry = kinds.entry(kind).or_default();
        let len = file.bytes.len();
        entry.0 += 1;
        entry.1 += len;
        entry.2 += len.div_ceil(4096).max(1) * 4096;
    }
    let total = kinds
        .values()
        .fold((0, 0, 0), |a, k| (a.0 + k.0, a.1 + k.1, a.2 + k.2));
    for (kind, (files, bytes, blocks)) in kinds.iter().chain([(&"all".to_string(), &total)]) {
        println!(
            "{kind:>6}: {files:>6} files {:>8.2} MB bytes {:>8.2} MB in 4 kB blocks",
            *bytes as f64 / 1e6,
            *blocks as f64 / 1e6
        );
    }
}
