/**
 * No loss passes unannounced with OTEL_EXPORTER_OTLP_PROTOCOL=grpc either (issue 22): the gRPC
 * exporters (upstream's, installed beside the app: docs/settings.md) record the SDK's own
 * `otel.sdk.exporter.*` metrics as the OTLP/HTTP path does (src/sdk.ts, `selfObsMeterProvider`).
 *
 * The built preload in a child process sends logs and traces over gRPC to a collector stand-in
 * (@grpc/grpc-js) that answers every export UNAVAILABLE — what a collector's memory limiter or a
 * draining one answers — and its metrics over OTLP/HTTP to a second receiver that keeps them.
 * Before the gRPC exporters were given the meter provider no `otel.sdk.exporter.*` point arrived.
 */
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { startFixture, type RunningFixture } from './support/fixture';
import { OtlpReceiver, type ReceivedMetric } from './support/otlpReceiver';

const EVENTS = 100;

/** The OTLP export methods (opentelemetry/proto/collector/<signal>/v1/*_service.proto), bytes as they come. */
function exportService(pkg: string, service: string): grpc.ServiceDefinition {
  const bytes = (b: Buffer): Buffer => b;
  return {
    Export: {
      path: `/opentelemetry.proto.collector.${pkg}.v1.${service}/Export`,
      requestStream: false, responseStream: false,
      requestSerialize: bytes, requestDeserialize: bytes, responseSerialize: bytes, responseDeserialize: bytes,
    },
  };
}

describe('gRPC exporters: a refused export is counted in the SDK\'s own exporter metrics', function () {
  this.timeout(30_000);
  const refused: Record<string, number> = { logs: 0, traces: 0 };
  const server = new grpc.Server();
  let grpcPort = 0;
  const metrics = new OtlpReceiver();
  let app: RunningFixture | undefined;

  before(async () => {
    for (const [signal, pkg, service] of [['logs', 'logs', 'LogsService'], ['traces', 'trace', 'TraceService']] as const) {
      server.addService(exportService(pkg, service), {
        Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
          refused[signal] = (refused[signal] ?? 0) + 1;
          callback({ code: grpc.status.UNAVAILABLE, details: 'collector stand-in refuses' });
        },
      });
    }
    grpcPort = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(),
      (error, port) => (error === null ? resolve(port) : reject(error))));
    await metrics.start();
  });
  after(async () => {
    app?.child.kill('SIGKILL');
    server.forceShutdown();
    await metrics.stop();
  });

  /** The latest (cumulative) point of `name` whose attributes include `match`. */
  const latest = (name: string, match: Record<string, string | number>): ReceivedMetric['points'][number] | undefined => {
    let found: ReceivedMetric['points'][number] | undefined;
    for (const m of metrics.metrics) {
      if (m.name !== name) continue;
      for (const p of m.points) if (Object.entries(match).every(([k, v]) => p.attributes[k] === v)) found = p;
    }
    return found;
  };

  it('logs and spans refused UNAVAILABLE: failed with error.type and the gRPC status, said on stderr', async () => {
    app = await startFixture('stop-modes.cjs', {
      args: ['own-handler'],
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${grpcPort}`,
        // The exporter metrics leave over OTLP/HTTP, to a receiver that keeps them.
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${metrics.url}/v1/metrics`,
        EVENTS: String(EVENTS), OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: String(EVENTS),
        OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRIC_EXPORT_INTERVAL: '300', OTEL_METRIC_EXPORT_TIMEOUT: '250',
      },
    });
    const failedLogs = { 'otel.component.type': 'otlp_grpc_log_exporter', 'error.type': 'Error' };
    const failedSpans = { 'otel.component.type': 'otlp_grpc_span_exporter', 'error.type': 'Error' };
    const arrived = (): boolean => (latest('otel.sdk.exporter.log.exported', failedLogs)?.value ?? 0) >= EVENTS
      && (latest('otel.sdk.exporter.span.exported', failedSpans)?.value ?? 0) >= 1;
    const held = await metrics.waitFor(arrived, 15_000);
    await app.stop('SIGTERM');
    const exporterMetrics = [...new Set(metrics.metrics.map((m) => m.name).filter((n) => n.startsWith('otel.sdk.exporter.')))];
    assert.ok(held, `no failed-export count from the gRPC exporters arrived; exporter metrics: ${JSON.stringify(exporterMetrics)}; ` +
      `refused requests: ${JSON.stringify(refused)}\n${app.stderr()}`);
    assert.ok((refused.logs ?? 0) >= 1 && (refused.traces ?? 0) >= 1, `the stand-in saw ${JSON.stringify(refused)}`);

    // Exactly what was refused, on the same attributes as the OTLP/HTTP path (server.*, component), none as exported.
    const logs = latest('otel.sdk.exporter.log.exported', failedLogs);
    assert.equal(logs?.value, EVENTS);
    assert.equal(logs?.attributes['server.address'], '127.0.0.1');
    assert.equal(logs?.attributes['server.port'], grpcPort);
    assert.match(String(logs?.attributes['otel.component.name']), /^otlp_grpc_log_exporter\/\d+$/);
    assert.equal(latest('otel.sdk.exporter.span.exported', failedSpans)?.value, 1);
    assert.equal(latest('otel.sdk.exporter.log.exported', { 'otel.component.type': 'otlp_grpc_log_exporter' })?.attributes['error.type'], 'Error');
    for (const m of metrics.metrics.filter((x) => x.name === 'otel.sdk.exporter.log.exported')) {
      for (const p of m.points) assert.notEqual(p.attributes['error.type'], undefined, `counted as exported: ${JSON.stringify(p)}`);
    }
    // The error's kind: the gRPC status the collector answered, on the export duration.
    const duration = latest('otel.sdk.exporter.operation.duration', { 'otel.component.type': 'otlp_grpc_log_exporter' });
    assert.equal(duration?.attributes['rpc.response.status_code'], 'UNAVAILABLE', JSON.stringify(duration));
    // And said, as for OTLP/HTTP (delivery.ts, from the processor's own metric).
    assert.match(app.stderr(), new RegExp(`^filament-otel: OTLP logs: ${EVENTS} log records could not be exported`, 'm'), app.stderr());
    assert.match(app.stderr(), /^filament-otel: OTLP traces: 1 spans could not be exported/m, app.stderr());
  });
});
