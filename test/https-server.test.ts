/**
 * Incoming HTTPS requests get what HTTP ones get (a SERVER span with url.scheme https, api.request)
 * although the preload no longer loads node:https at start-up (tls with it: ~2.6 MiB of RSS in a
 * service serving no HTTPS; docs/benchmarks.md, "Idle memory and start-up on SDK 3"):
 * src/http/server.ts patches https.Server when an https server calls listen(), through Node's
 * `tracing:net.server.listen:asyncStart` channel — whether the app required node:https or took it
 * from process.getBuiltinModule, which no require hook sees.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { makeCertificates, type TestCertificates } from './support/tls';

describe('preload: an HTTPS server, node:https loaded by the app, not the preload', function () {
  this.timeout(60_000);
  const otlp = new OtlpReceiver();
  let dir: string;
  let certs: TestCertificates;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-https-server-'));
    certs = makeCertificates(dir, 'service');
    await otlp.start();
  });
  after(async () => {
    await otlp.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => otlp.clear());

  for (const how of ['require', 'builtin']) {
    it(`node:https from ${how === 'require' ? 'require()' : 'process.getBuiltinModule()'}: a SERVER span with url.scheme https, and api.request`, async () => {
      const app = await startFixture('https-server.cjs', {
        otlp: otlp.url, env: { HTTPS_MODULE: how, TLS_CERT: certs.certFile, TLS_KEY: certs.keyFile },
      });
      try {
        assert.match(app.stdout(), /HTTPS_BEFORE_APP false/);
        const status = await new Promise<number | undefined>((resolve, reject) => {
          https.get({ host: '127.0.0.1', port: app.port, path: '/orders/17', ca: certs.ca }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          }).on('error', reject);
        });
        assert.equal(status, 200);
        assert.ok(await otlp.waitFor(() => otlp.spans.length > 0 && otlp.events('api.request').length > 0), `spans ${otlp.spans.length}, api.request ${otlp.events('api.request').length}\n${app.stderr()}`);
        const [span] = otlp.spans;
        assert.equal(span?.kind, 2); // SERVER
        assert.equal(span?.attributes['url.scheme'], 'https');
        assert.equal(span?.attributes['http.response.status_code'], 200);
      } finally {
        await app.stop();
      }
    });
  }
});
