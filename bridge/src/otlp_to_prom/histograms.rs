//! OTLP exponential and explicit-bucket histograms as Prometheus native
//! histograms (exponential schemas and custom buckets, schema -53).
//!
//! The bucket layout rule is upstream's: dense OTLP buckets become spans,
//! gaps of up to two empty buckets are filled with zero deltas, longer gaps
//! start a new span; OTLP bucket `i` covers `(base^i, base^(i+1)]` while
//! Prometheus bucket `i` covers `(base^(i-1), base^i]`, hence the `+1`.

use alloy_prometheus::model::STALE_NAN_BITS;
use alloy_prometheus::{Histogram, HistogramSpan, STALE_NAN};
use opentelemetry_proto::tonic::metrics::v1::{
    exponential_histogram_data_point::Buckets, ExponentialHistogramDataPoint, HistogramDataPoint,
};

/// Prometheus's zero threshold for converted exponential histograms (OTLP's
/// own `zero_threshold` is not used, as upstream).
pub const DEFAULT_ZERO_THRESHOLD: f64 = 1e-128;

/// Schema of native histograms with custom bucket boundaries.
pub const CUSTOM_BUCKETS_SCHEMA: i32 = -53;

/// The data point flag meaning "no recorded value" (a staleness marker).
pub const FLAG_NO_RECORDED_VALUE: u32 = 1;

/// Why a histogram point cannot be converted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistogramError {
    ScaleTooSmall(i32),
    BucketLayout { counts: usize, bounds: usize },
}

impl std::fmt::Display for HistogramError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HistogramError::ScaleTooSmall(s) => write!(
                f,
                "cannot convert exponential to native histogram. Scale must be >= -4, was {s}"
            ),
            HistogramError::BucketLayout { counts, bounds } => write!(
                f,
                "bucket counts length ({counts}) must be explicit bounds length ({bounds}) + 1"
            ),
        }
    }
}

/// An exponential histogram point as a native histogram.
pub fn exponential_to_native(
    p: &ExponentialHistogramDataPoint,
) -> Result<Histogram, HistogramError> {
    let mut scale = p.scale;
    if scale < -4 {
        return Err(HistogramError::ScaleTooSmall(scale));
    }
    let mut scale_down = 0;
    if scale > 8 {
        scale_down = scale - 8;
        scale = 8;
    }
    let (positive_spans, positive_deltas) = buckets_layout(p.positive.as_ref(), scale_down);
    let (negative_spans, negative_deltas) = buckets_layout(p.negative.as_ref(), scale_down);
    let mut h = Histogram {
        schema: scale,
        zero_count: p.zero_count,
        zero_threshold: DEFAULT_ZERO_THRESHOLD,
        positive_spans,
        positive_deltas,
        negative_spans,
        negative_deltas,
        ..Histogram::default()
    };
    set_count_and_sum(&mut h, p.flags, p.count, p.sum);
    Ok(h)
}

fn set_count_and_sum(h: &mut Histogram, flags: u32, count: u64, sum: Option<f64>) {
    if flags & FLAG_NO_RECORDED_VALUE != 0 {
        h.sum = STALE_NAN;
        h.count = STALE_NAN_BITS;
    } else {
        h.sum = sum.unwrap_or(0.0);
        h.count = count;
    }
}

struct Layout {
    spans: Vec<HistogramSpan>,
    deltas: Vec<i64>,
    prev: i64,
}

impl Layout {
    fn push(&mut self, count: i64) {
        if let Some(last) = self.spans.last_mut() {
            last.length += 1;
        }
        self.deltas.push(count - self.prev);
        self.prev = count;
    }

    fn gap(&mut self, gap: i32) {
        if gap > 2 {
            self.spans.push(HistogramSpan {
                offset: gap,
                length: 0,
            });
        } else {
            for _ in 0..gap.max(0) {
                self.push(0);
            }
        }
    }
}

fn buckets_layout(buckets: Option<&Buckets>, scale_down: i32) -> (Vec<HistogramSpan>, Vec<i64>) {
    let Some(b) = buckets.filter(|b| !b.bucket_counts.is_empty()) else {
        return (Vec::new(), Vec::new());
    };
    let counts = &b.bucket_counts;
    let mut bucket_idx = (b.offset >> scale_down) + 1;
    let mut l = Layout {
        spans: vec![HistogramSpan {
            offset: bucket_idx,
            length: 0,
        }],
        deltas: Vec::with_capacity(counts.len()),
        prev: 0,
    };
    let mut count: i64 = 0;
    for (i, &c) in counts.iter().enumerate() {
        let next = ((i as i32).wrapping_add(b.offset) >> scale_down) + 1;
        if bucket_idx == next {
            count += c as i64;
            continue;
        }
        if count == 0 {
            count = c as i64;
            continue;
        }
        l.gap(next - bucket_idx - 1);
        l.push(count);
        count = c as i64;
        bucket_idx = next;
    }
    let last = (((counts.len() as i32).wrapping_add(b.offset) - 1) >> scale_down) + 1;
    l.gap(last - bucket_idx);
    l.push(count);
    (l.spans, l.deltas)
}

/// A classic (explicit-bucket) point as a native histogram with custom
/// buckets.
pub fn explicit_to_custom_buckets(p: &HistogramDataPoint) -> Result<Histogram, HistogramError> {
    if p.explicit_bounds.len() + 1 != p.bucket_counts.len() {
        return Err(HistogramError::BucketLayout {
            counts: p.bucket_counts.len(),
            bounds: p.explicit_bounds.len(),
        });
    }
    let offset = p
        .bucket_counts
        .iter()
        .position(|&c| c != 0)
        .unwrap_or(p.bucket_counts.len());
    let (positive_spans, positive_deltas) =
        custom_layout(&p.bucket_counts[offset..], offset as i32);
    let mut h = Histogram {
        schema: CUSTOM_BUCKETS_SCHEMA,
        positive_spans,
        positive_deltas,
        custom_values: p.explicit_bounds.clone(),
        ..Histogram::default()
    };
    set_count_and_sum(&mut h, p.flags, p.count, p.sum);
    Ok(h)
}

fn custom_layout(counts: &[u64], offset: i32) -> (Vec<HistogramSpan>, Vec<i64>) {
    if counts.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let mut bucket_idx = offset + 1;
    let mut l = Layout {
        spans: vec![HistogramSpan { offset, length: 0 }],
        deltas: Vec::with_capacity(counts.len()),
        prev: 0,
    };
    let mut count: i64 = 0;
    for (i, &c) in counts.iter().enumerate() {
        let next = i as i32 + offset + 1;
        if bucket_idx == next {
            count += c as i64;
            continue;
        }
        if count == 0 {
            count = c as i64;
            continue;
        }
        l.gap(next - bucket_idx - 1);
        l.push(count);
        count = c as i64;
        bucket_idx = next;
    }
    l.gap(counts.len() as i32 + offset - bucket_idx);
    l.push(count);
    (l.spans, l.deltas)
}

/// An empty histogram of the same shape, for start-timestamp zero samples.
pub fn empty_like(h: &Histogram) -> Histogram {
    Histogram {
        schema: h.schema,
        zero_threshold: h.zero_threshold,
        custom_values: h.custom_values.clone(),
        ..Histogram::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_layout_matches_upstream_example() {
        let p = ExponentialHistogramDataPoint {
            scale: 0,
            count: 11,
            sum: Some(158.63),
            positive: Some(Buckets {
                offset: -1,
                bucket_counts: vec![2, 1, 3, 2, 0, 0, 3],
            }),
            ..Default::default()
        };
        let h = exponential_to_native(&p).expect("valid scale");
        assert_eq!(
            h.positive_spans,
            vec![HistogramSpan {
                offset: 0,
                length: 7
            }]
        );
        assert_eq!(h.positive_deltas, vec![2, -1, 2, -1, -2, 0, 3]);
        assert_eq!(h.zero_threshold, DEFAULT_ZERO_THRESHOLD);
    }

    #[test]
    fn scale_below_minus_four_is_refused() {
        let p = ExponentialHistogramDataPoint {
            scale: -5,
            ..Default::default()
        };
        assert_eq!(
            exponential_to_native(&p),
            Err(HistogramError::ScaleTooSmall(-5))
        );
    }

    #[test]
    fn custom_buckets_skip_leading_zeros_and_split_long_gaps() {
        let p = HistogramDataPoint {
            count: 5,
            bucket_counts: vec![0, 2, 0, 0, 0, 0, 3],
            explicit_bounds: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            ..Default::default()
        };
        let h = explicit_to_custom_buckets(&p).expect("layout");
        assert_eq!(
            h.positive_spans,
            vec![
                HistogramSpan {
                    offset: 1,
                    length: 1
                },
                HistogramSpan {
                    offset: 4,
                    length: 1
                }
            ]
        );
        assert_eq!(h.positive_deltas, vec![2, 1]);
        let bad = HistogramDataPoint {
            bucket_counts: vec![1],
            explicit_bounds: vec![1.0],
            ..Default::default()
        };
        assert!(explicit_to_custom_buckets(&bad).is_err());
    }
}
