//! The process-level metrics upstream serves besides the controller's:
//! `alloy_build_info`, upstream's `alloy_resources_*` collector and the
//! standard `process_*` collector of client_golang.
//!
//! Values come from `/proc` (Linux). Elsewhere the resource and process
//! families are simply absent, as client_golang's are on platforms it does
//! not support. Times in `/proc/self/stat` are in `USER_HZ` ticks, which
//! the kernel fixes at 100 for user space on every architecture Linux
//! supports today.

use std::sync::Arc;

use crate::{Collector, MetricFamily, MetricKind, Registry};

const USER_HZ: f64 = 100.0;

/// Registers the build, resource and process collectors on `registry`.
pub fn register(registry: &Registry, version: &str) {
    let build = build_info(version);
    registry.register_collector(Arc::new(move || vec![build.clone()]));
    registry.register_collector(Arc::new(ProcessCollector));
}

/// `alloy_build_info`: the label set of client_golang's version collector.
/// `goversion` carries the Rust compiler version, `goos`/`goarch` use Go's
/// names for the platform.
pub fn build_info(version: &str) -> MetricFamily {
    let version = if version.starts_with('v') {
        version.to_owned()
    } else {
        format!("v{version}")
    };
    let goarch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64",
        other => other,
    };
    MetricFamily::new(
        "alloy_build_info",
        "A metric with a constant '1' value labeled by version, revision, branch, goversion \
         from which alloy was built, and the goos and goarch for the build.",
        MetricKind::Gauge,
    )
    .with(
        &[
            ("branch", option_env!("ALLOY_BUILD_BRANCH").unwrap_or("")),
            ("goarch", goarch),
            ("goos", std::env::consts::OS),
            (
                "goversion",
                option_env!("ALLOY_RUSTC_VERSION").unwrap_or("rust"),
            ),
            (
                "revision",
                option_env!("ALLOY_BUILD_REVISION").unwrap_or(""),
            ),
            ("tags", ""),
            ("version", &version),
        ],
        1.0,
    )
}

struct ProcessCollector;

impl Collector for ProcessCollector {
    fn collect(&self) -> Vec<MetricFamily> {
        let Some(stats) = ProcStats::read() else {
            return Vec::new();
        };
        let gauge = |name: &str, help: &str, v: f64| {
            MetricFamily::new(name, help, MetricKind::Gauge).with(&[], v)
        };
        let counter = |name: &str, help: &str, v: f64| {
            MetricFamily::new(name, help, MetricKind::Counter).with(&[], v)
        };
        let cpu_help = "Total user and system CPU time spent in seconds.";
        let mut out = vec![
            gauge(
                "alloy_resources_process_start_time_seconds",
                "Start time of the process since Unix epoch in seconds.",
                stats.start_time.trunc(),
            ),
            counter(
                "alloy_resources_process_cpu_seconds_total",
                cpu_help,
                stats.cpu,
            ),
            gauge(
                "alloy_resources_process_resident_memory_bytes",
                "Current resident memory size in bytes.",
                stats.rss,
            ),
            gauge(
                "alloy_resources_process_virtual_memory_bytes",
                "Current virtual memory size in bytes.",
                stats.vsize,
            ),
            counter("process_cpu_seconds_total", cpu_help, stats.cpu),
            gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                stats.rss,
            ),
            gauge(
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
                stats.start_time,
            ),
            gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                stats.vsize,
            ),
        ];
        if let Some((rx, tx)) = stats.net {
            out.push(counter(
                "alloy_resources_machine_rx_bytes_total",
                "Total bytes, host-wide, received across all network interfaces.",
                rx,
            ));
            out.push(counter(
                "alloy_resources_machine_tx_bytes_total",
                "Total bytes, host-wide, sent across all given network interface.",
                tx,
            ));
            out.push(counter(
                "process_network_receive_bytes_total",
                "Number of bytes received by the process over the network.",
                rx,
            ));
            out.push(counter(
                "process_network_transmit_bytes_total",
                "Number of bytes sent by the process over the network.",
                tx,
            ));
        }
        if let Some(open) = stats.open_fds {
            out.push(gauge(
                "process_open_fds",
                "Number of open file descriptors.",
                open,
            ));
        }
        if let Some(max) = stats.max_fds {
            out.push(gauge(
                "process_max_fds",
                "Maximum number of open file descriptors.",
                max,
            ));
        }
        if let Some(max) = stats.max_vsize {
            out.push(gauge(
                "process_virtual_memory_max_bytes",
                "Maximum amount of virtual memory available in bytes.",
                max,
            ));
        }
        out
    }
}

/// What `/proc` says about this process.
struct ProcStats {
    start_time: f64,
    cpu: f64,
    rss: f64,
    vsize: f64,
    net: Option<(f64, f64)>,
    open_fds: Option<f64>,
    max_fds: Option<f64>,
    max_vsize: Option<f64>,
}

impl ProcStats {
    fn read() -> Option<ProcStats> {
        let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The command name is in parentheses and may contain spaces; the
        // fields we want follow the last ')'.
        let after = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // Field numbers from proc(5), minus 3 for pid, comm and state.
        let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<f64>().ok());
        let utime = field(14)?;
        let stime = field(15)?;
        let start_ticks = field(22)?;
        let vsize = field(23)?;
        let boot_time = std::fs::read_to_string("/proc/stat")
            .ok()?
            .lines()
            .find_map(|l| l.strip_prefix("btime "))
            .and_then(|v| v.trim().parse::<f64>().ok())?;
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let rss_kb = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
        let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        Some(ProcStats {
            start_time: boot_time + start_ticks / USER_HZ,
            cpu: (utime + stime) / USER_HZ,
            rss: rss_kb * 1024.0,
            vsize,
            net: net_totals(),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|d| d.count() as f64),
            max_fds: soft_limit(&limits, "Max open files"),
            max_vsize: soft_limit(&limits, "Max address space"),
        })
    }
}

/// Received and sent bytes summed over every interface of `/proc/net/dev`.
fn net_totals() -> Option<(f64, f64)> {
    let text = std::fs::read_to_string("/proc/net/dev").ok()?;
    let mut rx = 0.0;
    let mut tx = 0.0;
    for line in text.lines().skip(2) {
        let Some((_, counters)) = line.split_once(':') else {
            continue;
        };
        let fields: Vec<f64> = counters
            .split_whitespace()
            .filter_map(|f| f.parse().ok())
            .collect();
        if fields.len() >= 9 {
            rx += fields[0];
            tx += fields[8];
        }
    }
    Some((rx, tx))
}

/// The soft limit of a `/proc/self/limits` row; "unlimited" is the largest
/// value, as client_golang reports it.
fn soft_limit(limits: &str, row: &str) -> Option<f64> {
    let line = limits.lines().find(|l| l.starts_with(row))?;
    let soft = line[row.len()..].split_whitespace().next()?;
    if soft == "unlimited" {
        Some(u64::MAX as f64)
    } else {
        soft.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_info_has_upstreams_labels() {
        let family = build_info("0.1.0");
        let labels: Vec<&str> = family.metrics[0]
            .labels
            .iter()
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(
            labels,
            [
                "branch",
                "goarch",
                "goos",
                "goversion",
                "revision",
                "tags",
                "version"
            ]
        );
        assert!(family.metrics[0]
            .labels
            .contains(&("version".to_owned(), "v0.1.0".to_owned())));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn process_metrics_are_read_from_proc() {
        let names: Vec<String> = ProcessCollector
            .collect()
            .into_iter()
            .map(|f| f.name)
            .collect();
        for expected in [
            "alloy_resources_process_cpu_seconds_total",
            "alloy_resources_process_resident_memory_bytes",
            "alloy_resources_process_start_time_seconds",
            "process_open_fds",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} in {names:?}"
            );
        }
    }
}
