#!/usr/bin/env python3
"""OpenTelemetry Python SDK peer for the alloy-otelcol integration tests.

Modes:
  send     create N spans, log records and metric points with the real SDK and
           export them over OTLP/gRPC or OTLP/HTTP; prints one JSON line with the
           item counts the SDK exporters reported as exported / failed.
  refused  export one batch of spans directly and print the exporter's result;
           used to check that a pipeline refusal reaches a real client.

Every run is bounded: exporter timeouts are short and the process exits when
its providers have shut down.
"""
import argparse
import json
import logging
import sys
import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, LogRecordExporter, LogRecordExportResult

COUNTS = {"spans_ok": 0, "spans_failed": 0, "logs_ok": 0, "logs_failed": 0, "points_ok": 0, "points_failed": 0}


def exporters(protocol, endpoint, gzip, timeout):
    if protocol == "grpc":
        import grpc
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        kw = dict(endpoint=endpoint, insecure=True, timeout=timeout)
        if gzip:
            kw["compression"] = grpc.Compression.Gzip
        return OTLPSpanExporter(**kw), OTLPMetricExporter(**kw), OTLPLogExporter(**kw)
    from opentelemetry.exporter.otlp.proto.http import Compression
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    base = endpoint if endpoint.startswith("http") else "http://" + endpoint
    comp = Compression.Gzip if gzip else Compression.NoCompression
    return (
        OTLPSpanExporter(endpoint=base + "/v1/traces", timeout=timeout, compression=comp),
        OTLPMetricExporter(endpoint=base + "/v1/metrics", timeout=timeout, compression=comp),
        OTLPLogExporter(endpoint=base + "/v1/logs", timeout=timeout, compression=comp),
    )


class CountingSpans(SpanExporter):
    def __init__(self, inner):
        self.inner = inner

    def export(self, spans):
        r = self.inner.export(spans)
        COUNTS["spans_ok" if r == SpanExportResult.SUCCESS else "spans_failed"] += len(spans)
        return r

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


class CountingLogs(LogRecordExporter):
    def __init__(self, inner):
        self.inner = inner

    def export(self, batch):
        r = self.inner.export(batch)
        COUNTS["logs_ok" if r == LogRecordExportResult.SUCCESS else "logs_failed"] += len(batch)
        return r

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def point_count(metrics_data):
    n = 0
    for rm in metrics_data.resource_metrics:
        for sm in rm.scope_metrics:
            for m in sm.metrics:
                n += len(m.data.data_points)
    return n


class CountingMetrics(MetricExporter):
    def __init__(self, inner):
        super().__init__(
            preferred_temporality=inner._preferred_temporality,
            preferred_aggregation=inner._preferred_aggregation,
        )
        self.inner = inner

    def export(self, metrics_data, timeout_millis=10000, **kwargs):
        r = self.inner.export(metrics_data, timeout_millis=timeout_millis, **kwargs)
        key = "points_ok" if r == MetricExportResult.SUCCESS else "points_failed"
        COUNTS[key] += point_count(metrics_data)
        return r

    def force_flush(self, timeout_millis=10000):
        return True

    def shutdown(self, timeout_millis=30000, **kwargs):
        self.inner.shutdown()


def send(args):
    span_exp, metric_exp, log_exp = exporters(args.protocol, args.endpoint, args.gzip, args.timeout)
    resource = Resource.create({"service.name": "python-peer", "peer.run": args.run_id})

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(
        BatchSpanProcessor(
            CountingSpans(span_exp),
            max_queue_size=max(2048, args.spans + 1),
            schedule_delay_millis=100,
            max_export_batch_size=512,
        )
    )
    tracer = tp.get_tracer("alloy-otelcol-peer")
    for i in range(args.spans):
        with tracer.start_as_current_span(f"op-{i % 10}") as span:
            span.set_attribute("peer.index", i)
            span.set_attribute("secret", "s3cr3t")
    tp.shutdown()

    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(
        BatchLogRecordProcessor(
            CountingLogs(log_exp),
            max_queue_size=max(2048, args.logs + 1),
            schedule_delay_millis=100,
            max_export_batch_size=512,
        )
    )
    pylog = logging.getLogger("alloy-otelcol-peer")
    pylog.propagate = False
    pylog.setLevel(logging.INFO)
    pylog.addHandler(LoggingHandler(level=logging.INFO, logger_provider=lp))
    for i in range(args.logs):
        pylog.info("peer log line %d", i, extra={"secret": "s3cr3t"})
    lp.shutdown()

    # One export at shutdown: each attribute set is one data point.
    reader = PeriodicExportingMetricReader(CountingMetrics(metric_exp), export_interval_millis=3_600_000)
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    counter = mp.get_meter("alloy-otelcol-peer").create_counter("peer.requests")
    for i in range(args.points):
        counter.add(1, {"series": i, "secret": "s3cr3t"})
    mp.shutdown()

    print(json.dumps(COUNTS), flush=True)


def refused(args):
    span_exp, _, _ = exporters(args.protocol, args.endpoint, False, args.timeout)
    tp = TracerProvider(resource=Resource.create({"service.name": "python-peer"}))
    tracer = tp.get_tracer("alloy-otelcol-peer")
    spans = []
    for i in range(args.spans):
        s = tracer.start_span(f"refused-{i}")
        s.end()
        spans.append(s)
    start = time.monotonic()
    result = span_exp.export(spans)
    print(json.dumps({"result": result.name, "seconds": round(time.monotonic() - start, 2)}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["send", "refused"])
    p.add_argument("--protocol", choices=["grpc", "http"], required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--spans", type=int, default=0)
    p.add_argument("--logs", type=int, default=0)
    p.add_argument("--points", type=int, default=0)
    p.add_argument("--gzip", action="store_true")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--run-id", default="0")
    args = p.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.mode == "send":
        send(args)
    else:
        refused(args)


if __name__ == "__main__":
    main()
