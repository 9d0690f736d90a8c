/** src/export/lazyExporter.ts: exporters created on the first export, abandoned at the stop deadline. */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { InstrumentType } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { readConfig } from '../src/config';
import { createOtlpHttpExporter, type HttpProtocol, type HttpSignal } from '../src/export/otlpHttpExporter';
import { StopSignal } from '../src/export/stopSignal';
import { LazyExporter, LazyMetricExporter } from '../src/export';
import { ProtobufLogsSerializer, SERIALISE_SLICE } from '../src/export/protobuf';
import { ProtobufLogsSerializer as OfficialLogsSerializer } from '@opentelemetry/otlp-transformer';

/** A loopback OTLP/HTTP sink: `answer` decides per request, given its body (or never answers). */
async function sink(answer: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => answer(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

describe('unit: lazy exporters', () => {
  it('send each signal in each OTLP/HTTP encoding to its URL, through upstream\'s public export parts', async () => {
    const seen: string[] = [];
    const server = await sink((req, res) => {
      seen.push(`${req.url} ${req.headers['content-type']}`);
      res.writeHead(200, { 'content-type': req.headers['content-type'] as string });
      res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
    });
    try {
      for (const signal of ['traces', 'logs'] as HttpSignal[]) {
        for (const protocol of ['http/protobuf', 'http/json'] as HttpProtocol[]) {
          const exporter = createOtlpHttpExporter<unknown[]>(signal, protocol, `${server.url}/v1/${signal}`, new StopSignal(), 5000);
          const code = await new Promise<number>((resolve) => exporter.export([], (r) => resolve(r.code)));
          assert.equal(code, 0, `${signal} ${protocol}`);
          await exporter.shutdown();
        }
      }
      const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
      const memory = new InMemorySpanExporter();
      new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer('t').startSpan('s').end();
      for (const protocol of ['http/protobuf', 'http/json'] as HttpProtocol[]) {
        const exporter = createOtlpHttpExporter<unknown>('traces', protocol, `${server.url}/v1/traces`, new StopSignal(), 5000);
        const code = await new Promise<number>((resolve) => exporter.export(memory.getFinishedSpans(), (r) => resolve(r.code)));
        assert.equal(code, 0, protocol);
      }
      assert.deepEqual(seen, [
        '/v1/traces application/x-protobuf', '/v1/traces application/json', '/v1/logs application/x-protobuf', '/v1/logs application/json',
        '/v1/traces application/x-protobuf', '/v1/traces application/json',
      ]);
    } finally {
      server.close();
    }
  });

  it('write a batch of more than a slice ahead, between turns of the event loop, and send its exact bytes in one request', async () => {
    const bodies: Buffer[] = [];
    const server = await sink((_req, res, body) => {
      bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
    const { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
    const memory = new InMemoryLogRecordExporter();
    const logger = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] }).getLogger('filament-otel');
    for (let i = 0; i < 4 * SERIALISE_SLICE + 10; i++) logger.emit({ body: `record ${i}`, attributes: { n: i } });
    const records = memory.getFinishedLogRecords();
    // The turns of the event loop gone by when upstream's export delegate asks for the request's bytes.
    let turns = 0;
    let counting = true;
    const turn = (): void => { turns++; if (counting) setImmediate(turn); };
    const serializeRequest = ProtobufLogsSerializer.serializeRequest;
    const asked: number[] = [];
    ProtobufLogsSerializer.serializeRequest = (items) => { asked.push(turns); return serializeRequest(items); };
    const exporter = createOtlpHttpExporter<unknown[]>('logs', 'http/protobuf', `${server.url}/v1/logs`, new StopSignal(), 5000);
    try {
      for (const batch of [records, records.slice(0, SERIALISE_SLICE)]) {
        turns = 0;
        setImmediate(turn);
        const code = await new Promise<number>((resolve) => exporter.export(batch, (r) => resolve(r.code)));
        assert.equal(code, 0);
      }
    } finally {
      counting = false;
      ProtobufLogsSerializer.serializeRequest = serializeRequest;
      await exporter.shutdown();
      server.close();
    }
    // 522 records: five slices, so four turns before the bytes are asked for; 128 are written at once, inside export().
    assert.deepEqual(asked.map((n, i) => (i === 0 ? n >= 4 : n === 0)), [true, true], `turns when asked: ${asked.join(', ')}`);
    assert.equal(bodies.length, 2);
    assert.ok(bodies[0]?.equals(Buffer.from(OfficialLogsSerializer.serializeRequest(records) as Uint8Array)), 'the sliced request is the official serialiser\'s bytes');
  });

  it('end an export to a collector that never answers at the stop signal, and one that answers 503 by its bound', async () => {
    const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = await import('@opentelemetry/sdk-trace');
    const memory = new InMemorySpanExporter();
    new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] }).getTracer('t').startSpan('s').end();
    const silent = await sink(() => undefined);
    const busy = await sink((_req, res) => { res.writeHead(503); res.end(); });
    try {
      const stop = new StopSignal();
      const hung = createOtlpHttpExporter<unknown>('traces', 'http/protobuf', `${silent.url}/v1/traces`, stop, 60_000);
      const answered = new Promise<{ code: number; error?: Error }>((resolve) => hung.export(memory.getFinishedSpans(), resolve));
      setTimeout(() => stop.abandon(), 200);
      const started = Date.now();
      const result = await answered;
      assert.equal(result.code, 1);
      assert.equal(result.error?.name, 'StopDeadlineExceeded');
      assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
      // 503 is retryable: retried with backoff, but within the outage bound (here 1500 ms).
      const retried = createOtlpHttpExporter<unknown>('traces', 'http/protobuf', `${busy.url}/v1/traces`, new StopSignal(), 1500);
      const t0 = Date.now();
      const code = await new Promise<number>((resolve) => retried.export(memory.getFinishedSpans(), (r) => resolve(r.code)));
      assert.equal(code, 1);
      assert.ok(Date.now() - t0 < 3000, `503 retried for ${Date.now() - t0} ms`);
    } finally {
      silent.close();
      busy.close();
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
