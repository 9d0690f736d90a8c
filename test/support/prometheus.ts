/**
 * Prometheus + Alertmanager (Debian packages) for tests, started by
 * scripts/prometheus.sh on free loopback ports with data in a temporary
 * directory, and read back through their HTTP APIs.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './fixture';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts', 'prometheus.sh');

export interface RunningAlerting {
  dir: string;
  prometheusUrl: string;
  remoteWriteUrl: string;
  alertmanagerUrl: string;
  /** Alertmanager's API v2 /alerts (active, unsilenced, uninhibited unless asked). */
  alerts(query?: string): Promise<AlertmanagerAlert[]>;
  /** A PromQL instant query's result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  stop(): Promise<void>;
}

/** The fields of Alertmanager's API v2 gettableAlert that tests read. */
export interface AlertmanagerAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  fingerprint: string;
  status: { state: 'active' | 'suppressed' | 'unprocessed'; inhibitedBy: string[]; silencedBy: string[] };
}

export async function startAlerting(env: Record<string, string> = {}): Promise<RunningAlerting> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-alerting-'));
  const { stdout } = await run('bash', [SCRIPT, 'start', dir], {
    env: { ...process.env, ...env }, timeout: 10 * 60 * 1000, maxBuffer: 1 << 20,
  }).catch(async (err: unknown) => {
    await run('bash', [SCRIPT, 'stop', dir]).catch(() => undefined);
    const logs = ['prometheus.log', 'alertmanager.log']
      .map((f) => { try { return `${f}:\n${fs.readFileSync(path.join(dir, f), 'utf8')}`; } catch { return ''; } });
    throw new Error(`scripts/prometheus.sh start failed: ${String(err)}\n${logs.join('\n')}`);
  });
  const vars: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const prometheusUrl = vars.PROMETHEUS_URL as string;
  const alertmanagerUrl = vars.ALERTMANAGER_URL as string;
  return {
    dir,
    prometheusUrl,
    remoteWriteUrl: vars.PROMETHEUS_REMOTE_WRITE_URL as string,
    alertmanagerUrl,
    async alerts(query = '') {
      const res = await fetch(`${alertmanagerUrl}/api/v2/alerts${query}`);
      if (!res.ok) throw new Error(`alertmanager /api/v2/alerts: ${res.status}`);
      return (await res.json()) as AlertmanagerAlert[];
    },
    async query(promql: string) {
      const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    async stop() {
      await run('bash', [SCRIPT, 'stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const got = await check().catch(() => undefined);
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
