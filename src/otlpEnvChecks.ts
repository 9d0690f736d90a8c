/**
 * Settings the official OTLP exporters and the SDK's resource detector read
 * from the environment themselves, checked here only so that a bad value is
 * said on stderr (upstream reports it through `diag`, silent by default) with
 * the fallback upstream then really uses:
 * - OTEL_EXPORTER_OTLP[_<SIGNAL>]_TIMEOUT: a number > 0, else the exporter's
 *   default, 10000 ms (otlp-exporter-base, shared-env-configuration);
 * - OTEL_EXPORTER_OTLP[_<SIGNAL>]_COMPRESSION: none or gzip, else none;
 * - OTEL_EXPORTER_OTLP[_<SIGNAL>]_HEADERS: comma-separated key=value with
 *   percent-encoding, a malformed entry dropped (core's parseKeyPairsIntoRecord);
 *   never echoed — headers carry tokens;
 * - OTEL_RESOURCE_ATTRIBUTES: one malformed entry and the SDK's env detector
 *   ignores the whole list (resources, EnvDetector).
 */
import type { ConfigProblems } from './configProblems';

type Env = Readonly<Record<string, string | undefined>>;

const SIGNALS = ['', 'TRACES_', 'METRICS_', 'LOGS_'] as const;

function set(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function timeouts(env: Env, problems: ConfigProblems): void {
  for (const s of SIGNALS) {
    const name = `OTEL_EXPORTER_OTLP_${s}TIMEOUT`;
    const v = set(env, name);
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) {
      problems.add(name, v, 'is not a number of milliseconds greater than 0',
        s === '' ? "the exporters' default, 10000 ms" : 'OTEL_EXPORTER_OTLP_TIMEOUT, else 10000 ms');
    }
  }
}

function compressions(env: Env, problems: ConfigProblems): void {
  for (const s of SIGNALS) {
    const name = `OTEL_EXPORTER_OTLP_${s}COMPRESSION`;
    const v = set(env, name);
    if (v !== undefined && v !== 'none' && v !== 'gzip') {
      problems.add(name, v, 'is not none or gzip', s === '' ? 'none' : 'OTEL_EXPORTER_OTLP_COMPRESSION, else none');
    }
  }
}

/** Why one comma-separated `key=value` entry would be dropped, or undefined when it is kept. */
function badPair(entry: string): string | undefined {
  const at = entry.indexOf('=');
  if (at <= 0) return 'is not key=value';
  const key = entry.slice(0, at).trim();
  const value = entry.slice(at + 1).trim();
  if (key === '') return 'has an empty key';
  if (value === '') return 'has an empty value';
  try {
    decodeURIComponent(key);
    decodeURIComponent(value);
  } catch {
    return 'is not valid percent-encoding';
  }
  return undefined;
}

function headers(env: Env, problems: ConfigProblems): void {
  for (const s of SIGNALS) {
    const name = `OTEL_EXPORTER_OTLP_${s}HEADERS`;
    const v = set(env, name);
    if (v === undefined) continue;
    v.split(',').forEach((entry, i) => {
      if (entry.trim() === '') return;
      const why = badPair(entry);
      // The key alone names the entry: a header's value is often a credential.
      const key = entry.includes('=') ? entry.slice(0, entry.indexOf('=')).trim() : '';
      if (why !== undefined) problems.addWithoutValue(name, `entry ${i + 1}${key !== '' ? ` (${key})` : ''} ${why}`, 'that header is not sent');
    });
  }
}

function resourceAttributes(env: Env, problems: ConfigProblems): void {
  const v = set(env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (v === undefined) return;
  for (const entry of v.split(',')) {
    if (entry.trim() === '') continue;
    const why = entry.split('=').length !== 2 ? "is not key=value (',' and '=' must be percent-encoded)" : badPair(entry);
    if (why !== undefined && why !== 'has an empty value') {
      problems.add('OTEL_RESOURCE_ATTRIBUTES', v, `entry ${JSON.stringify(entry.trim())} ${why}`,
        'none of its attributes (the SDK ignores the whole list)');
      return;
    }
  }
}

/** Adds a line to `problems` for every setting above that upstream would drop without a word. */
export function checkUpstreamEnv(env: Env, problems: ConfigProblems): void {
  timeouts(env, problems);
  compressions(env, problems);
  headers(env, problems);
  resourceAttributes(env, problems);
}
