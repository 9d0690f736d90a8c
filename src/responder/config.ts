/**
 * filament-responder's configuration: one JSON file (docs/alerting.md,
 * "filament-responder"), validated here with clear errors.
 */
import * as fs from 'node:fs';
import type { AlertmanagerAccess } from './alertmanager';
import { isLoopback } from '../loopback';
import { readSecretFile, SecretError } from '../secretFile';

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
  /**
   * Which of the alert's labels narrow the re-drive to the alert's own dead
   * letters: `queue` (label queue_dead_letter_queue = the x-death queue) and
   * `reason` (queue_dead_letter_reason = the x-death reason). Default both, so
   * a resolved alert moves only the messages of its fault; [] moves all.
   */
  readonly scopeBy: readonly ('queue' | 'reason')[];
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

/** Limits an operator sets on what the automation may do (docs/alerting.md, "Limits"). */
export interface ResponderLimits {
  /** Messages one re-drive run moves at most; the rest wait in the dead-letter queue. */
  readonly redrivePerAlert: number;
  /** Messages all re-drives move at most in any hour. */
  readonly redrivePerHour: number;
  /** Pauses (http-toggle on) at most in any hour. */
  readonly pausesPerHour: number;
  /** A pause ends by itself after this many seconds when no resolution comes (its silence with it). */
  readonly maxPauseS: number;
}

export interface ResponderConfig {
  /** host:port of the webhook receiver (loopback by default). */
  readonly listen: string;
  /** PEM certificate and key: the webhook is served over HTTPS. Required beyond loopback. */
  readonly tls?: { readonly cert: string; readonly key: string };
  /**
   * The bearer token every webhook call must carry (Alertmanager's
   * http_config.authorization). undefined only with the explicit loopback
   * opt-out `insecureNoAuth`.
   */
  readonly token: string | undefined;
  /** Where the responder confirms alerts, creates silences and notifies limits; required when a runbook acts. */
  readonly alertmanager?: AlertmanagerAccess;
  readonly dryRun: boolean;
  /** amqps:// (or amqp:// on loopback only, development). */
  readonly amqpUrl: string;
  /** PEM of the CA that signed the broker's certificate (amqpCaFile); undefined: Node's trusted CAs. */
  readonly amqpCa?: string;
  /** Audit records, JSON lines (one per decision and action). */
  readonly auditFile: string;
  /** Keys of notifications already handled, so a restart stays idempotent. */
  readonly stateFile: string;
  readonly limits: ResponderLimits;
  readonly runbooks: readonly Runbook[];
}

/** Where secrets may come from besides the configuration file (the process environment, by default). */
export interface ResponderEnv {
  readonly FILAMENT_RESPONDER_TOKEN?: string;
  readonly FILAMENT_RESPONDER_AMQP_URL?: string;
  readonly FILAMENT_RESPONDER_ALERTMANAGER_AUTH?: string;
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
  if (r.alertmanagerUrl !== undefined) throw new ResponderConfigError(`${where}.alertmanagerUrl: Alertmanager is configured once, at the top level ("alertmanager": {"url": …})`);
  return {
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

function runbook(r: unknown, where: string): Runbook {
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
      scopeBy: scopeBy(rb.scopeBy, where),
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
}

function scopeBy(o: unknown, where: string): ('queue' | 'reason')[] {
  if (o === undefined) return ['queue', 'reason'];
  if (!Array.isArray(o) || o.some((x) => x !== 'queue' && x !== 'reason')) {
    throw new ResponderConfigError(`${where}.scopeBy must be an array of "queue" and "reason" ([] re-drives every dead letter)`);
  }
  return o as ('queue' | 'reason')[];
}

/** A secret from the environment, else from a 0600 file named in the configuration. */
function secret(o: Record<string, unknown>, fileKey: string, fromEnv: string | undefined, what: string): string | undefined {
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = o[fileKey];
  if (file === undefined) return undefined;
  if (typeof file !== 'string' || file === '') throw new ResponderConfigError(`${fileKey} must be a file path`);
  try {
    return readSecretFile(file, what);
  } catch (e) {
    throw new ResponderConfigError((e as SecretError).message);
  }
}

function listenAndTransport(o: Record<string, unknown>, env: ResponderEnv): Pick<ResponderConfig, 'listen' | 'tls' | 'token'> {
  const listen = str(o, 'listen', 'config', '127.0.0.1:9787');
  if (!/^(\[[0-9a-fA-F:]+\]|[^:]+):\d+$/.test(listen)) throw new ResponderConfigError('listen must be host:port');
  const loopback = isLoopback(listen.slice(0, listen.lastIndexOf(':')));
  let tls: ResponderConfig['tls'];
  if (o.tls !== undefined) {
    if (typeof o.tls !== 'object' || o.tls === null) throw new ResponderConfigError('tls must be {certFile, keyFile}');
    const t = o.tls as Record<string, unknown>;
    const read = (key: string): string => {
      const file = str(t, key, 'tls');
      try { return fs.readFileSync(file, 'utf8'); } catch (e) { throw new ResponderConfigError(`tls.${key}: cannot read ${file}: ${(e as Error).message}`); }
    };
    const cert = read('certFile');
    const key = secret(t, 'keyFile', undefined, 'tls.keyFile') ?? '';
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new ResponderConfigError('tls.certFile is not a PEM certificate');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new ResponderConfigError('tls.keyFile is not a PEM private key');
    tls = { cert, key };
  }
  const token = secret(o, 'tokenFile', env.FILAMENT_RESPONDER_TOKEN, 'tokenFile');
  if (token !== undefined && token.length < 16) throw new ResponderConfigError('the webhook token must have at least 16 characters');
  const optOut = o.insecureNoAuth === true;
  if (o.insecureNoAuth !== undefined && typeof o.insecureNoAuth !== 'boolean') throw new ResponderConfigError('insecureNoAuth must be true or false');
  if (!loopback && (tls === undefined || token === undefined)) {
    throw new ResponderConfigError(`listen ${listen} is reachable beyond this host: it needs tls (certFile, keyFile) and a token (tokenFile or FILAMENT_RESPONDER_TOKEN)`);
  }
  if (token === undefined && !optOut) {
    throw new ResponderConfigError('no webhook token: set tokenFile (a 0600 file) or FILAMENT_RESPONDER_TOKEN — or, for loopback development only, "insecureNoAuth": true');
  }
  if (token !== undefined && optOut) throw new ResponderConfigError('insecureNoAuth is set together with a token: choose one');
  return { listen, ...(tls !== undefined ? { tls } : {}), token };
}

function alertmanager(o: unknown, env: ResponderEnv): AlertmanagerAccess | undefined {
  if (o === undefined) return undefined;
  if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new ResponderConfigError('alertmanager must be {url, caFile?, credentialsFile?}');
  const r = o as Record<string, unknown>;
  const url = str(r, 'url', 'alertmanager').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) throw new ResponderConfigError('alertmanager.url must be an http(s) URL');
  let ca: string | undefined;
  if (r.caFile !== undefined) {
    const file = str(r, 'caFile', 'alertmanager');
    try { ca = fs.readFileSync(file, 'utf8'); } catch (e) { throw new ResponderConfigError(`alertmanager.caFile: cannot read ${file}: ${(e as Error).message}`); }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ResponderConfigError(`alertmanager.caFile ${file} is not a PEM certificate`);
  }
  const basicAuth = secret(r, 'credentialsFile', env.FILAMENT_RESPONDER_ALERTMANAGER_AUTH, 'alertmanager.credentialsFile');
  if (basicAuth !== undefined && !basicAuth.includes(':')) throw new ResponderConfigError('the Alertmanager credentials must read user:password');
  if (!isLoopback(new URL(url).hostname) && (!url.startsWith('https://') || basicAuth === undefined)) {
    throw new ResponderConfigError(`alertmanager.url ${url} is beyond this host: it needs https and credentials (credentialsFile or FILAMENT_RESPONDER_ALERTMANAGER_AUTH)`);
  }
  return { url, ...(ca !== undefined ? { ca } : {}), ...(basicAuth !== undefined ? { basicAuth } : {}) };
}

function limits(o: unknown): ResponderLimits {
  if (o !== undefined && (typeof o !== 'object' || o === null || Array.isArray(o))) throw new ResponderConfigError('limits must be an object');
  const r = (o ?? {}) as Record<string, unknown>;
  return {
    redrivePerAlert: num(r, 'redrivePerAlert', 'limits', 1000, 1),
    redrivePerHour: num(r, 'redrivePerHour', 'limits', 5000, 1),
    pausesPerHour: num(r, 'pausesPerHour', 'limits', 4, 1),
    maxPauseS: num(r, 'maxPauseS', 'limits', 1800, 10),
  };
}

/**
 * The broker URL: FILAMENT_RESPONDER_AMQP_URL, amqpUrlFile (0600), or amqpUrl
 * in the configuration — which may then carry no password unless the file is
 * readable by its owner alone. amqps:// with the broker's CA (amqpCaFile);
 * plain amqp:// only to a loopback broker (development), since the password
 * crosses the connection in AMQP's PLAIN login. Errors name the host, never
 * the URL (it carries the password).
 */
function amqpUrl(o: Record<string, unknown>, env: ResponderEnv, configMode: number | undefined): Pick<ResponderConfig, 'amqpUrl' | 'amqpCa'> {
  const fromSecret = secret(o, 'amqpUrlFile', env.FILAMENT_RESPONDER_AMQP_URL, 'amqpUrlFile');
  const where = fromSecret === undefined ? 'amqpUrl'
    : env.FILAMENT_RESPONDER_AMQP_URL !== undefined && env.FILAMENT_RESPONDER_AMQP_URL !== '' ? 'FILAMENT_RESPONDER_AMQP_URL' : 'amqpUrlFile';
  const url = fromSecret ?? str(o, 'amqpUrl', 'config', 'amqp://guest:guest@127.0.0.1:5672');
  let parsed: URL;
  try { parsed = new URL(url); } catch { throw new ResponderConfigError(`${where} is not a URL`); }
  if (fromSecret === undefined && o.amqpUrl !== undefined && parsed.password !== '' && configMode !== undefined && (configMode & 0o077) !== 0) {
    throw new ResponderConfigError('amqpUrl carries a password in a configuration file that group or others can read: '
      + 'move it to FILAMENT_RESPONDER_AMQP_URL or amqpUrlFile (0600), or chmod 600 the file');
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') throw new ResponderConfigError(`${where} must be an amqps:// URL (amqp:// on loopback only)`);
  if (parsed.protocol === 'amqp:' && !isLoopback(parsed.hostname)) {
    throw new ResponderConfigError(`${where}: amqp:// to ${parsed.hostname} would send the broker password unencrypted beyond this host: use amqps:// (and amqpCaFile for the broker's CA)`);
  }
  let ca: string | undefined;
  if (o.amqpCaFile !== undefined) {
    const file = str(o, 'amqpCaFile', 'config');
    if (parsed.protocol !== 'amqps:') throw new ResponderConfigError(`amqpCaFile is set but ${where} is amqp://: the CA is for amqps:// only`);
    try { ca = fs.readFileSync(file, 'utf8'); } catch (e) { throw new ResponderConfigError(`amqpCaFile: cannot read ${file}: ${(e as Error).message}`); }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ResponderConfigError(`amqpCaFile ${file} is not a PEM certificate`);
  }
  return { amqpUrl: url, ...(ca !== undefined ? { amqpCa: ca } : {}) };
}

/**
 * @param env where FILAMENT_RESPONDER_* secrets are read (tests pass their own)
 * @param configMode the configuration file's mode, when it came from a file
 */
export function parseResponderConfig(raw: unknown, env: ResponderEnv = {}, configMode?: number): ResponderConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ResponderConfigError('the configuration must be a JSON object');
  const o = raw as Record<string, unknown>;
  if (o.dryRun !== undefined && typeof o.dryRun !== 'boolean') throw new ResponderConfigError('dryRun must be true or false');
  if (!Array.isArray(o.runbooks)) throw new ResponderConfigError('runbooks must be an array');
  const runbooks = o.runbooks.map((r: unknown, i): Runbook => runbook(r, `runbooks[${i}]`));
  const am = alertmanager(o.alertmanager, env);
  if (runbooks.length > 0 && am === undefined) {
    throw new ResponderConfigError('alertmanager (url, caFile, credentialsFile) is required: the responder confirms every alert with Alertmanager before it acts');
  }
  return {
    ...listenAndTransport(o, env),
    ...(am !== undefined ? { alertmanager: am } : {}),
    dryRun: o.dryRun === true,
    ...amqpUrl(o, env, configMode),
    auditFile: str(o, 'auditFile', 'config', 'filament-responder-audit.jsonl'),
    stateFile: str(o, 'stateFile', 'config', 'filament-responder-state.jsonl'),
    limits: limits(o.limits),
    runbooks,
  };
}

export function loadResponderConfig(file: string, env: ResponderEnv = process.env): ResponderConfig {
  let text: string;
  let mode: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode;
  } catch (e) {
    throw new ResponderConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ResponderConfigError(`${file} is not JSON: ${(e as Error).message}`);
  }
  return parseResponderConfig(raw, env, mode);
}
