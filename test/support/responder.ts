/** filament-responder (the built bin, dist/responder.js) in a child process, for tests. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { ROOT } from './fixture';
import { waitFor } from '../../scripts/lib/procs.cjs';

export interface Audit {
  kind: string; what: string; why: string; outcome?: string; counts?: Record<string, number>;
  dryRun: boolean; status?: string; alertname: string; fingerprint: string; startsAt: string; time: string; silenceId?: string;
  source?: string; groupKey?: string; labels?: Record<string, string>; error?: string;
}

export interface RunningResponder {
  url: string;
  /** The webhook token the responder was started with (undefined with insecureNoAuth). */
  token: string | undefined;
  /** POSTs a JSON body to the webhook with the responder's token (or `token`; null: none); the HTTP status. */
  post(body: unknown, token?: string | null): Promise<number>;
  audit(): Audit[];
  output(): string;
  stop(): Promise<void>;
}

export interface ResponderOptions {
  /** PEM of the CA that signed the responder's certificate, when the config has tls. */
  ca?: string;
  env?: Record<string, string>;
}

/**
 * Writes `<dir>/<name>.json` (defaults + `config`, mode 0600) and starts the bin with it; audit in
 * `<dir>/<name>-audit.jsonl`. A random webhook token goes in FILAMENT_RESPONDER_TOKEN unless the
 * config opts out (insecureNoAuth) or names a tokenFile.
 */
export async function startResponderBin(dir: string, name: string, config: Record<string, unknown>, otlpUrl: string,
  options: ResponderOptions = {}): Promise<RunningResponder> {
  const file = path.join(dir, `${name}.json`);
  const auditFile = path.join(dir, `${name}-audit.jsonl`);
  fs.writeFileSync(file, JSON.stringify({
    listen: '127.0.0.1:0', amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    auditFile, stateFile: path.join(dir, `${name}-state.jsonl`), ...config,
  }), { mode: 0o600 });
  const token = config.insecureNoAuth === true ? undefined
    : typeof config.tokenFile === 'string' ? fs.readFileSync(config.tokenFile, 'utf8').trim() : randomBytes(24).toString('base64url');
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'responder.js'), '--config', file], {
    env: {
      PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none',
      ...(token !== undefined && config.tokenFile === undefined ? { FILAMENT_RESPONDER_TOKEN: token } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise((r) => child.on('exit', r));
  const port = await waitFor(`${name} listening`, 20_000, async () => {
    if (child.exitCode !== null) throw new Error(`filament-responder exited: ${out}`);
    return /LISTENING (\d+)/.exec(out)?.[1];
  });
  const url = `${config.tls !== undefined ? 'https' : 'http'}://127.0.0.1:${port}/alerts`;
  const agent = options.ca !== undefined ? new https.Agent({ ca: options.ca }) : undefined;
  return {
    url,
    token,
    async post(body, as) {
      const bearer = as === null ? undefined : as ?? token;
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}) };
      if (agent === undefined) {
        const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
        await res.text();
        return res.status;
      }
      return new Promise((resolve, reject) => {
        const req = https.request(url, { method: 'POST', headers, agent }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    },
    audit: () => (fs.existsSync(auditFile) ? fs.readFileSync(auditFile, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Audit),
    output: () => out,
    async stop() { agent?.destroy(); if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
}
