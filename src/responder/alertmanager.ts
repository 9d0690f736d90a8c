/**
 * The responder's client of Alertmanager's API v2 — over TLS with the
 * operator's CA and basic auth when configured
 * (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).
 * node:https rather than fetch: fetch takes no CA per request.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface AlertmanagerAccess {
  /** Base URL (the API lives under /api/v2). */
  readonly url: string;
  /** PEM of the CA that signed Alertmanager's certificate (an https URL without it uses the system's CAs). */
  readonly ca?: string;
  /** `user:password` for basic auth. */
  readonly basicAuth?: string;
}

/** The fields of API v2's gettableAlert the responder reads. */
export interface GettableAlert {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed' };
}

const TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class AlertmanagerClient {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly authorization: string | undefined;

  constructor(access: AlertmanagerAccess) {
    this.base = new URL(access.url.replace(/\/+$/, '') + '/');
    this.agent = this.base.protocol === 'https:'
      ? new https.Agent({ keepAlive: true, ...(access.ca !== undefined ? { ca: access.ca } : {}) })
      : new http.Agent({ keepAlive: true });
    this.authorization = access.basicAuth !== undefined ? `Basic ${Buffer.from(access.basicAuth).toString('base64')}` : undefined;
  }

  /** The base URL without credentials, for audit lines. */
  get url(): string {
    return this.base.toString().replace(/\/$/, '');
  }

  /** JSON of one API call; throws with method, path and status on a non-2xx answer. */
  call(method: string, apiPath: string, body?: unknown): Promise<unknown> {
    const target = new URL(apiPath.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    if (payload !== undefined) { headers['content-type'] = 'application/json'; headers['content-length'] = payload.length; }
    const request = target.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = request(target, { method, headers, agent: this.agent, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) { req.destroy(new Error(`${method} ${target.pathname}: answer over ${MAX_BODY_BYTES} bytes`)); return; }
          chunks.push(c);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) { reject(new Error(`Alertmanager ${method} ${target.pathname} answered ${status}: ${text.slice(0, 200)}`)); return; }
          try { resolve(text === '' ? undefined : JSON.parse(text)); } catch { reject(new Error(`Alertmanager ${method} ${target.pathname}: the answer is not JSON`)); }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`Alertmanager ${method} ${target.pathname}: no answer in ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Every alert Alertmanager holds now (active, silenced, inhibited, unprocessed) with this alert name. */
  async alerts(alertname: string): Promise<GettableAlert[]> {
    const filter = encodeURIComponent(`alertname=${JSON.stringify(alertname)}`);
    const got = await this.call('GET', `api/v2/alerts?filter=${filter}`);
    if (!Array.isArray(got)) throw new Error('Alertmanager GET /api/v2/alerts: not an array');
    return got as GettableAlert[];
  }

  close(): void {
    this.agent.destroy();
  }
}
