/**
 * The real otelcol-filament binary for tests: built (or taken from the cache)
 * by scripts/collector-build.sh, started with collector/config.yaml on free
 * loopback ports with its storage and archive in a temporary directory.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from './fixture';

// One home for what specs, scripts and benches share (scripts/lib/procs.cjs).
export { COLLECTOR_RUNTIME_ENV, collectorBinary, freePort } from '../../scripts/lib/procs.cjs';
import { COLLECTOR_RUNTIME_ENV, collectorBinary, freePort, waitFor } from '../../scripts/lib/procs.cjs';

export interface RunningCollector {
  httpUrl: string;
  /** config.elasticsearch.yaml's loopback hop receiver (listening only with that overlay). */
  hopUrl: string;
  /** The hop's token file (0600), FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE; its first line is the token. */
  hopTokenFile: string;
  dir: string;
  archiveDir: string;
  logs(): string;
  stop(): Promise<number | null>;
}

export interface CollectorOptions {
  /** Overlays merged over collector/config.yaml, e.g. ['config.analyzer.yaml'] (or absolute paths). */
  overlays?: string[];
  /** Reuse the storage and archive of an earlier run (a restart). */
  dir?: string;
}

/**
 * Every collector started here and not yet exited, killed when the test process exits: a test that
 * times out while its collector is still starting (the first start builds the binary, minutes on a
 * fresh machine) gets it only after its cleanup has run, and it would outlive the suite.
 */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startCollector(extraEnv: Record<string, string> = {}, options: CollectorOptions = {}): Promise<RunningCollector> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'filament-collector-'));
  const archiveDir = path.join(dir, 'archive');
  fs.mkdirSync(archiveDir, { recursive: true });
  const [httpPort, grpcPort, healthPort, hopPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // config.elasticsearch.yaml's hop refuses requests without this token; a restart (options.dir) keeps it.
  const hopTokenFile = path.join(dir, 'elasticsearch-hop.token');
  if (!fs.existsSync(hopTokenFile)) fs.writeFileSync(hopTokenFile, `${crypto.randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  const env = {
    PATH: process.env.PATH,
    ...COLLECTOR_RUNTIME_ENV,
    FILAMENT_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
    FILAMENT_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
    FILAMENT_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
    // config.elasticsearch.yaml's loopback hop (its receiver listens on 127.0.0.1:<this>).
    FILAMENT_ELASTICSEARCH_HOP_PORT: String(hopPort),
    FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE: hopTokenFile,
    FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'),
    FILAMENT_COLLECTOR_ARCHIVE_DIR: archiveDir,
    ...extraEnv,
  };
  const configs = ['config.yaml', ...(options.overlays ?? [])]
    .flatMap((f) => ['--config', path.isAbsolute(f) ? f : path.join(ROOT, 'collector', f)]);
  const child: ChildProcess = spawn(collectorBinary(), configs, {
    env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.on('exit', () => live.delete(child));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Healthy (health_check answers 200), or gone: either ends the wait.
  const healthy = await waitFor('the collector\'s health check', 30_000, async () => {
    if (child.exitCode !== null) return false;
    return (await fetch(`http://127.0.0.1:${healthPort}/`)).ok ? true : undefined;
  }, 100).catch(() => false);
  if (!healthy) {
    child.kill('SIGKILL');
    throw new Error(`collector did not become healthy:\n${output}`);
  }
  return {
    httpUrl: `http://127.0.0.1:${httpPort}`,
    hopUrl: `http://127.0.0.1:${hopPort}`,
    hopTokenFile,
    dir,
    archiveDir,
    logs: () => output,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

type KV = { key: string; value: Record<string, unknown> };
export interface ArchivedLog {
  eventName: string | undefined;
  severityText: string | undefined;
  severityNumber: number | undefined;
  traceId: string | undefined;
  body: unknown;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

function flat(kvs: KV[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue ?? v;
  }
  return out;
}

/** Every log record in the archive files (OTLP/JSON lines), oldest file first. */
export function readArchive(archiveDir: string): ArchivedLog[] {
  const out: ArchivedLog[] = [];
  const files = fs.readdirSync(archiveDir).filter((f) => f.startsWith('filament-logs') && f.endsWith('.jsonl')).sort();
  for (const f of files) {
    for (const line of fs.readFileSync(path.join(archiveDir, f), 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      const doc = JSON.parse(line) as { resourceLogs?: Record<string, unknown>[] };
      for (const rl of doc.resourceLogs ?? []) {
        const resource = flat((rl.resource as { attributes?: KV[] } | undefined)?.attributes);
        for (const sl of (rl.scopeLogs as Record<string, unknown>[]) ?? []) {
          for (const r of (sl.logRecords as Record<string, unknown>[]) ?? []) {
            out.push({
              eventName: r.eventName as string | undefined,
              severityText: r.severityText as string | undefined,
              severityNumber: r.severityNumber as number | undefined,
              traceId: (r.traceId as string | undefined) || undefined,
              body: (r.body as { stringValue?: string } | undefined)?.stringValue,
              attributes: flat(r.attributes as KV[]),
              resource,
            });
          }
        }
      }
    }
  }
  return out;
}

/** One OTLP/JSON logs request to a collector: an `order.status_changed` record per marker (its body). */
export async function postMarkerLogs(collector: RunningCollector, markers: string[]): Promise<void> {
  const body = {
    resourceLogs: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] },
      scopeLogs: [{
        logRecords: markers.map((m, i) => ({
          timeUnixNano: String(Date.now() * 1e6 + i), severityNumber: 9, eventName: 'order.status_changed',
          body: { stringValue: m },
        })),
      }],
    }],
  };
  const res = await fetch(`${collector.httpUrl}/v1/logs`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}
