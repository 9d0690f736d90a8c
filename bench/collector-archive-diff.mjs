// @ts-check
/**
 * Same input, two configs, byte-identical archives? The proof that a cheaper
 * collector/config.yaml writes exactly what the old one wrote — records,
 * spans, data streams, types and the `elasticsearch.document_id` values
 * (docs/collector.md promises that an archive re-imported by this version
 * lands on the ids the earlier one wrote).
 *
 *   node bench/collector-archive-diff.mjs <old config.yaml> [<new config.yaml>, default collector/config.yaml]
 *   (old: `git show <rev>:collector/config.yaml > /tmp/old.yaml`)
 *
 * Input, built once and sent to both: 256 log records and 256 spans of the bench's mix
 * (bench/collector.mjs) as OTLP/HTTP protobuf, plus edge cases by JSON: a legacy sender's
 * record (deprecated `event.name` attribute, no severity text, an intValue duration, an
 * `Authorization` attribute, a forged `elasticsearch.document_id`), one with `log.record.uid`,
 * secret-looking names (ſ and K folds, near misses), a map body, an empty body, no trace
 * context, and a span with an event and old messaging names. Exit code 1 when any archive
 * file differs; prints the number of lines and the first difference.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startArchiveCollector } from './archive-collector.mjs';
import { request, toProtobuf } from './collector.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [oldConfig, newConfig = path.join(ROOT, 'collector', 'config.yaml')] = process.argv.slice(2);
if (!oldConfig) {
  process.stderr.write('usage: node bench/collector-archive-diff.mjs <old config.yaml> [<new config.yaml>]\n');
  process.exit(2);
}

const str = (/** @type {string} */ v) => ({ stringValue: v });
const kv = (/** @type {string} */ key, /** @type {object} */ value) => ({ key, value });
const T = '1765000000000000000';
/** Edge cases the mix does not have, as OTLP/JSON. */
const edgeLogs = {
  resourceLogs: [{
    resource: { attributes: [kv('service.name', str('legacy')), kv('Service.Token', str('x')), kv('host.name', str('h1'))] },
    scopeLogs: [{
      scope: { name: 'legacy-sender' },
      logRecords: [
        { timeUnixNano: T, severityNumber: 9, body: str('legacy'), attributes: [kv('event.name', str('api.request')), kv('api.request.duration_ms', { intValue: '12' }),
          kv('Authorization', str('Bearer abc')), kv('elasticsearch.document_id', str('forged')), kv('http.route', str('/orders/:id'))] },
        { timeUnixNano: T, severityNumber: 13, eventName: 'queue.message', attributes: [kv('log.record.uid', str('0193a1b2-uid')), kv('messaging.system', str('rabbitmq'))] },
        { timeUnixNano: T, severityNumber: 17, eventName: 'api.error', attributes: [kv('ſession.id', str('s')), kv('app.\u212Aey', str('k')), kv('api-Key', str('k')), kv('apikeys.count', { intValue: '3' }),
          kv('routing_key', str('r')), kv('sess', str('near miss')), kv('tokenizer', str('deleted: contains token')), kv('pass.word', str('near miss'))] },
        { timeUnixNano: T, observedTimeUnixNano: T, severityNumber: 21, body: { kvlistValue: { values: [kv('b', { intValue: '2' }), kv('a', str('1'))] } }, attributes: [kv('model3d.cost', { intValue: '17' })] },
        { timeUnixNano: T, severityNumber: 5, attributes: [] },
        { timeUnixNano: T, severityNumber: 9, eventName: 'model3d.priced', body: { bytesValue: 'AQID' }, attributes: [kv('model3d.processing_time_ms', { doubleValue: 41.5 })] },
      ],
    }, { scope: { name: '@opentelemetry/winston-transport' }, logRecords: [{ timeUnixNano: T, severityNumber: 9, eventName: 'order.status_changed', body: str('bridged'), attributes: [] }] }],
  }],
};
const edgeSpans = {
  resourceSpans: [{
    resource: { attributes: [kv('service.name', str('legacy'))] },
    scopeSpans: [{
      scope: { name: 'x' },
      spans: [
        { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'publish', kind: 4, startTimeUnixNano: T, endTimeUnixNano: T,
          attributes: [kv('messaging.system', str('rabbitmq')), kv('messaging.operation', str('publish')), kv('messaging.destination', str('orders')), kv('messaging.protocol', str('AMQP')),
            kv('X-Api_Key', str('k')), kv('elasticsearch.document_id', str('forged'))],
          events: [{ timeUnixNano: T, name: 'exception', attributes: [kv('exception.type', str('Error'))] }] },
        { traceId: '0af7651916cd43dd8448eb211c80319d', spanId: 'b7ad6b7169203332', name: 'GET /health', kind: 2, startTimeUnixNano: T, endTimeUnixNano: T,
          attributes: [kv('http.route', str('/health'))] },
      ],
    }],
  }],
};

const bodies = {
  logs: [toProtobuf(request('logs', 128)), toProtobuf(request('logs', 128))],
  traces: [toProtobuf(request('traces', 128)), toProtobuf(request('traces', 128))],
};

/** Runs one config over the input; returns the archive directory. @param {string} config */
async function archive(config) {
  const collector = await startArchiveCollector([config], fs.mkdtempSync(path.join(os.tmpdir(), 'filament-archive-diff-')));
  // One at a time and in order, so that both runs batch the same records the same way.
  for (const b of bodies.logs) await collector.post('logs', b);
  await collector.post('logs', JSON.stringify(edgeLogs));
  for (const b of bodies.traces) await collector.post('traces', b);
  await collector.post('traces', JSON.stringify(edgeSpans));
  return collector.stop();
}

const [a, b] = [await archive(path.resolve(oldConfig)), await archive(path.resolve(newConfig))];
let differ = 0;
for (const file of [...new Set([...fs.readdirSync(a), ...fs.readdirSync(b)])].sort()) {
  const [x, y] = [path.join(a, file), path.join(b, file)].map((f) => (fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : ''));
  const lines = (/** @type {string} */ s) => s.split('\n').filter(Boolean);
  const records = (/** @type {string} */ s) => (s.match(/"(timeUnixNano|startTimeUnixNano)"/g) ?? []).length;
  if (x === y) {
    process.stdout.write(`${file}: identical (${lines(x).length} lines, ${records(x)} records or spans, ${x.length} bytes, ${(x.match(/elasticsearch\.document_id/g) ?? []).length} document ids)\n`);
  } else {
    differ++;
    const i = [...x].findIndex((c, k) => c !== y[k]);
    process.stdout.write(`${file}: DIFFERENT at byte ${i}:\n  old …${x.slice(Math.max(0, i - 120), i + 120)}\n  new …${y.slice(Math.max(0, i - 120), i + 120)}\n`);
  }
}
for (const d of [a, b]) fs.rmSync(path.dirname(d), { recursive: true, force: true });
process.exitCode = differ ? 1 : 0;
