//! Splitting OTLP containers by item count, used by the batch processor's
//! `send_batch_max_size`. Resource and scope headers are cloned into the
//! split-off part so both halves stay self-describing.

use opentelemetry_proto::tonic::logs::v1::{ResourceLogs, ScopeLogs};
use opentelemetry_proto::tonic::metrics::v1::{metric, Metric, ResourceMetrics, ScopeMetrics};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans};

use super::metric_point_count;

/// A container whose leaves are the items upstream counts.
pub trait Splittable: Sized {
    fn item_count(&self) -> usize;
    /// Removes the first `n` items (`0 < n < item_count()`) into a new
    /// container with the same header.
    fn split_front(&mut self, n: usize) -> Self;
}

/// Removes the first `n` items of `v`, keeping whole containers when they fit
/// and splitting the first one that does not.
pub fn take_front<T: Splittable>(v: &mut Vec<T>, n: usize) -> Vec<T> {
    let mut taken = 0;
    let mut whole = 0;
    for x in v.iter() {
        let c = x.item_count();
        if taken + c > n {
            break;
        }
        taken += c;
        whole += 1;
    }
    let mut out: Vec<T> = v.drain(..whole).collect();
    if taken < n {
        if let Some(first) = v.first_mut() {
            out.push(first.split_front(n - taken));
        }
    }
    out
}

impl Splittable for ResourceSpans {
    fn item_count(&self) -> usize {
        self.scope_spans.iter().map(|s| s.spans.len()).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceSpans {
            resource: self.resource.clone(),
            scope_spans: take_front(&mut self.scope_spans, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeSpans {
    fn item_count(&self) -> usize {
        self.spans.len()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeSpans {
            scope: self.scope.clone(),
            spans: self.spans.drain(..n.min(self.spans.len())).collect(),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ResourceLogs {
    fn item_count(&self) -> usize {
        self.scope_logs.iter().map(|s| s.log_records.len()).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceLogs {
            resource: self.resource.clone(),
            scope_logs: take_front(&mut self.scope_logs, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeLogs {
    fn item_count(&self) -> usize {
        self.log_records.len()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeLogs {
            scope: self.scope.clone(),
            log_records: self
                .log_records
                .drain(..n.min(self.log_records.len()))
                .collect(),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ResourceMetrics {
    fn item_count(&self) -> usize {
        self.scope_metrics.iter().map(Splittable::item_count).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ResourceMetrics {
            resource: self.resource.clone(),
            scope_metrics: take_front(&mut self.scope_metrics, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for ScopeMetrics {
    fn item_count(&self) -> usize {
        self.metrics.iter().map(Splittable::item_count).sum()
    }
    fn split_front(&mut self, n: usize) -> Self {
        ScopeMetrics {
            scope: self.scope.clone(),
            metrics: take_front(&mut self.metrics, n),
            schema_url: self.schema_url.clone(),
        }
    }
}

impl Splittable for Metric {
    fn item_count(&self) -> usize {
        metric_point_count(self.data.as_ref())
    }
    fn split_front(&mut self, n: usize) -> Self {
        fn drain<T>(v: &mut Vec<T>, n: usize) -> Vec<T> {
            v.drain(..n.min(v.len())).collect()
        }
        let data = match self.data.as_mut() {
            Some(metric::Data::Gauge(g)) => Some(metric::Data::Gauge(
                opentelemetry_proto::tonic::metrics::v1::Gauge {
                    data_points: drain(&mut g.data_points, n),
                },
            )),
            Some(metric::Data::Sum(s)) => Some(metric::Data::Sum(
                opentelemetry_proto::tonic::metrics::v1::Sum {
                    data_points: drain(&mut s.data_points, n),
                    aggregation_temporality: s.aggregation_temporality,
                    is_monotonic: s.is_monotonic,
                },
            )),
            Some(metric::Data::Histogram(h)) => Some(metric::Data::Histogram(
                opentelemetry_proto::tonic::metrics::v1::Histogram {
                    data_points: drain(&mut h.data_points, n),
                    aggregation_temporality: h.aggregation_temporality,
                },
            )),
            Some(metric::Data::ExponentialHistogram(h)) => {
                Some(metric::Data::ExponentialHistogram(
                    opentelemetry_proto::tonic::metrics::v1::ExponentialHistogram {
                        data_points: drain(&mut h.data_points, n),
                        aggregation_temporality: h.aggregation_temporality,
                    },
                ))
            }
            Some(metric::Data::Summary(s)) => Some(metric::Data::Summary(
                opentelemetry_proto::tonic::metrics::v1::Summary {
                    data_points: drain(&mut s.data_points, n),
                },
            )),
            None => None,
        };
        Metric {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            metadata: self.metadata.clone(),
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry_proto::tonic::trace::v1::Span;

    fn rs(scopes: &[usize]) -> ResourceSpans {
        ResourceSpans {
            scope_spans: scopes
                .iter()
                .map(|&n| ScopeSpans {
                    spans: (0..n)
                        .map(|i| Span {
                            name: format!("s{i}"),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn take_front_splits_across_levels() {
        let mut v = vec![rs(&[3, 4]), rs(&[5])];
        let front = take_front(&mut v, 5);
        let count = |v: &Vec<ResourceSpans>| v.iter().map(|r| r.item_count()).sum::<usize>();
        assert_eq!(count(&front), 5);
        assert_eq!(count(&v), 7);
        assert_eq!(front.len(), 1);
        assert_eq!(front[0].scope_spans.len(), 2);
        assert_eq!(v[0].scope_spans[0].spans[0].name, "s2");
        let rest = take_front(&mut v, 100);
        assert_eq!(count(&rest), 7);
        assert!(v.is_empty());
    }
}
