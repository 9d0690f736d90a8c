/**
 * Prometheus + Alertmanager (Debian packages) for tests, started by
 * scripts/prometheus.sh on free loopback ports with data in a temporary
 * directory, and read back through their HTTP APIs — over https with the
 * run's CA and basic auth (scripts/alerting-http.mjs), as anyone must.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { alertingClient, type AlertingRequest } from '../../scripts/alerting-http.cjs';
import { waitFor } from '../../scripts/lib/procs.cjs';
import { ROOT } from './fixture';

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, 'scripts', 'prometheus.sh');

export interface RunningAlerting {
  dir: string;
  /** What scripts/prometheus.sh start printed, stdout then stderr. */
  output: string;
  prometheusUrl: string;
  remoteWriteUrl: string;
  alertmanagerUrl: string;
  /** The run's CA (verifies both servers) and the 0600 `user:password` files scripts/prometheus.sh printed. */
  caFile: string;
  prometheusCredentialsFile: string;
  remoteWriteCredentialsFile: string;
  alertmanagerCredentialsFile: string;
  alertmanagerResponderCredentialsFile: string;
  /** A certificate (and 0600 key) of the run's CA for `filament verify --watch` on loopback. */
  verifyTlsCertFile: string;
  verifyTlsKeyFile: string;
  /** The collector's environment for config.prometheus.yaml: URL, CA, the `collector` user's Authorization header. */
  collectorEnv: Record<string, string>;
  /** An operator's request to Prometheus / Alertmanager (https, CA, basic auth). */
  prometheus: AlertingRequest;
  alertmanager: AlertingRequest;
  /** Alertmanager's API v2 /alerts (active, unsilenced, uninhibited unless asked). */
  alerts(query?: string): Promise<AlertmanagerAlert[]>;
  /** A PromQL instant query's result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Resolves once every rule group has been evaluated `times` more times from now (API /api/v1/rules, lastEvaluation). */
  evaluated(times: number, timeoutMs?: number): Promise<void>;
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
  const { stdout, stderr } = await run('bash', [SCRIPT, 'start', dir], {
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
  const caFile = vars.ALERTING_CA_FILE as string;
  const prometheus = alertingClient({ caFile, credentialsFile: vars.PROMETHEUS_CREDENTIALS_FILE as string });
  const alertmanager = alertingClient({ caFile, credentialsFile: vars.ALERTMANAGER_CREDENTIALS_FILE as string });
  return {
    dir,
    output: `${stdout}${stderr}`,
    prometheusUrl,
    remoteWriteUrl: vars.PROMETHEUS_REMOTE_WRITE_URL as string,
    alertmanagerUrl,
    caFile,
    prometheusCredentialsFile: vars.PROMETHEUS_CREDENTIALS_FILE as string,
    remoteWriteCredentialsFile: vars.PROMETHEUS_REMOTE_WRITE_CREDENTIALS_FILE as string,
    alertmanagerCredentialsFile: vars.ALERTMANAGER_CREDENTIALS_FILE as string,
    alertmanagerResponderCredentialsFile: vars.ALERTMANAGER_RESPONDER_CREDENTIALS_FILE as string,
    verifyTlsCertFile: vars.VERIFY_TLS_CERT_FILE as string,
    verifyTlsKeyFile: vars.VERIFY_TLS_KEY_FILE as string,
    collectorEnv: {
      FILAMENT_PROMETHEUS_REMOTE_WRITE_URL: vars.PROMETHEUS_REMOTE_WRITE_URL as string,
      FILAMENT_PROMETHEUS_CA_FILE: caFile,
      FILAMENT_PROMETHEUS_REMOTE_WRITE_AUTHORIZATION: basicAuthorization(vars.PROMETHEUS_REMOTE_WRITE_CREDENTIALS_FILE as string),
    },
    prometheus,
    alertmanager,
    async alerts(query = '') {
      const res = await alertmanager('GET', `${alertmanagerUrl}/api/v2/alerts${query}`);
      if (res.status !== 200) throw new Error(`alertmanager /api/v2/alerts: ${res.status}`);
      return JSON.parse(res.text) as AlertmanagerAlert[];
    },
    async query(promql: string) {
      const res = await prometheus('GET', `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = JSON.parse(res.text) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${JSON.stringify(body)}`);
      return body.data.result;
    },
    async evaluated(times: number, timeoutMs = 60_000) {
      const since = Date.now();
      /** Each group's evaluation times seen after `since`. */
      const seen = new Map<string, Set<string>>();
      await waitFor(`${times} more evaluations of every rule group`, timeoutMs, async () => {
        const res = await prometheus('GET', `${prometheusUrl}/api/v1/rules`);
        const { groups } = (JSON.parse(res.text) as { data: { groups: { file: string; name: string; lastEvaluation: string }[] } }).data;
        for (const g of groups) {
          if (Date.parse(g.lastEvaluation) > since) seen.set(`${g.file} ${g.name}`, (seen.get(`${g.file} ${g.name}`) ?? new Set()).add(g.lastEvaluation));
        }
        return groups.length > 0 && groups.every((g) => (seen.get(`${g.file} ${g.name}`)?.size ?? 0) >= times) ? true : undefined;
      });
    },
    async stop() {
      await run('bash', [SCRIPT, 'stop', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `Basic base64(user:password)` from a `user:password` file. */
export function basicAuthorization(credentialsFile: string): string {
  return `Basic ${Buffer.from(fs.readFileSync(credentialsFile, 'utf8').trim()).toString('base64')}`;
}
