/**
 * Which audit records are suspicious access to Filament's data (the ADR's "notifications of
 * suspicious events"): a refused read of its data streams, a failed login, and a read of its data
 * by anyone but the support role's users and the admins. Engine-neutral: the audit readers
 * (audit-opensearch.ts, audit-elasticsearch-file.ts) map their records to AuditRecord.
 *
 * What is never counted, and why: a read is an action `indices:data/read/*`, so the collector
 * writer's bulk writes (`indices:data/write/*`; on OpenSearch not even recorded, the writer is in
 * audit ignore_users) are never reads; the watcher's own requests read the audit index and the
 * security configuration, never a Filament data stream, and it logs in as an admin.
 */
import { ALL_DATA_STREAM_PATTERNS } from '../setup';
import { overlaps } from './patterns';
import type { SuspiciousKind } from './watch-metrics';

export interface AuditRecord {
  /** Unique per record (the audit document's _id, or file offset): the same record is counted once. */
  id: string;
  atMs: number;
  outcome: 'granted' | 'refused' | 'failed_login';
  /** The effective user (on a failed login: the name that was tried). */
  user: string;
  /** The action, e.g. indices:data/read/search (none on a failed login). */
  action: string | undefined;
  /** Index names or patterns the request named, and those they resolved to. */
  indices: string[];
}

const FILAMENT_TARGETS = ALL_DATA_STREAM_PATTERNS.flatMap((p) => [p, `.ds-${p}`]);

export const touchesFilamentData = (indices: readonly string[]): boolean =>
  indices.some((i) => FILAMENT_TARGETS.some((t) => overlaps(i, t)));

const isRead = (action: string | undefined): boolean => action !== undefined && action.startsWith('indices:data/read/');

/** The kind of suspicious access `record` is, or undefined. `allowedReaders`: support's users and the admins. */
export function classify(record: AuditRecord, allowedReaders: ReadonlySet<string>): SuspiciousKind | undefined {
  if (record.outcome === 'failed_login') return 'failed_login';
  if (!isRead(record.action) || !touchesFilamentData(record.indices)) return undefined;
  if (record.outcome === 'refused') return 'refused_read';
  return allowedReaders.has(record.user) ? undefined : 'read_by_other';
}
