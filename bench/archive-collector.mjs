// @ts-check
/**
 * An otelcol-filament that writes its archive into a directory of its own, for the benches that read
 * what the collector hands its exporters (bench/collector-archive-diff.mjs, bench/store-bytes.mjs):
 * loopback ports, the storage and archive directories under `dir`, started and waited for.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { collectorBinary, freePort, sleep } from '../scripts/lib/procs.cjs';

/**
 * Starts the collector with `configs` (merged in order); `post` sends one OTLP/HTTP request (protobuf
 * bytes or a JSON string) and fails on anything but 200; `stop` ends it gracefully (the batch
 * processor flushes into the file exporters) and returns the archive directory.
 * @param {string[]} configs @param {string} dir @param {Readonly<Record<string, string>>} [env]
 */
export async function startArchiveCollector(configs, dir, env = {}) {
  fs.mkdirSync(path.join(dir, 'archive'), { recursive: true });
  const [http, grpc, health] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(collectorBinary(), configs.flatMap((c) => ['--config', c]), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH, ...env, FILAMENT_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${http}`, FILAMENT_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      FILAMENT_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${health}`, FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'),
      FILAMENT_COLLECTOR_ARCHIVE_DIR: path.join(dir, 'archive'),
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((r) => child.on('exit', r));
  for (let i = 0; ; i++) {
    try { if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break; } catch { /* starting */ }
    if (child.exitCode !== null || i > 300) throw new Error(`collector did not start:\n${stderr}`);
    await sleep(100);
  }
  return {
    /** @param {string} signal @param {Uint8Array<ArrayBuffer> | string} body */
    async post(signal, body) {
      const res = await fetch(`http://127.0.0.1:${http}/v1/${signal}`, {
        method: 'POST', body, headers: { 'content-type': typeof body === 'string' ? 'application/json' : 'application/x-protobuf' },
      });
      if (res.status !== 200) throw new Error(`${signal}: HTTP ${res.status} ${await res.text()}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return path.join(dir, 'archive');
    },
  };
}
