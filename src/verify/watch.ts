/**
 * `filament verify --watch`: verify every interval and serve the result on /metrics
 * (watch-metrics.ts), with the suspicious access found in the audit trail since the last run
 * (suspicious.ts). Prints the report when the set of violations changes, one line per suspicious
 * record, one line per failed read; never a secret. Stops on SIGINT/SIGTERM.
 */
import type { Server } from 'node:http';
import { SUPPORT_USER, SetupError, openSearchClient, type SetupOptions } from '../setup';
import { ElasticsearchAuditFileReader } from './audit-elasticsearch-file';
import { OpenSearchAuditReader } from './audit-opensearch';
import { verify } from './verify';
import { classify, type AuditRecord } from './suspicious';
import { WatchMetrics } from './watch-metrics';
import type { WatchOptions } from './watch-options';
import { startMetricsServer } from './watch-server';

interface AuditReader { next(): Promise<AuditRecord[]> }

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n')[0] as string;

export async function runWatch(options: SetupOptions, watch: WatchOptions, out: (line: string) => void, err: (line: string) => void, stop?: Promise<void>): Promise<number> {
  if (watch.auditLog && options.engine !== 'elasticsearch') throw new SetupError('--audit-log is for Elasticsearch (its audit trail is a file); on OpenSearch the watcher reads security-auditlog-*');
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

  const os = options.engine === 'opensearch' && !options.skip.has('audit') ? openSearchClient(options.url, options.username, options.password, options.caCert) : undefined;
  let reader: AuditReader | undefined;
  if (os) reader = new OpenSearchAuditReader(os, Date.now());
  else if (watch.auditLog) reader = new ElasticsearchAuditFileReader(watch.auditLog);
  if (!reader) out(`  not counted  suspicious access: ${options.engine === 'elasticsearch' ? 'the audit trail is a file on each node; give it with --audit-log FILE' : 'audit skipped (--skip audit)'}`);

  let shown = '';
  const runOnce = async (): Promise<void> => {
    const lines: string[] = [];
    let ok = true;
    let supportUsers: string[] = [SUPPORT_USER];
    try {
      const report = await verify(options, (line) => lines.push(line));
      metrics.verified(report.violations.map((v) => v.invariant), Date.now());
      supportUsers = report.supportUsers ?? supportUsers;
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
    if (reader) {
      try {
        const allowed = new Set([...options.admins, ...supportUsers]);
        for (const record of await reader.next()) {
          const kind = classify(record, allowed);
          if (!kind) continue;
          metrics.countSuspicious(kind, record.user, record.atMs);
          out(`  suspicious   ${kind} by ${record.user || '(unknown)'} at ${new Date(record.atMs).toISOString()}${record.action ? ` ${record.action}` : ''}${record.indices.length > 0 ? ` on ${[...new Set(record.indices)].join(', ')}` : ''}`);
        }
      } catch (error) {
        ok = false;
        err(`filament verify --watch: reading the audit trail failed: ${message(error)}`);
      }
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
    await os?.close();
  }
  out('filament verify --watch: stopped');
  return 0;
}
