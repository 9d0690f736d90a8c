/** filament-responder (the built bin, dist/responder.js) in a child process, for tests. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './fixture';
import { waitFor } from './prometheus';

export interface Audit {
  kind: string; what: string; why: string; outcome?: string; counts?: Record<string, number>;
  dryRun: boolean; status: string; alertname: string; fingerprint: string; time: string; silenceId?: string;
}

export interface RunningResponder {
  url: string;
  audit(): Audit[];
  output(): string;
  stop(): Promise<void>;
}

/** Writes `<dir>/<name>.json` (defaults + `config`) and starts the bin with it; audit in `<dir>/<name>-audit.jsonl`. */
export async function startResponderBin(dir: string, name: string, config: Record<string, unknown>, otlpUrl: string): Promise<RunningResponder> {
  const file = path.join(dir, `${name}.json`);
  const auditFile = path.join(dir, `${name}-audit.jsonl`);
  fs.writeFileSync(file, JSON.stringify({
    listen: '127.0.0.1:0', amqpUrl: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
    auditFile, stateFile: path.join(dir, `${name}-state.jsonl`), ...config,
  }));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'responder.js'), '--config', file], {
    env: {
      PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BLRP_SCHEDULE_DELAY: '100', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none',
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
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    audit: () => (fs.existsSync(auditFile) ? fs.readFileSync(auditFile, 'utf8') : '').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Audit),
    output: () => out,
    async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; },
  };
}
