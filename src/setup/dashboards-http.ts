/**
 * The HTTP(S) connection to Kibana / OpenSearch Dashboards. node:https rather than fetch: fetch has
 * no per-request CA, and the dashboards are often signed by the same private CA as the engine, so
 * --ca-cert (FILAMENT_SETUP_CA_CERT) must reach this connection as it reaches the engine's client.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { SetupError, TLS_UNTRUSTED } from './errors';

export interface DashboardsResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface DashboardsRequest {
  method: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** PEM of the CA that signed the dashboards' certificate (--ca-cert). */
  ca?: string;
}

/** Bodies larger than this are cut (a status page or a saved object is far smaller). */
const MAX_BODY = 4 << 20;
const TIMEOUT_MS = 30_000;

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

/** One request; a connection or TLS failure becomes one line naming the fix (exit 1: nothing applied yet). */
export function dashboardsRequest(base: string, urlPath: string, request: DashboardsRequest): Promise<DashboardsResponse> {
  const url = new URL(`${base}${urlPath}`);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: request.method,
      headers: { ...request.headers, ...(request.body ? { 'content-length': String(request.body.length) } : {}) },
      ...(url.protocol === 'https:' && request.ca ? { ca: request.ca } : {}),
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (error) => {
      const code = errorCode(error);
      if (TLS_UNTRUSTED.test(code) || TLS_UNTRUSTED.test((error as Error).message)) {
        reject(new SetupError(`cannot verify the TLS certificate of the dashboards at ${base} (${code}): pass the CA that signed it with --ca-cert FILE (FILAMENT_SETUP_CA_CERT)`));
      } else reject(new SetupError(`cannot reach the dashboards at ${base} (${code}): check --dashboards-url`));
    });
    req.end(request.body);
  });
}

/** A FormData as the bytes and content type of its multipart/form-data body (the WHATWG encoder Node ships). */
export async function multipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(form);
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') as string };
}
