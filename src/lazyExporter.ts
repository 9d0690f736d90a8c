/**
 * Exporters whose packages are `require`d when the first batch leaves, not at
 * start-up: the OTLP exporters, their transformer and transport are about a
 * quarter of the modules the preload would otherwise load before the app's
 * first line runs (docs/benchmarks.md, start-up).
 */
import * as http from 'node:http';
import type * as net from 'node:net';
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality, AggregationType, InstrumentType,
  type AggregationOption, type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { TemporalityPreference } from './config';

interface AnyExporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

/** Why a batch left unexported at the stop deadline failed (the processors count it as failed). */
const ABANDONED = 'filament-otel: abandoned at the stop deadline';

/**
 * Its name is the `error.type` the SDK's `otel.sdk.processor.*.processed`
 * counters carry for batches abandoned at the stop deadline (docs/events.md).
 */
function abandonedError(): Error {
  const error = new Error(ABANDONED);
  error.name = 'StopDeadlineExceeded';
  return error;
}

export class LazyExporter<T, E extends AnyExporter<T>> {
  private real: E | undefined;
  private failed = false;
  /** Result callbacks of the exports in flight: abandon() answers them. */
  private readonly pending = new Set<(result: ExportResult) => void>();

  constructor(private readonly create: () => E, private readonly stop: StopSignal = new StopSignal()) {}

  protected exporter(): E | undefined {
    if (this.real === undefined && !this.failed) {
      try {
        this.real = this.create();
      } catch (error) {
        // Reported once; the batches are dropped, the host keeps running.
        this.failed = true;
        diag.error('filament-otel: the exporter could not be created', error);
      }
    }
    return this.real;
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    if (this.stop.epoch > 0) { // abandoned: every later export fails at once
      resultCallback({ code: ExportResultCode.FAILED, error: abandonedError() });
      return;
    }
    const real = this.exporter();
    if (real === undefined) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('filament-otel: no exporter') });
      return;
    }
    // Answered once: by the exporter, or by abandon() if the stop deadline comes first.
    const once = (result: ExportResult): void => {
      if (!this.pending.delete(once)) return;
      this.stop.lastExportFailed = result.code !== ExportResultCode.SUCCESS;
      resultCallback(result);
    };
    this.pending.add(once);
    real.export(items, once);
  }

  /**
   * The stop deadline passed: answer every export in flight as failed (the
   * processors then clear their own timers), cut the transport's retries short,
   * and fail every later export at once.
   */
  abandon(): void {
    this.stop.abandon();
    for (const callback of [...this.pending]) callback({ code: ExportResultCode.FAILED, error: abandonedError() });
  }

  shutdown(): Promise<void> {
    if (this.real === undefined) return Promise.resolve();
    return this.stop.race(this.real.shutdown());
  }

  forceFlush(): Promise<void> {
    const flushed = this.real?.forceFlush?.();
    return flushed === undefined ? Promise.resolve() : this.stop.race(flushed);
  }
}

/**
 * Lets a stop abandon what an exporter still has in flight. Every wait of
 * ours is raced against it, so no retry, socket or request outlives the deadline.
 */
export class StopSignal {
  private readonly waiters = new Set<() => void>();
  private generation = 0;
  /** Whether the collector's latest answer (or silence) was a failure. */
  lastExportFailed = false;

  /** Resolves with `promise`, or when abandon() is called first. */
  race<R>(promise: Promise<R>): Promise<R | void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      promise.then((value) => { this.waiters.delete(done); resolve(value); }, () => done());
    });
  }

  /** How many times abandon() was called: a transport compares it to stop retrying. */
  get epoch(): number {
    return this.generation;
  }

  abandon(): void {
    this.generation++;
    for (const done of [...this.waiters]) done();
  }
}

interface ExportResponse {
  status: 'success' | 'failure' | 'retryable';
  error?: Error;
  retryInMillis?: number;
  data?: Uint8Array;
}
interface ExporterTransport {
  send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse>;
  shutdown(): void;
}

// The upstream retry policy (otlp-exporter-base, retrying-transport): 5 retries,
// exponential backoff from 1 s (x1.5, +/-20 % jitter, at most 5 s), within the export timeout.
const MAX_RETRIES = 5;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;
const BACKOFF_MULTIPLIER = 1.5;
const JITTER = 0.2;

/**
 * The OTLP/HTTP exporters' retrying transport with the same policy, except
 * that its timers are unref'd (a pending retry never keeps a finished process
 * alive), an export (with its retries) lasts at most `maxMs`
 * (FILAMENT_SHUTDOWN_TIMEOUT_MS) and a stop deadline ends it at once.
 */
class StoppableRetryingTransport implements ExporterTransport {
  constructor(private readonly inner: ExporterTransport, private readonly stop: StopSignal, private readonly maxMs: number) {}

  async send(data: Uint8Array, exportTimeoutMillis: number): Promise<ExportResponse> {
    const epoch = this.stop.epoch;
    // Made only when needed: an Error captures a stack trace, and this runs for every batch.
    const abandoned = (): ExportResponse => ({ status: 'failure', error: abandonedError() });
    // An export in flight when a script ends holds the process (the batch
    // processor's own timer is ref'd) until it is done: at most the stop deadline.
    const timeoutMillis = Math.min(exportTimeoutMillis, this.maxMs);
    const deadline = Date.now() + timeoutMillis;
    let result = (await this.stop.race(this.inner.send(data, timeoutMillis))) ?? abandoned();
    let backoff = INITIAL_BACKOFF_MS;
    for (let retries = MAX_RETRIES; result.status === 'retryable' && retries > 0; retries--) {
      const wait = result.retryInMillis ?? Math.min(backoff * (1 + (Math.random() * 2 - 1) * JITTER), MAX_BACKOFF_MS);
      backoff *= BACKOFF_MULTIPLIER;
      const remaining = deadline - Date.now();
      if (wait > remaining) return result;
      await this.stop.race(new Promise<void>((resolve) => setTimeout(resolve, Math.max(wait, 0)).unref()));
      if (this.stop.epoch !== epoch) return abandoned();
      result = (await this.stop.race(this.inner.send(data, deadline - Date.now()))) ?? abandoned();
    }
    return this.stop.epoch !== epoch ? abandoned() : result;
  }

  shutdown(): void {
    this.inner.shutdown();
  }
}

type HttpTransportParameters = { agentFactory?: (protocol: string) => Promise<http.Agent> };
type WithTransport = {
  _delegate?: { _transport?: { _transport?: ExporterTransport & { _parameters?: HttpTransportParameters } } & Partial<ExporterTransport> };
};

/**
 * Puts the stoppable retrying transport under an OTLP/HTTP exporter built by
 * @opentelemetry/otlp-exporter-base (delegate → retrying transport → HTTP
 * transport), and unrefs the sockets of the agent the exporter makes (keeping
 * its TLS settings from OTEL_EXPORTER_OTLP_*CERTIFICATE/CLIENT_KEY). Private
 * structure of a pinned version: a unit test fails if an upgrade changes it.
 * Returns whether it was replaced.
 */
export function makeStoppable(exporter: object, stop: StopSignal, maxMs: number): boolean {
  const delegate = (exporter as WithTransport)._delegate;
  const inner = delegate?._transport?._transport;
  const parameters = inner?._parameters;
  if (delegate === undefined || inner === undefined || typeof inner.send !== 'function') return false;
  if (parameters === undefined || typeof parameters.agentFactory !== 'function') return false;
  const makeAgent = parameters.agentFactory;
  parameters.agentFactory = async (protocol) => unrefSockets(await makeAgent(protocol));
  (delegate as { _transport: ExporterTransport })._transport = new StoppableRetryingTransport(inner, stop, maxMs);
  return true;
}

/**
 * An export in flight never keeps a finished process alive: the agent's
 * sockets are unref'd when made and again when reused (Node refs a reused
 * keep-alive socket); a stop keeps the process alive itself, until its deadline.
 */
function unrefSockets(agent: http.Agent): http.Agent {
  type Internal = {
    createConnection(options: object, callback?: (error: Error | null, socket: net.Socket) => void): net.Socket;
    reuseSocket(socket: net.Socket, request: http.ClientRequest): void;
  };
  const internal = agent as unknown as Internal;
  const create = internal.createConnection.bind(agent);
  internal.createConnection = (options, callback) => create(options, callback).unref();
  const reuse = internal.reuseSocket.bind(agent);
  internal.reuseSocket = (socket, request) => {
    reuse(socket, request);
    socket.unref();
  };
  return agent;
}

type TemporalitySelector = (type: InstrumentType) => AggregationTemporality;

/**
 * The OTLP metric exporters' temporality preference
 * (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, read by config.ts),
 * decided here because the SDK asks for it when instruments are created, long
 * before the first export. Same mapping as @opentelemetry/exporter-metrics-otlp-*
 * (a unit test compares).
 */
export function temporalitySelector(preference: TemporalityPreference): TemporalitySelector {
  if (preference === 'delta') {
    return (type) => (type === InstrumentType.UP_DOWN_COUNTER || type === InstrumentType.OBSERVABLE_UP_DOWN_COUNTER
      ? AggregationTemporality.CUMULATIVE : AggregationTemporality.DELTA);
  }
  if (preference === 'lowmemory') {
    return (type) => (type === InstrumentType.COUNTER || type === InstrumentType.HISTOGRAM
      ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE);
  }
  return () => AggregationTemporality.CUMULATIVE;
}

const DEFAULT_AGGREGATION: AggregationOption = Object.freeze({ type: AggregationType.DEFAULT });

export class LazyMetricExporter extends LazyExporter<ResourceMetrics, PushMetricExporter> implements PushMetricExporter {
  private readonly temporality: TemporalitySelector;

  constructor(create: () => PushMetricExporter, preference: TemporalityPreference, stop?: StopSignal) {
    super(create, stop);
    this.temporality = temporalitySelector(preference);
  }

  selectAggregationTemporality(type: InstrumentType): AggregationTemporality {
    return this.temporality(type);
  }

  selectAggregation(_type: InstrumentType): AggregationOption {
    return DEFAULT_AGGREGATION;
  }
}
