/**
 * New audit records from OpenSearch's security plugin (plugins.security.audit.type:
 * internal_opensearch writes them to security-auditlog-YYYY.MM.dd), read as the admin through
 * the official client. Records are written asynchronously (observed 0.2–0.6 s after the request),
 * so each read looks back OVERLAP_MS before the newest record seen and skips ids already counted.
 * Fields: the plugin's audit format 4 (opensearch.org/docs/latest/security/audit-logs/field-reference/).
 */
import type { Client } from '@opensearch-project/opensearch';
import { OPENSEARCH_AUDIT_INDEX_PATTERN } from '../setup';
import type { AuditRecord } from './suspicious';

const OVERLAP_MS = 30_000;
const PAGE = 1000;

interface AuditSource {
  '@timestamp'?: string;
  audit_category?: string;
  audit_request_effective_user?: string;
  audit_request_privilege?: string;
  audit_trace_indices?: string[];
  audit_trace_resolved_indices?: string[];
  /** COMPLIANCE_DOC_WRITE: CREATE, UPDATE or DELETE, and the document's id. */
  audit_compliance_operation?: string;
  audit_trace_doc_id?: string;
}

const OPERATIONS: Record<string, 'create' | 'update' | 'delete'> = { CREATE: 'create', UPDATE: 'update', DELETE: 'delete' };

function toRecord(id: string, s: AuditSource): AuditRecord | undefined {
  const atMs = Date.parse(s['@timestamp'] ?? '');
  // COMPLIANCE_DOC_WRITE (the compliance write history setup enables on the backing indices) is
  // a document write that happened: granted, with its operation — the only record of an overwrite.
  const outcome = s.audit_category === 'FAILED_LOGIN' ? 'failed_login'
    : s.audit_category === 'MISSING_PRIVILEGES' ? 'refused'
      : s.audit_category === 'GRANTED_PRIVILEGES' || s.audit_category === 'COMPLIANCE_DOC_WRITE' ? 'granted' : undefined;
  if (outcome === undefined || Number.isNaN(atMs)) return undefined;
  const operation = s.audit_category === 'COMPLIANCE_DOC_WRITE' ? OPERATIONS[s.audit_compliance_operation ?? ''] : undefined;
  if (s.audit_category === 'COMPLIANCE_DOC_WRITE' && !operation) return undefined;
  return {
    id, atMs, outcome,
    user: s.audit_request_effective_user ?? '',
    action: operation ? `document ${operation} ${s.audit_trace_doc_id ?? ''}`.trim() : s.audit_request_privilege,
    indices: [...(s.audit_trace_indices ?? []), ...(s.audit_trace_resolved_indices ?? [])],
    ...(operation ? { operation } : {}),
  };
}

export class OpenSearchAuditReader {
  private cursorMs: number;
  private readonly startMs: number;
  private readonly seen = new Map<string, number>();

  /** Counts records from `sinceMs` on (the watcher's start: earlier ones are in the audit index). */
  constructor(private readonly os: Client, sinceMs: number) {
    this.cursorMs = sinceMs;
    this.startMs = sinceMs;
  }

  /** The records written since the last call (each once). */
  async next(): Promise<AuditRecord[]> {
    const out: AuditRecord[] = [];
    let from = this.cursorMs - OVERLAP_MS;
    for (;;) {
      const res = await this.os.search({
        index: OPENSEARCH_AUDIT_INDEX_PATTERN,
        ignore_unavailable: true,
        allow_no_indices: true,
        body: {
          size: PAGE,
          sort: [{ '@timestamp': { order: 'asc' } }],
          // Categories are filtered here, not in the query: the plugin maps its fields dynamically
          // (audit_category is text with a .keyword sub-field), and a cluster may map them otherwise.
          query: { range: { '@timestamp': { gte: new Date(from).toISOString() } } },
        },
      });
      const hits = (res.body.hits.hits ?? []) as Array<{ _id: string; _source?: AuditSource }>;
      let last = from;
      for (const hit of hits) {
        const record = toRecord(hit._id, hit._source ?? {});
        if (!record) continue;
        last = Math.max(last, record.atMs);
        this.cursorMs = Math.max(this.cursorMs, record.atMs);
        if (this.seen.has(record.id) || record.atMs < this.startMs) continue;
        this.seen.set(record.id, record.atMs);
        out.push(record);
      }
      // A full page moves the window on to its last timestamp (ties are skipped by id); a page of one
      // instant cannot move it, and the rest of that instant waits for the next run.
      if (hits.length < PAGE || last === from) break;
      from = last;
    }
    for (const [id, at] of this.seen) if (at < this.cursorMs - 2 * OVERLAP_MS) this.seen.delete(id);
    return out;
  }
}
