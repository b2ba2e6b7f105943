//! `alloy run`: checks the config, then hands it to the runtime
//! (`alloy_runtime::process`), which serves HTTP, loads the graph and runs
//! until SIGTERM or SIGINT.
//!
//! A config that does not check clean never starts: its diagnostics are
//! printed in upstream's format, followed by upstream's "could not perform
//! the initial load successfully", and the exit status is 1.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use alloy_analysis::catalogue::Stability;
use alloy_analysis::Severity;
use alloy_runtime::component::Registry;
use alloy_runtime::controller::Source;
use alloy_runtime::process::{self, preflight, RunOptions};
use clap::Args;

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The config file, or a directory whose top-level `*.alloy` files make
    /// one config.
    #[arg(value_name = "PATH")]
    path: String,
    /// Address to listen for HTTP traffic on.
    #[arg(
        long = "server.http.listen-addr",
        default_value = "127.0.0.1:12345",
        value_name = "ADDR"
    )]
    listen_addr: String,
    /// Base directory where components can store data.
    #[arg(
        long = "storage.path",
        default_value = "data-alloy/",
        value_name = "DIR"
    )]
    storage_path: PathBuf,
    /// Minimum stability level of features to enable.
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
    /// How long each component may take to stop on shutdown or reload.
    #[arg(
        long = "feature.component-shutdown-deadline",
        default_value = "10m",
        value_name = "DURATION",
        value_parser = parse_duration
    )]
    shutdown_deadline: Duration,
    /// Close HTTP connections whose request headers take longer (not an
    /// upstream flag).
    #[arg(
        long = "server.http.read-header-timeout",
        default_value = "10s",
        value_name = "DURATION",
        value_parser = parse_duration
    )]
    read_header_timeout: Duration,
    /// Close HTTP connections idle this long (not an upstream flag).
    #[arg(
        long = "server.http.idle-timeout",
        default_value = "2m",
        value_name = "DURATION",
        value_parser = parse_duration
    )]
    idle_timeout: Duration,
    /// Format of the config (only `alloy` is supported).
    #[arg(long = "config.format", default_value = "alloy", value_name = "FORMAT")]
    config_format: String,
}

fn parse_stability(value: &str) -> Result<Stability, String> {
    value
        .parse()
        .map_err(|_| format!("invalid stability level {value:?}"))
}

fn parse_duration(value: &str) -> Result<Duration, String> {
    alloy_runtime::value::duration::parse_duration(value)
        .ok()
        .and_then(|d| d.to_std())
        .ok_or_else(|| format!("invalid duration {value:?}"))
}

pub fn run(args: RunArgs) -> ExitCode {
    if args.config_format != "alloy" {
        errln!(
            "Error: --config.format={} is not supported yet: only Alloy configurations can run",
            args.config_format
        );
        return ExitCode::FAILURE;
    }
    let source = match Source::read(&args.path) {
        Ok(source) => source,
        Err(error) => {
            errln!("Error: {error}");
            return ExitCode::FAILURE;
        }
    };
    let registry = Registry::with_builtin();
    let report = preflight::check(&source, &registry, args.stability, args.community);
    if report.has_errors() {
        print_report(&report, &registry);
        errln!("Error: could not perform the initial load successfully");
        return ExitCode::FAILURE;
    }
    let options = RunOptions {
        path: args.path,
        listen_addr: args.listen_addr,
        storage_path: args.storage_path,
        min_stability: args.stability,
        community_components: args.community,
        task_shutdown_deadline: args.shutdown_deadline,
        registry,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        http_timeouts: alloy_runtime::http::Timeouts {
            read_header: args.read_header_timeout,
            idle: args.idle_timeout,
        },
    };
    match process::run(options, source) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            errln!("Error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Upstream prints the diagnostics to stderr, then a newline to stdout.
fn print_report(report: &preflight::Report, registry: &Registry) {
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").as_deref() != Ok("dumb")
        && std::io::stdout().is_terminal();
    let errors: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .cloned()
        .collect();
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    if !errors.is_empty() {
        let _ = super::check::write_upstream_report(&mut err, &errors, &report.files, color);
        outln!();
    }
    for unimplemented in &report.unimplemented {
        let _ = writeln!(
            err,
            "Error: {}",
            preflight::unimplemented_text(unimplemented)
        );
    }
    if !report.unimplemented.is_empty() {
        let _ = writeln!(err, "{}", runnable_hint(registry));
    }
}

/// What the user can do about components this runtime cannot run: where
/// the runtime's scope is documented, and what does run.
fn runnable_hint(registry: &Registry) -> String {
    let names: Vec<&str> = registry.names().collect();
    format!(
        "Hint: this runtime runs these components: {}; docs/runtime.md (\"What runs\") lists \
         them with the blocks and arguments they honour. `alloy check` validates every \
         upstream component.",
        names.join(", ")
    )
}
