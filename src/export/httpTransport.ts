/**
 * OTLP/HTTP requests for the exporters (the role of otlp-exporter-base's own
 * HTTP transport, which SDK 3 does not export): one POST per batch with the
 * exporter's resolved settings — URL, headers, gzip, TLS agent and timeout
 * from `convertLegacyHttpOptions` — and upstream's reading of the answer
 * (OTLP/HTTP spec, "Failures": 429/502/503/504 and network errors are
 * retryable, Retry-After honoured, the rest fail). Ours so the agent's sockets
 * can be unref'd and bounded through public Node API.
 */
import type * as http from 'node:http';
import type * as net from 'node:net';
import { Readable } from 'node:stream';
import type * as zlib from 'node:zlib';
import { OTLPExporterError, type ExportResponse, type IExporterTransport } from '@opentelemetry/otlp-exporter-base';
import type { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';

/** The exporter settings upstream resolves (URL, headers, compression, TLS agent, timeout, concurrency). */
export type OtlpHttpOptions = ReturnType<typeof convertLegacyHttpOptions>;

/** Upstream's bound (http-transport-utils): a larger answer is not read, and the export fails. */
const MAX_RESPONSE_BODY_BYTES = 4 * 1024 * 1024;
const USER_AGENT = `${PACKAGE_NAME}/${PACKAGE_VERSION} OTel-OTLP-Exporter-JavaScript`;
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const RETRYABLE_NETWORK_ERRORS = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ENETUNREACH', 'EHOSTUNREACH']);

/** Retry-After as milliseconds: seconds or an HTTP date (RFC 9110, 10.2.3). */
function retryAfterMillis(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  if (Number.isInteger(seconds)) return seconds > 0 ? seconds * 1000 : -1;
  const delay = new Date(value).getTime() - Date.now();
  return delay >= 0 ? delay : 0;
}

function isRetryableNetworkError(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return typeof code === 'string' && RETRYABLE_NETWORK_ERRORS.has(code);
}

/**
 * An export in flight never keeps a finished process alive: the agent's
 * sockets are unref'd when made and again when reused (Node refs a reused
 * keep-alive socket). `createConnection` and `reuseSocket` are http.Agent's
 * documented extension points (https://nodejs.org/api/http.html#class-httpagent).
 */
export function unrefSockets<A extends http.Agent>(agent: A): A {
  type Connect = (options: object, callback?: (error: Error | null, socket: net.Socket) => void) => net.Socket;
  const create = agent.createConnection.bind(agent) as unknown as Connect;
  const unrefd: Connect = (options, callback) => create(options, callback).unref();
  agent.createConnection = unrefd as unknown as typeof agent.createConnection;
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    reuse(socket, request);
    (socket as net.Socket).unref();
  };
  return agent;
}

/**
 * Sockets per signal to the collector (docs/events.md, "Delivery"): exports run
 * one at a time (lazyExporter.ts), so one is in use; the second covers a socket
 * still closing. A collector that accepts and never answers costs at most these:
 * a timed-out request is destroyed with its socket (send(), below).
 */
export const MAX_SOCKETS_PER_SIGNAL = 2;

/**
 * Bounds the agent upstream's factory made (keep-alive, TLS settings from the
 * environment) through its documented public properties
 * (https://nodejs.org/api/http.html#agentmaxsockets): requests beyond the bound
 * wait for a socket instead of opening more.
 */
export function boundSockets<A extends http.Agent>(agent: A): A {
  agent.maxSockets = MAX_SOCKETS_PER_SIGNAL;
  agent.maxTotalSockets = MAX_SOCKETS_PER_SIGNAL;
  agent.maxFreeSockets = 1;
  return agent;
}

export class OtlpHttpTransport implements IExporterTransport {
  private agent: Promise<http.Agent> | undefined;
  /** The exporter's URL, parsed once (it does not change for the exporter's life). */
  private url: URL | undefined;

  constructor(private readonly options: OtlpHttpOptions) {}

  async send(data: Uint8Array, timeoutMillis: number): Promise<ExportResponse> {
    const url = this.url ??= new URL(this.options.url);
    // Required on the first export, after the instrumentations are in place (as upstream does).
    const { request } = (url.protocol === 'http:' ? require('node:http') : require('node:https')) as typeof http;
    this.agent ??= Promise.resolve(this.options.agentFactory(url.protocol)).then((agent) => unrefSockets(boundSockets(agent)));
    const [agent, headers] = await Promise.all([this.agent, this.options.headers()]);
    headers['User-Agent'] = this.options.userAgent === undefined ? USER_AGENT : `${this.options.userAgent} ${USER_AGENT}`;
    return new Promise<ExportResponse>((resolve) => {
      const req = request(url, { method: 'POST', headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BODY_BYTES) {
            resolve({ status: 'failure', error: new Error(`OTLP export response body exceeded ${MAX_RESPONSE_BODY_BYTES} bytes`) });
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        const answer = (error?: Error): ExportResponse => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status <= 299) return error === undefined ? { status: 'success', data: Buffer.concat(chunks) } : { status: 'success' };
          if (RETRYABLE_STATUS.has(status)) return { status: 'retryable', error, retryInMillis: retryAfterMillis(res.headers['retry-after']) };
          return { status: 'failure', error: error ?? new OTLPExporterError(res.statusMessage, status, Buffer.concat(chunks).toString()) };
        };
        res.on('end', () => resolve(answer()));
        res.on('error', (error) => resolve(answer(error)));
      });
      req.setTimeout(timeoutMillis, () => {
        req.destroy();
        resolve({ status: 'retryable', error: new Error('Request timed out') });
      });
      req.on('error', (error) => resolve(isRetryableNetworkError(error) ? { status: 'retryable', error } : { status: 'failure', error }));
      if (this.options.compression !== 'gzip') {
        // The whole body in one write, sent with its Content-Length: upstream pipes a one-chunk stream
        // (chunked), which cost the process 40–80 µs more CPU a request (docs/benchmarks.md, "Export requests").
        req.end(data);
        return;
      }
      const fail = (error: Error): void => resolve({ status: 'failure', error });
      req.setHeader('Content-Encoding', 'gzip');
      // Required here, not at load: node:zlib is ~1 MiB of RSS that an uncompressed export never uses.
      const { createGzip } = require('node:zlib') as typeof zlib;
      Readable.from([data], { objectMode: false }).on('error', fail).pipe(createGzip()).on('error', fail).pipe(req).on('error', fail);
    });
  }

  shutdown(): void {
    // Nothing of ours outlives the exporter: the sockets are unref'd and close with the agent's keep-alive.
  }
}
