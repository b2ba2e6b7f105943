//! The OTTL contexts, the typed paths each one offers and their enum symbols.
//!
//! This table is the single source for the compiler (path resolution and
//! type checks), for editors (completion, hover) and for the runtime
//! (which field a compiled path reads and writes).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Resource,
    Scope,
    Span,
    SpanEvent,
    Metric,
    DataPoint,
    Log,
}

impl Context {
    pub const ALL: [Context; 7] = [
        Context::Resource,
        Context::Scope,
        Context::Span,
        Context::SpanEvent,
        Context::Metric,
        Context::DataPoint,
        Context::Log,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Resource => "resource",
            Context::Scope => "scope",
            Context::Span => "span",
            Context::SpanEvent => "spanevent",
            Context::Metric => "metric",
            Context::DataPoint => "datapoint",
            Context::Log => "log",
        }
    }

    pub fn parse(s: &str) -> Option<Context> {
        Some(match s {
            "resource" => Context::Resource,
            "scope" | "instrumentation_scope" => Context::Scope,
            "span" => Context::Span,
            "spanevent" => Context::SpanEvent,
            "metric" => Context::Metric,
            "datapoint" => Context::DataPoint,
            "log" => Context::Log,
            _ => return None,
        })
    }

    /// This context and the ones whose paths it can reach with a prefix.
    pub fn reachable(self) -> &'static [Context] {
        match self {
            Context::Resource => &[Context::Resource],
            Context::Scope => &[Context::Scope, Context::Resource],
            Context::Span => &[Context::Span, Context::Scope, Context::Resource],
            Context::SpanEvent => &[
                Context::SpanEvent,
                Context::Span,
                Context::Scope,
                Context::Resource,
            ],
            Context::Metric => &[Context::Metric, Context::Scope, Context::Resource],
            Context::DataPoint => &[
                Context::DataPoint,
                Context::Metric,
                Context::Scope,
                Context::Resource,
            ],
            Context::Log => &[Context::Log, Context::Scope, Context::Resource],
        }
    }

    /// Enum symbols this context resolves (at compile time) to int64.
    pub fn resolve_enum(self, symbol: &str) -> Option<i64> {
        let tables: &[&[(&str, i64)]] = match self {
            Context::Log => &[SEVERITY],
            Context::Span | Context::SpanEvent => &[SPAN_KIND, STATUS_CODE],
            Context::Metric | Context::DataPoint => &[METRIC],
            Context::Resource | Context::Scope => &[],
        };
        tables
            .iter()
            .flat_map(|t| t.iter())
            .find(|(n, _)| *n == symbol)
            .map(|(_, v)| *v)
    }

    pub fn enum_symbols(self) -> impl Iterator<Item = &'static str> {
        let tables: &[&[(&str, i64)]] = match self {
            Context::Log => &[SEVERITY],
            Context::Span | Context::SpanEvent => &[SPAN_KIND, STATUS_CODE],
            Context::Metric | Context::DataPoint => &[METRIC],
            Context::Resource | Context::Scope => &[],
        };
        tables.iter().flat_map(|t| t.iter()).map(|(n, _)| *n)
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const SEVERITY: &[(&str, i64)] = &[
    ("SEVERITY_NUMBER_UNSPECIFIED", 0),
    ("SEVERITY_NUMBER_TRACE", 1),
    ("SEVERITY_NUMBER_TRACE2", 2),
    ("SEVERITY_NUMBER_TRACE3", 3),
    ("SEVERITY_NUMBER_TRACE4", 4),
    ("SEVERITY_NUMBER_DEBUG", 5),
    ("SEVERITY_NUMBER_DEBUG2", 6),
    ("SEVERITY_NUMBER_DEBUG3", 7),
    ("SEVERITY_NUMBER_DEBUG4", 8),
    ("SEVERITY_NUMBER_INFO", 9),
    ("SEVERITY_NUMBER_INFO2", 10),
    ("SEVERITY_NUMBER_INFO3", 11),
    ("SEVERITY_NUMBER_INFO4", 12),
    ("SEVERITY_NUMBER_WARN", 13),
    ("SEVERITY_NUMBER_WARN2", 14),
    ("SEVERITY_NUMBER_WARN3", 15),
    ("SEVERITY_NUMBER_WARN4", 16),
    ("SEVERITY_NUMBER_ERROR", 17),
    ("SEVERITY_NUMBER_ERROR2", 18),
    ("SEVERITY_NUMBER_ERROR3", 19),
    ("SEVERITY_NUMBER_ERROR4", 20),
    ("SEVERITY_NUMBER_FATAL", 21),
    ("SEVERITY_NUMBER_FATAL2", 22),
    ("SEVERITY_NUMBER_FATAL3", 23),
    ("SEVERITY_NUMBER_FATAL4", 24),
];
const SPAN_KIND: &[(&str, i64)] = &[
    ("SPAN_KIND_UNSPECIFIED", 0),
    ("SPAN_KIND_INTERNAL", 1),
    ("SPAN_KIND_SERVER", 2),
    ("SPAN_KIND_CLIENT", 3),
    ("SPAN_KIND_PRODUCER", 4),
    ("SPAN_KIND_CONSUMER", 5),
];
const STATUS_CODE: &[(&str, i64)] = &[
    ("STATUS_CODE_UNSET", 0),
    ("STATUS_CODE_OK", 1),
    ("STATUS_CODE_ERROR", 2),
];
const METRIC: &[(&str, i64)] = &[
    ("AGGREGATION_TEMPORALITY_UNSPECIFIED", 0),
    ("AGGREGATION_TEMPORALITY_DELTA", 1),
    ("AGGREGATION_TEMPORALITY_CUMULATIVE", 2),
    ("METRIC_DATA_TYPE_NONE", 0),
    ("METRIC_DATA_TYPE_GAUGE", 1),
    ("METRIC_DATA_TYPE_SUM", 2),
    ("METRIC_DATA_TYPE_HISTOGRAM", 3),
    ("METRIC_DATA_TYPE_EXPONENTIAL_HISTOGRAM", 4),
    ("METRIC_DATA_TYPE_SUMMARY", 5),
];

/// What a path holds, for argument checks before anything runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathType {
    Str,
    Int,
    Float,
    Bool,
    Bytes,
    Map,
    List,
    Time,
    /// `body`, `cache[...]`, keyed lookups: only known at run time.
    Any,
}

impl PathType {
    pub fn name(self) -> &'static str {
        match self {
            PathType::Str => "string",
            PathType::Int => "int64",
            PathType::Float => "float64",
            PathType::Bool => "bool",
            PathType::Bytes => "bytes",
            PathType::Map => "map",
            PathType::List => "slice",
            PathType::Time => "time",
            PathType::Any => "any",
        }
    }
}

/// Every field a path can name. The runtime (`path.rs`) matches on this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ResourceAttributes,
    ResourceDroppedAttributesCount,
    ResourceSchemaUrl,
    ScopeName,
    ScopeVersion,
    ScopeAttributes,
    ScopeDroppedAttributesCount,
    ScopeSchemaUrl,
    LogTimeUnixNano,
    LogObservedTimeUnixNano,
    LogTime,
    LogObservedTime,
    LogSeverityNumber,
    LogSeverityText,
    LogBody,
    LogBodyString,
    LogAttributes,
    LogDroppedAttributesCount,
    LogFlags,
    LogTraceId,
    LogTraceIdString,
    LogSpanId,
    LogSpanIdString,
    LogEventName,
    SpanTraceId,
    SpanTraceIdString,
    SpanSpanId,
    SpanSpanIdString,
    SpanParentSpanId,
    SpanParentSpanIdString,
    SpanTraceState,
    SpanName,
    SpanKind,
    SpanKindString,
    SpanKindDeprecatedString,
    SpanStartTimeUnixNano,
    SpanEndTimeUnixNano,
    SpanStartTime,
    SpanEndTime,
    SpanAttributes,
    SpanDroppedAttributesCount,
    SpanDroppedEventsCount,
    SpanDroppedLinksCount,
    SpanStatusCode,
    SpanStatusMessage,
    SpanFlags,
    EventTimeUnixNano,
    EventTime,
    EventName,
    EventAttributes,
    EventDroppedAttributesCount,
    EventIndex,
    MetricName,
    MetricDescription,
    MetricUnit,
    MetricType,
    MetricAggregationTemporality,
    MetricIsMonotonic,
    MetricMetadata,
    DpAttributes,
    DpStartTimeUnixNano,
    DpTimeUnixNano,
    DpStartTime,
    DpTime,
    DpValueDouble,
    DpValueInt,
    DpFlags,
    DpCount,
    DpSum,
    DpBucketCounts,
    DpExplicitBounds,
    DpScale,
    DpZeroCount,
    Cache,
}

pub struct PathSpec {
    pub context: Context,
    pub segments: &'static [&'static str],
    pub field: Field,
    pub ty: PathType,
    /// Whether `[...]` keys may follow.
    pub keyed: bool,
    pub settable: bool,
    pub doc: &'static str,
}

macro_rules! p {
    ($ctx:ident, [$($s:literal),+], $field:ident, $ty:ident, $keyed:literal, $set:literal, $doc:literal) => {
        PathSpec {
            context: Context::$ctx,
            segments: &[$($s),+],
            field: Field::$field,
            ty: PathType::$ty,
            keyed: $keyed,
            settable: $set,
            doc: $doc,
        }
    };
}

pub static PATHS: &[PathSpec] = &[
    p!(
        Resource,
        ["attributes"],
        ResourceAttributes,
        Map,
        true,
        true,
        "The resource's attributes."
    ),
    p!(
        Resource,
        ["dropped_attributes_count"],
        ResourceDroppedAttributesCount,
        Int,
        false,
        true,
        "Attributes the resource dropped."
    ),
    p!(
        Resource,
        ["schema_url"],
        ResourceSchemaUrl,
        Str,
        false,
        true,
        "The resource's schema URL."
    ),
    p!(
        Scope,
        ["name"],
        ScopeName,
        Str,
        false,
        true,
        "The instrumentation scope's name."
    ),
    p!(
        Scope,
        ["version"],
        ScopeVersion,
        Str,
        false,
        true,
        "The instrumentation scope's version."
    ),
    p!(
        Scope,
        ["attributes"],
        ScopeAttributes,
        Map,
        true,
        true,
        "The instrumentation scope's attributes."
    ),
    p!(
        Scope,
        ["dropped_attributes_count"],
        ScopeDroppedAttributesCount,
        Int,
        false,
        true,
        "Attributes the scope dropped."
    ),
    p!(
        Scope,
        ["schema_url"],
        ScopeSchemaUrl,
        Str,
        false,
        true,
        "The scope's schema URL."
    ),
    p!(
        Log,
        ["time_unix_nano"],
        LogTimeUnixNano,
        Int,
        false,
        true,
        "When the event happened, Unix nanoseconds."
    ),
    p!(
        Log,
        ["observed_time_unix_nano"],
        LogObservedTimeUnixNano,
        Int,
        false,
        true,
        "When the collector saw the record, Unix nanoseconds."
    ),
    p!(
        Log,
        ["time"],
        LogTime,
        Time,
        false,
        true,
        "When the event happened, as a time."
    ),
    p!(
        Log,
        ["observed_time"],
        LogObservedTime,
        Time,
        false,
        true,
        "When the record was observed, as a time."
    ),
    p!(
        Log,
        ["severity_number"],
        LogSeverityNumber,
        Int,
        false,
        true,
        "The severity number (SEVERITY_NUMBER_* enums)."
    ),
    p!(
        Log,
        ["severity_text"],
        LogSeverityText,
        Str,
        false,
        true,
        "The severity text."
    ),
    p!(
        Log,
        ["body"],
        LogBody,
        Any,
        true,
        true,
        "The log body; maps and slices can be indexed."
    ),
    p!(
        Log,
        ["body", "string"],
        LogBodyString,
        Str,
        false,
        true,
        "The log body rendered as a string."
    ),
    p!(
        Log,
        ["attributes"],
        LogAttributes,
        Map,
        true,
        true,
        "The log record's attributes."
    ),
    p!(
        Log,
        ["dropped_attributes_count"],
        LogDroppedAttributesCount,
        Int,
        false,
        true,
        "Attributes the record dropped."
    ),
    p!(
        Log,
        ["flags"],
        LogFlags,
        Int,
        false,
        true,
        "The record's trace flags."
    ),
    p!(
        Log,
        ["trace_id"],
        LogTraceId,
        Bytes,
        false,
        true,
        "The trace id (16 bytes)."
    ),
    p!(
        Log,
        ["trace_id", "string"],
        LogTraceIdString,
        Str,
        false,
        true,
        "The trace id as lowercase hex."
    ),
    p!(
        Log,
        ["span_id"],
        LogSpanId,
        Bytes,
        false,
        true,
        "The span id (8 bytes)."
    ),
    p!(
        Log,
        ["span_id", "string"],
        LogSpanIdString,
        Str,
        false,
        true,
        "The span id as lowercase hex."
    ),
    p!(
        Log,
        ["event_name"],
        LogEventName,
        Str,
        false,
        true,
        "The event name."
    ),
    p!(
        Span,
        ["trace_id"],
        SpanTraceId,
        Bytes,
        false,
        true,
        "The trace id (16 bytes)."
    ),
    p!(
        Span,
        ["trace_id", "string"],
        SpanTraceIdString,
        Str,
        false,
        true,
        "The trace id as lowercase hex."
    ),
    p!(
        Span,
        ["span_id"],
        SpanSpanId,
        Bytes,
        false,
        true,
        "The span id (8 bytes)."
    ),
    p!(
        Span,
        ["span_id", "string"],
        SpanSpanIdString,
        Str,
        false,
        true,
        "The span id as lowercase hex."
    ),
    p!(
        Span,
        ["parent_span_id"],
        SpanParentSpanId,
        Bytes,
        false,
        true,
        "The parent span id (8 bytes; empty for a root span)."
    ),
    p!(
        Span,
        ["parent_span_id", "string"],
        SpanParentSpanIdString,
        Str,
        false,
        true,
        "The parent span id as lowercase hex."
    ),
    p!(
        Span,
        ["trace_state"],
        SpanTraceState,
        Str,
        true,
        true,
        "The W3C trace state; `trace_state[\"key\"]` reads one member."
    ),
    p!(
        Span,
        ["name"],
        SpanName,
        Str,
        false,
        true,
        "The span's name."
    ),
    p!(
        Span,
        ["kind"],
        SpanKind,
        Int,
        false,
        true,
        "The span kind (SPAN_KIND_* enums)."
    ),
    p!(
        Span,
        ["kind", "string"],
        SpanKindString,
        Str,
        false,
        true,
        "The span kind as a word (Server, Client, ...)."
    ),
    p!(
        Span,
        ["kind", "deprecated_string"],
        SpanKindDeprecatedString,
        Str,
        false,
        true,
        "The span kind as its enum name."
    ),
    p!(
        Span,
        ["start_time_unix_nano"],
        SpanStartTimeUnixNano,
        Int,
        false,
        true,
        "Start, Unix nanoseconds."
    ),
    p!(
        Span,
        ["end_time_unix_nano"],
        SpanEndTimeUnixNano,
        Int,
        false,
        true,
        "End, Unix nanoseconds."
    ),
    p!(
        Span,
        ["start_time"],
        SpanStartTime,
        Time,
        false,
        true,
        "Start, as a time."
    ),
    p!(
        Span,
        ["end_time"],
        SpanEndTime,
        Time,
        false,
        true,
        "End, as a time."
    ),
    p!(
        Span,
        ["attributes"],
        SpanAttributes,
        Map,
        true,
        true,
        "The span's attributes."
    ),
    p!(
        Span,
        ["dropped_attributes_count"],
        SpanDroppedAttributesCount,
        Int,
        false,
        true,
        "Attributes the span dropped."
    ),
    p!(
        Span,
        ["dropped_events_count"],
        SpanDroppedEventsCount,
        Int,
        false,
        true,
        "Events the span dropped."
    ),
    p!(
        Span,
        ["dropped_links_count"],
        SpanDroppedLinksCount,
        Int,
        false,
        true,
        "Links the span dropped."
    ),
    p!(
        Span,
        ["status", "code"],
        SpanStatusCode,
        Int,
        false,
        true,
        "The status code (STATUS_CODE_* enums)."
    ),
    p!(
        Span,
        ["status", "message"],
        SpanStatusMessage,
        Str,
        false,
        true,
        "The status message."
    ),
    p!(
        Span,
        ["flags"],
        SpanFlags,
        Int,
        false,
        true,
        "The span's flags."
    ),
    p!(
        SpanEvent,
        ["time_unix_nano"],
        EventTimeUnixNano,
        Int,
        false,
        true,
        "When the event happened, Unix nanoseconds."
    ),
    p!(
        SpanEvent,
        ["time"],
        EventTime,
        Time,
        false,
        true,
        "When the event happened, as a time."
    ),
    p!(
        SpanEvent,
        ["name"],
        EventName,
        Str,
        false,
        true,
        "The event's name."
    ),
    p!(
        SpanEvent,
        ["attributes"],
        EventAttributes,
        Map,
        true,
        true,
        "The event's attributes."
    ),
    p!(
        SpanEvent,
        ["dropped_attributes_count"],
        EventDroppedAttributesCount,
        Int,
        false,
        true,
        "Attributes the event dropped."
    ),
    p!(
        SpanEvent,
        ["event_index"],
        EventIndex,
        Int,
        false,
        false,
        "The event's position in its span (read only)."
    ),
    p!(
        Metric,
        ["name"],
        MetricName,
        Str,
        false,
        true,
        "The metric's name."
    ),
    p!(
        Metric,
        ["description"],
        MetricDescription,
        Str,
        false,
        true,
        "The metric's description."
    ),
    p!(
        Metric,
        ["unit"],
        MetricUnit,
        Str,
        false,
        true,
        "The metric's unit."
    ),
    p!(
        Metric,
        ["type"],
        MetricType,
        Int,
        false,
        false,
        "The data type (METRIC_DATA_TYPE_* enums; read only)."
    ),
    p!(
        Metric,
        ["aggregation_temporality"],
        MetricAggregationTemporality,
        Int,
        false,
        true,
        "Temporality of a sum, histogram or exponential histogram."
    ),
    p!(
        Metric,
        ["is_monotonic"],
        MetricIsMonotonic,
        Bool,
        false,
        true,
        "Whether a sum is monotonic."
    ),
    p!(
        Metric,
        ["metadata"],
        MetricMetadata,
        Map,
        true,
        true,
        "The metric's metadata."
    ),
    p!(
        DataPoint,
        ["attributes"],
        DpAttributes,
        Map,
        true,
        true,
        "The data point's attributes."
    ),
    p!(
        DataPoint,
        ["start_time_unix_nano"],
        DpStartTimeUnixNano,
        Int,
        false,
        true,
        "Start, Unix nanoseconds."
    ),
    p!(
        DataPoint,
        ["time_unix_nano"],
        DpTimeUnixNano,
        Int,
        false,
        true,
        "Timestamp, Unix nanoseconds."
    ),
    p!(
        DataPoint,
        ["start_time"],
        DpStartTime,
        Time,
        false,
        true,
        "Start, as a time."
    ),
    p!(
        DataPoint,
        ["time"],
        DpTime,
        Time,
        false,
        true,
        "Timestamp, as a time."
    ),
    p!(
        DataPoint,
        ["value_double"],
        DpValueDouble,
        Float,
        false,
        true,
        "A gauge or sum point's double value."
    ),
    p!(
        DataPoint,
        ["value_int"],
        DpValueInt,
        Int,
        false,
        true,
        "A gauge or sum point's integer value."
    ),
    p!(
        DataPoint,
        ["flags"],
        DpFlags,
        Int,
        false,
        true,
        "The point's flags."
    ),
    p!(
        DataPoint,
        ["count"],
        DpCount,
        Int,
        false,
        true,
        "Count of a histogram or summary point."
    ),
    p!(
        DataPoint,
        ["sum"],
        DpSum,
        Float,
        false,
        true,
        "Sum of a histogram or summary point."
    ),
    p!(
        DataPoint,
        ["bucket_counts"],
        DpBucketCounts,
        List,
        true,
        true,
        "A histogram point's bucket counts."
    ),
    p!(
        DataPoint,
        ["explicit_bounds"],
        DpExplicitBounds,
        List,
        true,
        true,
        "A histogram point's bucket bounds."
    ),
    p!(
        DataPoint,
        ["scale"],
        DpScale,
        Int,
        false,
        true,
        "An exponential histogram point's scale."
    ),
    p!(
        DataPoint,
        ["zero_count"],
        DpZeroCount,
        Int,
        false,
        true,
        "An exponential histogram point's zero count."
    ),
];

/// The path specs of one context (without the ones reached by prefix).
pub fn paths_of(ctx: Context) -> impl Iterator<Item = &'static PathSpec> {
    PATHS.iter().filter(move |p| p.context == ctx)
}

/// The spec whose segments start `names`, longest first (`trace_id.string`
/// before `trace_id`).
pub fn lookup(ctx: Context, names: &[&str]) -> Option<&'static PathSpec> {
    paths_of(ctx)
        .filter(|p| {
            p.segments.len() <= names.len() && p.segments.iter().zip(names).all(|(a, b)| a == b)
        })
        .max_by_key(|p| p.segments.len())
}
