/**
 * No loss passes unannounced with OTEL_EXPORTER_OTLP_PROTOCOL=grpc either (issue 22): the gRPC
 * exporters (src/export/otlpGrpcExporter.ts, @grpc/grpc-js installed beside the app:
 * docs/settings.md) record the SDK's own `otel.sdk.exporter.*` metrics as the OTLP/HTTP path does.
 *
 * The built preload in a child process sends logs and traces over gRPC to a collector stand-in
 * (@grpc/grpc-js) that answers every logs and traces export INVALID_ARGUMENT — a status the OTLP
 * spec makes final — and its metrics either over OTLP/HTTP to a second receiver or over gRPC to the
 * stand-in, which keeps them. Before the gRPC exporters were given the meter provider no
 * `otel.sdk.exporter.log/span` point arrived. The stand-in answered UNAVAILABLE until the gRPC
 * exporters retried (test/grpc-retry.test.ts): UNAVAILABLE is retryable, so such a batch is now kept
 * for up to 65 s and arrives once the collector is back; a final status is what still fails at once.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '../scripts/lib/procs.cjs';
import * as path from 'node:path';
import { FIXTURES, startFixture, type RunningFixture } from './support/fixture';
import { GRPC_VERSION } from '../src/export/grpcPackage';
import { bindLoopback, exportService } from './support/grpcStandIn';
import { decodeOtlpProtobuf } from './support/otlpProto';
import { fromAnyValue, OtlpReceiver, type ReceivedMetric, type Value } from './support/otlpReceiver';

const EVENTS = 100;

type Point = ReceivedMetric['points'][number];
type MetricsRequest = { resourceMetrics?: { scopeMetrics?: { metrics?: {
  name: string; sum?: { dataPoints?: unknown[] }; histogram?: { dataPoints?: unknown[] }; gauge?: { dataPoints?: unknown[] };
}[] }[] }[] };
type RawPoint = { attributes?: { key: string; value: Parameters<typeof fromAnyValue>[0] }[]; asInt?: string | number; asDouble?: number; sum?: number };

/** An ExportMetricsServiceRequest (OTLP/JSON shape) as the in-test receiver keeps metrics. */
function metricsOf(body: MetricsRequest): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const rm of body.resourceMetrics ?? []) for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) {
    const points = ((m.sum ?? m.histogram ?? m.gauge)?.dataPoints ?? []) as RawPoint[];
    out.push({
      name: m.name, unit: undefined, resource: {},
      points: points.map((p) => ({
        attributes: Object.fromEntries((p.attributes ?? []).map((kv): [string, Value] => [kv.key, fromAnyValue(kv.value)])),
        value: Number(p.asInt ?? p.asDouble ?? p.sum ?? 0),
      })),
    });
  }
  return out;
}

/** The latest (cumulative) point of `name` in `metrics` whose attributes include `match`. */
function latest(metrics: readonly ReceivedMetric[], name: string, match: Record<string, string | number>): Point | undefined {
  let found: Point | undefined;
  for (const m of metrics) {
    if (m.name !== name) continue;
    for (const p of m.points) if (Object.entries(match).every(([k, v]) => p.attributes[k] === v)) found = p;
  }
  return found;
}

describe('gRPC exporters: a refused export is counted in the SDK\'s own exporter metrics', function () {
  this.timeout(30_000);
  const refused: Record<string, number> = { logs: 0, traces: 0 };
  /** What the stand-in accepted on its metrics service (the OTLP/gRPC metrics exporter's requests). */
  const grpcMetrics: ReceivedMetric[] = [];
  const server = new grpc.Server();
  let grpcPort = 0;
  const httpMetrics = new OtlpReceiver();
  const running = new Set<RunningFixture>();

  before(async () => {
    for (const [signal, pkg, service] of [['logs', 'logs', 'LogsService'], ['traces', 'trace', 'TraceService']] as const) {
      server.addService(exportService(pkg, service), {
        Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          refused[signal] = (refused[signal] ?? 0) + 1;
          callback({ code: grpc.status.INVALID_ARGUMENT, details: 'collector stand-in refuses' });
        },
      });
    }
    server.addService(exportService('metrics', 'MetricsService'), {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        grpcMetrics.push(...metricsOf(decodeOtlpProtobuf('/v1/metrics', call.request) as MetricsRequest));
        callback(null, Buffer.alloc(0)); // an empty ExportMetricsServiceResponse: all accepted
      },
    });
    grpcPort = await bindLoopback(server);
    await httpMetrics.start();
  });
  afterEach(() => {
    for (const app of running) app.child.kill('SIGKILL');
    running.clear();
  });
  after(async () => {
    server.forceShutdown();
    await httpMetrics.stop();
  });

  const failedLogs = { 'otel.component.type': 'otlp_grpc_log_exporter', 'error.type': 'Error' };
  const failedSpans = { 'otel.component.type': 'otlp_grpc_span_exporter', 'error.type': 'Error' };
  const arrived = (metrics: readonly ReceivedMetric[]): boolean => (latest(metrics, 'otel.sdk.exporter.log.exported', failedLogs)?.value ?? 0) >= EVENTS
    && (latest(metrics, 'otel.sdk.exporter.span.exported', failedSpans)?.value ?? 0) >= 1;

  /** The app under the built preload, logs and traces over gRPC to the refusing stand-in; stopped once `done` holds (or 15 s). */
  async function runApp(env: Record<string, string>, done: () => boolean): Promise<{ held: boolean; stderr: string }> {
    refused.logs = 0;
    refused.traces = 0;
    const app = await startFixture('stop-modes.cjs', {
      args: ['own-handler'],
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
        EVENTS: String(EVENTS), OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: String(EVENTS),
        OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_METRIC_EXPORT_TIMEOUT: '250',
        ...env,
      },
    });
    running.add(app);
    const held = await waitFor('the exporter metrics', 15_000, () => (done() ? true : undefined), 50).catch(() => false);
    await app.stop('SIGTERM');
    return { held, stderr: app.stderr() };
  }

  /** Exactly what was refused, on the same attributes as the OTLP/HTTP path (server.*, component), none as exported; and said. */
  function assertCounted(metrics: readonly ReceivedMetric[], held: boolean, stderr: string): void {
    const exporterMetrics = [...new Set(metrics.map((m) => m.name).filter((n) => n.startsWith('otel.sdk.exporter.')))];
    assert.ok(held, `the gRPC exporters' counts did not all arrive in 15 s; exporter metrics that did: ${JSON.stringify(exporterMetrics)}; ` +
      `refused requests: ${JSON.stringify(refused)}\n${stderr}`);
    // Each signal's one batch was sent once: a final status is not retried.
    assert.deepEqual(refused, { logs: 1, traces: 1 }, `the stand-in saw ${JSON.stringify(refused)}`);
    const logs = latest(metrics, 'otel.sdk.exporter.log.exported', failedLogs);
    assert.equal(logs?.value, EVENTS);
    assert.equal(logs?.attributes['server.address'], '127.0.0.1');
    assert.equal(logs?.attributes['server.port'], grpcPort);
    assert.match(String(logs?.attributes['otel.component.name']), /^otlp_grpc_log_exporter\/\d+$/);
    assert.equal(latest(metrics, 'otel.sdk.exporter.span.exported', failedSpans)?.value, 1);
    for (const m of metrics.filter((x) => x.name === 'otel.sdk.exporter.log.exported' || x.name === 'otel.sdk.exporter.span.exported')) {
      for (const p of m.points) assert.notEqual(p.attributes['error.type'], undefined, `counted as exported: ${m.name} ${JSON.stringify(p)}`);
    }
    // The error's kind: the gRPC status the collector answered, on the export duration.
    const duration = latest(metrics, 'otel.sdk.exporter.operation.duration', { 'otel.component.type': 'otlp_grpc_log_exporter' });
    assert.equal(duration?.attributes['rpc.response.status_code'], 'INVALID_ARGUMENT', JSON.stringify(duration));
    // And said, as for OTLP/HTTP (delivery.ts, from the processor's own metric).
    assert.match(stderr, new RegExp(`^filament-otel: OTLP logs: ${EVENTS} log records could not be exported`, 'm'), stderr);
    assert.match(stderr, /^filament-otel: OTLP traces: 1 spans could not be exported/m, stderr);
  }

  it('logs and spans refused INVALID_ARGUMENT, metrics over OTLP/HTTP: failed with error.type and the gRPC status, said on stderr', async () => {
    httpMetrics.clear();
    const { held, stderr } = await runApp({
      // The exporter metrics leave over OTLP/HTTP, to a receiver that keeps them.
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${httpMetrics.url}/v1/metrics`,
    }, () => arrived(httpMetrics.metrics));
    assertCounted(httpMetrics.metrics, held, stderr);
  });

  it('everything over gRPC: the same counts arrive through the gRPC metrics exporter, which counts its own exports', async () => {
    grpcMetrics.length = 0;
    const metricExports = { 'otel.component.type': 'otlp_grpc_metric_exporter' };
    const { held, stderr } = await runApp({}, () => arrived(grpcMetrics)
      && (latest(grpcMetrics, 'otel.sdk.exporter.metric_data_point.exported', metricExports)?.value ?? 0) > 0);
    assertCounted(grpcMetrics, held, stderr);
    const exported = latest(grpcMetrics, 'otel.sdk.exporter.metric_data_point.exported', metricExports);
    assert.equal(exported?.attributes['error.type'], undefined, JSON.stringify(exported));
    assert.equal(exported?.attributes['server.port'], grpcPort);
  });

  it('@grpc/grpc-js not installed: one line per signal naming it, the records counted as failed and said, the service runs on', async () => {
    refused.logs = 0;
    refused.traces = 0;
    const app = await startFixture('stop-modes.cjs', {
      args: ['own-handler'],
      env: {
        NODE_OPTIONS: `--require ${path.join(FIXTURES, 'without-grpc.cjs')}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
        OTEL_METRICS_EXPORTER: 'none', EVENTS: String(EVENTS),
        OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    running.add(app);
    const said = (): boolean => /OTLP logs: \d+ log records could not be exported/.test(app.stderr()) && /OTLP traces: 1 spans could not be exported/.test(app.stderr());
    const held = await waitFor('the lines', 15_000, () => (said() ? true : undefined), 50).catch(() => false);
    assert.ok(held, app.stderr());
    assert.equal(app.child.exitCode, null, 'the service stopped');
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    for (const signal of ['logs', 'traces']) {
      const line = `filament-otel: OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs @grpc/grpc-js, which filament-otel does not install: npm install @grpc/grpc-js@${GRPC_VERSION}; ${signal} are not exported`;
      assert.equal(app.stderr().split('\n').filter((l) => l === line).length, 1, `once: ${line}\n${app.stderr()}`);
    }
    assert.match(app.stderr(), new RegExp(`^filament-otel: OTLP logs: ${EVENTS} log records could not be exported`, 'm'), app.stderr());
    assert.deepEqual(refused, { logs: 0, traces: 0 }, 'nothing reached the collector');
  });
});
