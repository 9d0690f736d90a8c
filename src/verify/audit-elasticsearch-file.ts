/**
 * Elasticsearch writes its audit trail to a file on each node (<cluster>_audit.json, one JSON
 * object a line: Elasticsearch reference, "Elasticsearch audit events"), not to an index a client
 * can query. `filament verify --watch --audit-log FILE` reads that file by this contract: run one
 * watcher per node (or point FILE at a copy shipped from every node). Only complete lines are
 * read; a rotated or truncated file (smaller than the offset read so far) is read from its start.
 */
import * as fs from 'node:fs/promises';
import type { AuditRecord } from './suspicious';

interface LogfileEvent {
  type?: string;
  timestamp?: string;
  'event.action'?: string;
  'user.name'?: string;
  'user.run_as.name'?: string;
  action?: string;
  indices?: string[];
}

/** `2020-12-30T22:30:06,949+0200` (the logfile's format) as milliseconds. */
export function parseAuditTimestamp(value: string): number {
  return Date.parse(value.replace(',', '.').replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

const OUTCOMES: Record<string, AuditRecord['outcome']> = {
  access_granted: 'granted',
  access_denied: 'refused',
  authentication_failed: 'failed_login',
  anonymous_access_denied: 'failed_login',
};

export function parseAuditLine(line: string, id: string): AuditRecord | undefined {
  let e: LogfileEvent;
  try {
    e = JSON.parse(line) as LogfileEvent;
  } catch {
    return undefined;
  }
  const outcome = OUTCOMES[e['event.action'] ?? ''];
  const atMs = parseAuditTimestamp(e.timestamp ?? '');
  if (e.type !== 'audit' || outcome === undefined || Number.isNaN(atMs)) return undefined;
  return { id, atMs, outcome, user: e['user.run_as.name'] ?? e['user.name'] ?? '', action: e.action, indices: e.indices ?? [] };
}

export class ElasticsearchAuditFileReader {
  private offset = 0;
  private started = false;

  /** From the end of the file as it is now (earlier records are in the file), unless `fromStart`. */
  constructor(private readonly file: string, private readonly fromStart = false) {}

  async next(): Promise<AuditRecord[]> {
    const stat = await fs.stat(this.file);
    if (!this.started) {
      this.started = true;
      if (!this.fromStart) this.offset = stat.size;
    }
    if (stat.size < this.offset) this.offset = 0;
    if (stat.size === this.offset) return [];
    const handle = await fs.open(this.file, 'r');
    try {
      const buffer = Buffer.alloc(stat.size - this.offset);
      await handle.read(buffer, 0, buffer.length, this.offset);
      const end = buffer.lastIndexOf(0x0a);
      if (end < 0) return [];
      const out: AuditRecord[] = [];
      let at = 0;
      for (const line of buffer.subarray(0, end).toString('utf8').split('\n')) {
        const record = parseAuditLine(line, `${this.file}:${this.offset + at}`);
        at += Buffer.byteLength(line) + 1;
        if (record) out.push(record);
      }
      this.offset += end + 1;
      return out;
    } finally {
      await handle.close();
    }
  }
}
