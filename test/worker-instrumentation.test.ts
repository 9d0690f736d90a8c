/**
 * Automatic instrumentation in worker threads (src/threads, docs/events.md "Worker threads"): an
 * HTTP server or client run in a worker_thread gives the same api.request events and spans as on
 * the main thread, exported by the main thread's SDK in the trace the request or job carried; the
 * off switch; what a worker hands over after the stop, or cannot hand over, is counted and said.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import { OtlpReceiver, type ReceivedLog } from './support/otlpReceiver';
import { trackedFixtures } from './support/fixture';

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
/** As in test/fixtures/worker-http.cjs. */
const JOB_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const JOB_SPAN = '00f067aa0ba902b7';

function get(port: number, path: string, headers: Record<string, string> = {}): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    }).on('error', reject);
  });
}

/** api.request's attributes but its duration (a measurement, different each time). */
function withoutDuration(record: ReceivedLog | undefined): Record<string, unknown> {
  const { 'api.request.duration_ms': duration, ...rest } = record?.attributes ?? {};
  assert.equal(typeof duration, 'number');
  return rest;
}

describe('worker threads: automatic instrumentation reaches the main thread\'s SDK', function () {
  this.timeout(20000);
  const otlp = new OtlpReceiver();
  const fixtures = trackedFixtures();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());
  afterEach(() => fixtures.killLeftovers());

  it('an HTTP server in a worker: one api.request per request, as the main thread\'s, in the caller\'s trace; spans nest across threads', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url });
    const mainPort = Number(/^MAIN (\d+)$/m.exec(app.stdout())?.[1]);
    const N = 5;
    for (let i = 0; i < N; i++) assert.equal(await get(app.port as number, `/items/${i}`, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }), 200);
    assert.equal(await get(mainPort, '/items/main'), 200);
    assert.equal(await get(app.port as number, '/outgoing'), 200);
    // N + /outgoing from the worker, /items/main and /inner from the main thread.
    assert.ok(await otlp.waitFor(() => otlp.events('api.request').length === N + 3 && otlp.spans.length === N + 4), app.stderr());
    // The instrumentations' metrics too, aggregated with the main thread's (cumulative: the latest point).
    const latest = (name: string): number | undefined => otlp.metrics.filter((m) => m.name === name).flatMap((m) => m.points).at(-1)?.count;
    assert.ok(await otlp.waitFor(() => latest('http.server.request.duration') === N + 3 && latest('http.client.request.duration') === 1),
      JSON.stringify(otlp.metrics.filter((m) => m.name.startsWith('http.')).at(-1)));
    assert.deepEqual(await app.stop(), { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');

    const inCallerTrace = otlp.events('api.request').filter((r) => r.traceId === CALLER_TRACE);
    assert.equal(inCallerTrace.length, N);
    const servers = otlp.spans.filter((s) => s.kind === 2 && s.traceId === CALLER_TRACE);
    assert.deepEqual(servers.map((s) => s.attributes['url.path']).sort(), [0, 1, 2, 3, 4].map((i) => `/items/${i}`));
    for (const span of servers) {
      assert.equal(span.parentSpanId, CALLER_SPAN);
      assert.equal(span.attributes['server.port'], app.port);
      assert.equal(span.name, 'GET');
    }
    // Each event belongs to its request's span, and reads exactly as the main thread's does.
    assert.deepEqual(inCallerTrace.map((r) => r.spanId).sort(), servers.map((s) => s.spanId).sort());
    const fromMain = otlp.events('api.request').find((r) => otlp.spans.some((s) => s.spanId === r.spanId && s.attributes['url.path'] === '/items/main'));
    assert.deepEqual(withoutDuration(fromMain), { 'api.request.name': 'GET', 'http.request.method': 'GET', 'http.response.status_code': 200 });
    for (const record of inCallerTrace) {
      assert.deepEqual(withoutDuration(record), withoutDuration(fromMain));
      assert.equal(record.severityText, fromMain?.severityText);
      assert.equal(record.scope, fromMain?.scope);
    }

    // Worker server span → worker client span → the main thread's server span: one trace.
    const outgoing = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/outgoing');
    const client = otlp.spans.find((s) => s.kind === 3);
    const inner = otlp.spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/inner');
    assert.ok(outgoing !== undefined && client !== undefined && inner !== undefined);
    assert.equal(outgoing.parentSpanId, undefined);
    assert.equal(client.traceId, outgoing.traceId);
    assert.equal(client.parentSpanId, outgoing.spanId);
    assert.equal(inner.traceId, outgoing.traceId);
    assert.equal(inner.parentSpanId, client.spanId);
    // One process, one resource: the main thread's.
    const instances = new Set([...otlp.spans, ...otlp.logs].map((x) => x.resource['service.instance.id']));
    assert.equal(instances.size, 1);
  });

  for (const loader of ['require', 'import'] as const) it(`--${loader}: a piscina job handed a traceparent: its outgoing call is a client span of that trace`, async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { loader, otlp: otlp.url, args: ['job'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    const client = otlp.spans.filter((s) => s.kind === 3);
    assert.equal(client.length, 1);
    assert.equal(client[0]?.traceId, JOB_TRACE);
    assert.equal(client[0]?.parentSpanId, JOB_SPAN);
    assert.equal(client[0]?.attributes['http.response.status_code'], 200);
    const server = otlp.spans.filter((s) => s.kind === 2);
    assert.deepEqual(server.map((s) => [s.attributes['url.path'], s.traceId, s.parentSpanId]), [['/from-job', JOB_TRACE, client[0]?.spanId]]);
    // The worker's pino line: bridged there, masked by the main thread's log processors, in the job's trace.
    const lines = otlp.logs.filter((l) => l.scope === '@opentelemetry/instrumentation-pino');
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.body, 'priced for [MASKED]');
    assert.equal(lines[0]?.severityText, 'warn');
    assert.equal(lines[0]?.attributes.password, '[MASKED]');
    assert.equal(lines[0]?.attributes['filament.content.masked'], 2);
    assert.equal(lines[0]?.traceId, JOB_TRACE);
    assert.equal(lines[0]?.spanId, JOB_SPAN);
    assert.equal(lines[0]?.resource['service.instance.id'], client[0]?.resource['service.instance.id']);
  });

  it('amqplib in a worker: queue.message on publish and receive, masked, with the main thread\'s resource; the spans linked', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url, args: ['amqp'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    const records = otlp.events('queue.message');
    assert.deepEqual(records.map((r) => [r.attributes['messaging.operation.type'], r.attributes['messaging.message.id']]).sort(),
      [['receive', 'W-1'], ['receive', 'W-2'], ['send', 'W-1'], ['send', 'W-2']]);
    for (const r of records) {
      assert.equal(r.attributes['filament.content.masked'], 1);
      assert.doesNotMatch(String(r.body), /hunter2/);
    }
    const producers = otlp.spans.filter((s) => s.kind === 4);
    const consumers = otlp.spans.filter((s) => s.kind === 5);
    assert.equal(producers.length, 2);
    assert.equal(consumers.length, 2);
    // Each publish record in its producer span; each delivery's record in its consumer span.
    for (const r of records) {
      const spans = r.attributes['messaging.operation.type'] === 'send' ? producers : consumers;
      assert.ok(spans.some((s) => s.spanId === r.spanId && s.traceId === r.traceId), JSON.stringify(r));
    }
    const instances = new Set([...otlp.spans, ...otlp.logs].map((x) => x.resource['service.instance.id']));
    assert.equal(instances.size, 1);
  });

  it('a pino transport thread is not instrumented: a log shipper\'s HTTP requests are no spans', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url, args: ['pino-transport'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    // The sink's SERVER spans (main thread) prove the export ran; no CLIENT span came from the transport.
    assert.ok(otlp.spans.length > 0);
    assert.deepEqual(otlp.spans.filter((s) => s.kind !== 2 || s.attributes['url.path'] !== '/ship'), []);
  });

  it('FILAMENT_WORKER_INSTRUMENTATION=off: nothing from the worker\'s HTTP, the main thread\'s as before', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url, env: { FILAMENT_WORKER_INSTRUMENTATION: 'off' } });
    const mainPort = Number(/^MAIN (\d+)$/m.exec(app.stdout())?.[1]);
    for (let i = 0; i < 3; i++) assert.equal(await get(app.port as number, `/items/${i}`, { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` }), 200);
    assert.equal(await get(mainPort, '/items/main'), 200);
    assert.ok(await otlp.waitFor(() => otlp.events('api.request').length === 1 && otlp.spans.length === 1
      && otlp.metrics.some((m) => m.name === 'http.server.request.duration')), app.stderr());
    assert.deepEqual(await app.stop(), { code: 0, signal: null }, app.stderr());
    const durations = otlp.metrics.filter((m) => m.name === 'http.server.request.duration').flatMap((m) => m.points);
    assert.equal(durations.at(-1)?.count, 1);
    assert.equal(app.stderr(), '');
    assert.deepEqual(otlp.spans.map((s) => s.attributes['url.path']), ['/items/main']);
    assert.deepEqual(otlp.events('api.request').filter((r) => r.traceId === CALLER_TRACE), []);
  });

  it('after the main thread\'s shutdown(): the worker\'s spans and log lines are counted and said at exit, its api.request said, nothing exported', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url, args: ['after-shutdown'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.deepEqual(app.stderr().trim().split('\n'), [
      'filament-otel: api.request emitted after shutdown(): not recorded (said once per event)',
      'filament-otel: 3 log records (OTLP logs), 3 spans (OTLP traces) given after the stop: not recorded',
    ]);
    assert.deepEqual(otlp.spans, []);
    assert.deepEqual(otlp.events('api.request'), []);
  });

  it('a worker\'s record the structured clone refuses: counted and said by the worker, once at the first and with the count at its end', async () => {
    const app = await fixtures.startFixture('worker-http.cjs', { otlp: otlp.url, args: ['unclonable'], readyText: 'DONE' });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    const lines = app.stderr().trim().split('\n');
    assert.equal(lines.length, 2, app.stderr());
    assert.match(lines[0] as string, /^filament-otel: worker thread \d+: log records could not be handed to the main thread's SDK \(.*could not be cloned.*\); not recorded \(counted; the count is said when the thread ends\)$/);
    assert.match(lines[1] as string, /^filament-otel: worker thread \d+: 2 log records could not be handed to the main thread's SDK \(.*could not be cloned.*\): not recorded$/);
  });
});
