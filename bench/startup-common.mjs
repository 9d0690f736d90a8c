// What bench/startup.mjs and bench/startup-instructions.mjs share: the discarding OTLP sink every
// instrumented variant exports to (so the exit's export is paid, as a real service pays its first),
// the environment of a variant, and its preload flag. One place, so both benches measure the same run.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Starts bench/servers/sink.cjs; resolves with the child and its base URL. */
export async function startSink() {
  const sink = spawn(process.execPath, [path.join(ROOT, 'bench', 'servers', 'sink.cjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve) => {
    let out = '';
    sink.stdout.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(`http://127.0.0.1:${m[1]}`);
    });
  });
  return { sink, url };
}

/** A variant's environment: bare gets none of ours; the others export every signal to the sink. */
export function startupEnv(variant, url) {
  const e = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' };
  if (variant === 'bare') return e;
  return {
    ...e, OTEL_SERVICE_NAME: 'bench', OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TRACES_SAMPLER: 'always_on',
    OTEL_LOGS_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'otlp', OTEL_TRACES_EXPORTER: 'otlp',
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('FILAMENT_') || k.startsWith('OTEL_'))),
  };
}

/** The node flags of a named variant: bare, filament (this build or `preload`), upstream, edot. */
export function namedPreloadArgs(variant, preload = path.join(ROOT, 'dist', 'preload.js')) {
  switch (variant) {
    case 'bare': return [];
    case 'filament': return ['--require', preload];
    case 'upstream': return ['--require', '@opentelemetry/auto-instrumentations-node/register'];
    case 'edot': return ['--require', '@elastic/opentelemetry-node'];
    default: return undefined;
  }
}
