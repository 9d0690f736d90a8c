/**
 * The Elasticsearch leg as far as it can run here: the real otelcol-filament
 * with collector/config.yaml + collector/config.elasticsearch.yaml, only the
 * elasticsearch exporter (not buildable here) swapped for an OTLP stand-in,
 * so what the stand-in receives is exactly what the exporter would be handed:
 * document ids, per-area data streams, delta histograms, doubles, current
 * messaging names. Traffic comes from services under the preload (Express and
 * a real RabbitMQ) plus hand-built OTLP from a sender without Filament.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { sleep } from '../scripts/lib/procs.cjs';
import { startCollector, type RunningCollector } from './support/collector';
import { ROOT, request, startFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';
import { readCollectorYaml, standInOverlay, type Yaml } from './support/standin';

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KV = { key: string; value: AnyValue };
interface RawLog { eventName?: string; attributes?: KV[]; traceId?: string; spanId?: string; timeUnixNano?: string }
interface RawSpan { traceId: string; spanId: string; name: string; attributes?: KV[]; events?: { name: string; attributes?: KV[] }[] }
interface RawPoint { attributes?: KV[] }
interface RawMetric {
  name: string;
  histogram?: { aggregationTemporality?: number; dataPoints?: RawPoint[] };
  sum?: { aggregationTemporality?: number; isMonotonic?: boolean; dataPoints?: RawPoint[] };
  gauge?: { dataPoints?: RawPoint[] };
}

const DELTA = 1;
const attr = (kvs: KV[] | undefined, key: string): AnyValue | undefined => kvs?.find((kv) => kv.key === key)?.value;
const str = (kvs: KV[] | undefined, key: string): string | undefined => attr(kvs, key)?.stringValue;

function walk<T>(receiver: OtlpReceiver, suffix: string, outer: string, inner: string, leaf: string): (T & { resource?: KV[] })[] {
  const out: (T & { resource?: KV[] })[] = [];
  for (const req of receiver.requests.filter((r) => r.path.endsWith(suffix))) {
    for (const r of (req.body[outer] as Record<string, unknown>[]) ?? []) {
      const resource = (r.resource as { attributes?: KV[] } | undefined)?.attributes;
      for (const s of (r[inner] as Record<string, unknown>[]) ?? []) {
        for (const x of (s[leaf] as T[]) ?? []) out.push({ ...x, resource });
      }
    }
  }
  return out;
}

/** Attribute keys of which another key is a dotted prefix (`a.b` beside `a.b.c`). */
function dottedClashes(keys: string[]): string[] {
  return keys.filter((k) => keys.some((other) => other.startsWith(`${k}.`)));
}

describe('collector: the Elasticsearch pipelines (real binary, exporter swapped for an OTLP stand-in)', function () {
  this.timeout(5 * 60 * 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-es-'));
  const es = new OtlpReceiver();
  let collector: RunningCollector;
  let logs: RawLog[];
  let spans: RawSpan[];
  let metrics: RawMetric[];
  const prefix = `es${process.pid}-${Date.now()}`;
  const hopStatus: Record<string, number> = {};
  let hopArrived: (string | undefined)[] = [];

  const legacyLog = {
    timeUnixNano: '1764000000000000001', observedTimeUnixNano: '1764000000000000002', severityNumber: 9,
    eventName: 'queue.message', body: { stringValue: 'from a service without Filament' },
    attributes: [
      { key: 'messaging.message.id', value: { stringValue: 'legacy-7' } },
      { key: 'api.request.duration_ms', value: { intValue: '40' } },
      { key: 'elasticsearch.document_id', value: { stringValue: 'forged' } },
    ],
  };
  const withUid = {
    timeUnixNano: '1764000000000000003', severityNumber: 9, eventName: 'queue.message',
    attributes: [
      { key: 'messaging.message.id', value: { stringValue: 'legacy-8' } },
      { key: 'log.record.uid', value: { stringValue: '01JDQ1Z8V6G7E1ZK4M7W1Q0F3S' } },
    ],
  };
  const post = async (signal: string, body: unknown): Promise<void> => {
    const res = await fetch(`${collector.httpUrl}/v1/${signal}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const resourceOf = (name: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: name } }] });

  before(async () => {
    await es.start();
    const overlay = standInOverlay('config.elasticsearch.yaml', 'elasticsearch', es.url, dir);
    collector = await startCollector({}, { overlays: [overlay] });
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl, OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_METRIC_EXPORT_INTERVAL: '500', OTEL_METRIC_EXPORT_TIMEOUT: '400',
    };
    const app = await startFixture('http-express.cjs', { env: { ...env, OTEL_SERVICE_NAME: 'mes' } });
    const port = app.port as number;
    await request(port, 'GET', '/orders/ORD-1');
    // Integer-valued processing time and cost: the SDK sends them as intValue.
    await request(port, 'POST', '/models/price', { customerId: 'C-1', polygonCount: 1000, processingTimeMs: 12, cost: 10 });
    await request(port, 'GET', '/boom/1');
    await sleep(1200); // spaces the two rounds by more than the metric export interval (500 ms): an export between them
    await request(port, 'GET', '/orders/ORD-2');
    await request(port, 'POST', '/models/price', { customerId: 'C-1', polygonCount: 2000, processingTimeMs: 30, cost: 20 });
    await sleep(1200); // and one after the second round, before the stop
    assert.equal((await app.stop()).signal, 'SIGTERM');

    const amqp = await startFixture('amqp-deadletters.cjs', {
      env: { ...env, FIXTURE_PREFIX: prefix, OTEL_SERVICE_NAME: 'orders' }, readyText: 'READY',
    });
    // The fixture's five dead letters (rejected ×2, expired, maxlen, delivery_limit) through the collector.
    assert.ok(await es.waitFor(() => es.events('queue.dead_lettered').length >= 5, 30_000), `dead letters: ${es.events('queue.dead_lettered').length}\n${amqp.stderr()}`);
    await amqp.stop('SIGTERM');

    // A sender without Filament retrying the same export (a timeout on its side): same records twice.
    for (let i = 0; i < 2; i++) {
      await post('logs', { resourceLogs: [{ resource: resourceOf('legacy'), scopeLogs: [{ scope: { name: 'legacy' }, logRecords: [legacyLog, withUid] }] }] });
    }
    await post('traces', {
      resourceSpans: [{
        resource: resourceOf('legacy'),
        scopeSpans: [{
          scope: { name: 'legacy' },
          spans: [{
            traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'GET /legacy', kind: 2,
            startTimeUnixNano: '1764000000000000000', endTimeUnixNano: '1764000000100000000',
            attributes: [{ key: 'http.request.method', value: { stringValue: 'GET' } }],
            events: [{ name: 'exception', timeUnixNano: '1764000000050000000', attributes: [{ key: 'exception.type', value: { stringValue: 'Error' } }] }],
          }],
        }],
      }],
    });
    // The store is behind config.elasticsearch.yaml's loopback hop: a graceful stop stops that hop's
    // receiver first and leaves what is still in the hop's queue on disk for the next start (not lost,
    // docs/collector.md "Store failures"). So wait until the last posts reached the stand-in, then stop.
    const arrived = (): boolean => {
      const posted = walk<RawLog>(es, '/v1/logs', 'resourceLogs', 'scopeLogs', 'logRecords')
        .filter((l) => str(l.resource, 'service.name') === 'legacy');
      const span = walk<RawSpan>(es, '/v1/traces', 'resourceSpans', 'scopeSpans', 'spans').some((x) => x.name === 'GET /legacy');
      return posted.length >= 4 && span;
    };
    assert.ok(await es.waitFor(arrived, 15_000), `the last posts did not reach the stand-in\n${collector.logs().slice(-2000)}`);

    // Straight to the hop's receiver, past the first pipelines: without its token, with a wrong one, with
    // the OTLP receivers' kind of header but another token; then with the collector's own hop token.
    const token = fs.readFileSync(collector.hopTokenFile, 'utf8').split('\n')[0] as string;
    for (const [marker, authorization] of [['hop-none', undefined], ['hop-wrong', `Bearer ${token}x`], ['hop-bare', token],
      ['hop-empty', 'Bearer '], ['hop-right', `Bearer ${token}`]] as const) {
      const res = await fetch(`${collector.hopUrl}/v1/logs`, {
        method: 'POST', headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify({ resourceLogs: [{ resource: resourceOf('forger'), scopeLogs: [{ logRecords: [{ severityNumber: 9, body: { stringValue: marker } }] }] }] }),
      });
      hopStatus[marker] = res.status;
    }
    const forged = () => walk<RawLog & { body?: AnyValue }>(es, '/v1/logs', 'resourceLogs', 'scopeLogs', 'logRecords')
      .filter((l) => str(l.resource, 'service.name') === 'forger').map((l) => l.body?.stringValue);
    assert.ok(await es.waitFor(() => forged().includes('hop-right'), 10_000), `the hop's own token was not accepted\n${collector.logs().slice(-2000)}`);
    hopArrived = forged();
    assert.equal(await collector.stop(), 0, collector.logs());
    // What came through the first pipelines (the hop's direct posts above carry no document id).
    logs = walk<RawLog>(es, '/v1/logs', 'resourceLogs', 'scopeLogs', 'logRecords').filter((l) => str(l.resource, 'service.name') !== 'forger');
    spans = walk<RawSpan>(es, '/v1/traces', 'resourceSpans', 'scopeSpans', 'spans');
    metrics = walk<RawMetric>(es, '/v1/metrics', 'resourceMetrics', 'scopeMetrics', 'metrics');
  });

  after(async () => {
    await collector?.stop();
    await es.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the hop's receiver answers 401 to a request without the collector's hop token (none, wrong, unprefixed, empty); nothing of it reaches the store", () => {
    assert.deepEqual(hopStatus, { 'hop-none': 401, 'hop-wrong': 401, 'hop-bare': 401, 'hop-empty': 401, 'hop-right': 200 });
    assert.deepEqual(hopArrived, ['hop-right']);
  });

  describe('document ids (logs_dynamic_id / traces_dynamic_id)', () => {
    it('every log record carries elasticsearch.document_id, distinct records distinct ids', () => {
      const ids = logs.map((l) => str(l.attributes, 'elasticsearch.document_id'));
      assert.ok(logs.length >= 8, `records: ${logs.length}`);
      assert.ok(ids.every((id) => typeof id === 'string' && id.length > 0), JSON.stringify(ids));
      const ours = logs.filter((l) => str(l.attributes, 'messaging.message.id')?.startsWith('legacy') !== true);
      const ourIds = ours.map((l) => str(l.attributes, 'elasticsearch.document_id'));
      assert.equal(new Set(ourIds).size, ourIds.length, 'no two distinct records share an id');
      assert.ok(ourIds.every((id) => /^[0-9a-f]{64}$/.test(id as string)), 'SHA-256 hex');
    });

    it('a retried export gets the same id again (what makes the second copy a 409, not a duplicate)', () => {
      const copies = logs.filter((l) => str(l.attributes, 'messaging.message.id') === 'legacy-7');
      assert.equal(copies.length, 2);
      const [a, b] = copies.map((l) => str(l.attributes, 'elasticsearch.document_id'));
      assert.equal(a, b);
      assert.notEqual(a, 'forged', 'an incoming document id is not trusted');
    });

    it("a sender's log.record.uid is the id", () => {
      const uid = logs.filter((l) => str(l.attributes, 'messaging.message.id') === 'legacy-8');
      assert.equal(uid.length, 2);
      for (const l of uid) assert.equal(str(l.attributes, 'elasticsearch.document_id'), '01JDQ1Z8V6G7E1ZK4M7W1Q0F3S');
    });

    it('every span: trace id + span id; every span event: its own id', () => {
      assert.ok(spans.length >= 5, `spans: ${spans.length}`);
      for (const s of spans) assert.equal(str(s.attributes, 'elasticsearch.document_id'), `${s.traceId}${s.spanId}`, s.name);
      const legacy = spans.find((s) => s.name === 'GET /legacy');
      const event = legacy?.events?.[0];
      assert.equal(str(event?.attributes, 'elasticsearch.document_id'),
        '5b8efff798038103d269b633813fc60c-eee19b7ec3c1b174-1764000000050000000-exception');
    });
  });

  describe('data streams per area', () => {
    it('spans: messaging → filament.queue, the rest of a request → filament.api; span events follow their span', () => {
      const ds = (s: RawSpan) => str(s.attributes, 'data_stream.dataset');
      const messaging = spans.filter((s) => str(s.attributes, 'messaging.system') === 'rabbitmq');
      const http = spans.filter((s) => str(s.attributes, 'http.request.method') !== undefined);
      assert.ok(messaging.length > 0 && http.length > 0);
      assert.ok(messaging.every((s) => ds(s) === 'filament.queue'), JSON.stringify(messaging.map(ds)));
      assert.ok(http.every((s) => ds(s) === 'filament.api'), JSON.stringify(http.map(ds)));
      assert.ok(spans.every((s) => str(s.attributes, 'data_stream.namespace') === 'default'));
      const event = spans.find((s) => s.name === 'GET /legacy')?.events?.[0];
      assert.equal(str(event?.attributes, 'data_stream.dataset'), 'filament.api');
    });

    it('metrics: http.* → filament.api, model3d.* → filament.mes, messaging.* → filament.queue', () => {
      const datasets = (name: string): Set<string | undefined> => new Set(metrics.filter((m) => m.name === name)
        .flatMap((m) => (m.histogram ?? m.sum ?? m.gauge)?.dataPoints ?? []).map((p) => str(p.attributes, 'data_stream.dataset')));
      assert.deepEqual([...datasets('http.server.request.duration')], ['filament.api']);
      assert.deepEqual([...datasets('model3d.pricing.duration')], ['filament.mes']);
      assert.deepEqual([...datasets('messaging.client.sent.messages')], ['filament.queue']);
    });

    it('runtime metrics: process.*, nodejs.eventloop.*, v8js.* → filament.runtime (metrics-filament.runtime.otel-default)', () => {
      const runtime = metrics.filter((m) => /^(process|nodejs|v8js)\./.test(m.name));
      const names = new Set(runtime.map((m) => m.name));
      for (const name of ['process.cpu.time', 'process.memory.usage', 'nodejs.eventloop.utilization', 'nodejs.eventloop.delay.p99', 'v8js.memory.heap.used']) {
        assert.ok(names.has(name), `${name} in ${[...names].join(', ')}`);
      }
      const points = runtime.flatMap((m) => (m.histogram ?? m.sum ?? m.gauge)?.dataPoints ?? []);
      assert.ok(points.length > 0);
      assert.deepEqual([...new Set(points.map((p) => str(p.attributes, 'data_stream.dataset')))], ['filament.runtime']);
      assert.deepEqual([...new Set(points.map((p) => str(p.attributes, 'data_stream.namespace')))], ['default']);
    });

    it('logs keep their per-event data streams', () => {
      const priced = logs.find((l) => l.eventName === 'model3d.priced');
      assert.equal(str(priced?.attributes, 'data_stream.dataset'), 'filament.mes');
    });
  });

  it('histograms leave the Elasticsearch pipeline as delta (cumulativetodelta)', () => {
    const histograms = metrics.filter((m) => m.histogram !== undefined);
    const names = new Set(histograms.map((m) => m.name));
    assert.ok(names.has('http.server.request.duration') && names.has('model3d.pricing.duration'), [...names].join(', '));
    for (const m of histograms) assert.equal(m.histogram?.aggregationTemporality, DELTA, m.name);
    // Monotonic sums (counters) become delta too; an up-down counter (the SDK's own
    // otel.sdk.processor.*.queue.capacity, …) stays cumulative — cumulativetodelta converts
    // monotonic sums only (an up-down counter's value is a level, not a count to add up).
    const counters = metrics.filter((m) => m.sum?.isMonotonic === true);
    assert.ok(counters.some((m) => m.name === 'messaging.client.sent.messages'), counters.map((m) => m.name).join(', '));
    for (const m of counters) assert.equal(m.sum?.aggregationTemporality, DELTA, m.name);
  });

  it('durations and money are always doubles, even when the value is a whole number', () => {
    const priced = logs.filter((l) => l.eventName === 'model3d.priced');
    assert.equal(priced.length, 2);
    const first = priced.find((l) => attr(l.attributes, 'model3d.polygon_count')?.intValue !== undefined && Number(attr(l.attributes, 'model3d.polygon_count')?.intValue) === 1000);
    assert.deepEqual(attr(first?.attributes, 'model3d.cost'), { doubleValue: 10 });
    assert.deepEqual(attr(first?.attributes, 'model3d.processing_time_ms'), { doubleValue: 12 });
    const requests = logs.filter((l) => l.eventName === 'api.request');
    assert.ok(requests.length >= 4);
    for (const r of requests) assert.equal(typeof attr(r.attributes, 'api.request.duration_ms')?.doubleValue, 'number', JSON.stringify(r.attributes));
    const legacy = logs.find((l) => str(l.attributes, 'messaging.message.id') === 'legacy-7');
    assert.deepEqual(attr(legacy?.attributes, 'api.request.duration_ms'), { doubleValue: 40 });
  });

  it('amqplib spans carry only current messaging names: no dotted-prefix clash in any span', () => {
    const consumer = spans.find((s) => s.name.endsWith(' process') && str(s.attributes, 'messaging.system') === 'rabbitmq');
    assert.ok(consumer, spans.map((s) => s.name).join(', '));
    for (const old of ['messaging.operation', 'messaging.destination', 'messaging.destination_kind', 'messaging.rabbitmq.routing_key',
      'messaging.message_id', 'messaging.conversation_id', 'messaging.protocol', 'messaging.protocol_version']) {
      assert.ok(spans.every((s) => attr(s.attributes, old) === undefined), old);
    }
    assert.equal(str(consumer.attributes, 'messaging.operation.type'), 'process');
    assert.ok(str(consumer.attributes, 'messaging.rabbitmq.destination.routing_key')?.startsWith(prefix));
    for (const s of spans) assert.deepEqual(dottedClashes((s.attributes ?? []).map((kv) => kv.key)), [], s.name);
  });
});

describe('collector: config.elasticsearch.yaml settings (from the exporter README/config.go at v0.161.0)', () => {
  const overlay = readCollectorYaml('config.elasticsearch.yaml');
  const es = (overlay.exporters as Yaml).elasticsearch as Yaml;

  it('retries every transient status without a practical limit (0 would mean the default of 2)', () => {
    const retry = es.retry as Yaml;
    assert.equal(retry.enabled, true);
    assert.ok((retry.max_retries as number) >= 100000);
    for (const status of [429, 500, 502, 503, 504]) {
      assert.ok((retry.retry_on_status as number[]).includes(status), `request ${status}`);
      assert.ok((retry.retry_on_document_status as number[]).includes(status), `document ${status}`);
    }
  });

  const exporters = overlay.exporters as Yaml;
  const hop = exporters['otlphttp/elasticsearch'] as Yaml;
  const pipelines = (overlay.service as { pipelines: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }> }).pipelines;

  it('ids from elasticsearch.document_id for logs and traces; a persistent queue on file_storage (in the hop)', () => {
    assert.deepEqual(es.logs_dynamic_id, { enabled: true });
    assert.deepEqual(es.traces_dynamic_id, { enabled: true });
    const queue = hop.sending_queue as Yaml;
    assert.equal(queue.enabled, true);
    assert.equal(queue.storage, 'file_storage');
    // The exporter itself has no queue: a failed flush goes back to the hop as a 503 (not "Dropping data").
    assert.deepEqual(es.sending_queue, { enabled: false });
  });

  it('a hung store costs one short timeout per attempt; the hop retries without a deadline (issue 22, item 6)', () => {
    const seconds = (v: unknown): number => {
      const m = /^(\d+)(s|m)$/.exec(String(v));
      assert.ok(m, String(v));
      return Number(m[1]) * (m[2] === 'm' ? 60 : 1);
    };
    assert.ok(seconds(hop.timeout) <= 60, `hop timeout ${String(hop.timeout)}`);
    assert.ok(seconds(es.timeout) < seconds(hop.timeout), 'the exporter reports the store\'s error before the hop gives up');
    const retry = hop.retry_on_failure as Yaml;
    assert.equal(retry.enabled, true);
    assert.equal(retry.max_elapsed_time, 0);
  });

  it('the hop is loopback only: 127.0.0.1 on both ends, only the port configurable, HTTP only', () => {
    assert.match(String(hop.endpoint), /^http:\/\/127\.0\.0\.1:\$\{env:FILAMENT_ELASTICSEARCH_HOP_PORT:-\d+\}$/);
    const receiver = (overlay.receivers as Yaml)['otlp/elasticsearch_hop'] as { protocols: Record<string, { endpoint: string }> };
    assert.deepEqual(Object.keys(receiver.protocols), ['http']);
    assert.match(receiver.protocols.http?.endpoint ?? '', /^127\.0\.0\.1:\$\{env:FILAMENT_ELASTICSEARCH_HOP_PORT:-\d+\}$/);
    // Not published by compose (inside the container 127.0.0.1 is the container's own loopback).
    const compose = parse(fs.readFileSync(path.join(ROOT, 'collector', 'docker-compose.yml'), 'utf8')) as {
      services: { collector: { ports: string[]; environment: string[] } };
    };
    const hopPort = /:-(\d+)\}$/.exec(String(hop.endpoint))?.[1] as string;
    assert.deepEqual(compose.services.collector.ports.filter((p) => p.split(':').includes(hopPort)), []);
    assert.deepEqual(compose.services.collector.environment.filter((e) => e.startsWith('FILAMENT_ELASTICSEARCH_HOP_PORT')), []);
    // Every pipeline that reaches the store comes through the hop's receiver; nothing else feeds the exporter.
    for (const [name, p] of Object.entries(pipelines)) {
      if ((p.exporters ?? []).includes('elasticsearch')) assert.deepEqual(p.receivers, ['otlp/elasticsearch_hop'], name);
      if ((p.receivers ?? []).includes('otlp/elasticsearch_hop')) assert.deepEqual(p.exporters, ['elasticsearch'], name);
    }
  });

  it("the hop authenticates both ends with its own token (a file of compose's secrets), not the services' OTLP token", () => {
    const receiver = (overlay.receivers as Yaml)['otlp/elasticsearch_hop'] as { protocols: { http: { auth?: { authenticator: string } } } };
    assert.equal(receiver.protocols.http.auth?.authenticator, 'bearertokenauth/elasticsearch_hop');
    assert.equal((hop.auth as { authenticator?: string } | undefined)?.authenticator, 'bearertokenauth/elasticsearch_hop');
    const ext = (overlay.extensions as Record<string, Yaml>)['bearertokenauth/elasticsearch_hop'];
    assert.deepEqual(ext, { filename: '${env:FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE}' });
    const compose = parse(fs.readFileSync(path.join(ROOT, 'collector', 'docker-compose.yml'), 'utf8')) as {
      services: { collector: { environment: string[] } };
    };
    const env = Object.fromEntries(compose.services.collector.environment.map((e) => e.split(/=(.*)/s).slice(0, 2)));
    assert.equal(env.FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE, '/run/filament/collector/elasticsearch-hop.token');
    assert.notEqual(env.FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE, env.FILAMENT_COLLECTOR_TOKEN_FILE);
  });

  it('cumulativetodelta only where the exporter is elasticsearch (Prometheus needs cumulative)', () => {
    const base = readCollectorYaml('config.yaml');
    for (const doc of [base, overlay]) {
      const all = (doc.service as { pipelines: Record<string, { processors?: string[]; exporters?: string[] }> }).pipelines;
      for (const [name, p] of Object.entries(all)) {
        if ((p.processors ?? []).some((x) => x.startsWith('cumulativetodelta'))) {
          // The hop whose receiver's pipelines end in the elasticsearch exporter (asserted above).
          assert.deepEqual(p.exporters, ['otlphttp/elasticsearch'], name);
        }
      }
    }
  });
});

describe('why the collector makes durations and money doubles', function () {
  this.timeout(60000);

  it('the preload alone sends an integer-valued cost or duration as intValue (the OTLP serialiser decides by value)', async () => {
    const receiver = await new OtlpReceiver().start();
    try {
      const app = await startFixture('http-express.cjs', { otlp: receiver.url });
      await request(app.port as number, 'POST', '/models/price', { customerId: 'C-1', polygonCount: 1000, processingTimeMs: 12, cost: 10 });
      await app.stop();
      const priced = walk<RawLog>(receiver, '/v1/logs', 'resourceLogs', 'scopeLogs', 'logRecords').find((l) => l.eventName === 'model3d.priced');
      // If this starts failing because the SDK sends doubleValue, transform/types in config.yaml is no longer needed.
      assert.equal(Number(attr(priced?.attributes, 'model3d.cost')?.intValue), 10);
      assert.equal(Number(attr(priced?.attributes, 'model3d.processing_time_ms')?.intValue), 12);
    } finally {
      await receiver.stop();
    }
  });
});
