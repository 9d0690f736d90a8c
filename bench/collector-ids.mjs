// @ts-check
/**
 * What the deterministic document ids (collector/config.yaml,
 * the document-id statements of transform/logs: SHA-256 over the record) cost the collector:
 * 100 000 api.request-like records posted over OTLP/HTTP to the real
 * otelcol-filament, with and without those statements;
 * collector CPU time from /proc (Linux), twice each. Run:
 *   node bench/collector-ids.mjs
 * Result and date in docs/collector.md ("Elasticsearch: what is guaranteed").
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { collectorBinary, cpuTicks, freePort } from '../scripts/lib/procs.cjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = collectorBinary();
const RECORDS_PER_POST = 2000;
const POSTS = 50;


/** @param {number} post */
function records(post) {
  const now = BigInt(Date.now()) * 1000000n;
  return Array.from({ length: RECORDS_PER_POST }, (_, i) => ({
    timeUnixNano: String(now + BigInt(i)), observedTimeUnixNano: String(now + BigInt(i)), severityNumber: 9, eventName: 'api.request',
    traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174',
    attributes: [
      { key: 'api.request.name', value: { stringValue: 'GET /orders/:id' } },
      { key: 'http.request.method', value: { stringValue: 'GET' } },
      { key: 'http.response.status_code', value: { intValue: 200 } },
      { key: 'http.route', value: { stringValue: '/orders/:id' } },
      { key: 'api.request.duration_ms', value: { doubleValue: 1.5 + i } },
      { key: 'order.number', value: { stringValue: `ORD-${post}-${i}` } },
    ],
  }));
}

/** @param {string} label */
async function run(label, /** @type {string} */ base, overlays = /** @type {string[]} */ ([])) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-bench-ids-'));
  fs.mkdirSync(path.join(dir, 'archive'));
  const [http, grpc, health] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(BIN, ['--config', base, ...overlays.flatMap((o) => ['--config', o])], {
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH, FILAMENT_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${http}`, FILAMENT_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      FILAMENT_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${health}`, FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'),
      FILAMENT_COLLECTOR_ARCHIVE_DIR: path.join(dir, 'archive'),
    },
  });
  const exited = new Promise((r) => child.on('exit', r));
  for (;;) {
    try { if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  const before = cpuTicks(child.pid ?? 0);
  for (let p = 0; p < POSTS; p++) {
    const res = await fetch(`http://127.0.0.1:${http}/v1/logs`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'orders' } }] }, scopeLogs: [{ scope: { name: 'bench' }, logRecords: records(p) }] }] }),
    });
    await res.text();
  }
  await new Promise((r) => setTimeout(r, 2500)); // batch timeout, archive written
  const ticks = cpuTicks(child.pid ?? 0) - before;
  child.kill('SIGTERM');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
  const n = RECORDS_PER_POST * POSTS;
  process.stdout.write(`${label}: ${n} records, collector CPU ${(ticks / 100).toFixed(2)} s = ${((ticks * 10000) / n).toFixed(1)} µs/record\n`);
}

// The config without the document-id statements (and the resource groups that only serve them):
// since issue 24 they are part of transform/logs, not a processor of their own.
const without = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'filament-bench-ids-')), 'without-ids.yaml');
const config = /** @type {any} */ (parse(fs.readFileSync(path.join(ROOT, 'collector', 'config.yaml'), 'utf8')));
const groups = /** @type {{ statements: string[] }[] | undefined} */ (config.processors?.['transform/logs']?.log_statements);
if (!groups) throw new Error('transform/logs not found in collector/config.yaml');
config.processors['transform/logs'].log_statements = groups
  .map((g) => ({ ...g, statements: g.statements.filter((st) => !st.includes('document_id')) }))
  .filter((g) => g.statements.length > 0);
fs.writeFileSync(without, stringify(config));
for (let i = 0; i < 2; i++) {
  await run('without the document-id statements', without);
  await run('with the document-id statements   ', path.join(ROOT, 'collector', 'config.yaml'));
}
