/**
 * A collector away is ridden out over OTLP/gRPC too (issue 22, on issue 23's public API): the
 * preload's own gRPC transport (src/export/grpcTransport.ts) answers UNAVAILABLE as retryable and
 * the same retry as OTLP/HTTP (src/export/retryingTransport.ts) keeps the batch until the collector
 * takes it. Upstream's gRPC transport answered every error as final: the batch failed at once.
 *
 * The built preload in a child process sends logs and traces over gRPC to a stand-in
 * (@grpc/grpc-js) that answers UNAVAILABLE — what a collector restarting behind a balancer, or a
 * draining one, answers — for OUTAGE_MS from the first request, then accepts; or
 * RESOURCE_EXHAUSTED with a google.rpc.RetryInfo (a throttling collector: retryable only so, OTLP
 * spec "OTLP/gRPC Throttling"); or accepts with a partial success. Its own `otel.sdk.exporter.*`
 * metrics leave over OTLP/HTTP to a receiver that is always up.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import { waitFor } from '../scripts/lib/procs.cjs';
import { startFixture, type RunningFixture } from './support/fixture';
import { bindLoopback, exportService, type ExportHandler } from './support/grpcStandIn';
import { decodeOtlpProtobuf } from './support/otlpProto';
import { OtlpReceiver, type ReceivedMetric } from './support/otlpReceiver';

const EVENTS = 100;
const OUTAGE_MS = 2000;
/** How long a collector that accepts and never answers is watched, and the attempts' timeout meanwhile. */
const BLACK_HOLE_MS = 4000;
const ATTEMPT_TIMEOUT_MS = 200;
/** grpc-js shares one connection per address among the signals' channels; one more for a reconnect. */
const MAX_CONNECTIONS = 2;
const THROTTLED_MS = 1000;

/** How the stand-in answers while it refuses (null: it accepts); `partial`: accepted with a partial success. */
type Behaviour = 'unavailable' | 'throttled' | 'partial';

const writer = (): protobuf.Writer => protobuf.Writer.create();
/**
 * grpc-status-details-bin: google.rpc.Status { code 8, details [Any { type_url RetryInfo,
 * value RetryInfo { retry_delay Duration { nanos 200 ms } } }] } (googleapis google/rpc/*.proto).
 */
function retryInfoStatus(): Buffer {
  const duration = writer().uint32(0x10).int32(200_000_000).finish();
  const retryInfo = writer().uint32(0x0a).bytes(duration).finish();
  const any = writer().uint32(0x0a).string('type.googleapis.com/google.rpc.RetryInfo').uint32(0x12).bytes(retryInfo).finish();
  return Buffer.from(writer().uint32(0x08).int32(grpc.status.RESOURCE_EXHAUSTED).uint32(0x1a).bytes(any).finish());
}
/** ExportLogsServiceResponse { partial_success { rejected_log_records, error_message } } (collector/logs/v1/logs_service.proto). */
function partialSuccess(rejected: number, message: string): Buffer {
  return Buffer.from(writer().uint32(0x0a).bytes(writer().uint32(0x08).int64(rejected).uint32(0x12).string(message).finish()).finish());
}

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
  let behaviour: Behaviour = 'unavailable';
  /** When the stand-in starts accepting: a while after the first request it sees. */
  let acceptFrom: number | undefined;
  const refused = { logs: 0, traces: 0 };
  /** order.number of every log record accepted, as often as it arrived. */
  const orders: string[] = [];
  const spans: string[] = [];

  before(async () => {
    const handler = (signal: 'logs' | 'traces'): ExportHandler => (call, callback) => {
      acceptFrom ??= Date.now() + (behaviour === 'unavailable' ? OUTAGE_MS : behaviour === 'throttled' ? THROTTLED_MS : 0);
      if (Date.now() < acceptFrom) {
        refused[signal]++;
        if (behaviour === 'throttled') {
          const metadata = new grpc.Metadata();
          metadata.set('grpc-status-details-bin', retryInfoStatus());
          callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'collector stand-in throttles', metadata });
        } else {
          callback({ code: grpc.status.UNAVAILABLE, details: 'collector stand-in restarting' });
        }
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
      // An empty Export*ServiceResponse: all accepted; or half the log records rejected.
      callback(null, behaviour === 'partial' && signal === 'logs' ? partialSuccess(EVENTS / 2, 'quota exceeded') : Buffer.alloc(0));
    };
    server.addService(exportService('logs', 'LogsService'), { Export: handler('logs') });
    server.addService(exportService('trace', 'TraceService'), { Export: handler('traces') });
    port = await bindLoopback(server);
    await metrics.start();
  });
  beforeEach(() => {
    acceptFrom = undefined;
    refused.logs = 0;
    refused.traces = 0;
    orders.length = 0;
    spans.length = 0;
    metrics.clear();
  });
  afterEach(() => {
    for (const app of running) app.child.kill('SIGKILL');
    running.clear();
  });
  after(async () => {
    server.forceShutdown();
    await metrics.stop();
  });

  const exported = (type: string, name: string, errorType?: string): number => total(metrics.metrics, name,
    (a) => a['otel.component.type'] === type && a['error.type'] === errorType);

  /** The app under the built preload, logs and traces over gRPC to the stand-in; stopped once `done` holds (or 15 s). */
  async function runApp(done: () => boolean): Promise<{ held: boolean; stderr: string }> {
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
    const held = await waitFor('the exports', 15_000, () => (done() ? true : undefined), 50).catch(() => false);
    const exit = await app.stop('SIGTERM');
    assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());
    return { held, stderr: app.stderr() };
  }

  const allArrived = (): boolean => new Set(orders).size >= EVENTS && spans.includes('stop.work')
    && exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported') >= EVENTS
    && exported('otlp_grpc_span_exporter', 'otel.sdk.exporter.span.exported') >= 1;

  /** Every record and the span arrived once, counted exported once and never failed, nothing said lost. */
  function assertDeliveredOnce(held: boolean, stderr: string): void {
    assert.ok(held, `not all arrived: ${new Set(orders).size}/${EVENTS} records, spans ${JSON.stringify(spans)}, refused ${JSON.stringify(refused)}\n${stderr}`);
    // The refusals met both signals' first batch, which was kept and sent again.
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
  }

  it(`UNAVAILABLE for ${OUTAGE_MS / 1000} s, then accepted: every record and the span arrive once, counted exported, none failed`, async () => {
    behaviour = 'unavailable';
    const { held, stderr } = await runApp(allArrived);
    assertDeliveredOnce(held, stderr);
  });

  it(`RESOURCE_EXHAUSTED with RetryInfo for ${THROTTLED_MS / 1000} s, then accepted: retried, every record once`, async () => {
    behaviour = 'throttled';
    const { held, stderr } = await runApp(allArrived);
    assertDeliveredOnce(held, stderr);
  });

  it('a partial success over gRPC: the rejected records counted as failed (error.type rejected) and said', async () => {
    behaviour = 'partial';
    const { held, stderr } = await runApp(() => new Set(orders).size >= EVENTS
      && exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported', 'rejected') >= EVENTS / 2);
    assert.ok(held, `${new Set(orders).size}/${EVENTS} records, exporter points ${JSON.stringify(metrics.metrics.filter((m) => m.name === 'otel.sdk.exporter.log.exported'))}\n${stderr}`);
    assert.equal(exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported'), EVENTS / 2);
    assert.equal(exported('otlp_grpc_log_exporter', 'otel.sdk.exporter.log.exported', 'rejected'), EVENTS / 2);
    assert.match(stderr, new RegExp(`^filament-otel: OTLP logs: ${EVENTS / 2} log records rejected by the collector \\(partial success: "quota exceeded"\\)`, 'm'), stderr);
  });
});

describe('gRPC exporters: a collector that accepts and never answers costs a bounded number of connections', function () {
  this.timeout(30_000);
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  let app: RunningFixture | undefined;
  before(() => new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve)));
  after(async () => {
    app?.child.kill('SIGKILL');
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  it(`${BLACK_HOLE_MS / 1000} s of ${ATTEMPT_TIMEOUT_MS} ms attempts on all three signals: at most ${MAX_CONNECTIONS} connections`, async () => {
    app = await startFixture('stop-modes.cjs', {
      args: ['own-handler'],
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`,
        OTEL_EXPORTER_OTLP_TIMEOUT: String(ATTEMPT_TIMEOUT_MS),
        OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100', OTEL_METRIC_EXPORT_INTERVAL: '300',
      },
    });
    // The observation window is the quantity under test: each timed-out attempt is retried (1 s, then ×1.5).
    await new Promise((resolve) => setTimeout(resolve, BLACK_HOLE_MS));
    assert.ok(accepted >= 1, 'the exporters never connected');
    assert.ok(accepted <= MAX_CONNECTIONS, `${accepted} connections accepted (${sockets.size} still open) in ${BLACK_HOLE_MS} ms`);
  });
});
