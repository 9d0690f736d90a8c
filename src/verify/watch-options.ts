/**
 * `filament verify --watch` flags and secrets (docs/setup.md, "filament verify --watch"). The
 * watch flags are taken out of argv here; the rest is setup's (options.ts). The /metrics listener
 * is secure by default like Prometheus and Alertmanager here (docs/security.md): TLS and basic
 * auth or a bearer token, whose secrets come from the environment or 0600 files. Only a loopback
 * listener may drop both, and only with --insecure-loopback-metrics.
 */
import { readFileSync } from 'node:fs';
import { isLoopback } from '../loopback';
import { readSecretFile, SecretError } from '../secretFile';
import { SetupError } from '../setup';

export const DEFAULT_INTERVAL_MS = 60_000;
export const DEFAULT_LISTEN = '127.0.0.1:9469';

export interface MetricsAuth {
  /** `user:password` for basic auth, and/or a bearer token: a request passes with either. */
  basic?: { username: string; password: string };
  token?: string;
}

export interface WatchOptions {
  intervalMs: number;
  listen: { host: string; port: number };
  tls: { cert: string; key: string } | undefined;
  auth: MetricsAuth | undefined;
  /** Elasticsearch: a node's audit log file (<cluster>_audit.json), read by contract. */
  auditLog: string | undefined;
}

const VALUE_FLAGS = ['--interval', '--listen', '--tls-cert', '--tls-key', '--audit-log'] as const;
const BOOLEAN_FLAGS = ['--watch', '--insecure-loopback-metrics'] as const;

/** Splits the watch flags from the rest of argv (setup's flags, parsed by options.ts). */
export function takeWatchFlags(argv: readonly string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    if ((BOOLEAN_FLAGS as readonly string[]).includes(name)) {
      if (eq > 0) throw new SetupError(`${name} takes no value`);
      flags.set(name, 'true');
    } else if ((VALUE_FLAGS as readonly string[]).includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new SetupError(`${name} needs a value`);
      flags.set(name, value);
    } else rest.push(arg);
  }
  return { flags, rest };
}

/** `60s`, `5s`, `2m`, `1500ms` or a plain number of seconds; at least 1 s. */
export function parseInterval(value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) throw new SetupError(`--interval "${value}" is not a duration (e.g. 60s, 5s, 2m)`);
  const n = Number(m[1]);
  const ms = m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  if (ms < 1000) throw new SetupError(`--interval ${value} is below 1s`);
  return Math.round(ms);
}

function parseListen(value: string): { host: string; port: number } {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:[\]]+):(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new SetupError(`--listen "${value}" is not host:port`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

function secret(env: NodeJS.ProcessEnv, name: string, fileName: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[fileName];
  if (file === undefined || file === '') return undefined;
  try {
    return readSecretFile(file, fileName);
  } catch (error) {
    throw new SetupError((error as SecretError).message);
  }
}

/** The watch options, or undefined without --watch. `notice` receives the one opt-out line. */
export function parseWatchOptions(flags: ReadonlyMap<string, string>, env: NodeJS.ProcessEnv, notice: (line: string) => void): WatchOptions | undefined {
  const watchOnly = [...flags.keys()].filter((f) => f !== '--watch');
  if (!flags.has('--watch')) {
    if (watchOnly.length > 0) throw new SetupError(`${watchOnly.join(', ')} only applies with --watch`);
    return undefined;
  }
  const intervalMs = flags.has('--interval') ? parseInterval(flags.get('--interval') as string) : DEFAULT_INTERVAL_MS;
  const listenRaw = flags.get('--listen') ?? env.FILAMENT_VERIFY_METRICS_LISTEN ?? DEFAULT_LISTEN;
  const listen = parseListen(listenRaw);
  const certFile = flags.get('--tls-cert') ?? env.FILAMENT_VERIFY_METRICS_TLS_CERT;
  const keyFile = flags.get('--tls-key') ?? env.FILAMENT_VERIFY_METRICS_TLS_KEY;
  let tls: WatchOptions['tls'];
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new SetupError('--tls-cert and --tls-key go together (FILAMENT_VERIFY_METRICS_TLS_CERT, FILAMENT_VERIFY_METRICS_TLS_KEY)');
    let cert: string;
    try {
      cert = readFileSync(certFile, 'utf8');
    } catch (error) {
      throw new SetupError(`--tls-cert ${certFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new SetupError(`--tls-cert ${certFile} is not a PEM certificate`);
    let key: string;
    try {
      key = readSecretFile(keyFile, '--tls-key');
    } catch (error) {
      throw new SetupError((error as SecretError).message);
    }
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) throw new SetupError(`--tls-key ${keyFile} is not a PEM private key`);
    tls = { cert, key };
  }
  const username = env.FILAMENT_VERIFY_METRICS_USERNAME;
  const password = secret(env, 'FILAMENT_VERIFY_METRICS_PASSWORD', 'FILAMENT_VERIFY_METRICS_PASSWORD_FILE');
  const token = secret(env, 'FILAMENT_VERIFY_METRICS_TOKEN', 'FILAMENT_VERIFY_METRICS_TOKEN_FILE');
  if ((username === undefined || username === '') !== (password === undefined)) {
    throw new SetupError('FILAMENT_VERIFY_METRICS_USERNAME and FILAMENT_VERIFY_METRICS_PASSWORD(_FILE) go together');
  }
  for (const [what, value] of [['password', password], ['token', token]] as const) {
    if (value !== undefined && value.length < 16) throw new SetupError(`the /metrics ${what} must have at least 16 characters`);
  }
  const auth: MetricsAuth | undefined = password !== undefined || token !== undefined
    ? { ...(password !== undefined ? { basic: { username: username as string, password } } : {}), ...(token !== undefined ? { token } : {}) }
    : undefined;
  const optOut = flags.has('--insecure-loopback-metrics');
  if (optOut) {
    if (!isLoopback(listen.host)) throw new SetupError(`--insecure-loopback-metrics applies to a loopback --listen only, not ${listenRaw}`);
    if (tls || auth) throw new SetupError('--insecure-loopback-metrics is set together with TLS or credentials: choose one');
    notice(`filament verify --watch: /metrics on ${listenRaw} is plain HTTP without authentication (--insecure-loopback-metrics): development only (docs/security.md)`);
  } else if (!tls || !auth) {
    throw new SetupError(`the /metrics listener ${listenRaw} needs ${[tls ? '' : 'TLS (--tls-cert, --tls-key)', auth ? '' : 'credentials (FILAMENT_VERIFY_METRICS_USERNAME + FILAMENT_VERIFY_METRICS_PASSWORD_FILE, or FILAMENT_VERIFY_METRICS_TOKEN_FILE)'].filter(Boolean).join(' and ')} — or, on loopback for development only, --insecure-loopback-metrics`);
  }
  const auditLog = flags.get('--audit-log');
  return { intervalMs, listen, tls, auth, auditLog };
}
