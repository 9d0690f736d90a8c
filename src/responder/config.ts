/**
 * filament-responder's configuration: one JSON file (docs/alerting.md,
 * "filament-responder"), validated here with clear errors.
 */
import * as fs from 'node:fs';

/** Re-drive a dead-letter queue into the queues its messages came from. */
export interface RedriveRunbook {
  readonly action: 'redrive';
  /** Alert name and label values that select this runbook (all must match). */
  readonly match: Readonly<Record<string, string>>;
  /** Runs when the alert resolves (the cause has recovered). */
  readonly on: 'resolved';
  readonly deadLetterQueue: string;
  readonly parkingLotQueue: string;
  /** Re-drives per message before it is parked (counted in our own header). */
  readonly maxAttempts: number;
  /** Delay before a message's n-th re-drive: backoffMs × 2^(n-1), at most maxBackoffMs. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  /** x-death reasons that are the message's own fault: parked at once. */
  readonly permanentReasons: readonly string[];
  /** Park messages whose content-type is JSON but whose body does not parse. */
  readonly parkMalformedJson: boolean;
}

/**
 * An Alertmanager silence for the alert the toggle causes on purpose (e.g. the
 * paused consumer's queue growing without consumers): created before the
 * request on firing, ended after the inverse request on resolution.
 */
export interface ToggleSilence {
  /** Alertmanager's base URL (API v2 under /api/v2). */
  readonly alertmanagerUrl: string;
  /** Label values the silence matches (equality matchers); alertname is required. */
  readonly matchers: Readonly<Record<string, string>>;
  /** The silence's expiry when no resolution comes (seconds after it was created). */
  readonly maxDurationS: number;
  /** How long the silence outlives the resume: Prometheus must first see the consumer back (0: ended at once). */
  readonly afterResumeS: number;
  /** Why, for people reading the silence in Alertmanager (the alert transition is appended). */
  readonly comment: string;
}

/** A reversible HTTP action: one request when the alert fires, its inverse when it resolves. */
export interface HttpToggleRunbook {
  readonly action: 'http-toggle';
  readonly match: Readonly<Record<string, string>>;
  readonly onFiring: { readonly method: string; readonly url: string };
  readonly onResolved: { readonly method: string; readonly url: string };
  readonly silence?: ToggleSilence;
}

export type Runbook = RedriveRunbook | HttpToggleRunbook;

export interface ResponderConfig {
  /** host:port of the webhook receiver (loopback by default). */
  readonly listen: string;
  readonly dryRun: boolean;
  readonly amqpUrl: string;
  /** Audit records, JSON lines (one per decision and action). */
  readonly auditFile: string;
  /** Keys of notifications already handled, so a restart stays idempotent. */
  readonly stateFile: string;
  readonly runbooks: readonly Runbook[];
}

export class ResponderConfigError extends Error {}

function str(o: Record<string, unknown>, key: string, where: string, fallback?: string): string {
  const v = o[key] ?? fallback;
  if (typeof v !== 'string' || v === '') throw new ResponderConfigError(`${where}.${key} must be a non-empty string`);
  return v;
}
function num(o: Record<string, unknown>, key: string, where: string, fallback: number, min: number): number {
  const v = o[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new ResponderConfigError(`${where}.${key} must be a number ≥ ${min}`);
  return v;
}
function labels(o: Record<string, unknown>, where: string, key = 'match'): Record<string, string> {
  const m = o[key];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new ResponderConfigError(`${where}.${key} must be an object of label values`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m)) {
    if (typeof v !== 'string') throw new ResponderConfigError(`${where}.${key}.${k} must be a string`);
    out[k] = v;
  }
  if (out.alertname === undefined) throw new ResponderConfigError(`${where}.${key}.alertname is required`);
  return out;
}
function silence(o: unknown, where: string): ToggleSilence | undefined {
  if (o === undefined) return undefined;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ResponderConfigError(`${where} must be an object`);
  const r = o as Record<string, unknown>;
  const alertmanagerUrl = str(r, 'alertmanagerUrl', where).replace(/\/+$/, '');
  if (!/^https?:\/\//.test(alertmanagerUrl)) throw new ResponderConfigError(`${where}.alertmanagerUrl must be an http(s) URL`);
  return {
    alertmanagerUrl,
    matchers: labels(r, where, 'matchers'),
    maxDurationS: num(r, 'maxDurationS', where, 3600, 60),
    afterResumeS: num(r, 'afterResumeS', where, 60, 0),
    comment: str(r, 'comment', where, 'filament-responder: the runbook caused this alert on purpose (docs/alerting.md)'),
  };
}

function request(o: unknown, where: string): { method: string; url: string } {
  if (typeof o !== 'object' || o === null) throw new ResponderConfigError(`${where} must be {method, url}`);
  const r = o as Record<string, unknown>;
  const url = str(r, 'url', where);
  if (!/^https?:\/\//.test(url)) throw new ResponderConfigError(`${where}.url must be an http(s) URL`);
  return { method: str(r, 'method', where, 'POST').toUpperCase(), url };
}

export function parseResponderConfig(raw: unknown): ResponderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ResponderConfigError('the configuration must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') throw new ResponderConfigError('dryRun must be true or false');
  if (!Array.isArray(o.runbooks)) throw new ResponderConfigError('runbooks must be an array');
  const runbooks = o.runbooks.map((r: unknown, i): Runbook => {
    const where = `runbooks[${i}]`;
    if (typeof r !== 'object' || r === null) throw new ResponderConfigError(`${where} must be an object`);
    const rb = r as Record<string, unknown>;
    if (rb.action === 'redrive') {
      const reasons = rb.permanentReasons ?? ['rejected'];
      if (!Array.isArray(reasons) || reasons.some((x) => typeof x !== 'string')) {
        throw new ResponderConfigError(`${where}.permanentReasons must be an array of x-death reasons`);
      }
      return {
        action: 'redrive', match: labels(rb, where), on: 'resolved',
        deadLetterQueue: str(rb, 'deadLetterQueue', where),
        parkingLotQueue: str(rb, 'parkingLotQueue', where),
        maxAttempts: num(rb, 'maxAttempts', where, 3, 1),
        backoffMs: num(rb, 'backoffMs', where, 1000, 0),
        maxBackoffMs: num(rb, 'maxBackoffMs', where, 30000, 0),
        permanentReasons: reasons as string[],
        parkMalformedJson: rb.parkMalformedJson !== false,
      };
    }
    if (rb.action === 'http-toggle') {
      return {
        action: 'http-toggle', match: labels(rb, where),
        onFiring: request(rb.onFiring, `${where}.onFiring`), onResolved: request(rb.onResolved, `${where}.onResolved`),
        ...(rb.silence !== undefined ? { silence: silence(rb.silence, `${where}.silence`) } : {}),
      };
    }
    throw new ResponderConfigError(`${where}.action must be "redrive" or "http-toggle"`);
  });
  const listen = str(o, 'listen', 'config', '127.0.0.1:9787');
  if (!/^[^:]+:\d+$/.test(listen)) throw new ResponderConfigError('listen must be host:port');
  return {
    listen,
    dryRun: o.dryRun === true,
    amqpUrl: str(o, 'amqpUrl', 'config', 'amqp://guest:guest@127.0.0.1:5672'),
    auditFile: str(o, 'auditFile', 'config', 'filament-responder-audit.jsonl'),
    stateFile: str(o, 'stateFile', 'config', 'filament-responder-state.jsonl'),
    runbooks,
  };
}

export function loadResponderConfig(file: string): ResponderConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ResponderConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResponderConfigError(`${file} is not JSON: ${(e as Error).message}`);
  }
  return parseResponderConfig(raw);
}
