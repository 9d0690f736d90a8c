// @ts-check
/**
 * `make demo`: the reference platform under the built preload.
 *
 *  1. Where telemetry goes: the collector at OTEL_EXPORTER_OTLP_ENDPOINT when
 *     one answers there; otherwise the built otelcol-filament (started here on
 *     free loopback ports, archive in demo-output/collector/); otherwise only
 *     the local JSON-lines files. The services always also write the
 *     10 MB-rotated JSON-lines copy (demo-output/events/) the summary reads.
 *  2. Starts the MES API (ESM, --import) and the order service (CJS, --require).
 *  3. Runs examples/load for DEMO_SECONDS (default 60) with its fault schedule.
 *  4. With Prometheus and Alertmanager installed (`make alerting`; ALERTING=0
 *     skips it): the alerting loop of scripts/demo-alerting.mjs — metrics by
 *     remote write, the rules, Alertmanager, filament-responder — and a line per
 *     fault: injected → firing → notified → response → resolved.
 *  5. Stops everything with SIGTERM (the preload flushes), prints the summary.
 * FAULTS=none runs the same traffic without faults: no alert may fire.
 *
 * Expects `make build` and RabbitMQ on AMQP_URL (the Makefile does both).
 * Exit code 0 only when all six events were emitted (four with FAULTS=none: no
 * dead letters, no failed calls) and one order was followed across both
 * services in one trace — and, with FAULTS=none, when
 * the alerting loop ran and no alert fired (the fault-free promise of
 * docs/alerting.md; the names of the alerts that did are printed).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarise } from '../examples/load/summary.mjs';
import { COLLECTOR_RUNTIME_ENV, collectorBinary, freePort, sleep } from './lib/procs.cjs';
import { prepareStore, storeRequested } from './demo-store.mjs';
import { alertingAvailable, DETECTION_GOAL_S, startAlertingLoop } from './demo-alerting.mjs';
import seed from '../examples/shared/seed.cjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.resolve(process.env.DEMO_OUTPUT ?? path.join(ROOT, 'demo-output'));
const SECONDS = Math.max(5, Number(process.env.DEMO_SECONDS ?? 60) || 60);
const FAULT_FREE = process.env.FAULTS === 'none';
const PRELOAD = path.join(ROOT, 'dist', 'preload.js');
const say = (line) => process.stdout.write(`demo: ${line}\n`);

/** @type {import('node:child_process').ChildProcess[]} */
const children = [];
/** @type {Awaited<ReturnType<typeof startAlertingLoop>> | undefined} */
let alerting;
/** DEMO_STORE=opensearch: the store and its watcher (scripts/demo-store.mjs). */
let store;
process.on('exit', () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL'); });


/** True when something answers OTLP/HTTP at the endpoint (any HTTP status counts). */
async function otlpReachable(endpoint) {
  try {
    const res = await fetch(new URL('/v1/logs', endpoint), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}', signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** Builds (or takes from the cache) otelcol-filament; undefined when that is not possible here. */
function collectorBinaryOrNone() {
  try {
    return collectorBinary();
  } catch (error) {
    say(`the collector could not be built (${String(error).split('\n')[0]}); using the local files only`);
    return undefined;
  }
}

/**
 * @param {string} binary @param {Record<string, string> | undefined} prometheusEnv config.prometheus.yaml's environment (URL, CA, Authorization)
 * @param {Record<string, string> | undefined} secureEnv config.secure.yaml's environment (TLS certificate and key, token file)
 */
async function startCollector(binary, prometheusEnv, secureEnv) {
  const dir = path.join(OUT, 'collector');
  const archiveDir = path.join(dir, 'archive');
  fs.mkdirSync(archiveDir, { recursive: true });
  const [http, grpc, health] = [await freePort(), await freePort(), await freePort()];
  const log = fs.openSync(path.join(dir, 'collector.log'), 'w');
  const configs = ['config.yaml', ...(secureEnv ? ['config.secure.yaml'] : []), ...(prometheusEnv ? ['config.prometheus.yaml'] : [])]
    .flatMap((f) => ['--config', path.join(ROOT, 'collector', f)]);
  const child = spawn(binary, configs, {
    env: {
      PATH: process.env.PATH,
      ...COLLECTOR_RUNTIME_ENV,
      ...prometheusEnv,
      ...secureEnv,
      FILAMENT_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${http}`,
      FILAMENT_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      FILAMENT_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${health}`,
      FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'),
      FILAMENT_COLLECTOR_ARCHIVE_DIR: archiveDir,
    },
    stdio: ['ignore', log, log],
  });
  children.push(child);
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      say(`the collector did not start (see ${path.join(dir, 'collector.log')}); using the local files only`);
      return undefined;
    }
    await sleep(100);
  }
  return { child, endpoint: `${secureEnv ? 'https' : 'http'}://127.0.0.1:${http}`, archiveDir };
}

/** Starts a service under the preload and waits for its LISTENING line. */
async function startService(name, flag, script, env) {
  const log = fs.createWriteStream(path.join(OUT, `${name}.log`));
  const child = spawn(process.execPath, [flag, flag === '--import' ? path.join(ROOT, 'dist', 'preload.mjs') : PRELOAD, script], {
    cwd: ROOT, env: { ...process.env, ...env, OTEL_SERVICE_NAME: name }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  child.stderr?.pipe(log);
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 30 s (see ${name}.log)`)), 30000);
    child.stdout?.on('data', (d) => {
      log.write(d);
      buffered += d.toString();
      const m = /LISTENING (\d+)/.exec(buffered);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited with ${code} (see ${name}.log)`)); });
  });
}

/** SIGTERM, then SIGKILL after the deadline. Resolves with the exit code. */
async function stop(child, deadlineMs = 15000) {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function main() {
  if (!fs.existsSync(PRELOAD)) throw new Error('dist/preload.js is missing: run `make build` (or `make demo`) first');
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  // The seed of the run's chance (the MES's fault decisions): FILAMENT_SEED replays a run's draws.
  const runSeed = seed.seedFromEnv();
  say(`seed ${runSeed} (FILAMENT_SEED=${runSeed} replays this run's fault decisions)`);
  // TOPOLOGY_PREFIX: a runbook elsewhere names this run's queues (scripts/compose-e2e.sh); else one per run.
  const prefix = process.env.TOPOLOGY_PREFIX || `demo-${Date.now().toString(36)}.`;

  // 0. DEMO_STORE=opensearch: the store, set up, and its watcher scraped by this run's Prometheus.
  store = storeRequested() ? await prepareStore({ ROOT, OUT, say, freePort, children }) : undefined;

  // 1. Where telemetry goes.
  const destinations = [];
  /** @type {Record<string, string>} */
  const otel = { OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=demo' };
  let collector;
  const external = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (external && await otlpReachable(external)) {
    say(`using the collector at ${external} (OTEL_EXPORTER_OTLP_ENDPOINT)`);
    destinations.push(`your collector at ${external} (OTLP/HTTP: logs, traces, metrics)`);
  } else {
    if (external) say(`nothing answers at OTEL_EXPORTER_OTLP_ENDPOINT=${external}; starting the built collector instead`);
    const binary = collectorBinaryOrNone();
    if (binary && alertingAvailable()) {
      alerting = await startAlertingLoop({ ROOT, OUT, say, responderPort: await freePort(), prefix, children, prometheusEnv: store?.prometheusEnv });
    } else if (binary) {
      say('Prometheus/Alertmanager not installed (`make alerting` installs them): no alerting loop');
    }
    collector = binary ? await startCollector(binary, alerting?.collectorEnv, alerting?.otlpSecurity.collectorEnv) : undefined;
    if (!collector && alerting) { await alerting.stop(); alerting = undefined; }
    if (collector) {
      otel.OTEL_EXPORTER_OTLP_ENDPOINT = collector.endpoint;
      if (alerting) Object.assign(otel, alerting.otlpSecurity.serviceEnv);
      say(`started otelcol-filament at ${collector.endpoint}${alerting
        ? ' (config.secure.yaml: TLS with the run\'s CA, bearer token; the services send OTEL_EXPORTER_OTLP_CERTIFICATE and _HEADERS)'
        : ' (plain OTLP on loopback: development only — docs/security.md)'}`);
      destinations.push(`otelcol-filament at ${collector.endpoint} → archive ${collector.archiveDir} (logs, traces; rotated at 10 MB)`);
    } else {
      Object.assign(otel, { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
    }
  }

  store?.startWatcher(alerting?.vars);

  // 2. The services, each with its own JSON-lines directory.
  const amqp = { AMQP_URL: process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', TOPOLOGY_PREFIX: prefix };
  const seeded = { FILAMENT_SEED: String(runSeed) };
  const eventsDir = path.join(OUT, 'events');
  const mes = await startService('mes-api', '--import', path.join(ROOT, 'examples', 'mes-api', 'server.mjs'), {
    ...otel, ...amqp, ...seeded, PORT: '0', FILAMENT_LOG_FILE_DIR: path.join(eventsDir, 'mes-api'),
  });
  const orders = await startService('orders', '--require', path.join(ROOT, 'examples', 'orders', 'server.cjs'), {
    ...otel, ...amqp, PORT: '0', MES_URL: mes.url, FILAMENT_LOG_FILE_DIR: path.join(eventsDir, 'orders'),
  });
  say(`mes-api at ${mes.url} (node --import filament-otel/preload), orders at ${orders.url} (node --require filament-otel/preload)`);
  if (alerting) await alerting.startResponder({ mesUrl: mes.url, amqpUrl: amqp.AMQP_URL, prefix, otel });

  // 3. The load, with its faults.
  say(FAULT_FREE
    ? `running the load for ${SECONDS} s: orders and model uploads, no faults (FAULTS=none)`
    : `running the load for ${SECONDS} s: orders, model uploads, a 5xx burst, poison messages, transient failures, an MES slowdown`);
  const load = spawn(process.execPath, [path.join(ROOT, 'examples', 'load', 'run.mjs')], {
    cwd: ROOT, env: { ...process.env, ...amqp, ORDERS_URL: orders.url, MES_URL: mes.url, DEMO_SECONDS: String(SECONDS) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(load);
  let loadOut = '';
  load.stdout?.on('data', (d) => { loadOut += d.toString(); });
  const loadCode = await new Promise((resolve) => load.on('exit', resolve));
  if (loadCode !== 0) throw new Error(`the load generator failed (exit ${loadCode})`);
  const line = loadOut.trim().split('\n').pop() ?? '{}';
  const { load: stats } = JSON.parse(line);
  say(`load done: ${stats.orders} orders (${stats.shipped} shipped, ${stats.cancelled} cancelled, ${stats.conflicts} refused with 409), `
    + `${stats.uploads} uploads (${stats.rejectedUploads} bad models refused), ${stats.errors5xx} 5xx answers, faults: ${stats.faults.join(', ')}`);

  // Let expired and delivery-limited messages reach the dead-letter tap.
  await sleep(4000);

  let alertSummary;
  /** @type {string[] | undefined} */
  let storeVerdict;
  /** @type {string[] | undefined} */
  let fired;
  if (alerting) {
    // Fault-free, the wait only has to cover an alert still pending at the end (the longest `for:`
    // plus an evaluation and a metric export); with faults, the alerts' 1-minute windows and the responder.
    const wait = Number(process.env.ALERT_WAIT_S ?? (FAULT_FREE ? 30 : 150)) || 150;
    await alerting.settle(Math.max(10, wait));
    alertSummary = alerting.summary(stats.faultAt ?? {});
    fired = alerting.fired();
    storeVerdict = await store?.verdict(); // while Prometheus still answers
    await alerting.stop();
  } else if (process.env.ALERT_WAIT_S && !FAULT_FREE) {
    // The alerting loop runs elsewhere (scripts/compose-e2e.sh: the compose stack's responder re-drives
    // this run's dead letters when their alert resolves): the queues stay until it could answer.
    say(`waiting ${process.env.ALERT_WAIT_S} s for an outside alerting loop before removing the queues (ALERT_WAIT_S)`);
    await sleep(Number(process.env.ALERT_WAIT_S) * 1000);
  }

  storeVerdict ??= await store?.verdict();
  await store?.stop();

  // 4. Graceful stop: the preload flushes on the way out.
  const [mesCode, ordersCode] = await Promise.all([stop(mes.child), stop(orders.child)]);
  if (mesCode !== 0 || ordersCode !== 0) say(`services exited with ${mesCode} / ${ordersCode}`);
  await cleanTopology(amqp);
  if (collector) await stop(collector.child);

  const { ok } = summarise({ eventsDir, archiveDir: collector?.archiveDir, destinations, faults: !FAULT_FREE });
  if (alertSummary) {
    say('alerting loop (Prometheus → Alertmanager → filament-responder), per fault:');
    for (const l of alertSummary.lines) say(`  ${l}`);
    say(`  ${alertSummary.counts}`);
    say(`  alerts no fault explains: ${alertSummary.others.length === 0 ? 'none' : alertSummary.others.join(', ')}`);
    say(alertSummary.late.length === 0
      ? `  every fault fired an alert within ${DETECTION_GOAL_S} s of its onset`
      : `  NOT within ${DETECTION_GOAL_S} s of onset: ${alertSummary.late.join(', ')}`);
  }
  for (const l of storeVerdict ?? []) say(l);
  say(`logs of this run: ${OUT}`);
  // The fault-free promise: FAULTS=none fails when any alert fired, or when none could be watched.
  let faultFree = true;
  if (FAULT_FREE && fired === undefined && process.env.ALERTING !== '0') {
    say('FAULTS=none: no alerting loop ran (Prometheus/Alertmanager or the collector missing), so the fault-free promise was not checked; ALERTING=0 skips this check');
    faultFree = false;
  } else if (FAULT_FREE && fired !== undefined) {
    faultFree = fired.length === 0;
    say(faultFree
      ? `FAULTS=none: no alert fired in ${SECONDS} s of fault-free traffic`
      : `FAULTS=none: ${fired.length} alert(s) fired in ${SECONDS} s of fault-free traffic: ${fired.join(', ')}`);
  }
  // With faults and the alerting loop: the detection goal holds for every fault, or the run fails.
  const detected = FAULT_FREE || alertSummary === undefined || alertSummary.late.length === 0;
  process.exitCode = ok && mesCode === 0 && ordersCode === 0 && faultFree && detected ? 0 : 1;
}

/** Removes this run's queues (each run has its own prefix). */
async function cleanTopology(env) {
  const child = spawn(process.execPath, ['-e', `
    const amqp = require('amqplib');
    const { deleteTopology } = require('./examples/shared/topology.cjs');
    (async () => { const c = await amqp.connect(process.env.AMQP_URL); const ch = await c.createChannel(); await deleteTopology(ch);
      await ch.deleteQueue(process.env.TOPOLOGY_PREFIX + 'platform.parking-lot').catch(() => undefined); await c.close(); })()
      .catch((e) => { console.error('demo: cleanup:', e.message); });
  `], { cwd: ROOT, env: { ...process.env, ...env }, stdio: 'inherit' });
  await new Promise((resolve) => child.on('exit', resolve));
}

main().catch(async (error) => {
  process.stderr.write(`demo: ${error.message}\n`);
  await alerting?.stop().catch(() => undefined);
  await store?.stop().catch(() => undefined);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  process.exitCode = 1;
});
