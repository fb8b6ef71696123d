//! The `casebook` command line: parse arguments, call the library, print diagnostics, set
//! the exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use casebook::{BuildOptions, BuildReport, Diagnostics};

mod watch_cli;

/// Rendering allocates and frees millions of short strings across threads; mimalloc does
/// that markedly faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// With transparent huge pages on (`always`, common on servers and CI machines), the kernel
/// zeroes 2 MiB for each fresh region the allocator touches: a 10,000-case build spent a
/// quarter of its time there (perf: `clear_page_erms` under `do_huge_pmd_anonymous_page`). A
/// build's allocations are many and short-lived, so this process opts out.
#[cfg(target_os = "linux")]
fn disable_transparent_huge_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes plain integers and touches no memory of ours; failure
    // (an old kernel) only leaves the setting as it was.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn disable_transparent_huge_pages() {}

/// `mi_option_purge_delay` in the `mi_option_t` of mimalloc 3, which libmimalloc-sys builds
/// (checked by a test below).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    #[cfg(test)]
    fn mi_option_get(option: std::ffi::c_int) -> std::ffi::c_long;
}

/// From here on the heap keeps what it frees. mimalloc returns freed memory to the system a
/// second after a free (`madvise`, with a TLB flush on every core):
/// - watch mode keeps its heap from save to save: a save after the catch-up of the one before
///   paid for the catch-up's frees and faulted the same pages in again, at 10,000 cases most
///   of a title edit's model step (35 ms; 5 ms without). The heap stays at the size of the
///   largest rebuild;
/// - every command, once its work is done: at exit mimalloc returned all of the heap
///   (`mi_process_done`), 20 ms at the end of a 10,000-case build with both threads done
///   (`perf`), for pages the system takes back anyway. Set at the start of a build instead,
///   it raised the peak RSS of 100,000 cases from 2.82 to 2.95 GB, freed memory no longer
///   going back between the stages.
fn keep_freed_memory() {
    // SAFETY: mi_option_set takes plain integers; an option set after start-up is read at
    // the next purge.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

#[derive(Parser)]
#[command(name = "casebook", version, about = "Build static sites from case collections", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the site into the output folder (default: public/)
    Build(BuildArgs),
    /// Validate everything and write nothing (the CI gate)
    Check(BuildArgs),
    /// Build, then rebuild incrementally on every change
    Watch(WatchArgs),
    /// Watch and serve the site on a local port, with live reload
    Serve(ServeArgs),
    /// Build the site into one zip that works offline after unzipping anywhere
    Bundle(BundleArgs),
    /// Create a new site in DIR
    Init { dir: PathBuf },
    /// Add a case with the next free id
    New {
        title: String,
        #[arg(long)]
        region: String,
        #[arg(long)]
        department: String,
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
    /// Print the JSON Schema of case front matter (for YAML language servers)
    Schema,
    /// Split a plain-text collection into one Markdown file per case
    Import {
        file: PathBuf,
        /// Where the case files go
        #[arg(long, default_value = "content/cases")]
        out: PathBuf,
        /// Regex for case headings, with named groups `id` and `title`
        #[arg(long)]
        pattern: Option<String>,
        /// Overwrite existing files
        #[arg(long)]
        force: bool,
        /// Site folder whose casebook.toml lists known regions and units
        #[arg(long, default_value = ".")]
        root: PathBuf,
    },
}

#[derive(Args)]
struct BuildArgs {
    /// Site folder
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Output folder (default: public/ in the site folder)
    #[arg(long)]
    output: Option<PathBuf>,
    /// Overrides base_url from casebook.toml
    #[arg(long)]
    base_url: Option<String>,
    /// Include drafts
    #[arg(long)]
    drafts: bool,
    /// Print only errors
    #[arg(long, short, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print how long each stage took
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
struct WatchArgs {
    /// Site folder
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// Output folder (default: public/ in the site folder)
    #[arg(long)]
    output: Option<PathBuf>,
    /// Poll for changes (for file systems without change events)
    #[arg(long)]
    poll: bool,
    /// Include drafts
    #[arg(long)]
    drafts: bool,
    /// Print how long each stage of every rebuild took
    #[arg(long)]
    verbose: bool,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    watch: WatchArgs,
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 1111)]
    port: u16,
    /// Address to listen on; other machines can connect only if this is not a loopback
    #[arg(long, default_value = "127.0.0.1")]
    bind: std::net::IpAddr,
    /// Open the site in a browser
    #[arg(long)]
    open: bool,
}

#[derive(Args)]
struct BundleArgs {
    /// Site folder
    #[arg(long, default_value = ".")]
    root: PathBuf,
    /// The zip to write (default: casebook-site.zip in the site folder)
    #[arg(long)]
    output: Option<PathBuf>,
    /// Include drafts
    #[arg(long)]
    drafts: bool,
    /// Print only errors
    #[arg(long, short)]
    quiet: bool,
}

impl BuildArgs {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            output: self.output.clone(),
            base_url: self.base_url.clone(),
            drafts: self.drafts,
            progress: None,
        }
    }
}

fn main() -> ExitCode {
    disable_transparent_huge_pages();
    let cli = Cli::parse();
    let code = run(cli.command);
    keep_freed_memory();
    code
}

/// Runs one command; its exit code.
fn run(command: Command) -> ExitCode {
    match command {
        Command::Build(args) => run_build(&args, false),
        Command::Check(args) => run_build(&args, true),
        Command::Watch(args) => {
            keep_freed_memory();
            watch_cli::run_watch(&args.options(), args.verbose, None)
        }
        Command::Serve(args) => {
            keep_freed_memory();
            watch_cli::run_serve(&args)
        }
        Command::Bundle(args) => run_bundle(&args),
        Command::Init { dir } => finish(
            casebook::scaffold::init(&dir).map(|files| {
                for f in files {
                    println!("created {}", f.display());
                }
            }),
            &dir,
        ),
        Command::New {
            title,
            region,
            department,
            root,
        } => {
            let result = casebook::scaffold::new_case(&root, &title, &region, &department);
            finish(
                result.map(|path| println!("created {}", path.display())),
                &root,
            )
        }
        Command::Schema => {
            println!("{}", casebook::content::case::json_schema());
            ExitCode::SUCCESS
        }
        Command::Import {
            file,
            out,
            pattern,
            force,
            root,
        } => run_import(file, out, pattern, force, &root),
    }
}

impl WatchArgs {
    fn options(&self) -> casebook::watch::WatchOptions {
        casebook::watch::WatchOptions {
            root: self.root.clone(),
            build: BuildOptions {
                output: self.output.clone(),
                base_url: None,
                drafts: self.drafts,
                progress: None,
            },
            poll: self.poll,
        }
    }
}

fn run_build(args: &BuildArgs, check_only: bool) -> ExitCode {
    let mut options = args.options();
    let progress = Progress::start(args.quiet);
    options.progress = Some(progress.count.clone());
    let result = if check_only {
        casebook::check(&args.root, &options)
    } else {
        casebook::build(&args.root, &options)
    };
    progress.finish();
    match result {
        Ok(report) => {
            print_diagnostics(&report.warnings, &args.root, args.quiet);
            if args.verbose {
                for (stage, time) in &report.timings {
                    eprintln!("  {:>7.1} ms  {stage}", time.as_secs_f64() * 1000.0);
                }
            }
            if !args.quiet {
                eprintln!("{}", summary(&report, check_only));
                if let Some(max) = report.print_limit_passed {
                    eprintln!(
                        "note: no print.html: {} cases is more than print_max_cases ({max}); \
                         raise it in casebook.toml to make the page anyway",
                        report.cases
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            print_diagnostics(&problems, &args.root, false);
            eprintln!("build failed: {}", problems.summary());
            ExitCode::FAILURE
        }
    }
}

fn run_bundle(args: &BundleArgs) -> ExitCode {
    let target = args
        .output
        .clone()
        .unwrap_or_else(|| args.root.join(casebook::bundle::DEFAULT_BUNDLE));
    let options = BuildOptions {
        drafts: args.drafts,
        ..Default::default()
    };
    let progress = Progress::start(args.quiet);
    let options = BuildOptions {
        progress: Some(progress.count.clone()),
        ..options
    };
    let result = casebook::bundle(&args.root, &options, &target);
    progress.finish();
    match result {
        Ok(report) => {
            print_diagnostics(&report.warnings, &args.root, args.quiet);
            if !args.quiet {
                eprintln!(
                    "bundled {} cases, {} pages ({} files) into {} in {} ms",
                    report.cases,
                    report.pages,
                    report.files,
                    target.display(),
                    report.elapsed.as_millis()
                );
            }
            ExitCode::SUCCESS
        }
        Err(problems) => {
            print_diagnostics(&problems, &args.root, false);
            eprintln!("bundle failed: {}", problems.summary());
            ExitCode::FAILURE
        }
    }
}

fn summary(report: &BuildReport, check_only: bool) -> String {
    let ms = report.elapsed.as_millis();
    let warnings = match report.warnings.warning_count() {
        0 => String::new(),
        n => format!(", {n} warning{}", if n == 1 { "" } else { "s" }),
    };
    if check_only {
        format!(
            "checked {} cases, {} pages in {ms} ms{warnings}: no errors",
            report.cases, report.pages
        )
    } else {
        let written = match report.written {
            n if n == report.files => String::new(),
            n => format!(", {n} changed"),
        };
        format!(
            "built {} cases, {} pages ({} files{written}) into {} in {ms} ms{warnings}",
            report.cases,
            report.pages,
            report.files,
            report.output.display()
        )
    }
}

/// A spinner on a terminal for long builds; hidden when stderr is not a terminal (CI).
/// The files-rendered count of a running build, shown on a terminal once the build has taken
/// a second (quick builds print nothing extra; CI, without a terminal, never sees it).
struct Progress {
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    done: std::sync::mpsc::Sender<()>,
    shown: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(quiet: bool) -> Progress {
        use std::sync::atomic::Ordering;
        use std::time::Duration;
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (done, finished) = std::sync::mpsc::channel::<()>();
        let shown = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let count = count.clone();
            std::thread::spawn(move || {
                if finished.recv_timeout(Duration::from_secs(1)).is_ok() {
                    return;
                }
                let bar = indicatif::ProgressBar::new_spinner();
                bar.enable_steady_tick(Duration::from_millis(120));
                while finished.recv_timeout(Duration::from_millis(100)).is_err() {
                    bar.set_message(match count.load(Ordering::Relaxed) {
                        0 => "reading and checking content…".to_string(),
                        files => format!("rendering… {files} files written"),
                    });
                }
                bar.finish_and_clear();
            })
        });
        Progress { count, done, shown }
    }

    fn finish(self) {
        let _ = self.done.send(());
        if let Some(shown) = self.shown {
            let _ = shown.join();
        }
    }
}

fn print_diagnostics(diagnostics: &Diagnostics, root: &Path, quiet: bool) {
    let shown: Diagnostics = if quiet {
        Diagnostics(
            diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect(),
        )
    } else {
        diagnostics.clone()
    };
    if shown.is_empty() {
        return;
    }
    let fancy = std::io::stderr().is_terminal();
    eprint!("{}", casebook::report::render(&shown, root, fancy));
}

fn finish(result: Result<(), Diagnostics>, root: &Path) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            print_diagnostics(&problems, root, false);
            ExitCode::FAILURE
        }
    }
}

fn run_import(
    file: PathBuf,
    out: PathBuf,
    pattern: Option<String>,
    force: bool,
    root: &Path,
) -> ExitCode {
    let known = match casebook::Config::load(root) {
        Ok(config) => config.raw.import,
        Err(_) => Default::default(),
    };
    let out_dir = if out.is_absolute() {
        out
    } else {
        root.join(out)
    };
    let intro_out = out_dir.parent().map(|p| p.join("_index.md"));
    let options = casebook::import::ImportOptions {
        source: file,
        out_dir,
        intro_out,
        pattern,
        force,
        known,
    };
    finish(
        casebook::import::run(&options).map(|report| {
            for line in report.lines() {
                println!("{line}");
            }
        }),
        root,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: as in `keep_freed_memory`.
        let (before, numa) = unsafe { (mi_option_get(MI_OPTION_PURGE_DELAY), mi_option_get(16)) };
        // mimalloc 3's defaults (src/options.c): purge_delay 1000 ms, then use_numa_nodes 0.
        assert_eq!((before, numa), (1000, 0));
        keep_freed_memory();
        assert_eq!(unsafe { mi_option_get(MI_OPTION_PURGE_DELAY) }, -1);
    }
}
