/**
 * Worker threads: one SDK per process (the preload starts no SDK in a worker,
 * preload.ts), so a worker's typed-API records — and the automatic events of
 * the instrumentations registered there (threads/) — travel to the main thread's SDK
 * and are emitted there, with the trace context the worker had and the time it
 * emitted them.
 *
 * The carrier is a BroadcastChannel of a Filament-private name
 * (https://nodejs.org/api/worker_threads.html#class-broadcastchannel-extends-eventtarget):
 * it reaches the main thread from every thread of the process, nested workers and
 * pool libraries' workers included, without touching the app's own parentPort or
 * workerData. Both ends are unref'd: the channel keeps no thread alive.
 *
 * Whether anyone listens is published with setEnvironmentData before the app
 * creates its workers (the preload runs first); a worker reads it at its first
 * record. No listener (no preload in the process): the worker's records go to its
 * own global OTel providers as before, and one line says that Filament's are lost.
 * The main thread's SDK stopped: its emitter says so, as for its own late records.
 */
import { BroadcastChannel, getEnvironmentData, setEnvironmentData, threadId } from 'node:worker_threads';
import {
  ROOT_CONTEXT, trace, TraceFlags,
  type AnyValue, type Attributes, type Counter, type Histogram, type Logger, type LogRecord, type SeverityNumber,
} from '@opentelemetry/api';
import { activeSpanContext } from './traceparent';
import type { Instruments } from './instruments';

/** `.v1`: a copy of the package with another message shape listens elsewhere (as symbols.ts). */
export const WORKER_CHANNEL = 'filament-otel.worker-records.v1';
/** Environment data key: set (true) by the main thread that serves the channel. */
const SERVED = 'filament-otel.worker-records-served.v1';

const INSTRUMENTS = ['apiErrors', 'pricingDuration', 'pricingPolygons', 'deadLetters', 'messagesSent', 'messagesConsumed'] as const;
type InstrumentName = (typeof INSTRUMENTS)[number];

interface LogMessage {
  kind: 'log';
  eventName: string;
  severityNumber: SeverityNumber;
  severityText?: string;
  attributes?: Attributes;
  body?: AnyValue;
  /** Epoch milliseconds, fractional: when the worker emitted it. */
  timestamp: number;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
}
interface MetricMessage {
  kind: 'metric';
  instrument: InstrumentName;
  value: number;
  attributes?: Attributes;
}
type WorkerMessage = LogMessage | MetricMessage;

/** Whether a main thread of this process serves the channel (false in the main thread itself). */
export function mainThreadServes(): boolean {
  return getEnvironmentData(SERVED) === true;
}

/**
 * Main thread: emits the records workers send through `emit` and records their
 * measurements on `instruments`. Called once by the preload, before the app runs.
 */
export function serveWorkerRecords(emit: (record: LogRecord) => void, instruments: Instruments): void {
  const channel = new BroadcastChannel(WORKER_CHANNEL);
  channel.unref();
  channel.onmessage = (event: unknown) => {
    try {
      replay((event as { data: unknown }).data, emit, instruments);
    } catch {
      // A malformed message (another copy of the package): telemetry never breaks the app.
    }
  };
  setEnvironmentData(SERVED, true);
}

function replay(data: unknown, emit: (record: LogRecord) => void, instruments: Instruments): void {
  if (typeof data !== 'object' || data === null) return;
  const message = data as WorkerMessage;
  if (message.kind === 'metric') {
    if (!INSTRUMENTS.includes(message.instrument) || typeof message.value !== 'number') return;
    const instrument = instruments[message.instrument] as Counter | Histogram;
    if ('add' in instrument) instrument.add(message.value, message.attributes);
    else instrument.record(message.value, message.attributes);
    return;
  }
  if (message.kind !== 'log' || typeof message.eventName !== 'string') return;
  const record: LogRecord = {
    eventName: message.eventName,
    severityNumber: message.severityNumber,
    timestamp: message.timestamp,
    // The worker's trace, or none: never the main thread's context of the moment.
    context: typeof message.traceId === 'string' && typeof message.spanId === 'string'
      ? trace.setSpanContext(ROOT_CONTEXT, {
        traceId: message.traceId, spanId: message.spanId, traceFlags: message.traceFlags ?? TraceFlags.NONE, isRemote: true,
      })
      : ROOT_CONTEXT,
  };
  if (message.severityText !== undefined) record.severityText = message.severityText;
  if (message.attributes !== undefined) record.attributes = message.attributes;
  if (message.body !== undefined) record.body = message.body;
  emit(record);
}

/** Worker thread: a Logger and instruments that post to the main thread. */
export function workerSenders(): { logger: Logger; instruments: Instruments } {
  const channel = new BroadcastChannel(WORKER_CHANNEL);
  channel.unref();
  const post = (message: WorkerMessage): void => {
    try {
      channel.postMessage(message);
    } catch (error) {
      // A value structured clone refuses: the typed API only builds primitives, so this is someone else's record.
      sayOnce('post', `a worker thread's record could not be sent to the main thread (${error instanceof Error ? error.message : String(error)}); not recorded`);
    }
  };
  const logger: Logger = {
    emit(record: LogRecord): void {
      const message: LogMessage = {
        kind: 'log',
        eventName: record.eventName ?? '',
        severityNumber: record.severityNumber ?? (0 as SeverityNumber),
        timestamp: performance.timeOrigin + performance.now(),
      };
      if (record.severityText !== undefined) message.severityText = record.severityText;
      if (record.attributes !== undefined) message.attributes = record.attributes;
      if (record.body !== undefined) message.body = record.body;
      const sc = record.context !== undefined ? trace.getSpanContext(record.context) : activeSpanContext();
      if (sc !== undefined && trace.isSpanContextValid(sc)) {
        message.traceId = sc.traceId;
        message.spanId = sc.spanId;
        message.traceFlags = sc.traceFlags;
      }
      post(message);
    },
    enabled: () => true,
  };
  const counter = (instrument: InstrumentName): Counter => ({
    add: (value, attributes) => post({ kind: 'metric', instrument, value, ...(attributes ? { attributes } : {}) }),
  });
  const histogram = (instrument: InstrumentName): Histogram => ({
    record: (value, attributes) => post({ kind: 'metric', instrument, value, ...(attributes ? { attributes } : {}) }),
  });
  return {
    logger,
    instruments: {
      apiErrors: counter('apiErrors'),
      pricingDuration: histogram('pricingDuration'),
      pricingPolygons: counter('pricingPolygons'),
      deadLetters: counter('deadLetters'),
      messagesSent: counter('messagesSent'),
      messagesConsumed: counter('messagesConsumed'),
    },
  };
}

const said = new Set<string>();
function sayOnce(key: string, line: string): void {
  if (said.has(key)) return;
  said.add(key);
  process.stderr.write(`filament-otel: ${line}\n`);
}

/** Worker thread without a serving main thread: said once, at its first record. */
export function sayNoMainThreadSdk(eventName: string): void {
  sayOnce('unserved', `${eventName} emitted in worker thread ${threadId}, but no Filament SDK runs in this process's main thread (start it with node --require filament-otel/preload); not recorded (said once)`);
}
