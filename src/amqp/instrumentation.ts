/**
 * Filament's own small amqplib instrumentation, next to the upstream one:
 * - wraps `consume` so every delivery to an application consumer yields a
 *   `queue.message` receive event that knows its queue (the upstream
 *   consumeHook is not told the queue);
 * - watches `assertQueue` for dead-letter exchanges to start the tap.
 * Registered after the upstream instrumentation, so its consume wrapper is the
 * outer one and deliveries reach it inside the upstream consumer span.
 */
import {
  InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile,
  type InstrumentationConfig,
} from '@opentelemetry/instrumentation';
import type { Runtime } from '../events';
import { settleWithin } from '../settle';
import { kTapChannel } from '../symbols';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { DeadLetterTap, type TapChannel } from './deadLetterTap';
import { onReceive, type AmqpMessage } from './messages';

const SUPPORTED = ['>=0.10.0 <3'];
const kOriginal = Symbol('filament-otel.original');

type Method = ((...args: unknown[]) => unknown) & { [kOriginal]?: Method };

/**
 * Our own marker instead of shimmer's `__wrapped`: the upstream amqplib
 * instrumentation wraps the same methods, and its marker must not make us
 * believe ours is already there.
 */
function wrapMethod(proto: object, name: string, make: (original: Method) => Method): void {
  const target = proto as Record<string, Method | undefined>;
  const current = target[name];
  if (typeof current !== 'function' || current[kOriginal] !== undefined) return;
  const wrapper = make(current);
  wrapper[kOriginal] = current;
  target[name] = wrapper;
}

function unwrapMethod(proto: object, name: string): void {
  const target = proto as Record<string, Method | undefined>;
  const original = target[name]?.[kOriginal];
  if (original !== undefined) target[name] = original;
}

/** Waits for the tap, but never holds a declaration longer than this. */
const TAP_WAIT_MS = 2000;

interface ChannelPrototype {
  consume: (...args: unknown[]) => unknown;
  assertQueue: (...args: unknown[]) => unknown;
}
interface ChannelModelExports {
  Channel: { prototype: ChannelPrototype; new (connection: object): TapChannel };
}
interface QueueOptions {
  deadLetterExchange?: unknown;
  deadLetterRoutingKey?: unknown;
  arguments?: Record<string, unknown>;
}

export class FilamentAmqplibInstrumentation extends InstrumentationBase<InstrumentationConfig> {
  private readonly rt: Runtime;
  private tap: DeadLetterTap | undefined;

  constructor(rt: Runtime) {
    super(`${PACKAGE_NAME}/amqplib`, PACKAGE_VERSION, { enabled: true });
    this.rt = rt;
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    const promiseModel = new InstrumentationNodeModuleFile(
      'amqplib/lib/channel_model.js', SUPPORTED,
      (exports: ChannelModelExports) => this.patch(exports, true),
      (exports: ChannelModelExports) => this.unpatch(exports),
    );
    const callbackModel = new InstrumentationNodeModuleFile(
      'amqplib/lib/callback_model.js', SUPPORTED,
      (exports: ChannelModelExports) => this.patch(exports, false),
      (exports: ChannelModelExports) => this.unpatch(exports),
    );
    return [new InstrumentationNodeModuleDefinition('amqplib', SUPPORTED, undefined, undefined, [promiseModel, callbackModel])];
  }

  private patch(exports: ChannelModelExports, promiseModel: boolean): ChannelModelExports {
    const proto = exports.Channel.prototype;
    const rt = this.rt;
    wrapMethod(proto, 'consume', (original) =>
      function consume(this: object, queue: unknown, onMessage: unknown, ...rest: unknown[]): unknown {
        if (typeof onMessage !== 'function' || (this as Record<symbol, unknown>)[kTapChannel] === true) {
          return original.call(this, queue, onMessage, ...rest);
        }
        const queueName = typeof queue === 'string' && queue !== '' ? queue : 'amq.server-named';
        const wrapped = function (this: unknown, msg: AmqpMessage | null): unknown {
          if (msg !== null && msg !== undefined) {
            try {
              onReceive(rt, queueName, msg);
            } catch {
              // never break the consumer
            }
          }
          return (onMessage as (m: AmqpMessage | null) => unknown).call(this, msg);
        };
        return original.call(this, queue, wrapped, ...rest);
      });
    // The tap needs promise channels; the callback API gets queue.message only.
    if (promiseModel && rt.config.deadLetterTap) {
      const Channel = exports.Channel;
      const tap = (this.tap ??= new DeadLetterTap(rt, (connection) => new Channel(connection)));
      wrapMethod(proto, 'assertQueue', (original) =>
        function assertQueue(this: { connection?: object }, queue: unknown, rawOptions?: unknown): unknown {
          const result = original.apply(this, [queue, rawOptions]);
          const options = rawOptions as QueueOptions | undefined;
          try {
            const dlx = options?.deadLetterExchange ?? options?.arguments?.['x-dead-letter-exchange'];
            const dlrk = options?.deadLetterRoutingKey ?? options?.arguments?.['x-dead-letter-routing-key'];
            const connection = this.connection;
            if (typeof dlx === 'string' && connection !== undefined && result instanceof Promise) {
              return result.then(async (ok: { queue?: string }) => {
                await settleWithin(tap.watch(
                  connection, dlx, typeof dlrk === 'string' ? dlrk : undefined,
                  ok?.queue ?? (typeof queue === 'string' ? queue : ''),
                ), TAP_WAIT_MS);
                return ok;
              });
            }
          } catch {
            // never break the declaration
          }
          return result;
        });
      wrapMethod(proto, 'assertExchange', (original) =>
        function assertExchange(this: { connection?: object }, ...args: unknown[]): unknown {
          const result = original.apply(this, args);
          const connection = this.connection;
          if (typeof args[0] === 'string' && connection !== undefined && result instanceof Promise) {
            const name = args[0];
            return result.then(async (ok: unknown) => {
              await settleWithin(tap.exchangeDeclared(connection, name), TAP_WAIT_MS);
              return ok;
            });
          }
          return result;
        });
    }
    return exports;
  }

  private unpatch(exports: ChannelModelExports): void {
    unwrapMethod(exports.Channel.prototype, 'consume');
    unwrapMethod(exports.Channel.prototype, 'assertQueue');
    unwrapMethod(exports.Channel.prototype, 'assertExchange');
  }
}
