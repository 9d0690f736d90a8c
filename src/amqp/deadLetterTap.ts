/**
 * Exactly one `queue.dead_lettered` WARN per dead-lettered message, whatever
 * the reason (rejected, expired, maxlen, delivery_limit).
 *
 * Only `rejected` is visible to a consumer as it happens; TTL expiry, length
 * overflow and quorum delivery limits happen inside the broker. But RabbitMQ
 * routes every dead-lettered message through the queue's dead-letter exchange,
 * with an `x-death` header saying why. So when a service declares a queue with
 * a dead-letter exchange, Filament binds its own tap queue to that exchange and
 * consumes the copies. The tap queue is named after the exchange and shared:
 * every instrumented instance (of every service) that declares such a queue
 * consumes it competitively, so each copy is reported by exactly one of them;
 * copies arriving while no instance runs wait in the tap queue (bounded).
 */
import { propagation, ROOT_CONTEXT, SeverityNumber, type Attributes as LogAttributes } from '@opentelemetry/api';
import { emitEvent, type Runtime } from '../events';
import { kTapChannel } from '../symbols';
import { contentAttributes, identifierAttributes, type AmqpMessage } from './messages';
import {
  ATTR_MESSAGING_DESTINATION_NAME, ATTR_MESSAGING_RABBITMQ_ROUTING_KEY, ATTR_MESSAGING_SYSTEM, ATTR_QUEUE_DEAD_LETTER_COUNT,
  ATTR_QUEUE_DEAD_LETTER_EXCHANGE, ATTR_QUEUE_DEAD_LETTER_QUEUE, ATTR_QUEUE_DEAD_LETTER_REASON,
  EVENT_QUEUE_DEAD_LETTERED, MESSAGING_SYSTEM_RABBITMQ,
} from '../semconv';

export const TAP_QUEUE_PREFIX = 'filament.dead-letter-tap.';
const WEEK_MS = 7 * 24 * 3600 * 1000;
/**
 * Fixed on purpose: every instance must declare the tap queue with identical
 * arguments or RabbitMQ refuses the declaration (PRECONDITION_FAILED).
 */
export const TAP_QUEUE_ARGUMENTS = {
  'x-max-length': 100_000,
  'x-overflow': 'drop-head',
  'x-message-ttl': WEEK_MS,
  'x-expires': WEEK_MS,
} as const;
const RETRY_DELAYS_MS = [500, 1000, 2000, 5000, 10000, 30000];
const MAX_ATTEMPTS = 40;

/** The part of amqplib's promise Channel the tap uses. */
export interface TapChannel {
  open(): Promise<unknown>;
  assertQueue(queue: string, options: object): Promise<unknown>;
  bindQueue(queue: string, exchange: string, pattern: string): Promise<unknown>;
  prefetch(count: number): Promise<unknown>;
  consume(queue: string, onMessage: (msg: AmqpMessage | null) => void, options: object): Promise<unknown>;
  ack(msg: AmqpMessage): void;
  on(event: 'error' | 'close', listener: (err?: unknown) => void): unknown;
}
export type TapChannelFactory = (connection: object) => TapChannel;

interface ExchangeTap {
  readonly exchange: string;
  readonly keys: Set<string>;
  bound: Set<string>;
  consuming: boolean;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
  running: Promise<void>;
}

interface ConnectionTaps {
  channel: Promise<TapChannel> | undefined;
  readonly exchanges: Map<string, ExchangeTap>;
  closed: boolean;
}

type XDeath = Record<string, unknown>;

function headerString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}

function headerNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object' && 'value' in v) return headerNumber((v as { value: unknown }).value);
  return undefined;
}

/** The x-death entry for the dead-lettering that produced this copy (newest first). */
export function latestDeath(headers: Record<string, unknown> | undefined): {
  reason: string | undefined; queue: string | undefined; exchange: string | undefined;
  count: number | undefined; routingKey: string | undefined;
} {
  const deaths = headers?.['x-death'];
  const first = Array.isArray(deaths) && deaths.length > 0 ? (deaths[0] as XDeath) : undefined;
  if (first !== undefined) {
    const keys = first['routing-keys'];
    return {
      reason: headerString(first.reason),
      queue: headerString(first.queue),
      exchange: headerString(first.exchange),
      count: headerNumber(first.count),
      routingKey: Array.isArray(keys) && keys.length > 0 ? headerString(keys[0]) : undefined,
    };
  }
  // RabbitMQ 4 can also carry x-last-death-* headers.
  return {
    reason: headerString(headers?.['x-last-death-reason']),
    queue: headerString(headers?.['x-last-death-queue']),
    exchange: headerString(headers?.['x-last-death-exchange']),
    count: undefined,
    routingKey: undefined,
  };
}

export class DeadLetterTap {
  private readonly taps = new WeakMap<object, ConnectionTaps>();
  private warnedDefaultExchange = false;

  constructor(private readonly rt: Runtime, private readonly newChannel: TapChannelFactory) {}

  /**
   * A queue was declared on `connection` with dead-letter exchange `exchange`.
   * Resolves once the tap is bound and consuming, or the first attempt failed
   * (it then retries in the background): the declaration waits for it, so no
   * message dead-lettered right after start-up goes unseen.
   */
  watch(connection: object, exchange: string, deadLetterRoutingKey: string | undefined, queue: string): Promise<void> {
    if (exchange === '') {
      if (!this.warnedDefaultExchange) {
        this.warnedDefaultExchange = true;
        process.stderr.write(
          `filament-otel: queue "${queue}" dead-letters through the default exchange, which cannot be tapped; ` +
            'queue.dead_lettered is reported only for queues with a named dead-letter exchange\n',
        );
      }
      return Promise.resolve();
    }
    const conn = this.connectionTaps(connection);
    let tap = conn.exchanges.get(exchange);
    if (tap === undefined) {
      tap = {
        exchange, keys: new Set(['#']), bound: new Set(), consuming: false, attempts: 0,
        timer: undefined, running: Promise.resolve(),
      };
      conn.exchanges.set(exchange, tap);
    }
    // '#' catches everything on topic, fanout and headers exchanges; on a
    // direct exchange only the exact key matches, so bind the dead-letter
    // routing key or, without one, the queue's own name (default-exchange
    // publishes use it as routing key). RabbitMQ delivers one copy per queue
    // however many of its bindings match.
    tap.keys.add(deadLetterRoutingKey ?? queue);
    return this.ensure(connection, conn, tap);
  }

  /** An exchange was declared: a tap waiting for it can bind now. */
  exchangeDeclared(connection: object, exchange: string): Promise<void> {
    const conn = this.taps.get(connection);
    const tap = conn?.exchanges.get(exchange);
    if (conn === undefined || tap === undefined || (tap.consuming && tap.timer === undefined)) return Promise.resolve();
    if (tap.timer !== undefined) {
      clearTimeout(tap.timer);
      tap.timer = undefined;
    }
    return this.ensure(connection, conn, tap);
  }

  private connectionTaps(connection: object): ConnectionTaps {
    const existing = this.taps.get(connection);
    if (existing !== undefined) return existing;
    const created: ConnectionTaps = { channel: undefined, exchanges: new Map(), closed: false };
    this.taps.set(connection, created);
    const emitter = connection as { once?: (event: string, fn: () => void) => unknown };
    emitter.once?.('close', () => {
      created.closed = true;
      for (const tap of created.exchanges.values()) {
        if (tap.timer !== undefined) clearTimeout(tap.timer);
        tap.timer = undefined;
      }
    });
    return created;
  }

  private channel(connection: object, conn: ConnectionTaps): Promise<TapChannel> {
    if (conn.channel === undefined) {
      const ch = this.newChannel(connection);
      (ch as unknown as Record<symbol, boolean>)[kTapChannel] = true;
      // A failed bind (exchange not declared yet) closes the channel: start over later.
      ch.on('error', () => undefined);
      ch.on('close', () => {
        conn.channel = undefined;
        for (const tap of conn.exchanges.values()) {
          tap.bound = new Set();
          tap.consuming = false;
        }
      });
      conn.channel = ch.open().then(async () => {
        await ch.prefetch(100);
        return ch;
      });
      conn.channel.catch(() => {
        conn.channel = undefined;
      });
    }
    return conn.channel;
  }

  /** Serialised per exchange: one attempt at a time. */
  private ensure(connection: object, conn: ConnectionTaps, tap: ExchangeTap): Promise<void> {
    tap.running = tap.running.then(() => this.attempt(connection, conn, tap));
    return tap.running;
  }

  private async attempt(connection: object, conn: ConnectionTaps, tap: ExchangeTap): Promise<void> {
    if (tap.timer !== undefined || conn.closed) return;
    if (tap.consuming && [...tap.keys].every((k) => tap.bound.has(k))) return;
    const tapQueue = TAP_QUEUE_PREFIX + tap.exchange;
    try {
      const ch = await this.channel(connection, conn);
      await ch.assertQueue(tapQueue, { durable: true, arguments: TAP_QUEUE_ARGUMENTS });
      for (const key of [...tap.keys]) {
        if (tap.bound.has(key)) continue;
        await ch.bindQueue(tapQueue, tap.exchange, key);
        tap.bound.add(key);
      }
      if (!tap.consuming) {
        await ch.consume(tapQueue, (msg) => this.onDeadLetter(ch, msg), { noAck: false });
        tap.consuming = true;
      }
      tap.attempts = 0;
    } catch (err) {
      this.scheduleRetry(connection, conn, tap, err);
    }
  }

  private scheduleRetry(connection: object, conn: ConnectionTaps, tap: ExchangeTap, err: unknown): void {
    if (conn.closed) return;
    if (tap.attempts >= MAX_ATTEMPTS) {
      process.stderr.write(
        `filament-otel: dead-letter tap on exchange "${tap.exchange}" gave up after ${MAX_ATTEMPTS} attempts; ` +
          'queue.dead_lettered is not reported for it until a queue using it is declared again\n',
      );
      tap.attempts = 0;
      return;
    }
    const delay = RETRY_DELAYS_MS[Math.min(tap.attempts, RETRY_DELAYS_MS.length - 1)] as number;
    tap.attempts++;
    if (tap.attempts === 4) {
      const reason = err instanceof Error ? err.message : String(err);
      process.stderr.write(
        `filament-otel: dead-letter tap on exchange "${tap.exchange}" not ready yet (${reason}); retrying\n`,
      );
    }
    tap.timer = setTimeout(() => {
      tap.timer = undefined;
      void this.ensure(connection, conn, tap);
    }, delay);
    tap.timer.unref();
  }

  private onDeadLetter(ch: TapChannel, msg: AmqpMessage | null): void {
    if (msg === null) return; // consumer cancelled by the broker
    try {
      this.report(msg);
    } finally {
      ch.ack(msg);
    }
  }

  private report(msg: AmqpMessage): void {
    const rt = this.rt;
    const headers = msg.properties.headers;
    const death = latestDeath(headers);
    if (rt.logsEnabled) {
      const attrs: LogAttributes = {
        [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_RABBITMQ,
        [ATTR_QUEUE_DEAD_LETTER_REASON]: death.reason ?? 'unknown',
      };
      if (death.queue !== undefined) {
        attrs[ATTR_QUEUE_DEAD_LETTER_QUEUE] = death.queue;
        attrs[ATTR_MESSAGING_DESTINATION_NAME] = death.queue;
      }
      if (death.exchange !== undefined) attrs[ATTR_QUEUE_DEAD_LETTER_EXCHANGE] = death.exchange;
      if (death.count !== undefined) attrs[ATTR_QUEUE_DEAD_LETTER_COUNT] = death.count;
      const routingKey = death.routingKey ?? msg.fields.routingKey;
      if (routingKey !== undefined) attrs[ATTR_MESSAGING_RABBITMQ_ROUTING_KEY] = routingKey;
      identifierAttributes(attrs, msg.properties);
      const body = contentAttributes(rt, attrs, msg.content, msg.properties.contentType);
      // The copy keeps the publisher's trace headers: the WARN joins the order's trace.
      const ctx = headers === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
      emitEvent(rt, EVENT_QUEUE_DEAD_LETTERED, SeverityNumber.WARN, attrs, body, ctx);
    }
    rt.instruments.deadLetters.add(1, {
      [ATTR_QUEUE_DEAD_LETTER_QUEUE]: death.queue ?? 'unknown',
      [ATTR_QUEUE_DEAD_LETTER_REASON]: death.reason ?? 'unknown',
    });
  }
}
