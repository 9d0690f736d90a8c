/**
 * What bench/queue-cpu.mjs and bench/hello-cpu.mjs share: variants named on the command line
 * (`bare`, `upstream`, `label=/path/preload.js`, each with `+K=V` environment additions), the
 * process CPU they read from /proc, the discarding OTLP sink, and the median.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';

/** 10 ms clock ticks (USER_HZ) in µs. */
export const TICK_US = 1e6 / 100;

/** A variant's own part and its added environment (`+K=V` pairs). */
export const own = (v) => v.split('+')[0];
export const addedEnv = (v) => Object.fromEntries(v.split('+').slice(1).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
export const label = (v) => (own(v).includes('=') ? own(v).slice(0, own(v).indexOf('=')) : own(v));

/** The node arguments that load a variant's preload. */
export function preloadArgs(variant) {
  const v = own(variant);
  if (v === 'bare') return [];
  if (v === 'upstream') return ['--require', '@opentelemetry/auto-instrumentations-node/register'];
  return ['--require', path.resolve(v.slice(v.indexOf('=') + 1))];
}

/** utime and stime of a process, all its threads (or of one thread: `task`), in clock ticks. */
export function cpuTicks(pid, task) {
  const stat = fs.readFileSync(task === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${task}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]), system: Number(fields[12]) };
}

/** An OTLP/HTTP endpoint on loopback that reads every request and answers 200. */
export function startSink() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/x-protobuf' });
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

/** A variant's environment: `base`, the exporters' settings towards `sinkUrl` unless bare, then its `+K=V`. */
export function variantEnv(variant, sinkUrl, base) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', ...base };
  if (own(variant) !== 'bare') {
    Object.assign(env, {
      OTEL_SERVICE_NAME: 'bench', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_TRACES_SAMPLER: 'always_on',
      OTEL_LOGS_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'otlp',
    });
  }
  return Object.assign(env, addedEnv(variant));
}

/**
 * ROUNDS rounds of `measure(variant, sinkUrl)` for every variant, in an order rotated per round,
 * against one discarding sink; `say(round, variant, result)` after each. Results by variant.
 */
export async function interleaved(variants, rounds, measure, say) {
  const sink = await startSink();
  const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
  const results = new Map(variants.map((v) => [v, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const v of order) {
        const r = await measure(v, sinkUrl);
        results.get(v).push(r);
        say(round, v, r);
      }
    }
  } finally {
    sink.close();
    sink.closeAllConnections();
  }
  return results;
}
