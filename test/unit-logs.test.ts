import assert from 'node:assert/strict';
import type { AnyValue, LogRecord } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { readConfig } from '../src/config';
import { Masker } from '../src/masking';
import { BRIDGED_LOG_SCOPES, BridgedLogProcessor } from '../src/logs/bridge';
import { ALL_ATTRIBUTE_NAMES, BRIDGED_FIELD_PREFIX } from '../src/semconv';

describe('unit: bridged log settings', () => {
  it('sends and correlates by default; FILAMENT_LOG_SENDING / FILAMENT_LOG_CORRELATION switch each off; bad values are reported', () => {
    const defaults = readConfig({}).config;
    assert.equal(defaults.logSending, true);
    assert.equal(defaults.logCorrelation, true);
    assert.ok(['pino', 'winston', 'bunyan'].every((n) => defaults.instrumentations.includes(n)));
    const off = readConfig({ FILAMENT_LOG_SENDING: 'off', FILAMENT_LOG_CORRELATION: 'false' }).config;
    assert.equal(off.logSending, false);
    assert.equal(off.logCorrelation, false);
    const { config, problems } = readConfig({ FILAMENT_LOG_CORRELATION: 'sometimes' });
    assert.equal(config.logCorrelation, true);
    assert.deepEqual(problems, ['filament-otel: FILAMENT_LOG_CORRELATION="sometimes" is not one of true/false/on/off; using true']);
  });
});

describe('unit: bridged log records (BridgedLogProcessor)', () => {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    processors: [
      new BridgedLogProcessor(new Masker(readConfig({}).config.maskKeys), 64),
      new SimpleLogRecordProcessor({ exporter }),
    ],
  });
  const pino = provider.getLogger('@opentelemetry/instrumentation-pino');

  function emitted(logger: ReturnType<LoggerProvider['getLogger']>, record: LogRecord) {
    exporter.reset();
    logger.emit(record);
    const [out] = exporter.getFinishedLogRecords();
    assert.ok(out);
    return out;
  }

  it('handles exactly the three instrumentations\' scopes', () => {
    assert.deepEqual([...BRIDGED_LOG_SCOPES].sort(), [
      '@opentelemetry/instrumentation-bunyan', '@opentelemetry/instrumentation-pino', '@opentelemetry/winston-transport',
    ]);
    const other = emitted(provider.getLogger('something-else'), { body: 'alice@example.com', attributes: { order: 1, password: 'x' } });
    assert.equal(other.body, 'alice@example.com');
    assert.deepEqual(other.attributes, { order: 1, password: 'x' });
  });

  it('keeps names that do not clash; prefixes those that clash with a contract name or route records', () => {
    const out = emitted(pino, {
      body: 'ok',
      attributes: {
        order: 'ORD-1', 'order.number': 'ORD-1', 'order.number.raw': 'x', orderNumber: 'ORD-1', http: 1, 'http.route': '/a',
        queue: 'q', 'queue.dead_letter': 'y', 'data_stream.dataset': 'evil', elasticsearch: 'i', 'event.name': 'api.error',
        component: 'pricing', 'messaging.message': 'z',
      },
    });
    assert.deepEqual(out.attributes, {
      'order.number': 'ORD-1', orderNumber: 'ORD-1', 'http.route': '/a', component: 'pricing',
      'field.order': 'ORD-1', 'field.order.number.raw': 'x', 'field.http': 1, 'field.queue': 'q',
      'field.queue.dead_letter': 'y', 'field.data_stream.dataset': 'evil', 'field.elasticsearch': 'i',
      'field.event.name': 'api.error', 'field.messaging.message': 'z',
    });
    // The exported names themselves keep the contract.
    for (const name of Object.keys(out.attributes)) {
      for (const contract of ALL_ATTRIBUTE_NAMES) {
        assert.ok(!contract.startsWith(`${name}.`) && !name.startsWith(`${contract}.`), `${name} vs ${contract}`);
      }
    }
    assert.equal(BRIDGED_FIELD_PREFIX, 'field.');
  });

  it('masks nested values under sensitive keys whole and text everywhere, without touching the app\'s objects', () => {
    const user = { email: 'a@b.co', name: 'Alice', card: { number: '4111 1111 1111 1111' }, note: 'call +49 170 1234567' };
    const tags = ['ok', 'token=abc'];
    const out = emitted(pino, { body: { text: 'for bob@example.org' }, attributes: { user, tags, count: 3 } });
    assert.deepEqual(out.attributes, {
      user: { email: '[MASKED]', name: 'Alice', card: '[MASKED]', note: 'call [MASKED]' },
      tags: ['ok', 'token=[MASKED]'],
      count: 3,
      'filament.content.masked': 5,
    });
    assert.deepEqual(out.body, { text: 'for [MASKED]' });
    assert.equal(user.email, 'a@b.co', 'the app\'s object is unchanged');
    assert.equal(tags[1], 'token=abc');
  });

  it('adds no attribute and changes nothing when nothing is maskable', () => {
    const nested = { route: '/v1/models', status: 200 };
    const out = emitted(pino, { body: 'priced', attributes: { req: nested } });
    assert.deepEqual(out.attributes, { req: nested });
    assert.equal(out.body, 'priced');
  });

  it('caps long text at the configured size, marked', () => {
    const out = emitted(pino, { body: 'x'.repeat(100) });
    assert.equal(out.body, `${'x'.repeat(64)}…[truncated]`);
    assert.equal(out.attributes['filament.content.truncated'], true);
    assert.equal(emitted(pino, { body: 'x'.repeat(64) }).attributes['filament.content.truncated'], undefined);
  });

  it('takes the six event names away from bridged records', () => {
    const claimed = emitted(pino, { body: 'b', eventName: 'api.error' });
    assert.equal(claimed.eventName, undefined);
    assert.equal(claimed.attributes['field.event.name'], 'api.error');
    const own = emitted(pino, { body: 'b', eventName: 'checkout.completed' });
    assert.equal(own.eventName, 'checkout.completed');
  });

  it('replaces nesting beyond 16 levels by a marker', () => {
    let deep: AnyValue = 'leaf';
    for (let i = 0; i < 40; i++) deep = { d: deep };
    const out = emitted(pino, { body: 'b', attributes: { deep } });
    let v = out.attributes.deep as Record<string, AnyValue> | string;
    let depth = 0;
    while (typeof v === 'object') {
      v = v.d as Record<string, AnyValue> | string;
      depth++;
    }
    assert.equal(depth, 16);
    assert.equal(v, '[nested too deep, not exported]');
  });
});
