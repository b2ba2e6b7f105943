//! Alloy arguments to `alloy-otelcol` configs.
//!
//! Defaults are Alloy's (the catalogue's and `runtime-facts.md` §3), which
//! the otelcol `Default` impls already carry; an argument is only read when
//! present. Arguments this runtime cannot honour (`auth`, PEM contents,
//! persistent queue `storage`, ...) are refused with an error rather than
//! ignored, so a config never silently runs with weaker settings than it
//! asks for.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use alloy_otelcol as otel;
use otel::processor::attributes::config::{
    ActionConfig, ActionKind, AttrValue, AttributeMatch, ConvertedType, LibraryMatch, LogSeverity,
    MatchConfig, MatchType,
};
use otel::{Consumer, Fanout, Outputs};

use super::{ConsumerCapsule, CONSUMER_TYPE};
use crate::component::{Arguments, ComponentError};
use crate::value::{HostCapsule, Number, Value};

type Result<T> = std::result::Result<T, ComponentError>;

fn err(message: impl Into<String>) -> ComponentError {
    ComponentError::new(message)
}

/// Refuses arguments this runtime does not implement, if set.
fn refuse(body: &Arguments, block: &str, names: &[&str]) -> Result<()> {
    for name in names {
        if body.attribute(name).is_some() {
            return Err(err(format!(
                "{block}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

/// Refuses nested blocks this runtime does not implement, if present.
fn refuse_blocks(body: &Arguments, block: &str, names: &[&str]) -> Result<()> {
    for name in names {
        if body.block(name).is_some() {
            return Err(err(format!(
                "block {block}{name} is not supported by this runtime yet"
            )));
        }
    }
    Ok(())
}

/// Go's `units.ParseBase2Bytes` for the sizes Alloy writes (`"4MiB"`,
/// `"512KiB"`, `"20MB"`, `"1024"`): KB and KiB are both 1024.
pub(super) fn parse_bytes(text: &str) -> Option<usize> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim() {
        "" | "B" => 1.0,
        "KB" | "KiB" => 1024.0,
        "MB" | "MiB" => 1024.0 * 1024.0,
        "GB" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && bytes >= 0.0 && bytes <= usize::MAX as f64).then_some(bytes as usize)
}

fn size(body: &Arguments, name: &str, default: usize) -> Result<usize> {
    match body.get::<String>(name)? {
        None => Ok(default),
        Some(text) => {
            parse_bytes(&text).ok_or_else(|| err(format!("invalid {name} {text:?}: not a size")))
        }
    }
}

fn optional_string(body: &Arguments, name: &str) -> Result<Option<String>> {
    Ok(body.get::<String>(name)?.filter(|s| !s.is_empty()))
}

fn optional_path(body: &Arguments, name: &str) -> Result<Option<PathBuf>> {
    Ok(optional_string(body, name)?.map(PathBuf::from))
}

/// The consumers of one `output` list.
fn fanout(body: &Arguments, signal: &str) -> Result<Fanout> {
    let capsules: Vec<HostCapsule> = body.get_or(signal, Vec::new())?;
    let consumers = capsules
        .iter()
        .map(|capsule| {
            capsule
                .downcast_arc::<ConsumerCapsule>()
                .map(|c| c.0.clone() as Arc<dyn Consumer>)
                .ok_or_else(|| {
                    err(format!(
                        "output.{signal}: expected {CONSUMER_TYPE}, got capsule({:?})",
                        capsule.type_name()
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Fanout::new(consumers))
}

fn outputs(args: &Arguments) -> Result<Outputs> {
    let Some(output) = args.block("output") else {
        return Err(err("missing required block \"output\""));
    };
    Ok(Outputs {
        traces: fanout(&output.body, "traces")?,
        metrics: fanout(&output.body, "metrics")?,
        logs: fanout(&output.body, "logs")?,
    })
}

fn server_tls(body: &Arguments, block: &str) -> Result<Option<otel::TlsServerConfig>> {
    let Some(tls) = body.block("tls") else {
        return Ok(None);
    };
    let prefix = format!("{block}tls.");
    refuse(
        &tls.body,
        &prefix,
        &[
            "ca_pem",
            "cert_pem",
            "key_pem",
            "ca_file",
            "min_version",
            "max_version",
            "cipher_suites",
            "curve_preferences",
        ],
    )?;
    let cert_file = optional_path(&tls.body, "cert_file")?
        .ok_or_else(|| err(format!("{prefix}cert_file is required")))?;
    let key_file = optional_path(&tls.body, "key_file")?
        .ok_or_else(|| err(format!("{prefix}key_file is required")))?;
    Ok(Some(otel::TlsServerConfig {
        cert_file,
        key_file,
        client_ca_file: optional_path(&tls.body, "client_ca_file")?,
    }))
}

fn client_tls(body: &Arguments, block: &str) -> Result<otel::TlsClientConfig> {
    let Some(tls) = body.block("tls") else {
        return Ok(otel::TlsClientConfig::default());
    };
    let prefix = format!("{block}tls.");
    refuse(
        &tls.body,
        &prefix,
        &[
            "ca_pem",
            "cert_pem",
            "key_pem",
            "min_version",
            "max_version",
            "cipher_suites",
            "curve_preferences",
        ],
    )?;
    Ok(otel::TlsClientConfig {
        insecure: tls.body.get_or("insecure", false)?,
        insecure_skip_verify: tls.body.get_or("insecure_skip_verify", false)?,
        ca_file: optional_path(&tls.body, "ca_file")?,
        cert_file: optional_path(&tls.body, "cert_file")?,
        key_file: optional_path(&tls.body, "key_file")?,
        server_name: optional_string(&tls.body, "server_name")?,
    })
}

/// `otelcol.receiver.otlp`.
pub(super) fn receiver(args: &Arguments) -> Result<(otel::OtlpReceiverConfig, Outputs)> {
    let grpc = match args.block("grpc") {
        None => None,
        Some(block) => {
            let body = &block.body;
            refuse(body, "grpc.", &["auth", "write_buffer_size"])?;
            refuse_blocks(body, "grpc.", &["keepalive"])?;
            let transport: String = body.get_or("transport", "tcp".to_owned())?;
            if transport != "tcp" {
                return Err(err(format!(
                    "grpc.transport {transport:?} is not supported by this runtime (only \"tcp\")"
                )));
            }
            let defaults = otel::GrpcServerConfig::default();
            Some(otel::GrpcServerConfig {
                endpoint: body.get_or("endpoint", defaults.endpoint.clone())?,
                max_recv_msg_size: size(body, "max_recv_msg_size", defaults.max_recv_msg_size)?,
                max_concurrent_streams: body.get("max_concurrent_streams")?,
                include_metadata: body.get_or("include_metadata", false)?,
                tls: server_tls(body, "grpc.")?,
                ..defaults
            })
        }
    };
    let http = match args.block("http") {
        None => None,
        Some(block) => {
            let body = &block.body;
            refuse(body, "http.", &["auth"])?;
            refuse_blocks(body, "http.", &["cors"])?;
            let defaults = otel::HttpServerConfig::default();
            Some(otel::HttpServerConfig {
                endpoint: body.get_or("endpoint", defaults.endpoint.clone())?,
                traces_url_path: body
                    .get_or("traces_url_path", defaults.traces_url_path.clone())?,
                metrics_url_path: body
                    .get_or("metrics_url_path", defaults.metrics_url_path.clone())?,
                logs_url_path: body.get_or("logs_url_path", defaults.logs_url_path.clone())?,
                max_request_body_size: size(
                    body,
                    "max_request_body_size",
                    defaults.max_request_body_size,
                )?,
                include_metadata: body.get_or("include_metadata", false)?,
                tls: server_tls(body, "http.")?,
                keep_alives_enabled: body.get_or("keep_alives_enabled", true)?,
                read_header_timeout: body
                    .get_or("read_header_timeout", defaults.read_header_timeout)?,
            })
        }
    };
    Ok((otel::OtlpReceiverConfig { grpc, http }, outputs(args)?))
}

/// `otelcol.processor.batch`.
pub(super) fn batch(args: &Arguments) -> Result<(otel::BatchConfig, Outputs)> {
    let d = otel::BatchConfig::default();
    let cfg = otel::BatchConfig {
        timeout: args.get_or("timeout", d.timeout)?,
        send_batch_size: args.get_or("send_batch_size", d.send_batch_size)?,
        send_batch_max_size: args.get_or("send_batch_max_size", d.send_batch_max_size)?,
        metadata_keys: args.get_or("metadata_keys", Vec::new())?,
        metadata_cardinality_limit: args
            .get_or("metadata_cardinality_limit", d.metadata_cardinality_limit)?,
    };
    Ok((cfg, outputs(args)?))
}

/// An attribute value from configuration (`value = ...`).
fn attr_value(value: &Value, what: &str) -> Result<AttrValue> {
    if let Some(s) = value.as_str() {
        return Ok(AttrValue::String(s.to_owned()));
    }
    if let Some(b) = value.as_bool() {
        return Ok(AttrValue::Bool(b));
    }
    if let Some(n) = value.as_number() {
        return Ok(match n {
            Number::Int(i) => AttrValue::Int(i),
            Number::Uint(u) => i64::try_from(u)
                .map(AttrValue::Int)
                .unwrap_or(AttrValue::Double(u as f64)),
            Number::Float(f) => AttrValue::Double(f),
        });
    }
    Err(err(format!(
        "{what}: unsupported value type {}",
        value.describe()
    )))
}

fn attribute_matches(body: &Arguments, name: &str) -> Result<Vec<AttributeMatch>> {
    body.blocks_named(name)
        .map(|b| {
            Ok(AttributeMatch {
                key: b.body.require("key")?,
                value: b
                    .body
                    .get::<Value>("value")?
                    .filter(|v| !v.is_null())
                    .map(|v| attr_value(&v, &format!("{name}.value")))
                    .transpose()?,
            })
        })
        .collect()
}

fn match_config(args: &Arguments, name: &str) -> Result<Option<MatchConfig>> {
    let Some(block) = args.block(name) else {
        return Ok(None);
    };
    let body = &block.body;
    refuse_blocks(body, &format!("{name}."), &["regexp"])?;
    let match_type: String = body.require("match_type")?;
    let match_type = match match_type.as_str() {
        "strict" => MatchType::Strict,
        "regexp" => MatchType::Regexp,
        other => return Err(err(format!("{name}.match_type: unsupported {other:?}"))),
    };
    let log_severity = match body.block("log_severity") {
        None => None,
        Some(b) => {
            let min: String = b.body.require("min")?;
            Some(LogSeverity {
                min: otel::processor::attributes::config::severity_number(&min).ok_or_else(
                    || err(format!("{name}.log_severity.min: unknown severity {min:?}")),
                )?,
                match_undefined: b.body.get_or("match_undefined", false)?,
            })
        }
    };
    Ok(Some(MatchConfig {
        match_type,
        services: body.get_or("services", Vec::new())?,
        span_names: body.get_or("span_names", Vec::new())?,
        span_kinds: body.get_or("span_kinds", Vec::new())?,
        log_bodies: body.get_or("log_bodies", Vec::new())?,
        log_severity_texts: body.get_or("log_severity_texts", Vec::new())?,
        log_severity,
        metric_names: body.get_or("metric_names", Vec::new())?,
        attributes: attribute_matches(body, "attribute")?,
        resources: attribute_matches(body, "resource")?,
        libraries: body
            .blocks_named("library")
            .map(|b| {
                Ok(LibraryMatch {
                    name: b.body.require("name")?,
                    version: optional_string(&b.body, "version")?,
                })
            })
            .collect::<Result<_>>()?,
    }))
}

/// `otelcol.processor.attributes`.
pub(super) fn attributes(args: &Arguments) -> Result<(otel::AttributesConfig, Outputs)> {
    let actions = args
        .blocks_named("action")
        .map(|b| {
            let body = &b.body;
            let action: String = body.require("action")?;
            let action: ActionKind = action.parse().map_err(err)?;
            let converted_type = optional_string(body, "converted_type")?
                .map(|t| t.parse::<ConvertedType>().map_err(err))
                .transpose()?;
            Ok(ActionConfig {
                key: body.get_or("key", String::new())?,
                action,
                value: body
                    .get::<Value>("value")?
                    .filter(|v| !v.is_null())
                    .map(|v| attr_value(&v, "action.value"))
                    .transpose()?,
                pattern: optional_string(body, "pattern")?,
                from_attribute: optional_string(body, "from_attribute")?,
                from_context: optional_string(body, "from_context")?,
                converted_type,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let cfg = otel::AttributesConfig {
        actions,
        include: match_config(args, "include")?,
        exclude: match_config(args, "exclude")?,
    };
    Ok((cfg, outputs(args)?))
}

fn compression(body: &Arguments) -> Result<otel::Compression> {
    let text: String = body.get_or("compression", "gzip".to_owned())?;
    match text.as_str() {
        "gzip" => Ok(otel::Compression::Gzip),
        "" | "none" => Ok(otel::Compression::None),
        other => Err(err(format!(
            "client.compression {other:?} is not supported by this runtime (gzip or none)"
        ))),
    }
}

fn headers(body: &Arguments) -> Result<Vec<(String, String)>> {
    let map: std::collections::BTreeMap<String, String> =
        body.get_or("headers", Default::default())?;
    Ok(map.into_iter().collect())
}

fn queue(args: &Arguments) -> Result<otel::QueueConfig> {
    let d = otel::QueueConfig::default();
    let Some(block) = args.block("sending_queue") else {
        return Ok(d);
    };
    let body = &block.body;
    refuse(body, "sending_queue.", &["storage"])?;
    refuse_blocks(body, "sending_queue.", &["batch"])?;
    let sizer: String = body.get_or("sizer", "requests".to_owned())?;
    if sizer != "requests" {
        return Err(err(format!(
            "sending_queue.sizer {sizer:?} is not supported by this runtime (only \"requests\")"
        )));
    }
    if body.get_or("wait_for_result", false)? {
        return Err(err(
            "sending_queue.wait_for_result is not supported by this runtime yet",
        ));
    }
    Ok(otel::QueueConfig {
        enabled: body.get_or("enabled", d.enabled)?,
        num_consumers: body.get_or("num_consumers", d.num_consumers)?,
        queue_size: body.get_or("queue_size", d.queue_size)?,
        block_on_overflow: body.get_or("block_on_overflow", d.block_on_overflow)?,
    })
}

fn retry(args: &Arguments) -> Result<otel::RetryConfig> {
    let d = otel::RetryConfig::default();
    let Some(block) = args.block("retry_on_failure") else {
        return Ok(d);
    };
    let body = &block.body;
    Ok(otel::RetryConfig {
        enabled: body.get_or("enabled", d.enabled)?,
        initial_interval: body.get_or("initial_interval", d.initial_interval)?,
        randomization_factor: body.get_or("randomization_factor", d.randomization_factor)?,
        multiplier: body.get_or("multiplier", d.multiplier)?,
        max_interval: body.get_or("max_interval", d.max_interval)?,
        max_elapsed_time: body.get_or("max_elapsed_time", d.max_elapsed_time)?,
    })
}

fn client(args: &Arguments) -> Result<&Arguments> {
    args.block("client")
        .map(|b| &b.body)
        .ok_or_else(|| err("missing required block \"client\""))
}

/// `otelcol.exporter.otlp`.
pub(super) fn exporter_grpc(args: &Arguments) -> Result<otel::OtlpGrpcConfig> {
    let client = client(args)?;
    refuse(
        client,
        "client.",
        &["auth", "authority", "read_buffer_size"],
    )?;
    refuse_blocks(client, "client.", &["keepalive"])?;
    let d = otel::OtlpGrpcConfig::default();
    Ok(otel::OtlpGrpcConfig {
        endpoint: client.require("endpoint")?,
        compression: compression(client)?,
        headers: headers(client)?,
        tls: client_tls(client, "client.")?,
        timeout: args.get_or("timeout", Duration::from_secs(5))?,
        sending_queue: queue(args)?,
        retry_on_failure: retry(args)?,
        ..d
    })
}

/// `otelcol.exporter.otlphttp`.
pub(super) fn exporter_http(args: &Arguments) -> Result<otel::OtlpHttpConfig> {
    let client = client(args)?;
    refuse(client, "client.", &["auth", "proxy_url"])?;
    refuse_blocks(client, "client.", &["cookies", "compression_params"])?;
    let encoding: String = args.get_or("encoding", "proto".to_owned())?;
    let encoding = match encoding.as_str() {
        "proto" => otel::HttpEncoding::Proto,
        "json" => otel::HttpEncoding::Json,
        other => {
            return Err(err(format!(
                "encoding {other:?} must be \"proto\" or \"json\""
            )))
        }
    };
    Ok(otel::OtlpHttpConfig {
        endpoint: client.require("endpoint")?,
        traces_endpoint: optional_string(args, "traces_endpoint")?,
        metrics_endpoint: optional_string(args, "metrics_endpoint")?,
        logs_endpoint: optional_string(args, "logs_endpoint")?,
        encoding,
        compression: compression(client)?,
        headers: headers(client)?,
        tls: client_tls(client, "client.")?,
        timeout: client.get_or("timeout", Duration::from_secs(30))?,
        sending_queue: queue(args)?,
        retry_on_failure: retry(args)?,
    })
}

/// `otelcol.exporter.debug`.
pub(super) fn exporter_debug(args: &Arguments) -> Result<otel::DebugConfig> {
    let d = otel::DebugConfig::default();
    let verbosity: String = args.get_or("verbosity", "basic".to_owned())?;
    let verbosity = match verbosity.as_str() {
        "basic" => otel::Verbosity::Basic,
        "normal" => otel::Verbosity::Normal,
        "detailed" => otel::Verbosity::Detailed,
        other => {
            return Err(err(format!(
                "verbosity {other:?} must be \"basic\", \"normal\" or \"detailed\""
            )))
        }
    };
    let use_internal_logger = args.get_or("use_internal_logger", d.use_internal_logger)?;
    let paths: Vec<String> = args.get_or("output_paths", vec!["stdout".to_owned()])?;
    if !use_internal_logger && paths != ["stdout"] {
        return Err(err(
            "output_paths other than [\"stdout\"] are not supported by this runtime yet",
        ));
    }
    Ok(otel::DebugConfig {
        verbosity,
        sampling_initial: args.get_or("sampling_initial", d.sampling_initial)?,
        sampling_thereafter: args.get_or("sampling_thereafter", d.sampling_thereafter)?,
        use_internal_logger,
    })
}
