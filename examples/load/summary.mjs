// @ts-check
/**
 * Reads what the platform exported and tells it in plain words:
 *  - the JSON-lines event files the preload writes (FILAMENT_LOG_FILE_DIR),
 *    one directory per service — always present in the demo;
 *  - optionally the collector's archive (OTLP/JSON lines of logs and traces),
 *    which proves the events and spans went through otelcol-filament.
 *
 *   node examples/load/summary.mjs <events-dir> [<collector-archive-dir>]
 *
 * Exit code 1 when one of the six events is missing (FAULTS=none: one of the
 * four that fault-free traffic produces), no order could be
 * followed from the order service through the queue into the MES, or no line
 * of the services' own loggers was bridged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SIX_EVENTS = /** @type {const} */ ([
  ['order.status_changed', 'INFO', 'an order moved to a new status'],
  ['model3d.priced', 'INFO', 'a 3D model was priced'],
  ['api.request', 'INFO', 'an API call was answered'],
  ['queue.message', 'INFO', 'a queue message was published or received'],
  ['queue.dead_lettered', 'WARN', 'a queue message was dead-lettered'],
  ['api.error', 'ERROR', 'an API call failed on the server side'],
]);

/** The events only faults produce. */
const FAULT_EVENTS = new Set(['queue.dead_lettered', 'api.error']);

/** Instrumentation scopes of the services' own log lines (pino, winston, bunyan), as in src/logs/bridge.ts. */
export const BRIDGED_SCOPES = /** @type {Record<string, string>} */ ({
  '@opentelemetry/instrumentation-pino': 'pino',
  '@opentelemetry/winston-transport': 'winston',
  '@opentelemetry/instrumentation-bunyan': 'bunyan',
});

/** @typedef {{ time: string, service: string, event: string, severity: string, traceId?: string, attributes: Record<string, unknown> }} EventDoc */

/** @param {string} file */
function* jsonLines(file) {
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line);
    } catch {
      // A line cut by a crash: skip it, count what is whole.
    }
  }
}

/** @param {string} dir @param {(name: string) => boolean} accept @returns {string[]} */
function filesUnder(dir, accept) {
  if (!fs.existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full, accept));
    else if (accept(entry.name)) out.push(full);
  }
  return out.sort();
}

/** Event documents written by the preload's JSON-lines sink. @param {string} dir @returns {EventDoc[]} */
export function readEventFiles(dir) {
  /** @type {EventDoc[]} */
  const out = [];
  for (const file of filesUnder(dir, (n) => n.endsWith('.jsonl'))) {
    for (const doc of jsonLines(file)) {
      if (typeof doc.event_name !== 'string') continue;
      out.push({
        time: doc['@timestamp'],
        service: String(doc.resource?.attributes?.['service.name'] ?? '?'),
        event: doc.event_name,
        severity: doc.severity_text,
        traceId: doc.trace_id,
        attributes: doc.attributes ?? {},
      });
    }
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/**
 * The services' own log lines in the event files (bridged from pino, winston,
 * bunyan), as documents whose `event` is `log <logger>` and `body` the message.
 * @param {string} dir @returns {Array<EventDoc & { logger: string, body: string }>}
 */
export function readBridgedLines(dir) {
  const out = [];
  for (const file of filesUnder(dir, (n) => n.endsWith('.jsonl'))) {
    for (const doc of jsonLines(file)) {
      const logger = BRIDGED_SCOPES[doc.scope?.name];
      if (logger === undefined) continue;
      out.push({
        time: doc['@timestamp'],
        service: String(doc.resource?.attributes?.['service.name'] ?? '?'),
        event: `log ${logger}`,
        logger,
        severity: doc.severity_text,
        traceId: doc.trace_id,
        attributes: doc.attributes ?? {},
        body: String(doc.body?.text ?? ''),
      });
    }
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** @param {Array<{key: string, value: Record<string, unknown>}> | undefined} kvs */
function flat(kvs) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const { key, value } of kvs ?? []) {
    out[key] = value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : value.doubleValue ?? value.boolValue);
  }
  return out;
}

/** Log-record counts by event name and spans by trace from the collector archive. @param {string} dir */
export function readCollectorArchive(dir) {
  /** @type {Map<string, number>} */
  const events = new Map();
  /** The services' own log lines by "service logger", and how many were in dataset filament.app. */
  /** @type {Map<string, number>} */
  const bridged = new Map();
  let bridgedInAppDataset = 0;
  /** @type {Map<string, Array<{ service: string, name: string, kind: number, start: bigint }>>} */
  const spansByTrace = new Map();
  for (const file of filesUnder(dir, (n) => n.startsWith('filament-logs') && n.endsWith('.jsonl'))) {
    for (const doc of jsonLines(file)) {
      for (const rl of doc.resourceLogs ?? []) {
        const service = String(flat(rl.resource?.attributes)['service.name'] ?? '?');
        for (const sl of rl.scopeLogs ?? []) {
          const logger = BRIDGED_SCOPES[sl.scope?.name];
          for (const r of sl.logRecords ?? []) {
            if (logger !== undefined) {
              const key = `${service} ${logger}`;
              bridged.set(key, (bridged.get(key) ?? 0) + 1);
              if (flat(r.attributes)['data_stream.dataset'] === 'filament.app') bridgedInAppDataset++;
            } else if (r.eventName) {
              events.set(r.eventName, (events.get(r.eventName) ?? 0) + 1);
            }
          }
        }
      }
    }
  }
  for (const file of filesUnder(dir, (n) => n.startsWith('filament-traces') && n.endsWith('.jsonl'))) {
    for (const doc of jsonLines(file)) {
      for (const rs of doc.resourceSpans ?? []) {
        const service = String(flat(rs.resource?.attributes)['service.name'] ?? '?');
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            const list = spansByTrace.get(s.traceId) ?? [];
            list.push({ service, name: s.name, kind: s.kind, start: BigInt(s.startTimeUnixNano) });
            spansByTrace.set(s.traceId, list);
          }
        }
      }
    }
  }
  return { events, bridged, bridgedInAppDataset, spansByTrace };
}

/**
 * The trace of one order's pricing: the order.status_changed "created" record
 * of an order that was later priced, and every event in that trace.
 * @param {EventDoc[]} docs
 */
export function followOneOrder(docs) {
  const priced = new Set(docs.filter((d) => d.event === 'order.status_changed' && d.attributes['order.status'] === 'priced')
    .map((d) => d.attributes['order.number']));
  const shipped = new Set(docs.filter((d) => d.event === 'order.status_changed' && d.attributes['order.status'] === 'shipped')
    .map((d) => d.attributes['order.number']));
  const created = docs.filter((d) => d.event === 'order.status_changed' && d.attributes['order.status'] === 'created'
    && priced.has(d.attributes['order.number']) && d.traceId);
  // Prefer an order that went all the way to shipped, whose trace crosses both services.
  const candidates = [...created.filter((d) => shipped.has(d.attributes['order.number'])), ...created];
  for (const start of candidates) {
    const inTrace = docs.filter((d) => d.traceId === start.traceId);
    const services = new Set(inTrace.map((d) => d.service));
    if (services.size >= 2 && inTrace.some((d) => d.event === 'model3d.priced')) {
      const orderNumber = String(start.attributes['order.number']);
      const lifecycle = docs.filter((d) => d.event === 'order.status_changed' && d.attributes['order.number'] === orderNumber);
      return { orderNumber, traceId: String(start.traceId), events: inTrace, lifecycle };
    }
  }
  return undefined;
}

/** One short description of an event document. @param {EventDoc} d */
function describe(d) {
  const a = d.attributes;
  switch (d.event) {
    case 'order.status_changed': return `${a['order.number']} ${a['order.previous_status'] ?? '-'} → ${a['order.status']}`;
    case 'model3d.priced': return `${a['model3d.polygon_count']} polygons, ${a['model3d.processing_time_ms']} ms processing, ${a['model3d.cost']} ${a['model3d.currency'] ?? ''}`.trim();
    case 'api.request': return `${a['api.request.name']} → ${a['http.response.status_code']} in ${a['api.request.duration_ms']} ms`;
    case 'queue.message': return `${a['messaging.operation.type']} ${a['messaging.destination.name'] ?? ''} id ${a['messaging.message.id'] ?? '-'}`;
    case 'queue.dead_lettered': return `from ${a['queue.dead_letter.queue'] ?? '?'} reason ${a['queue.dead_letter.reason'] ?? '?'}`;
    case 'api.error': return `${a['error.type']} ${a['exception.message'] ?? ''}`.trim();
    default: return '';
  }
}

/**
 * @param {{ eventsDir: string, archiveDir?: string, destinations?: string[], faults?: boolean, out?: (line: string) => void }} options faults: false when the load ran without faults (FAULTS=none)
 * @returns {{ ok: boolean, counts: Record<string, number>, bridged: Record<string, number>, orderTrace?: string }}
 */
export function summarise({ eventsDir, archiveDir, destinations = [], faults = true, out = (l) => process.stdout.write(`${l}\n`) }) {
  const docs = readEventFiles(eventsDir);
  /** @type {Record<string, number>} */
  const counts = {};
  for (const d of docs) counts[d.event] = (counts[d.event] ?? 0) + 1;
  const archive = archiveDir ? readCollectorArchive(archiveDir) : undefined;
  const problems = [];

  out('');
  out('Filament demo — what the platform emitted');
  out('==========================================');
  out('');
  out(`  ${'event'.padEnd(22)} ${'severity'.padEnd(8)} ${'emitted'.padStart(8)}${archive ? ` ${'at collector'.padStart(13)}` : ''}  meaning`);
  for (const [name, severity, meaning] of SIX_EVENTS) {
    const n = counts[name] ?? 0;
    // Without faults (FAULTS=none) nothing is dead-lettered and no call fails: those two are not expected.
    if (n === 0 && (faults || !FAULT_EVENTS.has(name))) problems.push(`no ${name} event was emitted`);
    const atCollector = archive ? ` ${String(archive.events.get(name) ?? 0).padStart(13)}` : '';
    out(`  ${name.padEnd(22)} ${severity.padEnd(8)} ${String(n).padStart(8)}${atCollector}  ${meaning}`);
  }

  const reasons = {};
  for (const d of docs) {
    if (d.event !== 'queue.dead_lettered') continue;
    const r = String(d.attributes['queue.dead_letter.reason'] ?? 'unknown');
    reasons[r] = (reasons[r] ?? 0) + 1;
  }
  if (Object.keys(reasons).length > 0) {
    out('');
    out(`  dead letters by reason: ${Object.entries(reasons).map(([r, n]) => `${r} ${n}`).join(', ')}`);
  }
  const errors = {};
  for (const d of docs) {
    if (d.event !== 'api.error') continue;
    const key = `${d.service} ${d.attributes['error.type'] ?? '?'}`;
    errors[key] = (errors[key] ?? 0) + 1;
  }
  if (Object.keys(errors).length > 0) out(`  API errors: ${Object.entries(errors).map(([k, n]) => `${k} × ${n}`).join(', ')}`);

  const lines = readBridgedLines(eventsDir);
  /** @type {Map<string, number>} */
  const bridged = new Map();
  for (const l of lines) bridged.set(`${l.service} ${l.logger}`, (bridged.get(`${l.service} ${l.logger}`) ?? 0) + 1);
  out('');
  out(`  the services' own log lines (bridged from their loggers, dataset filament.app):`);
  if (bridged.size === 0) {
    problems.push('no log line of the services\' own loggers (pino, winston) was bridged');
    out('    none');
  }
  for (const [key, n] of [...bridged].sort()) {
    const [service, logger] = key.split(' ');
    const atCollector = archive ? `, at collector ${archive.bridged.get(key) ?? 0}` : '';
    out(`    ${String(service).padEnd(8)} ${String(logger).padEnd(8)} ${String(n).padStart(6)} records${atCollector}`);
  }
  if (archive && archive.bridged.size > 0) {
    const total = [...archive.bridged.values()].reduce((a, b) => a + b, 0);
    if (archive.bridgedInAppDataset !== total) {
      problems.push(`${total - archive.bridgedInAppDataset} bridged log records at the collector were not routed to filament.app`);
    }
  }

  out('');
  out('  where they went:');
  for (const d of destinations) out(`    - ${d}`);
  out(`    - JSON lines (rotated at 10 MB) under ${eventsDir}`);

  const followed = followOneOrder(docs);
  out('');
  if (!followed) {
    problems.push('no order could be followed from the order service through the queue into the MES in one trace');
  } else {
    out(`  one order followed: ${followed.orderNumber}, trace id ${followed.traceId}`);
    // The six events and the services' own log lines of that trace, in time order.
    const inTrace = [...followed.events, ...lines.filter((l) => l.traceId === followed.traceId)]
      .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
    for (const d of inTrace) {
      // The MES prices in a worker pool: its "model priced" line names the worker thread whose model3d.priced this trace holds.
      const thread = 'logger' in d && typeof d.attributes.pricingThread === 'number' ? ` (priced in worker thread ${d.attributes.pricingThread})` : '';
      const what = 'logger' in d ? `${d.severity} "${d.body}"${thread}` : describe(d);
      out(`    ${d.time}  ${d.service.padEnd(8)} ${d.event.padEnd(21)} ${what}`);
    }
    // The hops only: server (2), producer (4) and consumer (5) spans.
    const spans = (archive?.spansByTrace.get(followed.traceId) ?? []).filter((s) => s.kind === 2 || s.kind === 4 || s.kind === 5);
    if (spans.length > 0) {
      spans.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
      out(`    its hops as spans at the collector: ${spans.map((s) => `${s.service} "${s.name}"`).join(' → ')}`);
    }
    out(`    its later life: ${followed.lifecycle.map((d) => d.attributes['order.status']).join(' → ')}`);
    const pricedIn = lines.find((l) => l.traceId === followed.traceId && typeof l.attributes.pricingThread === 'number');
    if (pricedIn !== undefined) {
      out(`    across threads: mes-api priced it in worker thread ${pricedIn.attributes.pricingThread} (piscina pool); its model3d.priced went to the main thread's SDK in this trace`);
    }
  }
  out('');
  if (problems.length > 0) {
    for (const p of problems) out(`  PROBLEM: ${p}`);
  } else {
    out(faults ? '  all six events present; one order traced across orders → RabbitMQ → mes-api'
      : '  the four events of fault-free traffic present (no faults: no dead letters, no failed calls); one order traced across orders → RabbitMQ → mes-api');
  }
  return { ok: problems.length === 0, counts, bridged: Object.fromEntries(bridged), orderTrace: followed?.traceId };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [eventsDir, archiveDir] = process.argv.slice(2);
  if (!eventsDir) {
    process.stderr.write('usage: node examples/load/summary.mjs <events-dir> [<collector-archive-dir>]\n');
    process.exit(2);
  }
  const { ok } = summarise({ eventsDir, archiveDir, faults: process.env.FAULTS !== 'none' });
  process.exitCode = ok ? 0 : 1;
}
