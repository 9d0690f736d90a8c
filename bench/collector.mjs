// @ts-check
/**
 * The collector's cost per record (issue 24): the real otelcol-filament with
 * collector/config.yaml and each shipped overlay, driven at a FIXED rate with
 * preload-shaped OTLP/HTTP logs (the six events' attribute sets, docs/events.md,
 * and a bridged pino line) and spans (Express SERVER spans, amqplib
 * PRODUCER/CONSUMER spans with the old messaging names, an exception event),
 * in protobuf (the preload's default) and JSON.
 *
 * Figure: the collector process's CPU (utime + stime of /proc/<pid>/stat, all
 * threads) over the measured phase and the flush after it, divided by the
 * records sent. At a fixed rate below the collector's ceiling this does not
 * depend on how much of the two shared cores the sender gets, so it is the
 * figure to compare (records/s per core = 1e6 / µs per record). 10 ms clock
 * ticks: keep RATE × SECONDS × µs ≥ 1 s for ±1 %.
 *
 *   node bench/collector.mjs             full: 3 rounds × 5 s per phase (`make bench` runs it)
 *   QUICK=1                              1 round × 1 s, Elasticsearch overlay, protobuf (proves the harness)
 *   ROUNDS, SECONDS, RATE (records/s per signal), BATCH (records per request, default 128 = the preload's)
 *   CONFIGS=base,elasticsearch,prometheus,analyzer   which overlays (default all)
 *   ES_OVERLAY=<file>                    the `elasticsearch` variant with that config.elasticsearch.yaml (A/B by hand)
 *   ENCODINGS=proto,json  SIGNALS=logs,traces
 *   COMPARE=<old config.yaml>            A/B: every phase also runs with that file in place of
 *                                        collector/config.yaml, interleaved (order rotated per round), and
 *                                        the overlays beside it if there (config.analyzer.yaml, …);
 *                                        the old file runs without the runtime settings below
 *   RUNTIME_ENV=none                     the current config without COLLECTOR_RUNTIME_ENV (GOGC,
 *                                        scripts/lib/procs.cjs), which it otherwise runs with, as shipped
 *   PROFILE=1                            time per processor by ablation (see below)
 *   PPROF=<dir>                          a CPU profile of every measured phase into <dir> (needs a build
 *                                        with the pprof extension: FILAMENT_OTELCOL_BIN=$(bash bench/collector-pprof-build.sh | tail -1));
 *                                        read with `go tool pprof -top <binary> <dir>/<phase>.pb.gz`
 *
 * PROFILE: the collector's pprof extension is not in collector/builder-config.yaml
 * (adding it would rebuild the collector on every CI machine), and core v0.161's internal
 * telemetry counts items per processor but not time. So PROFILE=1 attributes CPU by ablation
 * with the shipped binary (PPROF=<dir> with a private pprof build gives the Go profile):
 * base config, each processor of the logs / traces pipeline removed in turn
 * (an overlay that replaces the pipeline's processor list), the difference to
 * the full pipeline being that processor's cost per record.
 *
 * Prints a markdown table on stdout (bench/run.ts puts it into docs/benchmarks.md);
 * no timing is asserted anywhere.
 */
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { CLOCK_TICKS, COLLECTOR_RUNTIME_ENV, collectorBinary, cpuTicks, freePort, sleep } from '../scripts/lib/procs.cjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.env.QUICK === '1' || process.env.QUICK === 'true';
/** @param {string} name @param {number} full @param {number} quick */
const num = (name, full, quick) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : QUICK ? quick : full;
};
const ROUNDS = num('ROUNDS', 3, 1);
const SECONDS = num('SECONDS', 5, 1);
const RATE = num('RATE', 4000, 4000);
const BATCH = num('BATCH', 128, 128);
const PROFILE = process.env.PROFILE === '1';
const COMPARE = process.env.COMPARE ? path.resolve(process.env.COMPARE) : undefined;
/** Another config.elasticsearch.yaml for the `elasticsearch` variant (e.g. an older one, to measure a change). */
const ES_OVERLAY = process.env.ES_OVERLAY ? path.resolve(process.env.ES_OVERLAY) : undefined;
// The current config runs as shipped: with the Go runtime settings of scripts/lib/procs.cjs (compose sets the
// same). RUNTIME_ENV=none: without them (the config's own share). A COMPARE config runs without them, as it did.
/** @type {Readonly<Record<string, string>>} */
const CURRENT_ENV = process.env.RUNTIME_ENV === 'none' ? {} : COLLECTOR_RUNTIME_ENV;
const PPROF = process.env.PPROF ? path.resolve(process.env.PPROF) : undefined;
if (PPROF) fs.mkdirSync(PPROF, { recursive: true });
/** @param {string} name @param {string[]} all */
const list = (name, all, quick = all) => (process.env[name] ? process.env[name].split(',').map((s) => s.trim()).filter((s) => all.includes(s)) : QUICK ? quick : all);
// QUICK (CI's quick bench, ~15 s): only the production pipeline (Elasticsearch overlay) on protobuf.
const CONFIGS = list('CONFIGS', ['base', 'elasticsearch', 'prometheus', 'analyzer'], ['elasticsearch']);
const ENCODINGS = list('ENCODINGS', ['proto', 'json'], ['proto']);
const SIGNALS = list('SIGNALS', ['logs', 'traces']);
const log = (/** @type {string} */ s) => process.stderr.write(`[collector bench] ${s}\n`);

// ------------------------------------------------------------------ OTLP records
/** @typedef {{ key: string, value: { stringValue?: string, intValue?: number, doubleValue?: number, boolValue?: boolean } }} KV */
/** @param {Record<string, string | number | boolean>} o @returns {KV[]} */
const kvs = (o) => Object.entries(o).map(([key, v]) => ({
  key,
  value: typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: v } : { doubleValue: v },
}));
const RESOURCE = kvs({
  'service.name': 'orders', 'service.version': '2.14.1', 'service.instance.id': '3f1c2b9e-8d7a-4c1e-9b2f-5e6d7c8b9a01',
  'deployment.environment.name': 'production', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.2.0', 'telemetry.distro.name': 'filament-otel', 'telemetry.distro.version': '0.1.0',
  'host.name': 'orders-7f9c6d5b8-x2k4p', 'host.arch': 'amd64', 'process.pid': 4242, 'process.runtime.name': 'nodejs',
  'process.runtime.version': '26.0.0',
});
const hex = (/** @type {number} */ n, /** @type {number} */ len) => n.toString(16).padStart(len, '0').slice(-len);
let seq = 0;
/**
 * @typedef {{ timeUnixNano: string, observedTimeUnixNano: string, traceId: string, spanId: string, severityNumber: number,
 *   severityText: string, eventName?: string, body?: { stringValue: string }, attributes: KV[], scope?: string }} LogRec
 */
/** One log record of the mix (i picks the event), as OTLP/JSON (`scope`: a bridged line's instrumentation scope). @returns {LogRec} */
function logRecord(/** @type {number} */ i, /** @type {bigint} */ now) {
  const n = seq++;
  const t = String(now + BigInt(n));
  const base = { timeUnixNano: t, observedTimeUnixNano: t, traceId: `${hex(n, 16)}${hex(n * 7919, 16)}`, spanId: hex(n * 104729, 16) };
  switch (i % 10) {
    case 0: case 1: case 2: case 3:
      return { ...base, severityNumber: 9, severityText: 'INFO', eventName: 'api.request', attributes: kvs({
        'api.request.name': 'GET /orders/:id', 'http.request.method': 'GET', 'http.route': '/orders/:id',
        'http.response.status_code': 200, 'api.request.duration_ms': 3.25 + (n % 100) / 7 }) };
    case 4:
      return { ...base, severityNumber: 9, severityText: 'INFO', eventName: 'model3d.priced', attributes: kvs({
        'customer.id': `C-${n % 5000}`, 'model3d.polygon_count': 12000 + (n % 997), 'model3d.processing_time_ms': 41.5,
        'model3d.cost': 17.25, 'model3d.currency': 'EUR', 'model3d.format': 'stl-binary', 'model3d.material': 'PETG' }) };
    case 5:
      return { ...base, severityNumber: 9, severityText: 'INFO', eventName: 'order.status_changed', attributes: kvs({
        'customer.id': `C-${n % 5000}`, 'order.number': `ORD-${n}`, 'order.status': 'printing', 'order.previous_status': 'paid' }) };
    case 6: case 7:
      return { ...base, severityNumber: 9, severityText: 'INFO', eventName: 'queue.message', body: { stringValue: `{"orderNumber":"ORD-${n}","status":"printing"}` }, attributes: kvs({
        'messaging.system': 'rabbitmq', 'messaging.operation.type': n % 2 ? 'send' : 'receive', 'messaging.destination.name': 'orders:order.status',
        'messaging.rabbitmq.destination.routing_key': 'order.status', 'messaging.message.id': `9b2f5e6d-${hex(n, 8)}`,
        'messaging.message.body.size': 44, 'filament.content.kind': 'json' }) };
    case 8:
      return { ...base, severityNumber: 30, severityText: 'info', body: { stringValue: `order ORD-${n} handed to the printer queue` },
        attributes: kvs({ 'orderNumber': `ORD-${n}`, 'printer': 'P-12' }), scope: '@opentelemetry/instrumentation-pino' };
    default:
      return n % 2
        ? { ...base, severityNumber: 17, severityText: 'ERROR', eventName: 'api.error', attributes: kvs({
          'error.type': 'TypeError', 'error.message': "Cannot read properties of undefined (reading 'id')", 'exception.type': 'TypeError',
          'exception.message': "Cannot read properties of undefined (reading 'id')",
          'exception.stacktrace': "TypeError: Cannot read properties of undefined (reading 'id')\n    at price (/app/src/pricing.js:41:17)\n    at Layer.handle (/app/node_modules/express/lib/router/layer.js:95:5)\n    at next (/app/node_modules/express/lib/router/route.js:149:13)",
          'filament.content.masked': 0 }) }
        : { ...base, severityNumber: 13, severityText: 'WARN', eventName: 'queue.dead_lettered', body: { stringValue: `{"orderNumber":"ORD-${n}"}` }, attributes: kvs({
          'queue.dead_letter.reason': 'rejected', 'queue.dead_letter.queue': 'orders.print', 'queue.dead_letter.exchange': 'orders',
          'queue.dead_letter.count': 1, 'messaging.destination.name': 'orders.print', 'messaging.message.id': `9b2f5e6d-${hex(n, 8)}`,
          'messaging.rabbitmq.destination.routing_key': 'order.print', 'messaging.system': 'rabbitmq' }) };
  }
}
/** One span of the mix, as OTLP/JSON. */
function span(/** @type {number} */ i, /** @type {bigint} */ now) {
  const n = seq++;
  const start = now + BigInt(n);
  const base = { traceId: `${hex(n, 16)}${hex(n * 7919, 16)}`, spanId: hex(n * 104729, 16), startTimeUnixNano: String(start), endTimeUnixNano: String(start + 3250000n) };
  if (i % 5 < 3) {
    const failed = i % 20 === 2;
    return { ...base, name: 'GET /orders/:id', kind: 2, status: failed ? { code: 2 } : {}, attributes: kvs({
      'http.request.method': 'GET', 'url.path': `/orders/ORD-${n}`, 'url.scheme': 'http', 'http.route': '/orders/:id',
      'http.response.status_code': failed ? 500 : 200, 'server.address': 'orders', 'server.port': 8080, 'network.protocol.version': '1.1',
      'user_agent.original': 'undici', 'client.address': '10.0.3.17', 'network.peer.address': '10.0.3.17', 'network.peer.port': 51234 }),
      events: failed ? [{ name: 'exception', timeUnixNano: String(start + 1000000n), attributes: kvs({ 'exception.type': 'TypeError', 'exception.message': 'boom',
        'exception.stacktrace': 'TypeError: boom\n    at price (/app/src/pricing.js:41:17)' }) }] : [] };
  }
  const publish = i % 5 === 3;
  // amqplib 0.70 without the semconv opt-in: the old names, next to the new ones Filament adds.
  return { ...base, parentSpanId: hex(n * 31, 16), name: publish ? 'orders -> order.status send' : 'orders.print receive', kind: publish ? 4 : 5, attributes: kvs({
    'messaging.system': 'rabbitmq', 'messaging.destination': 'orders', 'messaging.destination_kind': 'topic',
    'messaging.rabbitmq.routing_key': 'order.status', 'messaging.protocol': 'AMQP', 'messaging.protocol_version': '0.9.1',
    'messaging.url': 'amqp://rabbitmq:5672', 'net.peer.name': 'rabbitmq', 'net.peer.port': 5672, 'messaging.message_id': `9b2f5e6d-${hex(n, 8)}`,
    'messaging.operation': publish ? 'publish' : 'process', 'messaging.operation.type': publish ? 'send' : 'process',
    'messaging.destination.name': 'orders:order.status', 'messaging.message.id': `9b2f5e6d-${hex(n, 8)}` }) };
}

/** @param {'logs' | 'traces'} signal @param {number} count */
export function request(signal, count) {
  const now = BigInt(Date.now()) * 1000000n;
  if (signal === 'traces') {
    const spans = Array.from({ length: count }, (_, i) => span(i, now));
    return { resourceSpans: [{ resource: { attributes: RESOURCE }, scopeSpans: [
      { scope: { name: '@opentelemetry/instrumentation-http', version: '0.207.0' }, spans: spans.filter((s) => s.kind === 2) },
      { scope: { name: '@opentelemetry/instrumentation-amqplib', version: '0.70.0' }, spans: spans.filter((s) => s.kind !== 2) },
    ] }] };
  }
  const records = Array.from({ length: count }, (_, i) => logRecord(i, now));
  const { scoped, events } = { scoped: records.filter((r) => r.scope), events: records.filter((r) => !r.scope) };
  return { resourceLogs: [{ resource: { attributes: RESOURCE }, scopeLogs: [
    { scope: { name: 'filament-otel', version: '0.1.0' }, logRecords: events },
    { scope: { name: '@opentelemetry/instrumentation-pino', version: '0.55.0' }, logRecords: scoped.map(({ scope: _, ...r }) => r) },
  ] }] };
}

// ------------------------------------------------------------------ protobuf (opentelemetry-proto v1 field numbers)
/** Minimal writer: just what the OTLP request messages above need. */
class Pb {
  /** @type {number[]} */ bytes = [];
  varint(/** @type {number | bigint} */ v) {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x > 127n) { this.bytes.push(Number(x & 127n) | 128); x >>= 7n; }
    this.bytes.push(Number(x));
    return this;
  }
  tag(/** @type {number} */ field, /** @type {number} */ wire) { return this.varint((field << 3) | wire); }
  int(/** @type {number} */ f, /** @type {number | bigint | undefined} */ v) { return v ? this.tag(f, 0).varint(v) : this; }
  fixed64(/** @type {number} */ f, /** @type {string | undefined} */ v) {
    if (!v) return this;
    this.tag(f, 1);
    let x = BigInt(v);
    for (let i = 0; i < 8; i++) { this.bytes.push(Number(x & 255n)); x >>= 8n; }
    return this;
  }
  double(/** @type {number} */ f, /** @type {number} */ v) {
    const b = Buffer.alloc(8); b.writeDoubleLE(v);
    this.tag(f, 1); this.bytes.push(...b);
    return this;
  }
  raw(/** @type {number} */ f, /** @type {Uint8Array | number[]} */ b) { this.tag(f, 2).varint(b.length); this.bytes.push(...b); return this; }
  str(/** @type {number} */ f, /** @type {string | undefined} */ s) { return s ? this.raw(f, Buffer.from(s, 'utf8')) : this; }
  hexBytes(/** @type {number} */ f, /** @type {string | undefined} */ s) { return s ? this.raw(f, Buffer.from(s, 'hex')) : this; }
  msg(/** @type {number} */ f, /** @type {(pb: Pb) => void} */ fill) { const pb = new Pb(); fill(pb); return this.raw(f, pb.bytes); }
}
/** @param {Pb} pb @param {number} f @param {KV[] | undefined} list */
const pbAttrs = (pb, f, list) => {
  for (const kv of list ?? []) {
    pb.msg(f, (k) => k.str(1, kv.key).msg(2, (v) => {
      const x = kv.value;
      if (x.stringValue !== undefined) v.str(1, x.stringValue);
      else if (x.boolValue !== undefined) v.tag(2, 0).varint(x.boolValue ? 1 : 0);
      else if (x.intValue !== undefined) v.tag(3, 0).varint(x.intValue);
      else if (x.doubleValue !== undefined) v.double(4, x.doubleValue);
    }));
  }
};
/** @param {any} body OTLP/JSON request of `request()` @returns {Uint8Array<ArrayBuffer>} */
export function toProtobuf(body) {
  const pb = new Pb();
  for (const rl of body.resourceLogs ?? []) {
    pb.msg(1, (r) => {
      r.msg(1, (res) => pbAttrs(res, 1, rl.resource.attributes));
      for (const sl of rl.scopeLogs) {
        r.msg(2, (s) => {
          s.msg(1, (sc) => sc.str(1, sl.scope.name).str(2, sl.scope.version));
          for (const lr of sl.logRecords) {
            s.msg(2, (l) => {
              l.fixed64(1, lr.timeUnixNano).int(2, lr.severityNumber).str(3, lr.severityText);
              if (lr.body) l.msg(5, (v) => v.str(1, lr.body.stringValue));
              pbAttrs(l, 6, lr.attributes);
              l.hexBytes(9, lr.traceId).hexBytes(10, lr.spanId).fixed64(11, lr.observedTimeUnixNano).str(12, lr.eventName);
            });
          }
        });
      }
    });
  }
  for (const rs of body.resourceSpans ?? []) {
    pb.msg(1, (r) => {
      r.msg(1, (res) => pbAttrs(res, 1, rs.resource.attributes));
      for (const ss of rs.scopeSpans) {
        r.msg(2, (s) => {
          s.msg(1, (sc) => sc.str(1, ss.scope.name).str(2, ss.scope.version));
          for (const sp of ss.spans) {
            s.msg(2, (x) => {
              x.hexBytes(1, sp.traceId).hexBytes(2, sp.spanId).hexBytes(4, sp.parentSpanId).str(5, sp.name).int(6, sp.kind)
                .fixed64(7, sp.startTimeUnixNano).fixed64(8, sp.endTimeUnixNano);
              pbAttrs(x, 9, sp.attributes);
              for (const e of sp.events ?? []) x.msg(11, (ev) => { ev.fixed64(1, e.timeUnixNano).str(2, e.name); pbAttrs(ev, 3, e.attributes); });
              if (sp.status?.code) x.msg(15, (st) => st.int(3, sp.status.code));
            });
          }
        });
      }
    });
  }
  return new Uint8Array(pb.bytes);
}

// ------------------------------------------------------------------ processes
const BIN = collectorBinary();

/** A discard sink for the stand-in and analyzer exporters: reads the body, answers 200 with an empty body. */
async function startSink() {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (d) => { received += d.length; });
    req.on('end', () => { res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' }); res.end(); });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, received: () => received, stop: () => new Promise((r) => server.close(r)) };
}

/** @type {string | undefined} */ let tmpDir;
/** The run's scratch directory, made on first use (importing this module makes none). */
const tmp = () => (tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'filament-bench-collector-')));
/** @param {string} name @param {unknown} doc */
const writeYaml = (name, doc) => { const p = path.join(tmp(), name); fs.writeFileSync(p, stringify(doc)); return p; };
/** @param {string} file */
const readYaml = (file) => /** @type {any} */ (parse(fs.readFileSync(file, 'utf8')));

/** Overlays for a config variant; the elasticsearch exporter swapped for an OTLP stand-in as in test/support/standin.ts. */
function overlaysFor(/** @type {string} */ variant, /** @type {string} */ sinkUrl, /** @type {string} */ base) {
  // A COMPARE config's overlays come from its own directory when they are there (the old
  // config.analyzer.yaml beside the old config.yaml), else from collector/.
  const own = (/** @type {string} */ name) => (fs.existsSync(path.join(path.dirname(base), name)) ? path.dirname(base) : path.join(ROOT, 'collector'));
  const dir = own(`config.${variant}.yaml`);
  switch (variant) {
    case 'base': return [];
    case 'prometheus': return [path.join(dir, 'config.prometheus.yaml')];
    case 'analyzer': return [path.join(dir, 'config.analyzer.yaml')];
    case 'elasticsearch': {
      const doc = readYaml(path.join(ES_OVERLAY ?? path.join(dir, 'config.elasticsearch.yaml')));
      // The stand-in keeps the exporter's queue setting (none since the loopback hop, issue 22 item 6:
      // each request synchronous), so the hop's cost is measured against what the exporter itself does.
      const { sending_queue: queue } = doc.exporters.elasticsearch;
      delete doc.exporters.elasticsearch;
      // Compressed as the real exporter compresses by default (gzip at BestSpeed: contrib
      // exporter/elasticsearchexporter factory.go createDefaultConfig), not at otlphttp's default level,
      // which cost this stand-in ~9 µs per record more (docs/benchmarks.md, "The collector").
      doc.exporters['otlphttp/standin'] = {
        endpoint: sinkUrl, encoding: 'json', compression: 'gzip', compression_params: { level: 1 }, ...(queue ? { sending_queue: queue } : {}),
      };
      // Merged over config.yaml alone here: config.secure.yaml's authenticator leaves the list.
      if (doc.service.extensions) doc.service.extensions = doc.service.extensions.filter((/** @type {string} */ e) => e !== 'bearertokenauth/otlp');
      for (const p of Object.values(doc.service.pipelines)) {
        const pipeline = /** @type {{ exporters?: string[] }} */ (p);
        if (pipeline.exporters) pipeline.exporters = pipeline.exporters.map((e) => (e === 'elasticsearch' ? 'otlphttp/standin' : e));
      }
      return [writeYaml(`config.elasticsearch.standin-${path.basename(dir)}.yaml`, doc)];
    }
    default: throw new Error(`unknown config ${variant}`);
  }
}

/**
 * One measured phase: a fresh collector, 1 s warm-up, SECONDS at RATE records/s, then the batch flush.
 * freePort() closes the port before the collector binds it, so on a shared machine another process can
 * take it in between: a collector that could not bind is started again on fresh ports (up to 3 times).
 * @param {{ base: string, overlays: string[], signal: 'logs' | 'traces', encoding: string, sinkUrl: string, name?: string, env?: Readonly<Record<string, string>> }} o
 */
async function phase(o) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await measure(o);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !/^collector did not start:[^]*address already in use/.test(error.message)) throw error;
      log(`a port was taken before the collector bound it; starting again (${attempt})`);
    }
  }
}

/** @param {Parameters<typeof phase>[0]} o */
async function measure(o) {
  const dir = fs.mkdtempSync(path.join(tmp(), 'run-'));
  fs.mkdirSync(path.join(dir, 'archive'));
  const [httpPort, grpc, health, prom, hop, pprofPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  // PPROF: the pprof extension (contrib extension/pprofextension) on a loopback port, added last,
  // to the list of the last file that sets one (lists are replaced, not merged).
  const pprofOverlay = PPROF ? [writeYaml(`pprof-${pprofPort}.yaml`, {
    extensions: { pprof: { endpoint: `127.0.0.1:${pprofPort}` } },
    service: { extensions: [...[o.base, ...o.overlays].map((f) => readYaml(f).service?.extensions).filter(Boolean).pop(), 'pprof'] },
  })] : [];
  // config.elasticsearch.yaml's hop demands its token (0600, as compose's secrets).
  const hopTokenFile = path.join(dir, 'elasticsearch-hop.token');
  fs.writeFileSync(hopTokenFile, `${crypto.randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
  const child = spawn(BIN, [o.base, ...o.overlays, ...pprofOverlay].flatMap((c) => ['--config', c]), {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH, FILAMENT_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`, FILAMENT_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpc}`,
      FILAMENT_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${health}`, FILAMENT_COLLECTOR_STORAGE_DIR: path.join(dir, 'storage'),
      FILAMENT_COLLECTOR_ARCHIVE_DIR: path.join(dir, 'archive'), FILAMENT_ANALYZER_ENDPOINT: o.sinkUrl,
      FILAMENT_PROMETHEUS_REMOTE_WRITE_URL: `http://127.0.0.1:${prom}/api/v1/write`, FILAMENT_ELASTICSEARCH_HOP_PORT: String(hop),
      FILAMENT_ELASTICSEARCH_HOP_TOKEN_FILE: hopTokenFile, ...(o.env ?? {}),
    },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 30000;
  for (;;) {
    try { if ((await fetch(`http://127.0.0.1:${health}/`)).ok) break; } catch { /* not up yet */ }
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`collector did not start:\n${stderr}`);
    await sleep(100);
  }
  const pid = /** @type {number} */ (child.pid);
  const url = `http://127.0.0.1:${httpPort}/v1/${o.signal}`;
  const headers = { 'content-type': o.encoding === 'proto' ? 'application/x-protobuf' : 'application/json' };
  let failed = 0;
  /** Requests at a fixed rate for `seconds`; bodies built ahead of the clock so the sender keeps the rate. */
  const drive = async (/** @type {number} */ seconds) => {
    const perSecond = RATE / BATCH;
    const total = Math.round(perSecond * seconds);
    const start = Date.now();
    /** @type {Promise<void>[]} */ const inflight = [];
    for (let k = 0; k < total; k++) {
      const body = request(o.signal, BATCH);
      const payload = o.encoding === 'proto' ? toProtobuf(body) : JSON.stringify(body);
      const due = start + (k * 1000) / perSecond;
      if (due > Date.now()) await sleep(due - Date.now());
      inflight.push(fetch(url, { method: 'POST', headers, body: payload }).then(async (res) => { await res.arrayBuffer(); if (res.status !== 200) failed++; }, () => { failed++; }));
    }
    await Promise.all(inflight);
    return { records: total * BATCH, wall: (Date.now() - start) / 1000 };
  };
  await drive(1);
  await sleep(1500); // the warm-up's batch written
  const before = cpuTicks(pid);
  // The profile covers the measured phase and its flush, like the CPU figure.
  const profile = PPROF ? fetch(`http://127.0.0.1:${pprofPort}/debug/pprof/profile?seconds=${Math.ceil(SECONDS + 1.5)}`).then((r) => r.arrayBuffer()) : undefined;
  const { records, wall } = await drive(SECONDS);
  await sleep(1500); // batch timeout (1 s): the last records written
  const ticks = cpuTicks(pid) - before;
  if (PPROF && profile) {
    const file = path.join(PPROF, `${(o.name ?? `${o.signal}-${o.encoding}`).replace(/[^\w.-]+/g, '_')}-${pprofPort}.pb.gz`);
    fs.writeFileSync(file, Buffer.from(await profile));
    log(`profile: ${file}`);
  }
  const rss = Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  const archived = fs.readdirSync(path.join(dir, 'archive')).reduce((sum, f) => sum + fs.statSync(path.join(dir, 'archive', f)).size, 0);
  child.kill('SIGTERM');
  await exited;
  fs.rmSync(dir, { recursive: true, force: true });
  if (failed > 0) throw new Error(`${failed} requests failed (${o.signal}, ${o.encoding}):\n${stderr}`);
  const cpuUs = (ticks / CLOCK_TICKS) * 1e6 / records;
  return { cpuUs, perSecond: records / wall, rssMiB: rss, archiveBytesPerRecord: archived / ((1 + SECONDS) * RATE) };
}

const median = (/** @type {number[]} */ xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? /** @type {number} */ (s[m]) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
};
const fmt = (/** @type {number} */ n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '—');
/** @template T @param {T[]} xs @param {number} i */
const rotate = (xs, i) => xs.map((_, k) => /** @type {T} */ (xs[(k + i) % xs.length]));

async function main() {
  const sink = await startSink();
  const current = path.join(ROOT, 'collector', 'config.yaml');
  const bases = COMPARE ? [['before', COMPARE], ['after', current]] : [['', current]];
  /** @type {Map<string, Awaited<ReturnType<typeof phase>>[]>} */
  const results = new Map();
  const started = Date.now();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const variant of CONFIGS) {
        for (const signal of SIGNALS) {
          for (const encoding of ENCODINGS) {
            for (const [label, base] of rotate(bases, r)) {
              const res = await phase({ base: /** @type {string} */ (base), overlays: overlaysFor(variant, sink.url, /** @type {string} */ (base)), signal: /** @type {'logs' | 'traces'} */ (signal), encoding, sinkUrl: sink.url,
                name: `${variant}-${signal}-${encoding}${label ? `-${label}` : ''}`, env: base === current ? CURRENT_ENV : {} });
              const key = `${variant}|${signal}|${encoding}|${label}`;
              results.set(key, [...(results.get(key) ?? []), res]);
              log(`round ${r + 1}/${ROUNDS} ${variant} ${signal} ${encoding}${label ? ` ${label}` : ''}: ${fmt(res.cpuUs)} µs/record`);
            }
          }
        }
      }
    }
    const out = [];
    out.push(`Collector CPU per record (utime + stime of the otelcol-filament process over the phase and its flush, /proc) at a fixed `
      + `${RATE} records/s per signal in requests of ${BATCH} (the preload's batch), ${SECONDS} s per phase after 1 s warm-up, a fresh `
      + `collector per phase; medians of ${ROUNDS} round(s)${COMPARE ? ', before/after interleaved (order rotated per round)' : ''}. `
      + 'Records/s per core = 1e6 / µs. Mix: logs 40 % api.request, 10 % model3d.priced, 10 % order.status_changed, 20 % queue.message, '
      + '10 % bridged pino lines, 5 % api.error, 5 % queue.dead_lettered; spans 60 % HTTP SERVER (5 % with an exception event), '
      + '40 % amqplib PRODUCER/CONSUMER with the old messaging names. `elasticsearch`: the exporter swapped for an OTLP/HTTP JSON '
      + `stand-in (a discard sink, as in the tests; gzip level 1, the real exporter's default); \`analyzer\`: otlphttp to the same sink. Run took ${Math.round((Date.now() - started) / 1000)} s.`);
    out.push('');
    if (COMPARE) {
      out.push('| config | signal | encoding | before µs/record | after µs/record | after / before | after records/s per core | peak RSS MiB before / after | archive bytes per record before / after |');
      out.push('|---|---|---|---:|---:|---:|---:|---:|---:|');
    } else {
      out.push('| config | signal | encoding | µs CPU per record | records/s per core | peak RSS MiB | archive bytes per record |');
      out.push('|---|---|---|---:|---:|---:|---:|');
    }
    for (const variant of CONFIGS) {
      for (const signal of SIGNALS) {
        for (const encoding of ENCODINGS) {
          const get = (/** @type {string} */ label) => results.get(`${variant}|${signal}|${encoding}|${label}`) ?? [];
          if (COMPARE) {
            const b = median(get('before').map((x) => x.cpuUs));
            const a = median(get('after').map((x) => x.cpuUs));
            const bytes = (/** @type {string} */ label) => fmt(median(get(label).map((x) => x.archiveBytesPerRecord)), 0);
            const rss = (/** @type {string} */ label) => fmt(median(get(label).map((x) => x.rssMiB)), 0);
            out.push(`| ${variant} | ${signal} | ${encoding} | ${fmt(b)} | ${fmt(a)} | ${fmt(a / b, 2)} | ${fmt(1e6 / a, 0)} | ${rss('before')} / ${rss('after')} | ${bytes('before')} / ${bytes('after')} |`);
          } else {
            const runs = get('');
            const cpu = median(runs.map((x) => x.cpuUs));
            out.push(`| ${variant} | ${signal} | ${encoding} | ${fmt(cpu)} | ${fmt(1e6 / cpu, 0)} | ${fmt(median(runs.map((x) => x.rssMiB)), 0)} | ${fmt(median(runs.map((x) => x.archiveBytesPerRecord)), 0)} |`);
          }
        }
      }
    }
    if (PROFILE) out.push('', ...(await ablation(sink.url)));
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    await sink.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** PROFILE=1: each processor of the base logs / traces pipeline removed in turn; the difference is its cost. */
async function ablation(/** @type {string} */ sinkUrl) {
  const config = readYaml(path.join(ROOT, 'collector', 'config.yaml'));
  const rows = ['Time per processor by ablation (base config, protobuf; the pipeline without that processor, difference to the full pipeline; '
    + 'core v0.161 telemetry has no per-processor time; PPROF=<dir> for a Go profile):', '',
  '| signal | processor | µs per record |', '|---|---|---:|'];
  for (const signal of /** @type {('logs' | 'traces')[]} */ (SIGNALS)) {
    const processors = /** @type {string[]} */ (config.service.pipelines[signal].processors);
    /** @type {Record<string, number[]>} */ const cpu = { full: [] };
    for (let r = 0; r < ROUNDS; r++) {
      cpu.full?.push((await phase({ base: path.join(ROOT, 'collector', 'config.yaml'), overlays: [], signal, encoding: 'proto', sinkUrl, env: CURRENT_ENV })).cpuUs);
      for (const p of processors.filter((x) => x !== 'memory_limiter' && x !== 'batch')) {
        const overlay = writeYaml(`without-${signal}-${p.replace('/', '_')}.yaml`, { service: { pipelines: { [signal]: { processors: processors.filter((x) => x !== p) } } } });
        (cpu[p] ??= []).push((await phase({ base: path.join(ROOT, 'collector', 'config.yaml'), overlays: [overlay], signal, encoding: 'proto', sinkUrl, env: CURRENT_ENV })).cpuUs);
        log(`profile ${signal} without ${p}: ${fmt(cpu[p]?.at(-1) ?? NaN)} µs/record`);
      }
    }
    const full = median(cpu.full ?? []);
    rows.push(`| ${signal} | whole pipeline | ${fmt(full)} |`);
    for (const [p, xs] of Object.entries(cpu)) if (p !== 'full') rows.push(`| ${signal} | ${p} | ${fmt(full - median(xs))} |`);
  }
  return rows;
}

// Run as a script (bench/collector-archive-diff.mjs imports the record generator only).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`collector bench: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
