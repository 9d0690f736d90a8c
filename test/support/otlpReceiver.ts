/**
 * An in-test OTLP/HTTP receiver (protobuf, the SDK's default, and JSON encoding): what a collector
 * would get, normalised to plain objects so tests can assert exact names and values.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { waitFor } from '../../scripts/lib/procs.cjs';
import { decodeOtlpProtobuf } from './otlpProto';

export type Value = string | number | boolean | null | Value[] | { [k: string]: Value };

export interface ReceivedLog {
  eventName: string | undefined;
  severityNumber: number | undefined;
  severityText: string | undefined;
  body: Value | undefined;
  attributes: Record<string, Value>;
  traceId: string | undefined;
  spanId: string | undefined;
  resource: Record<string, Value>;
  scope: string | undefined;
}

export interface ReceivedSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Record<string, Value>;
  /** Span events (exceptions among them), in order. */
  events: { name: string; attributes: Record<string, Value> }[];
  /** 0 unset, 1 ok, 2 error. */
  status: { code: number; message: string | undefined };
  resource: Record<string, Value>;
}

export interface ReceivedMetric {
  name: string;
  unit: string | undefined;
  /** Data points with their attributes and value (sum/count for histograms). */
  points: { attributes: Record<string, Value>; value: number; count?: number }[];
  resource: Record<string, Value>;
  /** The instrumentation scope (meter) name. */
  scope?: string | undefined;
}

type AnyValue = {
  stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] }; kvlistValue?: { values?: KeyValue[] }; bytesValue?: string;
};
type KeyValue = { key: string; value: AnyValue };

export function fromAnyValue(v: AnyValue | undefined): Value {
  if (v === undefined || v === null) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(fromAnyValue);
  if (v.kvlistValue !== undefined) return attrs(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  return null;
}

function attrs(kvs: KeyValue[] | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const kv of kvs ?? []) out[kv.key] = fromAnyValue(kv.value);
  return out;
}

function id(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A request's body; the collector's otlphttp exporter compresses with gzip by default. */
function bodyBytes(req: http.IncomingMessage, raw: Buffer): Buffer {
  return req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
}

/**
 * An export request as OTLP/JSON-shaped object: `application/json` parsed, `application/x-protobuf`
 * decoded (OTLP spec, "OTLP/HTTP Request"); undefined for any other content type.
 */
function exportRequest(req: http.IncomingMessage, raw: Buffer): Record<string, unknown> | undefined {
  const type = req.headers['content-type'] ?? '';
  if (type.includes('json')) return JSON.parse(bodyBytes(req, raw).toString('utf8')) as Record<string, unknown>;
  if (type.includes('application/x-protobuf')) return decodeOtlpProtobuf(req.url ?? '', bodyBytes(req, raw));
  return undefined;
}

export class OtlpReceiver {
  readonly logs: ReceivedLog[] = [];
  readonly spans: ReceivedSpan[] = [];
  readonly metrics: ReceivedMetric[] = [];
  /** Every accepted request as sent (protobuf decoded to the OTLP/JSON shape), for exact value types, temporality and span events. */
  readonly requests: { path: string; body: Record<string, unknown> }[] = [];
  /** Content type of every accepted request, in arrival order (which protocol the exporter spoke). */
  readonly contentTypes: string[] = [];
  /** Content-Encoding of every accepted request ('' when none), in arrival order (whether the exporter compressed). */
  readonly encodings: string[] = [];
  /** How each accepted request's body was framed: `length <n>` (Content-Length) or `chunked`, in arrival order. */
  readonly framings: string[] = [];
  /** Log records per accepted /v1/logs request, in arrival order (export batch sizes). */
  readonly logBatches: number[] = [];
  /** Requests that were not valid OTLP/JSON or OTLP/protobuf (must stay empty). */
  readonly rejected: string[] = [];
  private server: http.Server | undefined;
  url = '';
  /** While set, every request is answered with this status and nothing is kept (an outage). */
  failStatus: number | undefined;
  /** How many requests were answered with failStatus. */
  refused = 0;
  /** Trace ids of the log records in requests answered with failStatus (what the outage hit). */
  readonly refusedLogTraceIds = new Set<string>();

  /** Requests refused with 401 because they lacked `Authorization: Bearer <token>` (start's `token`). */
  unauthorized = 0;

  /**
   * Listens on `port` (default: any free port; pass the old one to come back after stop()); with
   * `tls` over HTTPS, with `token` only for requests that carry it as a bearer token (else 401),
   * as the collector's receivers with TLS and bearertokenauth do.
   */
  async start(port = 0, secure: { tls?: { cert: string; key: string }; token?: string } = {}): Promise<this> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      if (secure.token !== undefined && req.headers.authorization !== `Bearer ${secure.token}`) {
        this.unauthorized++;
        req.resume();
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"code":16,"message":"missing or invalid bearer token"}');
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failStatus !== undefined) {
          this.refused++;
          this.noteRefused(req, Buffer.concat(chunks));
          res.writeHead(this.failStatus, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        try {
          const body = exportRequest(req, Buffer.concat(chunks));
          if (body === undefined) {
            this.rejected.push(`${req.url}: content-type ${req.headers['content-type']}`);
          } else {
            this.contentTypes.push(req.headers['content-type'] ?? '');
            this.encodings.push(req.headers['content-encoding'] ?? '');
            this.framings.push(req.headers['transfer-encoding'] === 'chunked' ? 'chunked' : `length ${req.headers['content-length']}`);
            this.ingest(req.url ?? '', body);
          }
          res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        } catch (error) {
          this.rejected.push(`${req.url}: ${(error as Error).message}`);
          res.writeHead(400).end();
        }
      });
    };
    this.server = secure.tls !== undefined ? https.createServer(secure.tls, handler) : http.createServer(handler);
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.url = `${secure.tls !== undefined ? 'https' : 'http'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  clear(): void {
    this.logs.length = 0;
    this.spans.length = 0;
    this.metrics.length = 0;
    this.logBatches.length = 0;
    this.requests.length = 0;
    this.encodings.length = 0;
    this.framings.length = 0;
  }

  events(name: string): ReceivedLog[] {
    return this.logs.filter((l) => l.eventName === name);
  }

  /** Polls until `predicate` holds or the deadline passes; returns whether it held. */
  async waitFor(predicate: () => boolean, timeoutMs = 15000): Promise<boolean> {
    return waitFor('the receiver', timeoutMs, () => (predicate() ? true : undefined), 50).catch(() => predicate());
  }

  private noteRefused(req: http.IncomingMessage, raw: Buffer): void {
    if (!(req.url ?? '').endsWith('/v1/logs')) return;
    try {
      const body = (exportRequest(req, raw) ?? {}) as { resourceLogs?: { scopeLogs?: { logRecords?: { traceId?: string }[] }[] }[] };
      for (const rl of body.resourceLogs ?? []) {
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) if (r.traceId) this.refusedLogTraceIds.add(r.traceId);
        }
      }
    } catch {
      // Only bookkeeping: the request is refused either way.
    }
  }

  private ingest(path: string, body: Record<string, unknown>): void {
    this.requests.push({ path, body });
    if (path.endsWith('/v1/logs')) {
      const before = this.logs.length;
      for (const rl of (body.resourceLogs as Record<string, unknown>[]) ?? []) {
        const resource = attrs((rl.resource as { attributes?: KeyValue[] })?.attributes);
        for (const sl of (rl.scopeLogs as Record<string, unknown>[]) ?? []) {
          const scope = (sl.scope as { name?: string } | undefined)?.name;
          for (const r of (sl.logRecords as Record<string, unknown>[]) ?? []) {
            this.logs.push({
              eventName: id(r.eventName),
              severityNumber: r.severityNumber as number | undefined,
              severityText: r.severityText as string | undefined,
              body: r.body === undefined ? undefined : fromAnyValue(r.body as AnyValue),
              attributes: attrs(r.attributes as KeyValue[]),
              traceId: id(r.traceId),
              spanId: id(r.spanId),
              resource,
              scope,
            });
          }
        }
      }
      this.logBatches.push(this.logs.length - before);
    } else if (path.endsWith('/v1/traces')) {
      for (const rs of (body.resourceSpans as Record<string, unknown>[]) ?? []) {
        const resource = attrs((rs.resource as { attributes?: KeyValue[] })?.attributes);
        for (const ss of (rs.scopeSpans as Record<string, unknown>[]) ?? []) {
          for (const s of (ss.spans as Record<string, unknown>[]) ?? []) {
            this.spans.push({
              name: s.name as string,
              kind: s.kind as number,
              traceId: s.traceId as string,
              spanId: s.spanId as string,
              parentSpanId: id(s.parentSpanId),
              attributes: attrs(s.attributes as KeyValue[]),
              events: ((s.events as { name: string; attributes?: KeyValue[] }[] | undefined) ?? [])
                .map((e) => ({ name: e.name, attributes: attrs(e.attributes) })),
              status: {
                code: Number((s.status as { code?: number } | undefined)?.code ?? 0),
                message: id((s.status as { message?: string } | undefined)?.message),
              },
              resource,
            });
          }
        }
      }
    } else if (path.endsWith('/v1/metrics')) {
      for (const rm of (body.resourceMetrics as Record<string, unknown>[]) ?? []) {
        const resource = attrs((rm.resource as { attributes?: KeyValue[] })?.attributes);
        for (const sm of (rm.scopeMetrics as Record<string, unknown>[]) ?? []) {
          const scope = (sm.scope as { name?: string } | undefined)?.name;
          for (const m of (sm.metrics as Record<string, unknown>[]) ?? []) {
            const data = (m.sum ?? m.histogram ?? m.gauge) as { dataPoints?: Record<string, unknown>[] } | undefined;
            this.metrics.push({
              name: m.name as string,
              unit: m.unit as string | undefined,
              resource,
              scope,
              points: (data?.dataPoints ?? []).map((p) => ({
                attributes: attrs(p.attributes as KeyValue[]),
                value: Number(p.asInt ?? p.asDouble ?? p.sum ?? 0),
                ...(p.count !== undefined ? { count: Number(p.count) } : {}),
              })),
            });
          }
        }
      }
    }
  }
}
