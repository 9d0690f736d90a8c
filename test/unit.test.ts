import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readConfig, TEN_MIB } from '../src/config';
import { captureContent, Masker, MASK } from '../src/events/content';
import * as semconv from '../src/semconv';
import { RotatingFileLogExporter } from '../src/sinks/fileSink';
import { latestDeath } from '../src/amqp/deadLetterTap';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InstrumentType } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { LazyExporter, LazyMetricExporter, makeStoppable, StopSignal } from '../src/lazyExporter';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { probeResourceStores } from '../src/context';
import { INSTRUMENTATION_PACKAGES } from '../src/instrumentations';
import { parseResponderConfig, ResponderConfigError } from '../src/responder/config';
import { classify } from '../src/responder/redrive';
import type { GetMessage } from 'amqplib';

describe('unit: configuration', () => {
  it('names the replica and exports metrics every 5 s by default (the alerting goal); the env still overrides both', () => {
    const { config } = readConfig({});
    assert.deepEqual(config.resourceDetectors, ['serviceinstance', 'env', 'host', 'process']);
    assert.equal(config.metricExportIntervalMs, 5000);
    assert.equal(config.metricExportTimeoutMs, 5000);
    assert.equal(readConfig({ OTEL_METRIC_EXPORT_INTERVAL: '60000' }).config.metricExportIntervalMs, 60000);
    // The random id first, so OTEL_RESOURCE_ATTRIBUTES' service.instance.id (env) wins the merge.
    assert.deepEqual(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'env,serviceinstance' }).config.resourceDetectors, ['serviceinstance', 'env']);
    assert.deepEqual(readConfig({ OTEL_NODE_RESOURCE_DETECTORS: 'all' }).config.resourceDetectors, ['serviceinstance', 'env', 'host', 'os', 'process']);
  });

  it('defaults to the standard OTel behaviour and the ADR limits', () => {
    const { config, problems } = readConfig({});
    assert.deepEqual(problems, []);
    assert.equal(config.sampler, 'parentbased_always_on');
    assert.deepEqual(config.logsExporters, ['otlp']);
    assert.equal(config.protocol.logs, 'http/protobuf');
    assert.equal(config.contentMaxBytes, 8192);
    assert.equal(config.logFile.maxBytes, TEN_MIB);
    assert.equal(config.logFile.maxAgeDays, 180);
    assert.deepEqual(config.instrumentations, ['http', 'express', 'fastify', 'amqplib', 'undici', 'pg', 'pino', 'winston', 'bunyan']);
    assert.equal(config.instrumentationsExplicit, false);
    assert.equal(config.bsp.maxExportBatchSize, 128);
    assert.equal(config.blrp.maxExportBatchSize, 128);
    assert.equal(readConfig({ OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512' }).config.bsp.maxExportBatchSize, 512);
  });

  it('each literal loader (folded into the bundle) loads the package its entry names', () => {
    const bundled = Object.entries(INSTRUMENTATION_PACKAGES).filter(([, e]) => e.load !== undefined);
    assert.deepEqual(bundled.map(([name]) => name), ['http', 'express', 'amqplib', 'undici', 'pg', 'pino', 'winston', 'bunyan']);
    for (const [name, entry] of bundled) {
      assert.equal(entry.load?.(), require(entry.pkg as string), name);
    }
  });

  it('honours enabled/disabled instrumentation lists like upstream', () => {
    const { config } = readConfig({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,amqplib,redis', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'redis' });
    assert.deepEqual(config.instrumentations, ['http', 'amqplib']);
    assert.equal(config.instrumentationsExplicit, true);
  });

  it('reads signal-specific protocols and exporter lists; none disables', () => {
    const { config } = readConfig({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'otlp,console',
    });
    assert.deepEqual(config.protocol, { traces: 'grpc', metrics: 'http/json', logs: 'http/json' });
    assert.deepEqual(config.metricsExporters, []);
    assert.deepEqual(config.logsExporters, ['otlp', 'console']);
  });

  it('caps the file limits at the ADR maxima and reports it', () => {
    const { config, problems } = readConfig({ FILAMENT_LOG_FILE_MAX_AGE_DAYS: '365' });
    assert.equal(config.logFile.maxAgeDays, 180);
    assert.deepEqual(problems, ['filament-otel: FILAMENT_LOG_FILE_MAX_AGE_DAYS="365" is outside 1..180 days; using 180']);
  });

  it('reports an empty OTEL_SERVICE_NAME unless OTEL_RESOURCE_ATTRIBUTES names the service', () => {
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: ' ' }).problems, [
      `filament-otel: OTEL_SERVICE_NAME=" " is empty; using unknown_service:${process.argv0} (records cannot be told apart by service)`,
    ]);
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: '', OTEL_RESOURCE_ATTRIBUTES: 'service.name=mes-api' }).problems, []);
    assert.deepEqual(readConfig({ OTEL_SERVICE_NAME: 'order-service' }).problems, []);
  });

  it('reports OTEL_TRACES_SAMPLER_ARG set for a sampler that takes none, and reads it for the ratio samplers', () => {
    assert.deepEqual(readConfig({ OTEL_TRACES_SAMPLER: 'always_off', OTEL_TRACES_SAMPLER_ARG: '0.5' }).problems, [
      'filament-otel: OTEL_TRACES_SAMPLER_ARG="0.5" is not read by the sampler always_off (only traceidratio and parentbased_traceidratio take one); using it is ignored',
    ]);
    const ratio = readConfig({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' });
    assert.deepEqual(ratio.problems, []);
    assert.equal(ratio.config.samplerRatio, 0.25);
  });

  it('rejects an out-of-range sampler ratio', () => {
    const { config, problems } = readConfig({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '1.5' });
    assert.equal(config.samplerRatio, 1);
    assert.equal(problems.length, 1);
  });
});

describe('unit: content capture and masking', () => {
  const masker = new Masker(readConfig({}).config.maskKeys);

  it('masks e-mail, international phone, Luhn-valid card numbers and sensitive keys', () => {
    // The e-mail, phone and card sit under keys that are not sensitive: only the value patterns can mask them.
    const { text, masked } = masker.mask(
      '{"contact":"a.b@example.org","note":"call +49 30 1234567 today","ref":"4111 1111 1111 1111","password":"x","polygons":123456789,"order":"ORD-2026-000123"}');
    assert.equal(text, `{"contact":"${MASK}","note":"call ${MASK} today","ref":"${MASK}","password":"${MASK}","polygons":123456789,"order":"ORD-2026-000123"}`);
    assert.equal(masked, 4);
  });

  it('masks a sensitive key found after null, already-masked and escaped values; leaves clean JSON as it was', () => {
    const input = `{"password":null,"note":"say \\"hi\\"","secret":"${MASK}","qty":2,"apiKey":"k-123"}`;
    const { text, masked } = masker.mask(input);
    assert.equal(text, `{"password":null,"note":"say \\"hi\\"","secret":"${MASK}","qty":2,"apiKey":"${MASK}"}`);
    assert.equal(masked, 1);
    const clean = '{"orderNumber":"ORD-1","customerId":"C-1","material":"PLA"}';
    assert.equal(masker.mask(clean).text, clean);
    assert.equal(masker.mask(clean).masked, 0);
  });

  it('leaves numbers that are not card numbers alone (Luhn)', () => {
    assert.equal(masker.mask('batch 4111111111111112 ok').text, 'batch 4111111111111112 ok');
  });

  it('does not mask "company" as a card (short keys match exactly only)', () => {
    assert.equal(masker.mask('{"company":"ACME"}').text, '{"company":"ACME"}');
  });

  it('takes extra keys from FILAMENT_MASK_KEYS', () => {
    const custom = new Masker(readConfig({ FILAMENT_MASK_KEYS: 'shippingAddress' }).config.maskKeys);
    assert.equal(custom.mask('{"shippingAddress":"Main St 1"}').text, `{"shippingAddress":"${MASK}"}`);
  });

  it('classifies and caps content', () => {
    assert.equal(captureContent(undefined, undefined, 10, masker).kind, 'empty');
    assert.equal(captureContent(Buffer.from('{"a":1}'), undefined, 100, masker).kind, 'json');
    assert.equal(captureContent(Buffer.from('hello'), 'application/octet-stream', 100, masker).kind, 'binary');
    const cut = captureContent(Buffer.from('abcdefghij'), 'text/plain', 4, masker);
    assert.deepEqual(cut, { text: 'abcd…[truncated, 10 bytes]', kind: 'text', truncated: true, masked: 0, size: 10 });
    assert.equal(captureContent(Buffer.from('abc'), 'text/plain', 0, masker).text, '…[truncated, 3 bytes]');
  });
});

describe('unit: request context', () => {
  it('the cheap path (store entered on the parser resource) is taken where AsyncLocalStorage keeps stores on resources', () => {
    // Node 20 and 22 keep the store on the async resource; Node 24+ uses async context frames,
    // where entering does not outlive the callback and requests carry their context on req/res.
    const frames = Number(process.versions.node.split('.')[0]) >= 24 || process.execArgv.includes('--experimental-async-context-frame');
    assert.equal(probeResourceStores(), !frames);
  });
});

describe('unit: semantic conventions contract', () => {
  it('no attribute name is a dotted prefix of another (Elasticsearch object/leaf clash)', () => {
    const names = semconv.ALL_ATTRIBUTE_NAMES;
    for (const a of names) for (const b of names) assert.ok(a === b || !b.startsWith(`${a}.`), `${a} is a prefix of ${b}`);
    assert.equal(new Set(names).size, names.length);
  });

  it('durations carry their unit', () => {
    for (const n of semconv.ALL_ATTRIBUTE_NAMES) if (/time|duration/.test(n)) assert.match(n, /_ms$/, n);
  });

  it('docs/events.md lists every event and attribute name', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', 'docs', 'events.md'), 'utf8');
    for (const n of [...semconv.EVENT_NAMES, ...semconv.ALL_ATTRIBUTE_NAMES]) assert.ok(doc.includes(`\`${n}\``), n);
  });

  it('version.ts matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
    // engines names exactly the Node lines the project tests on (scripts/node.sh pins them).
    const lines = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'node.sh'), 'lines'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(String(pkg.engines.node).split(' || ').map((range) => /^\^(\d+)\./.exec(range)?.[1]).sort().reverse(), lines);
  });
});

describe('unit: x-death parsing', () => {
  it('takes the newest entry', () => {
    const d = latestDeath({ 'x-death': [
      { reason: 'expired', queue: 'q2', exchange: 'dlx', count: 2, 'routing-keys': ['rk'] },
      { reason: 'rejected', queue: 'q1', exchange: '', count: 1 },
    ] });
    assert.deepEqual(d, { reason: 'expired', queue: 'q2', exchange: 'dlx', count: 2, routingKey: 'rk' });
  });

  it('falls back to x-last-death-* headers', () => {
    assert.equal(latestDeath({ 'x-last-death-reason': 'maxlen' }).reason, 'maxlen');
    assert.equal(latestDeath(undefined).reason, undefined);
  });
});

describe('unit: rotating file sink', () => {
  const record = (i: number): ReadableLogRecord => ({
    hrTime: [1_700_000_000 + i, 0], hrTimeObserved: [1_700_000_000 + i, 0], severityNumber: 9, severityText: 'INFO',
    eventName: 'order.status_changed', body: undefined, attributes: { 'order.number': `ORD-${i}`, pad: 'x'.repeat(300) },
    droppedAttributesCount: 0, resource: resourceFromAttributes({ 'service.name': 'unit' }),
    instrumentationScope: { name: 'filament-otel' },
  });

  it('never lets a file exceed maxBytes and keeps at most maxFiles', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-sink-'));
    const sink = new RotatingFileLogExporter({ dir, maxBytes: 4096, maxAgeDays: 180, maxFiles: 5 });
    for (let batch = 0; batch < 20; batch++) {
      await new Promise<void>((resolve, reject) => sink.export(
        Array.from({ length: 10 }, (_, i) => record(batch * 10 + i)),
        (r) => (r.code === 0 ? resolve() : reject(r.error))));
    }
    await sink.shutdown();
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 5);
    for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 4096, f);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('deletes rotated files older than maxAgeDays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-sink-'));
    const old = path.join(dir, 'filament-events-2020-01-01T00-00-00-000Z-0000.jsonl');
    fs.writeFileSync(old, '{}\n');
    const longAgo = new Date(Date.now() - 181 * 24 * 3600 * 1000);
    fs.utimesSync(old, longAgo, longAgo);
    const sink = new RotatingFileLogExporter({ dir, maxBytes: 4096, maxAgeDays: 180, maxFiles: 100 });
    await new Promise<void>((resolve) => sink.export([record(1)], () => resolve()));
    await sink.shutdown();
    assert.deepEqual(fs.readdirSync(dir), ['filament-events.jsonl']);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('unit: lazy exporters', () => {
  it('find the retrying transport of every OTLP/HTTP exporter (private structure of the pinned version)', () => {
    for (const Exporter of [JsonLogExporter, ProtoLogExporter, JsonTraceExporter, ProtoTraceExporter, JsonMetricExporter, OTLPMetricExporter]) {
      assert.equal(makeStoppable(new Exporter(), new StopSignal(), 1000), true, Exporter.name);
    }
  });

  it('abandon() answers an export in flight as failed, once', () => {
    const results: number[] = [];
    const lazy = new LazyExporter<number[], { export(i: number[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => ({
      export: () => undefined, // a black hole: never answers
      shutdown: () => Promise.resolve(),
    }));
    lazy.export([1, 2], (r) => results.push(r.code));
    lazy.abandon();
    lazy.export([3], (r) => results.push(r.code));
    assert.deepEqual(results, [1, 1]);
  });

  it('choose the same temporality as the real OTLP metric exporter, for every preference', () => {
    const saved = process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
    try {
      for (const preference of [undefined, 'cumulative', 'delta', 'lowmemory', 'DELTA', 'bogus']) {
        if (preference === undefined) delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
        else process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = preference;
        const real = new OTLPMetricExporter();
        let created = false;
        const lazy = new LazyMetricExporter(() => { created = true; return real; });
        for (const type of Object.values(InstrumentType)) {
          assert.equal(lazy.selectAggregationTemporality(type), real.selectAggregationTemporality(type), `${preference} ${type}`);
          assert.deepEqual(lazy.selectAggregation(type), real.selectAggregation(type));
        }
        assert.equal(created, false, 'asking for temporality does not load the exporter');
        void real.shutdown();
      }
    } finally {
      if (saved === undefined) delete process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE;
      else process.env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE = saved;
    }
  });

  it('create the exporter on the first export, and fail that batch (not the host) if it cannot', async () => {
    let calls = 0;
    const lazy = new LazyExporter<string[], { export(i: string[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => {
      calls++;
      return { export: (_items, cb) => cb({ code: 0 }), shutdown: () => Promise.resolve() };
    });
    assert.equal(calls, 0);
    await lazy.shutdown(); // nothing created, nothing to shut down
    const results: number[] = [];
    lazy.export(['a'], (r) => results.push(r.code));
    lazy.export(['b'], (r) => results.push(r.code));
    assert.equal(calls, 1);
    assert.deepEqual(results, [0, 0]);
    const broken = new LazyExporter<string[], { export(i: string[], cb: (r: { code: number }) => void): void; shutdown(): Promise<void> }>(() => {
      throw new Error('module missing');
    });
    const codes: number[] = [];
    broken.export(['a'], (r) => codes.push(r.code));
    assert.deepEqual(codes, [1]);
  });
});

describe('unit: filament-responder configuration and re-drive decisions', () => {
  const redrive = { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: 'dlq', parkingLotQueue: 'parking' };

  it('fills the documented defaults', () => {
    const config = parseResponderConfig({ runbooks: [redrive] });
    assert.equal(config.listen, '127.0.0.1:9787');
    assert.equal(config.dryRun, false);
    assert.deepEqual(config.runbooks[0], {
      ...redrive, on: 'resolved', maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 30000, permanentReasons: ['rejected'], parkMalformedJson: true,
    });
  });

  it('refuses what it cannot run, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [[], /JSON object/],
      [{}, /runbooks must be an array/],
      [{ runbooks: [{ action: 'reboot', match: { alertname: 'X' } }] }, /runbooks\[0\]\.action/],
      [{ runbooks: [{ ...redrive, match: { job: 'x' } }] }, /match\.alertname is required/],
      [{ runbooks: [{ ...redrive, maxAttempts: 0 }] }, /maxAttempts must be a number ≥ 1/],
      [{ runbooks: [{ action: 'http-toggle', match: { alertname: 'X' }, onFiring: { url: 'file:///etc/passwd' }, onResolved: { url: 'http://a/' } }] }, /onFiring\.url must be an http\(s\) URL/],
      [{ dryRun: 'yes', runbooks: [] }, /dryRun must be true or false/],
      [{ listen: '9787', runbooks: [] }, /listen must be host:port/],
    ];
    for (const [raw, message] of bad) assert.throws(() => parseResponderConfig(raw), (e: unknown) => e instanceof ResponderConfigError && message.test(e.message));
  });

  it('a toggle\'s silence: documented defaults, and what it refuses', () => {
    const toggle = { action: 'http-toggle', match: { alertname: 'X' }, onFiring: { url: 'http://a/pause' }, onResolved: { url: 'http://a/resume' } };
    const silence = { alertmanagerUrl: 'http://127.0.0.1:9093/', matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: 'q' } };
    assert.deepEqual(parseResponderConfig({ runbooks: [toggle] }).runbooks[0], {
      action: 'http-toggle', match: { alertname: 'X' }, onFiring: { method: 'POST', url: 'http://a/pause' }, onResolved: { method: 'POST', url: 'http://a/resume' },
    });
    const rb = parseResponderConfig({ runbooks: [{ ...toggle, silence }] }).runbooks[0];
    assert.ok(rb !== undefined && rb.action === 'http-toggle');
    assert.deepEqual(rb.silence, {
      alertmanagerUrl: 'http://127.0.0.1:9093', matchers: silence.matchers, maxDurationS: 3600, afterResumeS: 60,
      comment: 'filament-responder: the runbook caused this alert on purpose (docs/alerting.md)',
    });
    const bad: [unknown, RegExp][] = [
      [{ ...silence, matchers: { queue: 'q' } }, /silence\.matchers\.alertname is required/],
      [{ ...silence, alertmanagerUrl: 'file:///x' }, /silence\.alertmanagerUrl must be an http\(s\) URL/],
      [{ ...silence, maxDurationS: 10 }, /silence\.maxDurationS must be a number ≥ 60/],
      [{ ...silence, afterResumeS: -1 }, /silence\.afterResumeS must be a number ≥ 0/],
    ];
    for (const [raw, message] of bad) {
      assert.throws(() => parseResponderConfig({ runbooks: [{ ...toggle, silence: raw }] }), (e: unknown) => e instanceof ResponderConfigError && message.test(e.message));
    }
  });

  it('classifies dead letters: origin from x-death, parking for permanent reasons, malformed JSON and exhausted attempts', () => {
    const rb = parseResponderConfig({ runbooks: [{ ...redrive, maxAttempts: 2 }] }).runbooks[0];
    assert.ok(rb !== undefined && rb.action === 'redrive');
    const msg = (headers: Record<string, unknown>, body = '{}', contentType = 'application/json') =>
      ({ content: Buffer.from(body), properties: { headers, contentType }, fields: {} }) as unknown as GetMessage;
    const death = (reason: string) => ({ 'x-death': [{ queue: 'q', reason, exchange: 'x', 'routing-keys': ['rk'], count: 1 }] });
    assert.deepEqual(classify(rb, msg(death('delivery_limit'))), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 1 });
    assert.deepEqual(classify(rb, msg({ ...death('expired'), 'x-filament-redrive-attempts': 1 })), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 2 });
    assert.deepEqual(classify(rb, msg({ ...death('expired'), 'x-filament-redrive-attempts': 2 })), { to: 'parking', why: 'exhausted: 2 re-drives' });
    assert.deepEqual(classify(rb, msg(death('rejected'))), { to: 'parking', why: 'permanent: dead-lettered as rejected' });
    assert.deepEqual(classify(rb, msg(death('expired'), '{"order": 1')), { to: 'parking', why: 'permanent: malformed JSON' });
    assert.deepEqual(classify(rb, msg(death('expired'), 'plain text', 'text/plain')), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 1 });
    // RabbitMQ 4's x-last-death-* headers only: back to the queue it died in.
    assert.deepEqual(classify(rb, msg({ 'x-last-death-reason': 'expired', 'x-last-death-queue': 'q2', 'x-last-death-exchange': 'x' })),
      { to: 'work', exchange: '', routingKey: 'q2', attempt: 1 });
    assert.deepEqual(classify(rb, msg({})), { to: 'parking', why: 'no x-death origin' });
  });
});
