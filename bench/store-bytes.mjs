// @ts-check
/**
 * Bytes per stored event in OpenSearch (issue 24, docs/scaling.md): what a platform's store needs per
 * log record and per span, measured on the real engine instead of guessed.
 *
 *   node bench/store-bytes.mjs          40 000 log records and 40 000 spans (RECORDS=…)
 *
 * 1. The bench's event mix (bench/collector.mjs) goes through the real otelcol-filament with
 *    collector/config.yaml and config.opensearch.yaml's processors (ids, data streams, types, secrets,
 *    the event name's attribute), the opensearch exporter replaced by nothing: the archive the collector
 *    writes is then exactly what that exporter is handed.
 * 2. Each archived record and span is encoded as the contrib opensearch exporter encodes it in its
 *    default mapping mode, the Simple Schema for Observability (exporter/opensearchexporter encoder.go
 *    `encodeLogSSO` / `encodeTrace`, sso_model.go; docs/collector.md, "OpenSearch"). The mix's ids and
 *    times are made realistic first: random trace and span ids (the mix counts them up), and times
 *    spread at RATE events per second (the mix puts them a nanosecond apart), which is what the
 *    store's compression sees.
 * 3. A real OpenSearch 2.19.1 with its security plugin (scripts/opensearch.sh) is provisioned by
 *    `filament setup --engine opensearch` (mappings, roles, users; not retention: no ISM here), the
 *    documents are written by filament_writer with `create` into the data streams the exporter's
 *    logs_index / traces_index name, refreshed and force-merged to one segment per backing index;
 *    bytes = the primary store size of those indices (`_cat/indices`, `pri.store.size`), per document.
 *
 * Elasticsearch is not measured: it does not run here, and its logsdb index mode (synthetic _source,
 * index sorting) stores very differently. No timing anywhere; the figures are sizes.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { COLLECTOR_RUNTIME_ENV, freePort } from '../scripts/lib/procs.cjs';
import { startArchiveCollector } from './archive-collector.mjs';
import { request, toProtobuf } from './collector.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RECORDS = Number(process.env.RECORDS ?? 40000);
const RATE = Number(process.env.RATE ?? 100);
const BATCH = 128;
const log = (/** @type {string} */ s) => process.stderr.write(`[store bytes] ${s}\n`);
const readYaml = (/** @type {string} */ f) => /** @type {any} */ (parse(fs.readFileSync(f, 'utf8')));

// ------------------------------------------------------------------ 1. through the collector
/** Runs the mix through config.yaml + config.opensearch.yaml's processors; returns the archive's lines by file. */
async function archived(/** @type {string} */ dir) {
  const overlay = readYaml(path.join(ROOT, 'collector', 'config.opensearch.yaml'));
  const base = readYaml(path.join(ROOT, 'collector', 'config.yaml'));
  delete overlay.exporters;
  delete overlay.extensions;
  overlay.service.extensions = base.service.extensions;
  overlay.service.pipelines = {
    logs: { processors: overlay.service.pipelines.logs.processors, exporters: ['file/archive'] },
    traces: { exporters: ['file/traces'] },
  };
  const overlayFile = path.join(dir, 'opensearch-processors.yaml');
  fs.writeFileSync(overlayFile, stringify(overlay));
  const collector = await startArchiveCollector([path.join(ROOT, 'collector', 'config.yaml'), overlayFile], dir, COLLECTOR_RUNTIME_ENV);
  for (const signal of /** @type {const} */ (['logs', 'traces'])) {
    for (let sent = 0; sent < RECORDS; sent += BATCH) await collector.post(signal, toProtobuf(request(signal, BATCH)));
  }
  await collector.stop();
  /** @type {Record<string, string[]>} */
  const lines = {};
  for (const f of fs.readdirSync(path.join(dir, 'archive'))) {
    lines[f] = fs.readFileSync(path.join(dir, 'archive', f), 'utf8').split('\n').filter(Boolean);
  }
  return lines;
}

// ------------------------------------------------------------------ 2. as the opensearch exporter encodes them
/** An OTLP/JSON AnyValue as pdata's AsRaw() gives it to Go's json.Marshal. @returns {unknown} */
function raw(/** @type {any} */ v) {
  if (v === undefined || v === null) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(raw);
  if ('kvlistValue' in v) return rawMap(v.kvlistValue.values);
  if ('bytesValue' in v) return v.bytesValue;
  return null;
}
const rawMap = (/** @type {any[] | undefined} */ kvs) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, raw(kv.value)]));
/** A resource as the exporter's `attributesToMapString`: every value as a string. */
const stringMap = (/** @type {any[] | undefined} */ kvs) => Object.fromEntries(Object.entries(rawMap(kvs)).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
/** pcommon.Value.AsString(): a string as is, anything else as its JSON. */
const asString = (/** @type {any} */ v) => { const r = raw(v); return typeof r === 'string' ? r : r === null ? '' : JSON.stringify(r); };
/** Go's time.Time JSON: RFC 3339 with nanoseconds, trailing zeros dropped. */
function rfc3339(/** @type {bigint} */ ns) {
  const ms = ns / 1000000n;
  const frac = String(ns % 1000000000n).padStart(9, '0').replace(/0+$/, '');
  return `${new Date(Number(ms)).toISOString().slice(0, 19)}${frac ? `.${frac}` : ''}Z`;
}
const KIND = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS = ['Unset', 'Ok', 'Error'];
const hexId = (/** @type {number} */ bytes) => randomBytes(bytes).toString('hex');
/** `logs-%{data_stream.dataset}-%{data_stream.namespace}` with the exporter's fallback. */
const indexOf = (/** @type {string} */ signal, /** @type {Record<string, unknown>} */ attrs) =>
  `${signal}-${attrs['data_stream.dataset'] ?? 'unrouted'}-${attrs['data_stream.namespace'] ?? 'unrouted'}`;

/** The SS4O documents of the archive's lines, by target data stream, with realistic ids and times. */
function documents(/** @type {Record<string, string[]>} */ lines) {
  const start = BigInt(Date.now() - 3600_000) * 1000000n;
  const step = BigInt(Math.round(1e9 / RATE));
  let n = 0n;
  const now = () => rfc3339(start + n * step + 1500000n);
  /** @type {{ index: string, doc: object }[]} */
  const logs = [];
  /** @type {{ index: string, doc: object }[]} */
  const spans = [];
  for (const [file, list] of Object.entries(lines)) {
    for (const line of list) {
      const body = JSON.parse(line);
      for (const rl of body.resourceLogs ?? []) {
        const resource = stringMap(rl.resource?.attributes);
        for (const sl of rl.scopeLogs ?? []) {
          for (const r of sl.logRecords ?? []) {
            const attributes = rawMap(r.attributes);
            const t = start + n * step; n++;
            logs.push({ index: indexOf('logs', attributes), doc: {
              attributes, body: asString(r.body),
              instrumentationScope: { ...(sl.scope?.name ? { name: sl.scope.name } : {}), ...(sl.scope?.version ? { version: sl.scope.version } : {}) },
              observedTimestamp: now(), resource,
              severity: { ...(r.severityText ? { text: r.severityText } : {}), ...(r.severityNumber ? { number: r.severityNumber } : {}) },
              ...(r.spanId ? { spanId: hexId(8) } : {}), '@timestamp': rfc3339(t), ...(r.traceId ? { traceId: hexId(16) } : {}),
            } });
          }
        }
      }
      for (const rs of body.resourceSpans ?? []) {
        const resource = stringMap(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const attributes = rawMap(s.attributes);
            const t = start + n * step; n++;
            const duration = BigInt(s.endTimeUnixNano) - BigInt(s.startTimeUnixNano);
            spans.push({ index: indexOf('traces', attributes), doc: {
              attributes, droppedAttributesCount: 0, droppedEventsCount: 0, droppedLinksCount: 0, endTime: rfc3339(t + duration),
              ...((s.events ?? []).length > 0 ? { events: s.events.map((/** @type {any} */ e) => ({
                attributes: rawMap(e.attributes), droppedAttributesCount: 0, name: e.name, '@timestamp': rfc3339(t + BigInt(e.timeUnixNano) - BigInt(s.startTimeUnixNano)),
              })) } : {}),
              instrumentationScope: { droppedAttributesCount: 0, name: ss.scope?.name ?? '', schemaUrl: '', version: ss.scope?.version ?? '' },
              kind: KIND[s.kind ?? 0], name: s.name, parentSpanId: s.parentSpanId ? hexId(8) : '', resource, spanId: hexId(8),
              startTime: rfc3339(t), status: { code: STATUS[s.status?.code ?? 0], message: s.status?.message ?? '' },
              '@timestamp': '0001-01-01T00:00:00Z', traceId: hexId(16), traceState: '',
            } });
          }
        }
      }
    }
    log(`${file}: ${list.length} lines`);
  }
  return { logs, spans };
}

// ------------------------------------------------------------------ 3. into OpenSearch
function run(/** @type {string} */ cmd, /** @type {string[]} */ args, /** @type {NodeJS.ProcessEnv} */ env) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, cwd: ROOT, timeout: 15 * 60 * 1000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(args[0] ?? cmd)} ${args[1] ?? ''} failed: ${error.message}\n${stderr}\n${stdout}`));
      else resolve(String(stdout));
    });
  });
}

/**
 * A request as a user (basic auth, the node's CA).
 * @param {{ url: string, ca: Buffer }} node @param {{ username: string, password: string }} user
 * @param {string} method @param {string} p @param {unknown} [body] @param {string} [type]
 * @returns {Promise<{ status: number, body: any }>}
 */
function call(node, user, method, p, body, type = 'application/json') {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(`${node.url}${p}`), {
      method, ca: node.ca,
      headers: { authorization: `Basic ${Buffer.from(`${user.username}:${user.password}`).toString('base64')}`, ...(payload === undefined ? {} : { 'content-type': type, 'content-length': Buffer.byteLength(payload) }) },
    }, (res) => {
      /** @type {Buffer[]} */ const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => { const text = Buffer.concat(chunks).toString('utf8'); resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }); });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-store-bytes-'));
  // Its own directory under the temporary one (the script hands it to the node's system user when run as root).
  const nodeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-store-bytes-opensearch-'));
  const script = path.join(ROOT, 'scripts', 'opensearch.sh');
  const admin = { username: 'admin', password: `Adm-${randomBytes(9).toString('base64url')}-9a!` };
  const writer = { username: 'filament_writer', password: `Wr-${randomBytes(9).toString('base64url')}-7b!` };
  const env = { ...process.env, OPENSEARCH_HTTP_PORT: String(await freePort()), OPENSEARCH_TRANSPORT_PORT: String(await freePort()), OPENSEARCH_ADMIN_PASSWORD: admin.password };
  let started = false;
  try {
    const lines = await archived(dir);
    const { logs, spans } = documents(lines);
    log(`${logs.length} log records, ${spans.length} spans`);
    await run('bash', [script, 'install'], env);
    const out = await run('bash', [script, 'start', nodeDir], env);
    started = true;
    const url = /^url=(\S+)$/m.exec(out)?.[1];
    const caFile = /^ca=(\S+)$/m.exec(out)?.[1];
    if (!url || !caFile) throw new Error(`scripts/opensearch.sh start printed no url=/ca=:\n${out}`);
    const node = { url, ca: fs.readFileSync(caFile) };
    await run(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'setup', '--engine', 'opensearch', '--url', url, '--skip', 'retention,dashboards'], {
      PATH: process.env.PATH, FILAMENT_SETUP_USERNAME: admin.username, FILAMENT_SETUP_PASSWORD: admin.password, FILAMENT_SETUP_CA_CERT: caFile,
      FILAMENT_WRITER_PASSWORD: writer.password, FILAMENT_SUPPORT_PASSWORD: `Sp-${randomBytes(9).toString('base64url')}-5c!`,
    });
    /** @type {Record<string, { docs: number, source: number }>} */
    const written = {};
    for (const [signal, docs] of /** @type {const} */ ([['logs', logs], ['traces', spans]])) {
      let source = 0;
      for (let i = 0; i < docs.length; i += 2000) {
        const part = docs.slice(i, i + 2000);
        const ndjson = part.map(({ index, doc }) => { const d = JSON.stringify(doc); source += Buffer.byteLength(d); return `${JSON.stringify({ create: { _index: index } })}\n${d}\n`; }).join('');
        const res = await call(node, writer, 'POST', '/_bulk', ndjson, 'application/x-ndjson');
        if (res.status !== 200 || res.body.errors) throw new Error(`bulk ${signal}: ${res.status} ${JSON.stringify(res.body.items?.find((/** @type {any} */ it) => it.create?.error) ?? res.body).slice(0, 600)}`);
      }
      written[signal] = { docs: docs.length, source };
    }
    const pattern = '.ds-logs-filament.*,.ds-traces-filament.*';
    await call(node, admin, 'POST', `/${pattern}/_refresh`);
    const merged = await call(node, admin, 'POST', `/${pattern}/_forcemerge?max_num_segments=1`);
    if (merged.status !== 200) throw new Error(`forcemerge: ${JSON.stringify(merged.body)}`);
    await call(node, admin, 'POST', `/${pattern}/_refresh`);
    const cat = await call(node, admin, 'GET', `/_cat/indices/${pattern}?bytes=b&h=index,docs.count,pri.store.size&format=json`);
    const codec = await call(node, admin, 'GET', `/${pattern}/_settings/index.codec?include_defaults=true`);
    const codecs = new Set(Object.values(codec.body ?? {}).map((/** @type {any} */ s) => s.settings?.index?.codec ?? s.defaults?.index?.codec));
    const rows = ['| signal | documents | `_source` JSON bytes per document | stored bytes per document (primary, one segment) | data streams |', '|---|---:|---:|---:|---|'];
    for (const signal of ['logs', 'traces']) {
      const mine = /** @type {any[]} */ (cat.body).filter((r) => r.index.startsWith(`.ds-${signal}-`));
      const docs = mine.reduce((s, r) => s + Number(r['docs.count']), 0);
      const bytes = mine.reduce((s, r) => s + Number(r['pri.store.size']), 0);
      const w = written[signal] ?? { docs: 0, source: 0 };
      if (docs !== w.docs) throw new Error(`${signal}: wrote ${w.docs} documents, the store counts ${docs}`);
      rows.push(`| ${signal === 'logs' ? 'log records' : 'spans'} | ${docs} | ${Math.round(w.source / w.docs)} | ${Math.round(bytes / docs)} | ${mine.length} |`);
    }
    process.stdout.write(`Bytes per stored event in OpenSearch 2.19.1 (bench/store-bytes.mjs): ${RECORDS} log records and ${RECORDS} spans of the bench's mix, `
      + `through collector/config.yaml and config.opensearch.yaml's processors, encoded as the opensearch exporter's SS4O documents, random ids, `
      + `${RATE} events/s apart; data streams and mappings by \`filament setup\`, index codec ${[...codecs].join(', ')}, no replicas; force-merged to one segment.\n\n${rows.join('\n')}\n`);
  } finally {
    if (started) await run('bash', [script, 'stop', nodeDir], env).catch((e) => log(String(e)));
    for (const d of [dir, nodeDir]) fs.rmSync(d, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`store bytes: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
