/**
 * One-line errors. Every failure a user can cause (wrong URL, wrong credentials, an engine without
 * the security or ISM plugin, a licence without audit) ends as a SetupError naming what is missing.
 */
import type { Report } from './report';

export class SetupError extends Error {
  /** 1: nothing was applied (preflight); 2: provisioning stopped part-way. */
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
    this.name = 'SetupError';
  }
}

interface ClientErrorShape {
  name?: string;
  message?: string;
  meta?: { statusCode?: number | null; body?: unknown };
}

/** HTTP status of a client ResponseError, if it is one. */
export function statusOf(error: unknown): number | undefined {
  return (error as ClientErrorShape | null)?.meta?.statusCode ?? undefined;
}

/** The engine's own reason text, from an error body like `{error: {reason}}` or `{error: "…"}`. */
export function reasonOf(error: unknown): string {
  const body = (error as ClientErrorShape | null)?.meta?.body;
  if (typeof body === 'string') return body.trim().split('\n')[0] ?? '';
  if (body && typeof body === 'object') {
    const e = (body as { error?: unknown; message?: unknown }).error;
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object') {
      const r = (e as { reason?: unknown; root_cause?: Array<{ reason?: unknown }> });
      if (typeof r.reason === 'string') return r.reason;
    }
    const r = (body as { reason?: unknown }).reason;
    if (typeof r === 'string') return r;
    const m = (body as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return (error as ClientErrorShape | null)?.message ?? String(error);
}

/** True for the engines' answer to an endpoint no installed plugin serves. */
export function isNoHandler(error: unknown): boolean {
  const status = statusOf(error);
  return (status === 400 || status === 404 || status === 405) && /no handler found|unrecognized|Incorrect HTTP method/i.test(reasonOf(error));
}

/** Node's TLS verification failures (codes and texts of node:tls). */
export const TLS_UNTRUSTED = /self[- ]signed certificate|unable to verify the first certificate|unable to get (local )?issuer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_UNTRUSTED|certificate has expired|Hostname\/IP does not match certificate/i;

/** Node's words for a connection closed before any HTTP answer came. */
const PLAINTEXT_REFUSED = /socket hang up|ECONNRESET|other side closed/i;

/** A client error as one line: what we were doing, and why the engine said no. */
export function describe(error: unknown, doing: string, url: string, user: string): SetupError {
  if (error instanceof SetupError) return error;
  const e = error as ClientErrorShape;
  const status = statusOf(error);
  if (status === undefined && /ConnectionError|TimeoutError|NoLivingConnections/.test(e?.name ?? '')) {
    const message = e.message ?? 'connection failed';
    // Node's TLS verification failures (codes and texts of node:tls): the server answered, but with
    // a certificate no trusted CA signed — the fix is the CA, not the address.
    if (TLS_UNTRUSTED.test(message)) {
      return new SetupError(`cannot verify the TLS certificate of ${url} (${message}): pass the CA that signed it with --ca-cert FILE (FILAMENT_SETUP_CA_CERT)`);
    }
    // An http:// URL on an HTTPS port: OpenSearch's security plugin and Elasticsearch close a
    // plaintext connection without an HTTP answer, which Node reports as a hang-up or reset.
    if (url.startsWith('http:') && PLAINTEXT_REFUSED.test(message)) {
      return new SetupError(`cannot reach ${url} (${message}): no HTTP answer; if it serves HTTPS, use an https:// --url`);
    }
    return new SetupError(`cannot reach ${url} (${message}): check --url`);
  }
  if (status === 401) return new SetupError(`authentication failed for user "${user}" at ${url}: wrong user name or password`);
  if (status === 403) return new SetupError(`user "${user}" may not ${doing}: ${reasonOf(error)}`);
  if (status !== undefined) return new SetupError(`${doing} failed with HTTP ${status}: ${reasonOf(error)}`);
  return new SetupError(`${doing} failed: ${e?.message ?? String(error)}`);
}

/**
 * Runs one provisioning step (after preflight): a failure becomes a SetupError with exit code 2
 * saying how many changes were made before it.
 */
export function provisioning(report: Report, url: string, user: string): (doing: string, call: () => Promise<void>) => Promise<void> {
  return async (doing, call) => {
    try {
      await call();
    } catch (error) {
      const e = describe(error, doing, url, user);
      throw new SetupError(`${e.message} — provisioning stopped part-way (${report.changes} change(s) made before); fix and rerun`, 2);
    }
  };
}

/** One call of a run against `url` as `user`, its failure turned into the one line `describe` gives it. */
export type Step = <T>(doing: string, call: () => Promise<T>) => Promise<T>;

export function stepper(url: string, user: string): Step {
  return async (doing, call) => {
    try {
      return await call();
    } catch (error) {
      // The official Elasticsearch client's check of the X-Elastic-Product header (never thrown by OpenSearch's).
      if ((error as Error)?.name === 'ProductNotSupportedError') {
        throw new SetupError(`${url} is not Elasticsearch (no X-Elastic-Product header); use --engine opensearch for OpenSearch`);
      }
      throw describe(error, doing, url, user);
    }
  };
}
