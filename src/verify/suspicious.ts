/**
 * Which audit records are suspicious access to Filament's data (the ADR's "notifications of
 * suspicious events"): a refused read of its data streams, a failed login, and a read of its data
 * by anyone but the support role's users and the admins. Engine-neutral: the audit readers
 * (audit-opensearch.ts, audit-elasticsearch-file.ts) map their records to AuditRecord.
 *
 * And, on OpenSearch, what the writer does beyond appending: an overwrite or deletion of a stored
 * document (compliance write history UPDATE / DELETE), an explicit mapping or settings change.
 *
 * What is never counted, and why: a read is an action `indices:data/read/*`, so the collector
 * writer's bulk creates (`indices:data/write/bulk`, compliance CREATE) are never reads; the watcher's own requests read the audit index and the
 * security configuration, never a Filament data stream, and it logs in as an admin.
 */
import { ALL_DATA_STREAM_PATTERNS, WRITER_USER } from '../setup';
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
  /** A document write recorded by the compliance write history (OpenSearch): what it did to the document. */
  operation?: 'create' | 'update' | 'delete';
}

const FILAMENT_TARGETS = ALL_DATA_STREAM_PATTERNS.flatMap((p) => [p, `.ds-${p}`]);

export const touchesFilamentData = (indices: readonly string[]): boolean =>
  indices.some((i) => FILAMENT_TARGETS.some((t) => overlaps(i, t)));

const isRead = (action: string | undefined): boolean => action !== undefined && action.startsWith('indices:data/read/');

/**
 * The writer's changes OpenSearch cannot refuse (docs/setup.md, "The writer"). Explicit ones only:
 * a bulk create's new field is `indices:admin/mapping/auto_put` and the stream's creation is
 * `indices:admin/auto_create` — both what appending needs, never flagged.
 */
const WRITER_CHANGES: Record<string, SuspiciousKind> = {
  'indices:admin/mapping/put': 'writer_mapping_change',
  'indices:admin/settings/update': 'writer_settings_change',
};

function writerChange(record: AuditRecord): SuspiciousKind | undefined {
  if (record.user !== WRITER_USER || record.outcome !== 'granted') return undefined;
  // Any document the writer updates or deletes: a data stream only ever takes creates.
  if (record.operation === 'update' || record.operation === 'delete') return touchesFilamentData(record.indices) ? 'writer_overwrite' : undefined;
  // PUT <stream>/_mapping records no index names; the writer's role grants it on Filament's patterns only.
  return record.action ? WRITER_CHANGES[record.action] : undefined;
}

/** The kind of suspicious access `record` is, or undefined. `allowedReaders`: support's users and the admins. */
export function classify(record: AuditRecord, allowedReaders: ReadonlySet<string>): SuspiciousKind | undefined {
  if (record.outcome === 'failed_login') return 'failed_login';
  const change = writerChange(record);
  if (change) return change;
  if (!isRead(record.action) || !touchesFilamentData(record.indices)) return undefined;
  if (record.outcome === 'refused') return 'refused_read';
  return allowedReaders.has(record.user) ? undefined : 'read_by_other';
}
