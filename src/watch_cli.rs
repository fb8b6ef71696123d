//! The `watch` and `serve` commands: one line per rebuild, diagnostics as `build` prints
//! them, live reload for `serve`, and a clean exit on Ctrl-C.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use casebook::serve::{ServeOptions, Server};
use casebook::watch::{Outcome, WatchOptions};

use super::{print_diagnostics, ServeArgs};

pub fn run_serve(args: &ServeArgs) -> ExitCode {
    let options = args.watch.options();
    let output = options
        .build
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    let serve = ServeOptions {
        bind: args.bind,
        port: args.port,
    };
    let server = match Server::start(&output, &serve) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.bind, args.port);
            return ExitCode::FAILURE;
        }
    };
    eprintln!("serving {} on {}", output.display(), server.url());
    if !server.addr().ip().is_loopback() {
        eprintln!("warning: other machines can reach this server");
    }
    run_watch(&options, args.watch.verbose, Some((&server, args.open)))
}

pub fn run_watch(
    options: &WatchOptions,
    verbose: bool,
    server: Option<(&Server, bool)>,
) -> ExitCode {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    if let Err(e) = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed)) {
        eprintln!("warning: cannot handle Ctrl-C: {e}");
    }
    let root = options.root.clone();
    let mut first = true;
    let result = casebook::watch::run(options, &stop, &mut |outcome| {
        print_outcome(&outcome, &root, first, verbose);
        if let Some((server, open)) = server {
            tell_browsers(server, &outcome, &root);
            if first && open {
                open_browser(&server.url());
            }
        }
        if first {
            eprintln!("watching {} for changes; Ctrl-C to stop", root.display());
            first = false;
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(problems) => {
            print_diagnostics(&problems, &root, false);
            ExitCode::FAILURE
        }
    }
}

fn print_outcome(outcome: &Outcome, root: &Path, first: bool, verbose: bool) {
    match outcome {
        Outcome::Built { changed, rebuild } => {
            if verbose {
                for (stage, time) in &rebuild.timings {
                    eprintln!("  {:>7.1} ms  {stage}", time.as_secs_f64() * 1000.0);
                }
            }
            if first {
                print_diagnostics(&rebuild.warnings, root, false);
            }
            let ms = rebuild.elapsed.as_millis();
            let written = rebuild.written.len();
            let pages = rebuild
                .written
                .iter()
                .filter(|p| p.ends_with(".html"))
                .count();
            let removed = rebuild.removed.len();
            let warnings = match rebuild.warnings.warning_count() {
                0 => String::new(),
                n => format!(", {n} warning{}", if n == 1 { "" } else { "s" }),
            };
            if rebuild.catch_up {
                eprintln!(
                    "caught up on deferred pages: {written} files written ({pages} pages) in {ms} ms"
                );
                return;
            }
            let verb = if first { "built" } else { "rebuilt" };
            eprintln!(
                "{verb} {}: {written} files written ({pages} pages), {removed} removed, {} cases in {ms} ms{warnings}",
                describe(changed, rebuild.full),
                rebuild.cases,
            );
        }
        Outcome::Failed { changed, problems } => {
            print_diagnostics(problems, root, false);
            eprintln!(
                "build failed {}: {}; the last good site stays in place",
                describe(changed, false),
                problems.summary()
            );
        }
    }
}

/// `after content/cases/001.md`, `after casebook.toml and 3 more (full)`.
fn describe(changed: &[PathBuf], full: bool) -> String {
    let full = if full { " (full)" } else { "" };
    match changed {
        [] => format!("everything{full}"),
        [one] => format!("after {}{full}", one.display()),
        [one, rest @ ..] => format!("after {} and {} more{full}", one.display(), rest.len()),
    }
}

fn tell_browsers(server: &Server, outcome: &Outcome, root: &Path) {
    match outcome {
        Outcome::Built { rebuild, .. } => server.live().built(&rebuild.written),
        Outcome::Failed { problems, .. } => {
            server
                .live()
                .failed(&casebook::report::render(problems, root, false));
        }
    }
}

/// Opens `url` in the default browser; failing to is only a warning.
fn open_browser(url: &str) {
    let command = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = command {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}
