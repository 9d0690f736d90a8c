/**
 * Incoming HTTP requests: one SERVER span, the `http.server.request.duration`
 * histogram, and the `api.request` / `api.error` events — in one hook on
 * `Server.prototype.emit('request')` of node:http and node:https.
 *
 * Why our own and not @opentelemetry/instrumentation-http's server side: it
 * costs a hello-world server a large share of its throughput even with every
 * exporter off (measured: docs/benchmarks.md) — header capture hooks, synthetic source
 * detection, query redaction, per-request attribute and closure churn. This
 * hook does what the services here need and allocates little per request.
 * instrumentation-http stays loaded for OUTGOING requests (client spans and
 * context propagation), with its server side disabled.
 *
 * Contract kept with the ecosystem: the request runs in a context holding the
 * span and RPC metadata (`RPCType.HTTP`), so the Express and Fastify
 * instrumentations set `http.route` there; span attributes follow the stable
 * HTTP semantic conventions; the span is renamed `METHOD route` at the end.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import * as http from 'node:http';
import type * as https from 'node:https';
import {
  createNoopMeter, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace,
  type Attributes, type Context, type Histogram, type MeterProvider, type Span, type Tracer, type TracerProvider,
} from '@opentelemetry/api';
import { RPCType, setRPCMetadata, suppressTracing, type RPCMetadata } from '@opentelemetry/core';
import { errorMonitor } from 'node:events';
import type { Socket } from 'node:net';
import type { Runtime } from '../events';
import {
  ATTR_CLIENT_ADDRESS, ATTR_ERROR_TYPE, ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_REQUEST_METHOD_ORIGINAL,
  ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_NETWORK_PROTOCOL_VERSION, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT,
  ATTR_URL_PATH, ATTR_URL_SCHEME, ATTR_USER_AGENT_ORIGINAL, METRIC_HTTP_SERVER_REQUEST_DURATION,
} from '@opentelemetry/semantic-conventions';
import { ERROR_TYPE_ABORTED } from '../semconv';
import { emitInRequestContext } from '../context';
import { OwnInstrumentation } from '../ownInstrumentation';
import { PACKAGE_VERSION } from '../version';
import { emitRequestEvents, type RequestOutcome } from './apiEvents';
import { attachRequestMetadata, recordRequestException } from './requestMetadata';
import { KNOWN_METHODS, pathOf } from './requestLine';
import { exportedUrlPath } from './urlPath';

/**
 * Published by every net.Server's listen(), before it can take a connection (Node >= 22.3:
 * https://nodejs.org/api/diagnostics_channel.html#tracingnetserverlistenasyncstart).
 */
const LISTEN_START = 'tracing:net.server.listen:asyncStart';

const kServerPort = Symbol('filament.http.serverPort');
const kOriginalEmit = Symbol('filament.http.originalEmit');

/** The semantic conventions' advice for http.server.request.duration, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

type AnyServer = (http.Server | https.Server) & { [kServerPort]?: number | undefined };
type Emit = (this: AnyServer, event: string | symbol, ...args: unknown[]) => boolean;
type RequestEmit = (this: AnyServer, event: string, req: http.IncomingMessage, res: http.ServerResponse) => boolean;
type Patched = Emit & { [kOriginalEmit]?: Emit };

/** The port the server listens on, looked up once per server (address() is not free). */
function serverPort(server: AnyServer): number | undefined {
  let port = server[kServerPort];
  if (port === undefined) {
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : undefined;
    server[kServerPort] = port;
  }
  return port;
}

/** Host header without its port (IPv6 literals keep their brackets). */
function hostOf(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const end = host.startsWith('[') ? host.indexOf(']') + 1 : host.indexOf(':');
  return end > 0 ? host.slice(0, end) : host;
}

const kRequestState = Symbol('filament.http.requestState');

/** What the end of a request needs, kept on its response. */
interface RequestState {
  readonly hook: FilamentHttpServerInstrumentation;
  readonly span: Span;
  readonly metadata: RPCMetadata;
  readonly ctx: Context;
  readonly method: string;
  readonly scheme: string;
  readonly start: number;
  failure: Error | undefined;
  readonly previous: RequestState | undefined;
}
type StatefulResponse = http.ServerResponse & { [kRequestState]?: RequestState | undefined };

// Shared listeners: EventEmitter calls them with the response as `this`.
function onResponseError(this: StatefulResponse, error: Error): void {
  for (let state = this[kRequestState]; state !== undefined; state = state.previous) state.failure = error;
}

function onResponseClose(this: StatefulResponse): void {
  const first = this[kRequestState];
  this[kRequestState] = undefined; // reported once, and the spans are not kept alive by the response
  for (let state = first; state !== undefined; state = state.previous) state.hook.finishRequest(state, this);
}

export class FilamentHttpServerInstrumentation extends OwnInstrumentation {
  private tracer: Tracer;
  private duration: Histogram = createNoopMeter().createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION);
  private readonly ignored: ReadonlySet<string>;

  constructor(private readonly rt: Runtime) {
    super('http-server');
    this.tracer = trace.getTracer(this.instrumentationName, PACKAGE_VERSION);
    this.ignored = new Set(rt.config.httpIgnorePaths);
  }

  override setTracerProvider(provider: TracerProvider): void {
    this.tracer = provider.getTracer(this.instrumentationName, PACKAGE_VERSION);
  }

  override setMeterProvider(provider: MeterProvider): void {
    this.duration = provider.getMeter(this.instrumentationName, PACKAGE_VERSION).createHistogram(METRIC_HTTP_SERVER_REQUEST_DURATION, {
      description: 'Duration of HTTP server requests.',
      unit: 's',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
  }

  /** https.Server.prototype, once an https server has started listening (node:https is not loaded for us). */
  private httpsPrototype: AnyServer | undefined;

  protected install(): void {
    this.patch(http.Server.prototype as AnyServer, 'http');
    // node:https brings tls with it: ~2.6 MiB of RSS in a service that serves no HTTPS
    // (docs/benchmarks.md, "Idle memory and start-up on SDK 3"). So it is not required here;
    // its Server.prototype is patched when an https server calls listen(), before its first
    // connection — however the app got the module (require, import, process.getBuiltinModule).
    if (this.httpsPrototype !== undefined) this.patch(this.httpsPrototype, 'https');
    else subscribe(LISTEN_START, this.onListen);
  }

  protected uninstall(): void {
    unsubscribe(LISTEN_START, this.onListen);
    for (const proto of [http.Server.prototype as AnyServer, this.httpsPrototype]) {
      if (proto === undefined) continue;
      const original = (proto.emit as Patched)[kOriginalEmit];
      if (original !== undefined) proto.emit = original as AnyServer['emit'];
    }
  }

  private readonly onListen = (message: unknown): void => {
    const server = (message as { server?: unknown }).server;
    // http.Server is patched already. `httpAllowHalfOpen` is set by https.Server's constructor
    // (and http.Server's), not by net.Server or tls.Server: a plain TCP or TLS server does not make
    // us load node:https. For an https server the module is loaded already; require() returns it.
    if (typeof server !== 'object' || server === null || server instanceof http.Server || !('httpAllowHalfOpen' in server)) return;
    const { Server } = require('node:https') as typeof https;
    if (!(server instanceof Server)) return;
    this.httpsPrototype = Server.prototype as AnyServer;
    this.patch(this.httpsPrototype, 'https');
    unsubscribe(LISTEN_START, this.onListen);
  };

  private patch(proto: AnyServer, scheme: 'http' | 'https'): void {
    const original = proto.emit as Patched;
    if (original[kOriginalEmit] !== undefined) return; // already ours
    const self = this;
    // `arguments` is passed through untouched: no array per emitted event.
    const patched: Patched = function emit(this: AnyServer, event: string | symbol): boolean {
      if (event !== 'request') return original.apply(this, arguments as unknown as [string | symbol, ...unknown[]]);
      return self.onRequest(this, scheme, original as RequestEmit, arguments[1] as http.IncomingMessage, arguments[2] as http.ServerResponse);
    };
    patched[kOriginalEmit] = original;
    proto.emit = patched as AnyServer['emit'];
  }

  private onRequest(
    server: AnyServer, scheme: string, original: RequestEmit, req: http.IncomingMessage, res: http.ServerResponse,
  ): boolean {
    const url = req.url;
    // Health and metrics probes: no span, no event, no metric — and nothing below them traced either.
    if (this.ignored.size > 0 && this.ignored.has(pathOf(url))) {
      // From the root, not context.active(): on a reused connection that is the previous request's.
      return emitInRequestContext(suppressTracing(ROOT_CONTEXT), original, server, req, res);
    }

    const start = performance.now();
    const rawMethod = req.method ?? 'GET';
    const method = KNOWN_METHODS.has(rawMethod) ? rawMethod : '_OTHER';
    const headers = req.headers;
    const attributes: Attributes = {
      [ATTR_HTTP_REQUEST_METHOD]: method,
      [ATTR_URL_SCHEME]: scheme,
      // Masked like content and capped (urlPath.ts): a path is the client's to choose.
      [ATTR_URL_PATH]: exportedUrlPath(pathOf(url), this.rt.masker),
      [ATTR_SERVER_ADDRESS]: hostOf(headers.host),
      [ATTR_SERVER_PORT]: serverPort(server),
      [ATTR_NETWORK_PROTOCOL_VERSION]: req.httpVersion,
      [ATTR_CLIENT_ADDRESS]: (req.socket as Socket | null)?.remoteAddress,
      [ATTR_USER_AGENT_ORIGINAL]: headers['user-agent'],
    };
    if (method === '_OTHER') attributes[ATTR_HTTP_REQUEST_METHOD_ORIGINAL] = rawMethod;

    // Only the W3C propagators are configurable (config.ts): without their headers there is nothing to extract.
    const parent = headers.traceparent === undefined && headers.baggage === undefined
      ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, headers);
    const span = this.tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
    const metadata: RPCMetadata = { type: RPCType.HTTP, span };
    const ctx = setRPCMetadata(trace.setSpan(parent, span), metadata);
    attachRequestMetadata(req, metadata);
    // One state object per request, read by shared listeners: no closures per request. A response
    // handed to another server's 'request' (an in-process router) chains its states.
    const stateful = res as StatefulResponse;
    const previous = stateful[kRequestState];
    stateful[kRequestState] = { hook: this, span, metadata, ctx, method, scheme, start, failure: undefined, previous };
    if (previous === undefined) {
      res.on(errorMonitor, onResponseError);
      res.on('close', onResponseClose);
    }
    try {
      // The app's listeners and what they schedule (body parsers, handlers, on-finished) run in the
      // request's context — see src/context.ts.
      return emitInRequestContext(ctx, original, server, req, res);
    } catch (error) {
      // A synchronous throw from a request listener: recorded (for api.error too, sampled or not),
      // then the host's own handling.
      if (error instanceof Error) span.recordException(error);
      recordRequestException(metadata, error);
      throw error;
    }
  }

  /** The response is done (or the connection gone): end the span, record, emit the API events. */
  finishRequest(state: RequestState, res: http.ServerResponse): void {
    const { span, metadata, ctx, method, scheme, start, failure } = state;
    try {
      const seconds = (performance.now() - start) / 1000;
      // The client went away before the response was complete: mid-body (the request ended in
      // Node's `aborted` error; whatever the app answers afterwards — a body parser's 400 — goes to
      // a dead socket, yet counts as finished), or while the handler worked or streamed (the
      // response never finished). A status code is reported only if one can have reached the
      // client: res.statusCode is otherwise the default 200, or an answer nobody received.
      const req = res.req as http.IncomingMessage | undefined;
      const requestAborted = req !== undefined && !req.complete && req.errored != null;
      const aborted = requestAborted || !res.writableFinished;
      const status = requestAborted || (aborted && !res.headersSent) ? undefined : res.statusCode;
      const route = metadata.route;
      const metricAttributes: Attributes = {
        [ATTR_HTTP_REQUEST_METHOD]: method,
        [ATTR_URL_SCHEME]: scheme,
      };
      if (status !== undefined) {
        metricAttributes[ATTR_HTTP_RESPONSE_STATUS_CODE] = status;
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      }
      if (route !== undefined) {
        span.setAttribute(ATTR_HTTP_ROUTE, route);
        span.updateName(`${method} ${route}`);
        metricAttributes[ATTR_HTTP_ROUTE] = route;
      }
      let errorType: string | undefined;
      if (failure !== undefined) {
        span.recordException(failure);
        span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
        errorType = failure.name;
      } else if (aborted) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection before the response was complete' });
        errorType = ERROR_TYPE_ABORTED;
      } else if (status !== undefined && status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        errorType = String(status);
      }
      if (errorType !== undefined) {
        span.setAttribute(ATTR_ERROR_TYPE, errorType);
        metricAttributes[ATTR_ERROR_TYPE] = errorType;
      }
      span.end();
      this.duration.record(seconds, metricAttributes);
      const outcome: RequestOutcome = {
        method,
        status,
        // What went wrong besides the status code, for api.request (a 5xx is api.error's).
        failure: failure !== undefined || aborted ? errorType : undefined,
        durationMs: Math.round(seconds * 1e6) / 1000,
        metadata,
      };
      emitRequestEvents(this.rt, outcome, ctx);
    } catch {
      // Never break the host's response path.
    }
  }
}
