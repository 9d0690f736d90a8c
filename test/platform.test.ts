/**
 * The reference platform end to end, exactly as `make demo` runs it: the MES
 * API (ESM, --import) and the order service (CJS, --require) under the built
 * preload, real RabbitMQ, the real otelcol-filament, the load generator with
 * its fault schedule. Then what was exported is checked record by record.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { collectorBinary, readArchive } from './support/collector';
import { ROOT } from './support/fixture';

interface EventDoc {
  '@timestamp': string;
  severity_text: string;
  severity_number: number;
  /** Absent on the services' own log lines (bridged from their loggers). */
  event_name: string;
  trace_id?: string;
  body?: { text?: string };
  scope?: { name?: string };
  attributes: Record<string, unknown>;
  resource: { attributes: Record<string, unknown> };
}

function readEvents(dir: string): EventDoc[] {
  const out: EventDoc[] = [];
  for (const service of fs.readdirSync(dir)) {
    for (const f of fs.readdirSync(path.join(dir, service)).filter((n) => n.endsWith('.jsonl'))) {
      for (const line of fs.readFileSync(path.join(dir, service, f), 'utf8').split('\n')) {
        if (line.trim() !== '') out.push(JSON.parse(line) as EventDoc);
      }
    }
  }
  return out.sort((a, b) => (a['@timestamp'] < b['@timestamp'] ? -1 : a['@timestamp'] > b['@timestamp'] ? 1 : 0));
}

const service = (d: EventDoc): unknown => d.resource.attributes['service.name'];

/** A count from the load generator's own tally in the demo's output (scripts/demo.mjs: "load done: …"). */
function loadCount(stdout: string, pattern: RegExp): number {
  const line = /^.*load done: .*$/m.exec(stdout)?.[0] ?? '';
  const match = pattern.exec(line);
  assert.ok(match, `${pattern} in the load summary: ${line || stdout}`);
  return Number(match[1]);
}

describe('platform: orders + MES API + RabbitMQ under the preload (make demo, short run)', function () {
  this.timeout(20 * 60 * 1000);
  let out: string;
  let stdout = '';
  let exitCode: number | null;
  let events: EventDoc[];
  /** The services' own log lines (no event name). */
  let lines: EventDoc[];

  /** The run's seed (FILAMENT_SEED replays a failed run's fault decisions; examples/shared/seed.cjs). */
  const seed = process.env.FILAMENT_SEED || String(randomInt(2 ** 32));

  before(async function () {
    process.stdout.write(`      platform: FILAMENT_SEED=${seed} (set it to replay this run's fault decisions)\n`);
    const binary = collectorBinary();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-demo-'));
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs')], {
      cwd: ROOT,
      // ALERTING=0: what this spec checks is the records; the alerting loop over these faults (each
      // alert within 30 s of its fault, resolved, answered) is CI's `make demo` at full length and, alert
      // by alert on the same MES faults, test/alerting.test.ts — here it only added its settle (~70 s).
      env: { ...process.env, FILAMENT_SEED: seed, DEMO_SECONDS: '10', DEMO_OUTPUT: out, FILAMENT_OTELCOL_BIN: binary, OTEL_EXPORTER_OTLP_ENDPOINT: '', ALERTING: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stdout += d.toString(); });
    exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const all = readEvents(path.join(out, 'events'));
    events = all.filter((d) => d.event_name !== undefined);
    lines = all.filter((d) => d.event_name === undefined);
  });

  after(() => {
    if (out) fs.rmSync(out, { recursive: true, force: true });
  });

  it('the demo exits 0 and its summary names all six events with counts', () => {
    assert.equal(exitCode, 0, stdout);
    assert.match(stdout, new RegExp(`^demo: seed ${seed} \\(FILAMENT_SEED=${seed} replays`, 'm'), 'the demo ran on the given seed');
    for (const name of ['order.status_changed', 'model3d.priced', 'api.request', 'queue.message', 'queue.dead_lettered', 'api.error']) {
      assert.match(stdout, new RegExp(`^  ${name.replace('.', '\\.')} +(INFO|WARN|ERROR) +[1-9]\\d* +[1-9]\\d* `, 'm'), `${name} in:\n${stdout}`);
    }
    assert.match(stdout, /one order followed: ORD-\S+, trace id [0-9a-f]{32}/);
    assert.match(stdout, /all six events present/);
  });

  it('one order\'s pricing is one trace: orders → RabbitMQ → mes-api → RabbitMQ → orders', () => {
    const created = events.filter((d) => d.event_name === 'order.status_changed' && d.attributes['order.status'] === 'created');
    const shipped = new Set(events.filter((d) => d.event_name === 'order.status_changed' && d.attributes['order.status'] === 'shipped')
      .map((d) => d.attributes['order.number']));
    const start = created.find((d) => shipped.has(d.attributes['order.number']));
    assert.ok(start?.trace_id, 'a shipped order with a traced creation');
    const orderNumber = start.attributes['order.number'];
    const trace = events.filter((d) => d.trace_id === start.trace_id);
    const steps = trace.map((d) => `${String(service(d))} ${d.event_name}${d.attributes['messaging.operation.type'] ? ` ${String(d.attributes['messaging.operation.type'])}` : ''}`);
    // Order of appearance within each service; across services by causality.
    assert.deepEqual(steps.filter((s) => s.startsWith('mes-api')), [
      'mes-api queue.message receive', 'mes-api model3d.priced', 'mes-api queue.message send',
    ]);
    assert.deepEqual(new Set(steps.filter((s) => s.startsWith('orders'))), new Set([
      'orders order.status_changed', 'orders queue.message send', 'orders api.request', 'orders queue.message receive',
    ]));
    const statuses = trace.filter((d) => d.event_name === 'order.status_changed').map((d) => d.attributes['order.status']);
    assert.deepEqual(statuses, ['created', 'priced']);
    const request = trace.find((d) => d.event_name === 'api.request');
    assert.equal(request?.attributes['api.request.name'], 'POST /v1/orders');
    assert.equal(request?.attributes['http.response.status_code'], 202);
    const [sent, received] = trace.filter((d) => d.event_name === 'queue.message');
    assert.equal(sent?.attributes['messaging.message.id'], received?.attributes['messaging.message.id']);
    assert.match(String(sent?.attributes['messaging.destination.name']), /mes\.pricing\.requests$/);
    const priced = trace.find((d) => d.event_name === 'model3d.priced');
    assert.equal(priced?.attributes['customer.id'], start.attributes['customer.id']);
    assert.ok(Number(priced?.attributes['model3d.polygon_count']) > 0);
    // Priced in the MES's worker pool (piscina): its own "model priced" line of this trace names the
    // worker thread (> 0; the main thread is 0), whose model3d.priced above reached the main thread's SDK.
    const pricedLine = lines.find((d) => d.trace_id === start.trace_id && d.body?.text === 'model priced');
    assert.ok(Number(pricedLine?.attributes.pricingThread) > 0, JSON.stringify(pricedLine?.attributes));
    assert.match(stdout, /^ {4}across threads: mes-api priced it in worker thread [1-9]\d* \(piscina pool\); its model3d\.priced went to the main thread's SDK in this trace$/m);

    // Its whole life, one status change per step, each after the one before.
    const life = events.filter((d) => d.event_name === 'order.status_changed' && d.attributes['order.number'] === orderNumber)
      .map((d) => `${String(d.attributes['order.previous_status'] ?? '-')}→${String(d.attributes['order.status'])}`);
    assert.deepEqual(life, ['-→created', 'created→priced', 'priced→paid', 'paid→printing', 'printing→shipped']);
  });

  it('invalid transitions are answered 409 and logged as api.request, not api.error', () => {
    const conflicts = events.filter((d) => d.event_name === 'api.request' && d.attributes['http.response.status_code'] === 409);
    assert.ok(conflicts.length > 0);
    // Exactly the wrong steps the load made and saw refused: none lost, none invented.
    assert.equal(conflicts.length, loadCount(stdout, /(\d+) refused with 409/));
    assert.equal(conflicts[0]?.attributes['api.request.name'], 'POST /v1/orders/:orderNumber/:action');
    assert.equal(events.filter((d) => d.event_name === 'api.error' && service(d) === 'orders').length, 0);
  });

  it('the 5xx burst gives api.error from mes-api with service, code and message', () => {
    const errors = events.filter((d) => d.event_name === 'api.error');
    assert.ok(errors.length > 0);
    // One api.error per 5xx answer the load received, whatever the random fault schedule made of it.
    assert.equal(errors.length, loadCount(stdout, /(\d+) 5xx answers/));
    for (const e of errors) {
      assert.equal(service(e), 'mes-api');
      assert.equal(e.severity_number, 17);
      assert.equal(e.attributes['http.response.status_code'], 503);
      assert.equal(e.attributes['error.type'], 'SlicerFault');
      assert.equal(e.attributes['error.message'], 'slicer backend unavailable');
      assert.equal(e.attributes['api.request.name'], 'POST /v1/models/price');
    }
  });

  it('bad models are refused with 4xx and are not errors', () => {
    const refused = events.filter((d) => d.event_name === 'api.request' && d.attributes['api.request.name'] === 'POST /v1/models/price'
      && Number(d.attributes['http.response.status_code']) >= 400 && Number(d.attributes['http.response.status_code']) < 500);
    assert.ok(refused.length > 0, 'some uploads of bad models');
    assert.equal(refused.length, loadCount(stdout, /(\d+) bad models refused/));
  });

  it('poison messages, repeated failures and the MES slowdown dead-letter with their reasons', () => {
    const dead = events.filter((d) => d.event_name === 'queue.dead_lettered');
    const byReason = new Map<string, EventDoc[]>();
    for (const d of dead) byReason.set(String(d.attributes['queue.dead_letter.reason']), [...(byReason.get(String(d.attributes['queue.dead_letter.reason'])) ?? []), d]);
    // The three poison messages the load sends, content kept.
    const rejected = (byReason.get('rejected') ?? []).map((d) => d.body?.text);
    assert.ok(rejected.includes('not json at all'), JSON.stringify([...byReason.keys()]));
    assert.ok(rejected.includes('{"orderNumber": 42'));
    assert.ok((byReason.get('delivery_limit') ?? []).length > 0, 'transient failures until the delivery limit');
    const slow = [...(byReason.get('expired') ?? []), ...(byReason.get('maxlen') ?? [])];
    assert.ok(slow.length > 0, 'expedite quotes expired or overflowed while MES was slow');
    for (const d of slow) assert.match(String(d.attributes['queue.dead_letter.queue']), /mes\.pricing\.expedite$/);
    for (const d of dead) assert.equal(d.severity_text, 'WARN');
    // Exactly one WARN per message: no message id twice.
    const ids = dead.map((d) => d.attributes['messaging.message.id']).filter((id) => id !== undefined);
    assert.equal(new Set(ids).size, ids.length);
  });

  it('the services\' own log lines arrive correlated: orders through winston, mes-api through Fastify\'s pino', () => {
    const bridged = lines.filter((d) => d.scope?.name === '@opentelemetry/winston-transport' || d.scope?.name === '@opentelemetry/instrumentation-pino');
    const created = events.find((d) => d.event_name === 'order.status_changed' && d.attributes['order.status'] === 'created' && d.trace_id);
    const orderNumber = created?.attributes['order.number'];
    const createdLine = bridged.find((d) => d.body?.text === 'order created, pricing requested' && d.attributes.orderNumber === orderNumber);
    assert.equal(createdLine?.scope?.name, '@opentelemetry/winston-transport');
    assert.equal(createdLine?.trace_id, created?.trace_id);
    assert.equal(createdLine?.severity_number, 9);
    const priced = bridged.filter((d) => d.body?.text === 'model priced');
    assert.ok(priced.length > 0);
    for (const d of priced) {
      assert.equal(service(d), 'mes-api');
      assert.equal(d.scope?.name, '@opentelemetry/instrumentation-pino');
      assert.match(String(d.trace_id), /^[0-9a-f]{32}$/);
    }
    // Fastify's error handler logs each 5xx through pino: as many ERROR lines as api.error events.
    const fastifyErrors = bridged.filter((d) => service(d) === 'mes-api' && d.severity_number === 17);
    assert.equal(fastifyErrors.length, events.filter((d) => d.event_name === 'api.error').length);
    assert.equal(fastifyErrors[0]?.attributes['exception.type'], 'SlicerFault');
    assert.match(stdout, /^ {4}orders {3}winston +[1-9]\d* records, at collector [1-9]\d*$/m);
    assert.match(stdout, /^ {4}mes-api {2}pino +[1-9]\d* records, at collector [1-9]\d*$/m);
  });

  it('everything reached the collector archive, and no record carries the command line', () => {
    const archived = readArchive(path.join(out, 'collector', 'archive'));
    assert.equal(archived.length, events.length + lines.length);
    for (const e of events) assert.equal(e.resource.attributes['process.command_args'], undefined);
    for (const a of archived) assert.equal(a.resource['process.command_args'], undefined);
  });
});
