/**
 * The AMQP records' rules without a broker, through the real hooks (onPublish,
 * onReceive, the dead-letter tap's consumer) on a runtime whose logger, masker
 * and counters are recorded: one message-id rule for all three records, and
 * no content captured or masked when log records go nowhere.
 */
import assert from 'node:assert/strict';
import type { Counter, Histogram, Span } from '@opentelemetry/api';
import type { Logger, LogRecord } from '@opentelemetry/api-logs';
import { readConfig } from '../src/config';
import { Masker } from '../src/masking';
import { logsEnabled, type Runtime } from '../src/events/runtime';
import { DeadLetterTap, type TapChannel } from '../src/amqp/deadLetterTap';
import { amqpIdentifier, onPublish, onReceive, type AmqpMessage } from '../src/amqp/messages';

class CountingMasker extends Masker {
  calls = 0;
  override mask(text: string): { text: string; masked: number } {
    this.calls++;
    return super.mask(text);
  }
}

interface Harness {
  rt: Runtime;
  records: LogRecord[];
  masker: CountingMasker;
  counted: string[];
}

function harness(env: Record<string, string>): Harness {
  const config = readConfig(env).config;
  const records: LogRecord[] = [];
  const counted: string[] = [];
  const masker = new CountingMasker(config.maskKeys);
  const counter = (name: string): Counter => ({ add: () => { counted.push(name); } }) as unknown as Counter;
  const rt: Runtime = {
    config,
    logger: { emit: (r: LogRecord) => { records.push(r); } } as Logger,
    masker,
    instruments: {
      apiErrors: counter('apiErrors'),
      pricingDuration: { record: () => undefined } as unknown as Histogram,
      pricingPolygons: counter('pricingPolygons'),
      deadLetters: counter('deadLetters'),
      messagesSent: counter('messagesSent'),
      messagesConsumed: counter('messagesConsumed'),
    },
    logsEnabled: logsEnabled(config),
  };
  return { rt, records, masker, counted };
}

function recordingSpan(): { span: Span; attributes: Record<string, unknown> } {
  const attributes: Record<string, unknown> = {};
  const span = { setAttribute: (k: string, v: unknown) => { attributes[k] = v; return span; } } as unknown as Span;
  return { span, attributes };
}

const BODY = Buffer.from(JSON.stringify({ note: 'call anna@example.com' }));

function message(properties: AmqpMessage['properties']): AmqpMessage {
  return { content: BODY, fields: { routingKey: 'work' }, properties: { contentType: 'application/json', ...properties } };
}

/** Starts a tap on a fake channel and returns its consumer callback. */
async function tapConsumer(rt: Runtime): Promise<(msg: AmqpMessage) => void> {
  let consumer: ((msg: AmqpMessage | null) => void) | undefined;
  const channel: TapChannel = {
    open: async () => undefined,
    assertQueue: async () => undefined,
    bindQueue: async () => undefined,
    prefetch: async () => undefined,
    consume: async (_queue, onMessage) => { consumer = onMessage; },
    ack: () => undefined,
    on: () => channel,
  };
  await new DeadLetterTap(rt, () => channel).watch({}, 'orders.dlx', undefined, 'work');
  assert.ok(consumer !== undefined, 'the tap consumes');
  return consumer;
}

const DEATH = { 'x-death': [{ reason: 'rejected', queue: 'work', exchange: 'orders.dlx', count: 1, 'routing-keys': ['work'] }] };

describe('unit: AMQP records (hooks on a recorded runtime)', () => {
  it('one id rule: a non-empty string as is, a finite number as its text, nothing else', () => {
    assert.equal(amqpIdentifier('m-1'), 'm-1');
    assert.equal(amqpIdentifier(42), '42');
    for (const v of ['', NaN, Infinity, null, undefined, {}, Buffer.from('x')]) assert.equal(amqpIdentifier(v), undefined);
  });

  it('numeric ids appear alike on queue.message (receive) and queue.dead_lettered', async () => {
    const { rt, records } = harness({});
    onReceive(rt, 'work', message({ messageId: 42, correlationId: 7 }));
    (await tapConsumer(rt))(message({ messageId: 42, correlationId: 7, headers: DEATH }));
    assert.deepEqual(records.map((r) => [r.eventName, r.attributes?.['messaging.message.id'], r.attributes?.['messaging.message.conversation_id']]), [
      ['queue.message', '42', '7'],
      ['queue.dead_lettered', '42', '7'],
    ]);
  });

  it('logs on: every record captures and masks its content', async () => {
    const { rt, records, masker, counted } = harness({});
    assert.equal(rt.logsEnabled, true);
    const { span } = recordingSpan();
    onPublish(rt, span, { exchange: '', routingKey: 'work', content: BODY, options: { contentType: 'application/json' } });
    onReceive(rt, 'work', message({}));
    (await tapConsumer(rt))(message({ headers: DEATH }));
    assert.equal(records.length, 3);
    for (const r of records) {
      assert.equal(r.attributes?.['filament.content.masked'], 1, String(r.eventName));
      assert.doesNotMatch(String(r.body), /anna@example\.com/);
    }
    assert.equal(masker.calls, 3);
    assert.deepEqual(counted, ['messagesSent', 'messagesConsumed', 'deadLetters']);
  });

  it('OTEL_LOGS_EXPORTER=none: no record, no capture, no masking; spans and metrics as before', async () => {
    const { rt, records, masker, counted } = harness({ OTEL_LOGS_EXPORTER: 'none' });
    assert.equal(rt.logsEnabled, false);
    const { span, attributes } = recordingSpan();
    const options: { contentType: string; messageId?: unknown } = { contentType: 'application/json' };
    onPublish(rt, span, { exchange: 'orders', routingKey: 'work', content: BODY, options });
    onReceive(rt, 'work', message({}));
    (await tapConsumer(rt))(message({ headers: DEATH }));
    assert.deepEqual(records, []);
    assert.equal(masker.calls, 0);
    assert.deepEqual(counted, ['messagesSent', 'messagesConsumed', 'deadLetters']);
    // The id is still assigned and on the span, so other signals still join.
    assert.match(String(options.messageId), /^[0-9a-f-]{36}$/);
    assert.deepEqual(attributes, {
      'messaging.message.id': options.messageId,
      'messaging.destination.name': 'orders:work',
      'messaging.operation.type': 'send',
    });
  });

  it('logs go to the local files only: still captured', () => {
    const config = readConfig({ OTEL_LOGS_EXPORTER: 'none', FILAMENT_LOG_FILE_DIR: '/tmp/filament-logs' }).config;
    assert.equal(logsEnabled(config), true);
  });
});
