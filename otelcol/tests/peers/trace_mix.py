#!/usr/bin/env python3
"""Sends a known mix of traces with the OpenTelemetry Python SDK over OTLP/gRPC.

Roots are SERVER spans, children CLIENT spans calling peer.service
"inventory". Every 10th trace has a child span with status ERROR, every 7th other trace
lasts 800 ms (the rest a few ms); each trace has a root and 1 to 4
children, with explicit timestamps. Prints one JSON line:
{"exported": N, "failed": N, "traces": {"<hex id>": {"spans": n, "kind": "error|slow|normal"}}}
"""
import argparse
import json
import time

from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode, set_span_in_context


class Counting(SpanExporter):
    def __init__(self, inner):
        self.inner = inner
        self.ok = 0
        self.failed = 0

    def export(self, spans):
        result = self.inner.export(spans)
        if result == SpanExportResult.SUCCESS:
            self.ok += len(spans)
        else:
            self.failed += len(spans)
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--traces", type=int, default=300)
    ap.add_argument("--service", default="trace-mix")
    args = ap.parse_args()

    exporter = Counting(OTLPSpanExporter(endpoint=args.endpoint, insecure=True, timeout=10))
    provider = TracerProvider(resource=Resource.create({"service.name": args.service}))
    provider.add_span_processor(BatchSpanProcessor(exporter, max_export_batch_size=128, schedule_delay_millis=200))
    tracer = provider.get_tracer("trace-mix", "1.0")

    out = {}
    base = time.time_ns()
    for i in range(args.traces):
        kind = "error" if i % 10 == 0 else ("slow" if i % 7 == 0 else "normal")
        children = 1 + i % 4
        start = base + i * 1_000_000
        duration = 800_000_000 if kind == "slow" else 5_000_000
        root = tracer.start_span(f"root-{i}", kind=SpanKind.SERVER, start_time=start)
        ctx = set_span_in_context(root)
        for c in range(children):
            child = tracer.start_span(
                f"child-{i}-{c}", context=ctx, kind=SpanKind.CLIENT, start_time=start + 1000,
                attributes={"peer.service": "inventory"},
            )
            if kind == "error" and c == children - 1:
                child.set_status(Status(StatusCode.ERROR, "boom"))
            child.end(end_time=start + 2_000_000)
        root.end(end_time=start + duration)
        tid = format(root.get_span_context().trace_id, "032x")
        out[tid] = {"spans": children + 1, "kind": kind}

    provider.force_flush()
    provider.shutdown()
    print(json.dumps({"exported": exporter.ok, "failed": exporter.failed, "traces": out}))


if __name__ == "__main__":
    main()
