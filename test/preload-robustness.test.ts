import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OtlpReceiver } from './support/otlpReceiver';
import { sleep } from '../scripts/lib/procs.cjs';
import { request, startFixture } from './support/fixture';

describe('preload: robustness', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('graceful stop: N events then SIGTERM → N received', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url, env: { OTEL_BLRP_SCHEDULE_DELAY: '60000' } });
    assert.deepEqual((await request(app.port as number, 'POST', '/burst/1500')).body, { emitted: 1500 });
    // The batch delay is a minute: only the shutdown flush can deliver them now.
    const exit = await app.stop('SIGTERM');
    assert.equal(exit.signal, 'SIGTERM');
    const orders = otlp.events('order.status_changed');
    assert.equal(orders.length, 1500);
    assert.equal(new Set(orders.map((o) => o.attributes['order.number'])).size, 1500);
    // Filament's default export batch is 512 records, the specification's (config.ts), written in
    // slices of 128 (export/protobuf/slicing.ts): 1500 records leave in four requests or so, not twelve.
    assert.ok(otlp.logBatches.every((n) => n <= 512), `batch sizes ${otlp.logBatches.join(',')}`);
    assert.ok(otlp.logBatches.filter((n) => n === 512).length >= 2, `batch sizes ${otlp.logBatches.join(',')}`);
  });

  it('collector absent: the service answers normally and still stops promptly', async () => {
    const app = await startFixture('http-express.cjs', {
      otlp: 'http://127.0.0.1:9', env: { FILAMENT_SHUTDOWN_TIMEOUT_MS: '1500' },
    });
    for (let i = 0; i < 20; i++) assert.equal((await request(app.port as number, 'GET', `/orders/ORD-${i}`)).status, 200);
    const started = Date.now();
    const exit = await app.stop('SIGTERM', 10000);
    assert.equal(exit.signal, 'SIGTERM');
    // The deadline + 1 s: docs/stopping.md measured every stop within 200 ms of the deadline
    // (bench/stop-deadline.mjs); fails if the 1500 ms setting were ignored or overrun by a second.
    const took = Date.now() - started;
    assert.ok(took < 1500 + 1000, `stop took ${took} ms; FILAMENT_SHUTDOWN_TIMEOUT_MS is 1500`);
  });

  it('bad configuration: one clear line per variable naming the fallback; the service starts', async () => {
    const app = await startFixture('http-express.cjs', {
      otlp: otlp.url,
      env: {
        FILAMENT_CONTENT_MAX_BYTES: 'lots',
        OTEL_TRACES_SAMPLER: 'sometimes',
        FILAMENT_LOG_FILE_MAX_BYTES: '999999999',
        OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,express,telepathy',
      },
    });
    assert.equal((await request(app.port as number, 'GET', '/orders/ORD-1')).status, 200);
    await app.stop();
    const lines = app.stderr().trim().split('\n');
    assert.deepEqual(lines.sort(), [
      'filament-otel: FILAMENT_CONTENT_MAX_BYTES="lots" is not a whole number of bytes; using 8192',
      'filament-otel: FILAMENT_LOG_FILE_MAX_BYTES="999999999" is outside 4096..10485760 bytes; using 10485760',
      'filament-otel: OTEL_NODE_ENABLED_INSTRUMENTATIONS names "telepathy", which is not a known instrumentation; it is ignored',
      'filament-otel: OTEL_TRACES_SAMPLER="sometimes" is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio; using parentbased_always_on',
    ]);
    assert.equal(otlp.events('api.request').length, 1, 'still instrumented with the fallbacks');
  });

  it('silent settings are reported: an empty OTEL_SERVICE_NAME, a sampler argument the sampler does not take', async () => {
    const app = await startFixture('http-express.cjs', {
      otlp: otlp.url, env: { OTEL_SERVICE_NAME: '', OTEL_TRACES_SAMPLER_ARG: '2' },
    });
    assert.equal((await request(app.port as number, 'GET', '/orders/ORD-1')).status, 200);
    await app.stop();
    // The SDK's default is unknown_service:<process.argv0>; the line names what the records carry.
    const serviceName = otlp.events('api.request')[0]?.resource['service.name'];
    assert.match(String(serviceName), /^unknown_service:/);
    assert.deepEqual(app.stderr().trim().split('\n').sort(), [
      `filament-otel: OTEL_SERVICE_NAME="" is empty; using ${serviceName} (records cannot be told apart by service)`,
      'filament-otel: OTEL_TRACES_SAMPLER_ARG="2" is not read by the sampler parentbased_always_on (only traceidratio and parentbased_traceidratio take one); using it is ignored',
    ]);
  });

  it('an invalid endpoint falls back to the default and is reported', async () => {
    const app = await startFixture('http-express.cjs', {
      otlp: otlp.url, env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost 4318', FILAMENT_SHUTDOWN_TIMEOUT_MS: '1000' },
    });
    assert.equal((await request(app.port as number, 'GET', '/orders/ORD-1')).status, 200);
    await app.stop();
    assert.match(app.stderr(), /^filament-otel: OTEL_EXPORTER_OTLP_ENDPOINT="localhost 4318" is not an http\(s\) URL; using the default endpoint http:\/\/localhost:4318$/m);
  });

  it('unsampled requests still produce api.request (the ADR wants every call)', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url, env: { OTEL_TRACES_SAMPLER: 'always_off' } });
    await request(app.port as number, 'GET', '/orders/ORD-5');
    await request(app.port as number, 'GET', '/unavailable');
    await app.stop();
    assert.equal(otlp.spans.length, 0);
    assert.deepEqual(otlp.events('api.request').map((e) => e.attributes['api.request.name']).sort(),
      ['GET /orders/:orderNumber', 'GET /unavailable']);
    assert.equal(otlp.events('api.error').length, 1);
  });

  it('a 50 MB request body is refused by the app as usual and recorded as a 413', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    const res = await request(app.port as number, 'POST', '/models/price', `{"x":"${'a'.repeat(50 * 1024 * 1024)}"}`,
      { 'content-type': 'application/json' });
    assert.equal(res.status, 413);
    assert.equal((await request(app.port as number, 'GET', '/orders/ORD-2')).status, 200);
    await app.stop();
    // The body parser refuses it before routing, so there is no route template: the name is the method.
    const posted = otlp.events('api.request').find((e) => e.attributes['http.request.method'] === 'POST');
    assert.equal(posted?.attributes['api.request.name'], 'POST');
    assert.equal(posted?.attributes['http.response.status_code'], 413);
    assert.equal(otlp.events('api.error').length, 0, 'a client error is not a service error');
  });

  it('hostile queue messages: capped, marked, replaced and masked, never a crash', async function () {
    this.timeout(90000);
    const app = await startFixture('amqp-hostile.cjs', {
      otlp: otlp.url, readyText: 'READY', env: { FIXTURE_PREFIX: `h${process.pid}${Date.now()}` },
    });
    await app.waitForOutput('CONSUMED', 60000);
    await app.stop('SIGTERM');
    const get = (id: string, op: string) => otlp.events('queue.message').find(
      (e) => e.attributes['messaging.message.id'] === id && e.attributes['messaging.operation.type'] === op);
    for (const op of ['send', 'receive']) {
      const big = get('h-50mb', op);
      assert.equal(big?.attributes['messaging.message.body.size'], 50 * 1024 * 1024);
      assert.equal(big?.attributes['filament.content.truncated'], true);
      assert.equal(big?.body, `${'a'.repeat(8192)}…[truncated, ${50 * 1024 * 1024} bytes]`);
    }
    const bad = get('h-bad-utf8', 'receive');
    assert.equal(bad?.body, '{"a":"\uFFFD\uFFFD\uFFFD("}');
    const nested = get('h-nested', 'receive');
    assert.equal(nested?.attributes['filament.content.kind'], 'json');
    assert.equal(nested?.attributes['filament.content.truncated'], true);
    assert.ok(String(nested?.body).startsWith('[[[['));
    const secrets = get('h-secrets', 'send');
    assert.equal(secrets?.body, 'password=[MASKED]&card=[MASKED]&phone=[MASKED]&token=[MASKED]');
    assert.equal(secrets?.attributes['filament.content.masked'], 4);
    const multi = get('h-multibyte', 'send');
    // 8192 bytes of 2-byte characters: cut on a character boundary, no U+FFFD.
    assert.equal(multi?.body, `${'é'.repeat(4096)}…[truncated, 10000 bytes]`);
  });

  it('bundled preload: the app\'s own @opentelemetry/api reaches the SDK; a run-time-resolved instrumentation works', async () => {
    const app = await startFixture('app-own-api.cjs', {
      otlp: otlp.url, readyText: 'READY', env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,dns' },
    });
    const report = JSON.parse(app.stdout().split('\n')[0] as string) as { apiCopies: string[]; preloadApi: string[]; recording: boolean };
    await app.stop();
    assert.equal(report.apiCopies.length, 1, `one @opentelemetry/api from node_modules in the process (the app's): ${report.apiCopies.join(', ')}`);
    assert.deepEqual(report.preloadApi, [], 'dist/preload.js requires no @opentelemetry/api file at run time: its copy is bundled');
    assert.equal(report.recording, true);
    assert.equal(app.stderr(), '');
    const work = otlp.spans.find((s) => s.name === 'app.work');
    assert.ok(work, 'the app\'s span is exported');
    assert.equal(work.attributes['app.step'], 'own-api');
    const lookup = otlp.spans.find((s) => s.name === 'dns.lookup');
    assert.ok(lookup, `dns.lookup span from @opentelemetry/instrumentation-dns (spans: ${otlp.spans.map((s) => s.name).join(', ')})`);
    assert.equal(lookup.parentSpanId, work.spanId);
    for (const [scope, body] of [['app-own-api', 'through @opentelemetry/api'], ['app-own-api-logs', 'through @opentelemetry/api-logs']]) {
      const record = otlp.logs.find((l) => l.scope === scope);
      assert.ok(record, `the app's log record ${body} is exported (scopes: ${otlp.logs.map((l) => l.scope).join(', ')})`);
      assert.equal(record.body, body);
      assert.equal(record.traceId, work.traceId, 'inside the app\'s span');
    }
  });

  // /proc makes Node 20's recursive mkdir loop for ever; /sys refuses; a file cannot hold a directory.
  for (const unusable of ['/proc/filament-x', '/sys/filament-x', '<file>/x']) {
    it(`FILAMENT_LOG_FILE_DIR=${unusable}: one stderr line, the service keeps answering and stops on SIGTERM`, async () => {
      const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-notdir-'));
      const file = path.join(scratch, 'a-file');
      fs.writeFileSync(file, '');
      const dir = unusable.replace('<file>', file);
      const app = await startFixture('http-express.cjs', { otlp: otlp.url, env: { FILAMENT_LOG_FILE_DIR: dir } });
      const port = app.port as number;
      const answered = async (urlPath: string, method = 'GET'): Promise<number> => {
        const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { method, signal: AbortSignal.timeout(5000) });
        await res.text();
        return res.status;
      };
      try {
        assert.equal(await answered('/burst/300', 'POST'), 200);
        // Past several export rounds (OTEL_BLRP_SCHEDULE_DELAY=100): the old sink froze here.
        for (let i = 0; i < 15; i++) {
          assert.equal(await answered(`/orders/ORD-${i}`), 200);
          await sleep(100); // spaces the requests over export rounds
        }
      } catch (error) {
        await app.stop('SIGKILL');
        throw error;
      }
      const exit = await app.stop('SIGTERM', 10000);
      fs.rmSync(scratch, { recursive: true, force: true });
      assert.equal(exit.signal, 'SIGTERM', 'ended by its SIGTERM, not killed');
      const lines = app.stderr().trim().split('\n');
      assert.equal(lines.length, 1, app.stderr());
      assert.match(lines[0] as string, new RegExp(`^filament-otel: FILAMENT_LOG_FILE_DIR="${dir.replace(/[/.]/g, '\\$&')}" is not a writable directory \\(E[A-Z]+[^)]*\\); log records are not written to files$`));
      assert.equal(otlp.events('order.status_changed').length, 300, 'OTLP export is unaffected');
    });
  }

  it('writes JSON lines rotated below the size limit when FILAMENT_LOG_FILE_DIR is set', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-files-'));
    const app = await startFixture('http-express.cjs', {
      env: { FILAMENT_LOG_FILE_DIR: dir, FILAMENT_LOG_FILE_MAX_BYTES: '65536', OTEL_LOGS_EXPORTER: 'none',
        OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
    });
    await request(app.port as number, 'POST', '/burst/2000');
    await app.stop();
    const files = fs.readdirSync(dir).sort();
    assert.ok(files.length > 3, files.join());
    assert.ok(files.includes('filament-events.jsonl'));
    let orders = 0;
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.ok(Buffer.byteLength(text) <= 65536, `${f} is ${Buffer.byteLength(text)} bytes`);
      for (const line of text.trim().split('\n')) {
        const doc = JSON.parse(line);
        if (doc.event_name === 'order.status_changed') {
          orders++;
          assert.equal(doc.severity_number, 9);
          assert.equal(doc.attributes['customer.id'], 'C-1');
          assert.match(doc.trace_id, /^[0-9a-f]{32}$/);
          assert.equal(doc.resource.attributes['service.name'], 'http-express');
        }
      }
    }
    assert.equal(orders, 2000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
