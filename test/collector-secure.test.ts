/**
 * collector/config.secure.yaml with the real otelcol-filament: the OTLP receivers over TLS with a bearer
 * token (bearertokenauth). The built preload exports through it with the standard OTEL_EXPORTER_OTLP_*
 * settings; a sender without the token, with a wrong one, or in plain HTTP stores nothing; the
 * collector refuses to start without its token file or its certificate; a second token added to the
 * watched file is accepted without a restart (rotation).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectorBinary, readArchive, startCollector, type RunningCollector } from './support/collector';
import { ROOT, startFixture } from './support/fixture';
import { sleep, waitFor } from '../scripts/lib/procs.cjs';
import { makeCertificates, type TestCertificates } from './support/tls';

describe('collector: OTLP receivers over TLS with a bearer token (config.secure.yaml)', function () {
  this.timeout(90_000);
  const TOKEN = 'service-token-0123456789abcdef';
  let dir: string;
  let certs: TestCertificates;
  let tokenFile: string;
  let collector: RunningCollector;
  let url: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-collector-secure-'));
    certs = makeCertificates(dir, 'collector');
    tokenFile = path.join(dir, 'tokens');
    fs.writeFileSync(tokenFile, `${TOKEN} # the services\n`, { mode: 0o600 });
    collector = await startCollector({
      FILAMENT_COLLECTOR_TLS_CERT_FILE: certs.certFile, FILAMENT_COLLECTOR_TLS_KEY_FILE: certs.keyFile, FILAMENT_COLLECTOR_TOKEN_FILE: tokenFile,
    }, { overlays: ['config.secure.yaml'] });
    url = collector.httpUrl.replace('http:', 'https:');
  });
  after(async () => {
    await collector?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function send(orderPrefix: string, env: Record<string, string>): Promise<string> {
    const app = await startFixture('typed-api.cjs', {
      otlp: url, readyText: 'DONE',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_SERVICE_NAME: orderPrefix, ...env },
    });
    await app.stop();
    return app.stderr();
  }
  const archivedFrom = (service: string) => readArchive(collector.archiveDir).filter((l) => l.resource['service.name'] === service);

  it('the preload\'s records arrive with the CA and the token; without the token, with a wrong one or untrusted they do not, and the service says so', async () => {
    const ok = await send('secure-ok', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}` });
    assert.doesNotMatch(ok, /could not be exported/);
    await waitFor('7 records archived', 20_000, async () => (archivedFrom('secure-ok').length === 7 ? true : undefined));
    const refused: [string, Record<string, string>][] = [
      ['secure-no-token', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile }],
      ['secure-wrong-token', { OTEL_EXPORTER_OTLP_CERTIFICATE: certs.caFile, OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}x` }],
      ['secure-untrusted', { OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${TOKEN}` }],
    ];
    for (const [service, env] of refused) {
      const stderr = await send(service, env);
      assert.match(stderr, /filament-otel: OTLP logs: 7 log records could not be exported/, service);
    }
    // Plain HTTP to the TLS port gets no OTLP answer.
    const plain = await fetch(`${collector.httpUrl}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceLogs":[]}' })
      .then((r) => r.status, () => 'refused');
    assert.notEqual(plain, 200);
    await sleep(1500); // refused records, which must not reach the archive, would be there by now
    for (const [service] of refused) assert.deepEqual(archivedFrom(service), [], service);
  });

  it('the token file is watched: a second token is accepted without a restart (rotation)', async () => {
    const next = 'service-token-next-fedcba9876543210';
    const post = (token: string) => new Promise<number>((resolve, reject) => {
      const req = https.request(`${url}/v1/logs`, {
        method: 'POST', ca: certs.ca, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', reject);
      req.end('{"resourceLogs":[]}');
    });
    assert.equal(await post(next), 401);
    fs.appendFileSync(tokenFile, `${next} # rotation\n`);
    await waitFor('the new token accepted', 20_000, async () => ((await post(next)) === 200 ? true : undefined));
    assert.equal(await post(TOKEN), 200, 'the old token still works until its line is removed');
  });

  it('refuses to start without its token file or its certificate, saying which', () => {
    const run = (env: Record<string, string>) => spawnSync(collectorBinary(), ['--config', path.join(ROOT, 'collector', 'config.yaml'), '--config', path.join(ROOT, 'collector', 'config.secure.yaml')], {
      env: { PATH: process.env.PATH, FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'st'), FILAMENT_COLLECTOR_ARCHIVE_DIR: path.join(dir, 'ar'), ...env },
      encoding: 'utf8', timeout: 20_000,
    });
    const noToken = run({ FILAMENT_COLLECTOR_TLS_CERT_FILE: certs.certFile, FILAMENT_COLLECTOR_TLS_KEY_FILE: certs.keyFile });
    assert.notEqual(noToken.status, 0);
    assert.match(noToken.stderr, /bearertokenauth\/otlp: no bearer token provided/);
    const noTls = run({ FILAMENT_COLLECTOR_TOKEN_FILE: tokenFile });
    assert.notEqual(noTls.status, 0);
    assert.match(noTls.stderr, /TLS configuration must include both certificate and key/);
  });
});
