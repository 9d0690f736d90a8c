/**
 * A collector away is ridden out over OTLP/gRPC too (issue 22, on issue 23's public API): the
 * preload's own gRPC transport (src/export/grpcTransport.ts) answers UNAVAILABLE as retryable and
 * the same retry as OTLP/HTTP (src/export/retryingTransport.ts) keeps the batch until the collector
 * takes it. Upstream's gRPC transport answered every error as final: the batch failed at once.
 *
 * The built preload in a child process sends logs and traces over gRPC to a stand-in
 * (@grpc/grpc-js) that answers UNAVAILABLE — what a collector restarting behind a balancer, or a
 * draining one, answers — for OUTAGE_MS from the first request, then accepts. Its own
 * `otel.sdk.exporter.*` metrics leave over OTLP/HTTP to a receiver that is always up.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '../scripts/lib/procs.cjs';
import { startFixture, type RunningFixture } from './support/fixture';
import { bindLoopback, exportService, type ExportHandler } from './support/grpcStandIn';
import { decodeOtlpProtobuf } from './support/otlpProto';
import { OtlpReceiver, type ReceivedMetric } from './support/otlpReceiver';

const EVENTS = 100;
const OUTAGE_MS = 2000;

type LogsRequest = { resourceLogs?: { scopeLogs?: { logRecords?: { attributes?: { key: string; value: { stringValue?: string } }[] }[] }[] }[] };
type TracesRequest = { resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[] };

/** The sum over the latest points of `name` per attribute set matching `match` (cumulative counters). */
function total(metrics: readonly ReceivedMetric[], name: string, match: (attributes: Record<string, unknown>) => boolean): number {
  const latest = new Map<string, number>();
  for (const m of metrics) {
    if (m.name !== name) continue;
    for (const p of m.points) if (match(p.attributes)) latest.set(JSON.stringify(p.attributes), p.value);
  }
  return [...latest.values()].reduce((a, b) => a + b, 0);
}

describe('gRPC exporters: a collector away for a while loses nothing', function () {
  this.timeout(30_000);
  const server = new grpc.Server();
  let port = 0;
  const metrics = new OtlpReceiver();
  const running = new Set<RunningFixture>();
  /** When the stand-in starts accepting: OUTAGE_MS after the first request it sees. */
  let acceptFrom: number | undefined;
  const refused = { logs: 0, traces: 0 };
  /** order.number of every log record accepted, as often as it arrived. */
  const orders: string[] = [];
  const spans: string[] = [];

  before(async () => {
    const handler = (signal: 'logs' | 'traces'): ExportHandler => (call, callback) => {
      acceptFrom ??= Date.now() + OUTAGE_MS;
      if (Date.now() < acceptFrom) {
        refused[signal]++;
        callback({ code: grpc.status.UNAVAILABLE, details: 'collector stand-in restarting' });
        return;
      }
      if (signal === 'logs') {
        const body = decodeOtlpProtobuf('/v1/logs', call.request) as LogsRequest;
        for (const rl of body.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const r of sl.logRecords ?? []) {
          const order = r.attributes?.find((kv) => kv.key === 'order.number')?.value.stringValue;
          if (order !== undefined) orders.push(order);
        }
      } else {
        const body = decodeOtlpProtobuf('/v1/traces', call.request) as TracesRequest;
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push(s.name);
      }
      callback(null, Buffer.alloc(0)); // an empty Export*ServiceResponse: all accepted
    };
    server.addService(exportService('logs', 'LogsService'), { Export: handler('logs') });
    server.addService(exportService('trace', 'TraceService'), { Export: handler('traces') });
    port = await bindLoopback(server);
    await metrics.start();
  });
  afterEach(() => {
    for (const app of running) app.child.kill('SIGKILL');
    running.clear();
  });
  after(async () => {
    server.forceShutdown();
    await metrics.stop();
  });

  it(`UNAVAILABLE for ${OUTAGE_MS / 1000} s, then accepted: every record and the span arrive once, counted exported, none failed`, async () => {
    const app = await startFixture('stop-modes.cjs', {
      args: ['own-handler'],
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${metrics.url}/v1/metrics`,
        EVENTS: String(EVENTS), OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: String(EVENTS),
        OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_METRIC_EXPORT_TIMEOUT: '250',
      },
    });
    running.add(app);
    const exported = (type: string, name: string): number => total(metrics.metrics, name,
      (a) => a['otel.component.type'] === type && a['error.type'] === undefined);
    const arrived = (): boolean => new Set(orders).size >= EVENTS && spans.includes('stop.work')
      && exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported') >= EVENTS
      && exported('otlp_grpc_span_exporter', 'otel.sdk.exporter.span.exported') >= 1;
    const held = await waitFor('the records after the outage', 15_000, () => (arrived() ? true : undefined), 50).catch(() => false);
    const exit = await app.stop('SIGTERM');
    const stderr = app.stderr();
    assert.ok(held, `not all arrived: ${new Set(orders).size}/${EVENTS} records, spans ${JSON.stringify(spans)}, refused ${JSON.stringify(refused)}\n${stderr}`);
    assert.deepEqual(exit, { code: 0, signal: null }, stderr);
    // The outage met both signals' first batch, which was kept and sent again.
    assert.ok(refused.logs >= 1 && refused.traces >= 1, `the stand-in refused ${JSON.stringify(refused)}`);
    // Once each, nothing twice.
    assert.equal(orders.length, EVENTS, `${orders.length} records for ${EVENTS} orders`);
    assert.equal(new Set(orders).size, EVENTS);
    assert.deepEqual(spans, ['stop.work']);
    // Counted as exported once, never as failed: the failed attempts are not exports.
    assert.equal(exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported'), EVENTS);
    assert.equal(exported('otlp_grpc_span_exporter', 'otel.sdk.exporter.span.exported'), 1);
    for (const name of ['otel.sdk.exporter.log.exported', 'otel.sdk.exporter.span.exported', 'otel.sdk.processor.log.processed', 'otel.sdk.processor.span.processed']) {
      assert.equal(total(metrics.metrics, name, (a) => a['error.type'] !== undefined), 0, `${name} counted failures`);
    }
    // Nothing said lost.
    assert.doesNotMatch(stderr, /could not be exported|abandoned|dropped/, stderr);
  });
});
