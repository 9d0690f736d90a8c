/** `filament verify --watch` as a child process, for the watch and alerting specs. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from './fixture';
import type { RunningOpenSearch } from './opensearch';
import { waitFor } from '../../scripts/lib/procs.cjs';

const CLI = path.join(ROOT, 'dist', 'cli.js');

export interface RunningWatch {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** The CLI's environment against the node: its admin and its CA (FILAMENT_SETUP_CA_CERT). */
export function cliEnv(node: RunningOpenSearch, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    FILAMENT_SETUP_USERNAME: node.admin.username,
    FILAMENT_SETUP_PASSWORD: node.admin.password,
    ...(node.caFile ? { FILAMENT_SETUP_CA_CERT: node.caFile } : {}),
    ...extra,
  };
}

/** Starts the watcher; resolves once it says where /metrics is. */
export async function startWatch(node: RunningOpenSearch, args: string[], env: Record<string, string>): Promise<RunningWatch> {
  const child = spawn(process.execPath, [CLI, 'verify', '--engine', 'opensearch', '--url', node.url, '--skip', 'retention', '--watch', ...args], { env: cliEnv(node, env) });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
  const url = await waitFor('the watcher to listen', 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`watcher exited ${child.exitCode}:\n${out}`);
    return /metrics on (\S+)$/m.exec(out)?.[1];
  }).catch((error: unknown) => { child.kill(); throw new Error(`${String(error)}\n${out}`); });
  return {
    url,
    child,
    output: () => out,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/** The value of one sample line of the text format, or undefined. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
