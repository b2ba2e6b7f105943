//! `alloy check` and its upstream-compatible alias `alloy validate`:
//! load each path as one config, run the analyser, print the report.

mod human;
pub(super) mod load;
mod machine;
mod upstream;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use alloy_analysis::catalogue::Stability;
use alloy_analysis::{AnalysisHost, Code, Diagnostic, Severity};
use clap::{Args, ValueEnum};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Annotated source snippets (ariadne).
    Human,
    /// Exactly upstream `alloy validate`'s report.
    Upstream,
    /// One JSON array on standard output.
    Json,
    /// GitHub Actions workflow commands.
    Github,
    /// SARIF 2.1.0.
    Sarif,
}

/// Which checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Checks {
    /// Every check.
    All,
    /// Only what upstream `alloy validate` reports.
    Upstream,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or directories to check; a directory is one config (its
    /// `*.alloy` files, not recursive). `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<String>,
    #[command(flatten)]
    common: CommonArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Which checks to run (default: `upstream` with `--format=upstream`,
    /// else `all`).
    #[arg(long, value_enum)]
    checks: Option<Checks>,
    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The file or directory to validate.
    #[arg(value_name = "PATH")]
    path: String,
    #[command(flatten)]
    common: CommonArgs,
    /// Format of the configuration (only `alloy` is supported).
    #[arg(long = "config.format", default_value = "alloy", value_name = "FORMAT")]
    config_format: String,
    /// Accepted for compatibility with upstream; only matters for converted
    /// formats.
    #[arg(long = "config.bypass-conversion-errors")]
    bypass_conversion_errors: bool,
    /// Accepted for compatibility with upstream; only matters for converted
    /// formats.
    #[arg(long = "config.extra-args", default_value = "", value_name = "ARGS")]
    extra_args: String,
    /// Output format (default: upstream's report).
    #[arg(long, value_enum, default_value_t = Format::Upstream)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Minimum stability level of features that may be used.
    #[arg(
        long = "stability.level",
        default_value = "generally-available",
        value_name = "LEVEL",
        value_parser = parse_stability
    )]
    stability: Stability,
    /// Enable community components.
    #[arg(long = "feature.community-components.enabled")]
    community: bool,
    /// Colour the output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

fn parse_stability(value: &str) -> Result<Stability, String> {
    value
        .parse()
        .map_err(|_| format!("invalid stability level {value:?}"))
}

/// Exit code for usage and I/O errors.
const USAGE: u8 = 2;

pub fn run_check(args: CheckArgs) -> ExitCode {
    // One shot: build, report, exit (see `crate::alloc`).
    crate::alloc::use_arena();
    alloy_analysis::timings::start();
    let checks = args.checks.unwrap_or(match args.format {
        Format::Upstream => Checks::Upstream,
        _ => Checks::All,
    });
    let color = use_color(args.common.color, args.format);
    let result = analyse(&args.paths, &args.common, checks, true);
    let (report, sources) = match result {
        Ok(r) => r,
        Err(message) => {
            errln!("Error: {message}");
            return ExitCode::FAILURE;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = write_report(&mut out, args.format, &report, &sources, color);
    match written.and_then(|_| out.flush()) {
        // A reader such as `head` stopped early: not our failure.
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(err) => {
            errln!("Error: writing the report: {err}");
            return ExitCode::from(USAGE);
        }
        Ok(()) => {}
    }
    let failed = report.iter().any(|d| {
        d.severity == Severity::Error || (args.deny_warnings && d.severity == Severity::Warning)
    });
    // Trees are slow to free and the process is about to exit.
    std::mem::forget(sources);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

pub fn run_validate(args: ValidateArgs) -> ExitCode {
    crate::alloc::use_arena();
    if args.config_format != "alloy" {
        let known = ["otelcol", "prometheus", "promtail", "static"];
        if known.contains(&args.config_format.as_str()) {
            errln!(
                "Error: --config.format={} is not supported yet: only Alloy configurations can be \
                 validated; convert the file with upstream `alloy convert` first",
                args.config_format
            );
        } else {
            errln!("Error: unknown --config.format {:?}", args.config_format);
        }
        return ExitCode::from(USAGE);
    }
    let _ = (&args.bypass_conversion_errors, &args.extra_args);
    let checks = match args.format {
        Format::Upstream => Checks::Upstream,
        _ => Checks::All,
    };
    let color = use_color(args.common.color, args.format);
    let (report, sources) = match analyse(
        std::slice::from_ref(&args.path),
        &args.common,
        checks,
        false,
    ) {
        Ok(r) => r,
        Err(message) => {
            errln!("Error: {message}");
            return ExitCode::FAILURE;
        }
    };
    if report.is_empty() {
        return ExitCode::SUCCESS;
    }
    // A file upstream's `EnsureUTF8` refuses is not a diagnostic there: the
    // first one ends loading, and validate prints the bare error, with no
    // newline, before its own.
    let refused = report.iter().find(|d| d.code == Code::Encoding);
    if let (Format::Upstream, Some(d)) = (args.format, refused) {
        errp!("validation failed: {}", d.message);
        errln!("Error: validation failed");
        return ExitCode::FAILURE;
    }
    // Upstream writes the report to stderr, a bare newline to stdout, then
    // fails with "validation failed"; any diagnostic fails, warnings too.
    if args.format == Format::Upstream {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        let _ = upstream::write(&mut err, &report, &sources, color);
        outln!();
        let _ = writeln!(err, "Error: validation failed");
    } else {
        let stdout = std::io::stdout();
        let mut out = stdout.lock();
        let _ = write_report(&mut out, args.format, &report, &sources, color);
    }
    ExitCode::FAILURE
}

fn use_color(choice: ColorChoice, format: Format) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            matches!(format, Format::Human | Format::Upstream)
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var("TERM").as_deref() != Ok("dumb")
                && std::io::stdout().is_terminal()
        }
    }
}

/// The files' texts, for printing source context.
pub struct Sources {
    /// Path, bytes (shared with the database: a large config is not
    /// copied) and the database's tree.
    files: Vec<(String, std::sync::Arc<[u8]>, Option<alloy_syntax::Parse>)>,
    /// Line indexes, built on first use (building one walks the file).
    indexes: std::cell::RefCell<Vec<(String, std::rc::Rc<alloy_syntax::LineIndex>)>>,
}

impl Sources {
    pub fn line_index(&self, path: &str) -> Option<std::rc::Rc<alloy_syntax::LineIndex>> {
        if let Some((_, index)) = self.indexes.borrow().iter().find(|(p, _)| p == path) {
            return Some(index.clone());
        }
        let (_, parse) = self.get(path)?;
        let index = std::rc::Rc::new(parse.line_index());
        self.indexes
            .borrow_mut()
            .push((path.to_owned(), index.clone()));
        Some(index)
    }

    pub fn paths(&self) -> impl Iterator<Item = (&str, &alloy_syntax::Parse)> {
        self.files
            .iter()
            .filter_map(|(p, _, parse)| Some((p.as_str(), parse.as_ref()?)))
    }

    pub fn get(&self, path: &str) -> Option<(&[u8], &alloy_syntax::Parse)> {
        self.files
            .iter()
            .find(|(p, _, _)| p == path)
            .and_then(|(_, bytes, parse)| Some((&**bytes, parse.as_ref()?)))
    }
}

/// Loads every path as a config and returns all diagnostics, config after
/// config. With `require_files`, a directory without any `*.alloy` file is
/// an error naming the subdirectories that were not searched (upstream's
/// `validate` accepts it silently).
fn analyse(
    paths: &[String],
    common: &CommonArgs,
    checks: Checks,
    require_files: bool,
) -> Result<(Vec<Diagnostic>, Sources), String> {
    let mut host = AnalysisHost::new();
    host.set_settings(common.stability, common.community);
    let mut sources = Sources {
        files: Vec::new(),
        indexes: Default::default(),
    };
    let mut inputs = Vec::new();
    for path in paths {
        let loaded = load::config_files(path)?;
        if require_files && loaded.files.is_empty() {
            return Err(nothing_checked(path, &loaded.skipped_dirs));
        }
        inputs.push(loaded.files);
    }
    alloy_analysis::timings::mark(format_args!("loaded"));
    let mut report = Vec::new();
    // One config after the other: a file belongs to one config at a time
    // (see `AnalysisHost::new_config`), and two paths may share files.
    for config_inputs in inputs {
        let mut files = Vec::new();
        let first = sources.files.len();
        for input in config_inputs {
            let bytes: std::sync::Arc<[u8]> = input.bytes.into();
            files.push(host.set_file(&input.name, std::sync::Arc::clone(&bytes)));
            sources.files.push((input.name, bytes, None));
        }
        let config = host.new_config(files);
        let analysis = host.analysis();
        // The database parses every file; reuse its trees for printing.
        // A file upstream refuses to decode is never parsed (random bytes
        // would make a huge tree of errors for one message).
        for (name, bytes, parse) in &mut sources.files[first..] {
            if alloy_analysis::encoding::ensure_utf8(bytes).is_err() {
                continue;
            }
            if let Some(file) = host.file(name) {
                *parse = analysis.parse(file).ok();
            }
        }
        alloy_analysis::timings::mark(format_args!("parsed"));
        let diagnostics = analysis
            .diagnostics(config)
            .map_err(|err| format!("analysis was cancelled: {err}"))?;
        report.extend(
            diagnostics
                .into_iter()
                .filter(|d| checks == Checks::All || d.upstream),
        );
    }
    // Freeing a large database takes longer than checking it; the process
    // is about to exit, so let the operating system reclaim it.
    std::mem::forget(host);
    Ok((report, sources))
}

/// The error for a directory argument with no `*.alloy` file in it.
fn nothing_checked(path: &str, skipped_dirs: &[String]) -> String {
    let mut message = format!("nothing was checked: {path} holds no *.alloy file");
    if !skipped_dirs.is_empty() {
        message.push_str(&format!(
            "; subdirectories are not searched (a directory is one config), skipped: {}",
            skipped_dirs.join(", ")
        ));
    }
    message
}

/// Writes diagnostics in upstream's report format for files given as
/// (path, bytes); `alloy run` prints its first load's check with it.
pub(crate) fn write_upstream_report(
    out: &mut dyn Write,
    report: &[Diagnostic],
    files: &[(String, Vec<u8>)],
    color: bool,
) -> std::io::Result<()> {
    let sources = Sources {
        files: files
            .iter()
            .map(|(path, bytes)| {
                let parse = alloy_syntax::parse_file(bytes);
                (path.clone(), bytes.as_slice().into(), Some(parse))
            })
            .collect(),
        indexes: Default::default(),
    };
    upstream::write(out, report, &sources, color)
}

fn write_report(
    out: &mut dyn Write,
    format: Format,
    report: &[Diagnostic],
    sources: &Sources,
    color: bool,
) -> std::io::Result<()> {
    match format {
        Format::Upstream => upstream::write(out, report, sources, color),
        Format::Human => human::write(out, report, sources, color),
        Format::Json => machine::json(out, report, sources),
        Format::Github => machine::github(out, report, sources),
        Format::Sarif => machine::sarif(out, report, sources),
    }
}
