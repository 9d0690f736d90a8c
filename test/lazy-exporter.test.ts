/** lazyExporter.ts: exporters created on the first export, abandoned at the stop deadline. */
import assert from 'node:assert/strict';
import { InstrumentType } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { readConfig } from '../src/config';
import { LazyExporter, LazyMetricExporter, makeStoppable, StopSignal } from '../src/lazyExporter';

describe('unit: lazy exporters', () => {
  it('find the retrying transport of every OTLP/HTTP exporter (private structure of the pinned version)', () => {
    for (const Exporter of [JsonLogExporter, ProtoLogExporter, JsonTraceExporter, ProtoTraceExporter, JsonMetricExporter, OTLPMetricExporter]) {
      assert.equal(makeStoppable(new Exporter(), new StopSignal(), 1000), true, Exporter.name);
    }
  });

  it('abandon() answers an export in flight as failed, once', () => {
    const results: number[] = [];
    const lazy = new LazyExporter<number[], { export(i: number[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => ({
      export: () => undefined, // a black hole: never answers
      shutdown: () => Promise.resolve(),
    }));
    lazy.export([1, 2], (r) => results.push(r.code));
    lazy.abandon();
    lazy.export([3], (r) => results.push(r.code));
    assert.deepEqual(results, [1, 1]);
  });

  it('choose the same temporality as the real OTLP metric exporter, for every preference', () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
    try {
      for (const preference of [undefined, 'cumulative', 'delta', 'lowmemory', 'DELTA', 'bogus']) {
        if (preference === undefined) delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
        else process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = preference;
        const real = new OTLPMetricExporter();
        let created = false;
        const { config } = readConfig(process.env);
        const lazy = new LazyMetricExporter(() => { created = true; return real; }, config.metricsTemporality);
        for (const type of Object.values(InstrumentType)) {
          assert.equal(lazy.selectAggregationTemporality(type), real.selectAggregationTemporality(type), `${preference} ${type}`);
          assert.deepEqual(lazy.selectAggregation(type), real.selectAggregation(type));
        }
        assert.equal(created, false, 'asking for temporality does not load the exporter');
        void real.shutdown();
      }
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
      else process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = saved;
    }
  });

  it('create the exporter on the first export, and fail that batch (not the host) if it cannot', async () => {
    let calls = 0;
    const lazy = new LazyExporter<string[], { export(i: string[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => {
      calls++;
      return { export: (_items, cb) => cb({ code: 0 }), shutdown: () => Promise.resolve() };
    });
    assert.equal(calls, 0);
    await lazy.shutdown(); // nothing created, nothing to shut down
    const results: number[] = [];
    lazy.export(['a'], (r) => results.push(r.code));
    lazy.export(['b'], (r) => results.push(r.code));
    assert.equal(calls, 1);
    assert.deepEqual(results, [0, 0]);
    const broken = new LazyExporter<string[], { export(i: string[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => {
      throw new Error('module missing');
    });
    const codes: number[] = [];
    broken.export(['a'], (r) => codes.push(r.code));
    assert.deepEqual(codes, [1]);
  });
});
