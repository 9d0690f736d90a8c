/**
 * Services → collector over OTLP/gRPC with TLS and a bearer token, as docs/security.md has the
 * collector's receivers configured: the preload's own gRPC transport (src/export/grpcTransport.ts)
 * takes its credentials and metadata from the settings upstream's gRPC exporters resolve
 * (`convertLegacyOtlpGrpcOptions`): the CA from OTEL_EXPORTER_OTLP_CERTIFICATE, the token from
 * OTEL_EXPORTER_OTLP_HEADERS. A refused token is final (UNAUTHENTICATED, not retried) and said.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { startFixture } from './support/fixture';
import { exportService, type ExportHandler } from './support/grpcStandIn';
import { decodeOtlpProtobuf } from './support/otlpProto';
import { makeCertificates } from './support/tls';

type LogsRequest = { resourceLogs?: { scopeLogs?: { logRecords?: unknown[] }[] }[] };

describe('gRPC exporters: OTLP/gRPC over TLS with a bearer token (the collector\'s secured receivers)', function () {
  this.timeout(30_000);
  const TOKEN = 'collector-token-0123456789abcdef';
  let dir: string;
  let caFile: string;
  let port = 0;
  const server = new grpc.Server();
  let records = 0;
  let unauthenticated = 0;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-grpc-tls-'));
    const certs = makeCertificates(dir, 'collector');
    caFile = certs.caFile;
    const logs: ExportHandler = (call, callback) => {
      if (call.metadata.get('authorization')[0] !== `Bearer ${TOKEN}`) {
        unauthenticated++;
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or invalid bearer token' });
        return;
      }
      const body = decodeOtlpProtobuf('/v1/logs', call.request) as LogsRequest;
      for (const rl of body.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) records += sl.logRecords?.length ?? 0;
      callback(null, Buffer.alloc(0));
    };
    server.addService(exportService('logs', 'LogsService'), { Export: logs });
    const credentials = grpc.ServerCredentials.createSsl(null,
      [{ cert_chain: fs.readFileSync(certs.certFile), private_key: fs.readFileSync(certs.keyFile) }], false);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials,
      (error, bound) => (error === null ? resolve(bound) : reject(error))));
  });
  after(() => {
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => { records = 0; unauthenticated = 0; });

  async function run(env: Record<string, string>): Promise<string> {
    // The fixture flushes, shuts down and ends on its own.
    const app = await startFixture('typed-api.cjs', {
      readyText: 'DONE',
      env: {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: `https://localhost:${port}`,
        OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', FILAMENT_SHUTDOWN_TIMEOUT_MS: '1500', ...env,
      },
    });
    await app.stop();
    return app.stderr();
  }

  it('exports to a TLS receiver trusted through OTEL_EXPORTER_OTLP_CERTIFICATE, with the token from OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_CERTIFICATE: caFile, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}` });
    assert.doesNotMatch(stderr, /could not be exported|abandoned/, stderr);
    assert.equal(records, 7, stderr); // the fixture's 7 records (3 status changes, 4 pricings)
    assert.equal(unauthenticated, 0);
  });

  it('a wrong token: UNAUTHENTICATED once (final, not retried), nothing stored, the loss said', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_CERTIFICATE: caFile, OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20forged' });
    assert.equal(unauthenticated, 1, stderr);
    assert.equal(records, 0);
    assert.match(stderr, /^filament-otel: OTLP logs: 7 log records could not be exported/m, stderr);
  });

  it('no token: refused, nothing stored, the loss said', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_CERTIFICATE: caFile });
    assert.ok(unauthenticated >= 1, stderr);
    assert.equal(records, 0);
    assert.match(stderr, /^filament-otel: OTLP logs: 7 log records could not be exported/m, stderr);
  });

  it('a receiver whose certificate the service does not trust gets nothing, and the service says so at once (final, not waited for like an outage)', async () => {
    // grpc-js reports the failed handshake as UNAVAILABLE; its details name the certificate error, which
    // waiting does not heal: failed at once, as on OTLP/HTTP — the fixture's flush ends without the stop deadline.
    const stderr = await run({ OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}`, FILAMENT_SHUTDOWN_TIMEOUT_MS: '20000' });
    assert.equal(unauthenticated, 0);
    assert.equal(records, 0);
    assert.match(stderr, /^filament-otel: OTLP logs: 7 log records could not be exported/m, stderr);
    assert.doesNotMatch(stderr, /abandoned|deadline/, stderr);
  });
});
