/**
 * Services → collector over TLS with a bearer token, as docs/security.md has the collector's OTLP receivers
 * configured: the built preload honours the standard OTEL_EXPORTER_OTLP_CERTIFICATE (the CA) and
 * OTEL_EXPORTER_OTLP_HEADERS (the token); an export the receiver refuses is counted on the service's stderr.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { makeCertificates, type TestCertificates } from './support/tls';

describe('preload: OTLP over TLS with a bearer token (the collector\'s secured receivers)', function () {
  this.timeout(60_000);
  const TOKEN = 'collector-token-0123456789abcdef';
  let dir: string;
  let certs: TestCertificates;
  const receiver = new OtlpReceiver();

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-preload-tls-'));
    certs = makeCertificates(dir, 'collector');
    await receiver.start(0, { tls: { cert: fs.readFileSync(certs.certFile, 'utf8'), key: fs.readFileSync(certs.keyFile, 'utf8') }, token: TOKEN });
  });
  after(async () => {
    await receiver.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => { receiver.clear(); receiver.unauthorized = 0; });

  async function run(env: Record<string, string>): Promise<string> {
    // The fixture flushes, shuts down and ends on its own.
    const app = await startFixture('typed-api.cjs', { otlp: receiver.url, readyText: 'DONE', env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...env } });
    await app.stop();
    return app.stderr();
  }

  it('exports to an https receiver trusted through OTEL_EXPORTER_OTLP_CERTIFICATE, with the token from OTEL_EXPORTER_OTLP_HEADERS', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}` });
    assert.doesNotMatch(stderr, /could not be exported/);
    // The fixture's 7 records (3 status changes, 4 pricings), all of them.
    assert.ok(await receiver.waitFor(() => receiver.logs.length === 7));
    assert.deepEqual(receiver.events('order.status_changed').map((l) => l.attributes['order.number']).sort(), ['ORD-1', 'ORD-BAD-0', 'ORD-BAD-1']);
    assert.equal(receiver.unauthorized, 0);
  });

  it('without the token: refused (401), nothing stored, the loss counted on stderr', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile });
    assert.ok(receiver.unauthorized >= 1);
    assert.deepEqual(receiver.logs, []);
    assert.match(stderr, /filament-otel: OTLP logs: [1-9]\d* log records could not be exported/);
  });

  it('a receiver whose certificate the service does not trust gets nothing, and the service says so', async () => {
    const stderr = await run({ OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}` });
    assert.equal(receiver.unauthorized, 0);
    assert.deepEqual(receiver.logs, []);
    assert.match(stderr, /filament-otel: OTLP logs: [1-9]\d* log records could not be exported/);
  });
});
