/**
 * `filament verify --watch`: verify every interval and serve the result on /metrics
 * (watch-metrics.ts). Prints the report when the set of violations changes, one line per failed read; never a secret. Stops on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import { SetupError } from '../setup/errors';
import type { SetupOptions } from '../setup/options';
import { verify } from './run';
import { WatchMetrics } from './watch-metrics';
import type { WatchOptions } from './watch-options';
import { startMetricsServer } from './watch-server';

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] as string;

export async function runWatch(options: SetupOptions, watch: WatchOptions, out: (line: string) => void, err: (line: string) => void, stop?: Promise<void>): Promise<number> {
  const metrics = new WatchMetrics();
  let server: Server;
  try {
    server = await startMetricsServer(watch, () => metrics.render());
  } catch (error) {
    throw new SetupError(`cannot listen on ${watch.listen.host}:${watch.listen.port} for /metrics: ${message(error)}`);
  }
  const scheme = watch.tls ? 'https' : 'http';
  const host = watch.listen.host.includes(':') ? `[${watch.listen.host}]` : watch.listen.host;
  out(`filament verify --watch: ${options.engine} at ${options.url} every ${watch.intervalMs / 1000}s; metrics on ${scheme}://${host}:${watch.listen.port}/metrics`);

  let shown = '';
  const runOnce = async (): Promise<void> => {
    const lines: string[] = [];
    let ok = true;
    try {
      const report = await verify(options, (line) => lines.push(line));
      metrics.verified(report.violations.map((v) => v.invariant), Date.now());
      const now = report.violations.map((v) => v.line).join('\n');
      if (now !== shown) {
        for (const line of lines) out(line);
        out(report.summary());
        shown = now;
      }
    } catch (error) {
      ok = false;
      err(`filament verify --watch: verify failed: ${message(error)}`);
    }
    if (!ok) metrics.failed(Date.now());
  };

  const stopped = stop ?? new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  let done = false;
  void stopped.then(() => { done = true; });
  let timer: NodeJS.Timeout | undefined;
  let wake: () => void = () => undefined;
  try {
    while (!done) {
      await runOnce();
      if (done) break;
      await Promise.race([stopped, new Promise<void>((resolve) => { wake = resolve; timer = setTimeout(resolve, watch.intervalMs); })]);
    }
  } finally {
    if (timer) clearTimeout(timer);
    wake();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  out('filament verify --watch: stopped');
  return 0;
}
