//! The sample and label model shared by every Prometheus stage, and the
//! interface through which stages hand data to each other.

mod batch;
mod labels;
mod sample;
mod symbols;

pub use batch::{
    AppendError, Appendable, Batch, BatchExemplar, BatchHistogram, BatchMetadata, BatchSample,
    Fanout, HistogramValue, Recorder, SeriesEntry,
};
pub use labels::{
    is_valid_legacy_label_name, is_valid_legacy_metric_name, Label, Labels, LabelsBuilder,
    SeriesRef, ADDRESS_LABEL, BUCKET_LABEL, INSTANCE_LABEL, JOB_LABEL, META_LABEL_PREFIX,
    METRICS_PATH_LABEL, METRIC_NAME_LABEL, PARAM_LABEL_PREFIX, QUANTILE_LABEL,
    RESERVED_LABEL_PREFIX, SCHEME_LABEL, SCRAPE_INTERVAL_LABEL, SCRAPE_TIMEOUT_LABEL,
};
pub use sample::{
    is_stale_nan, Exemplar, FloatHistogram, Histogram, HistogramSpan, Metadata, MetricType,
    ResetHint, Sample, STALE_NAN, STALE_NAN_BITS,
};
pub use symbols::SymbolTable;
