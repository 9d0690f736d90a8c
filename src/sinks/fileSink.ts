/**
 * A local JSON-lines sink for log records, for hosts without a reachable
 * collector (and the demo). The ADR's limits are enforced here: no file grows
 * beyond `maxBytes` (10 MiB at most), rotated files older than `maxAgeDays`
 * (180 at most) or beyond `maxFiles` are deleted.
 *
 * One line per record, shaped like the document the collector's elasticsearch
 * exporter writes in `otel` mapping mode, so the same queries work on both and
 * the collector's filelog receiver can ship the files later.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ExportResultCode, hrTimeToTimeStamp, type ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';

export interface FileSinkOptions {
  dir: string;
  /** File name prefix; files are `<prefix>.jsonl` and `<prefix>-<time>.jsonl`. */
  prefix?: string;
  maxBytes: number;
  maxAgeDays: number;
  maxFiles: number;
}

const DAY_MS = 24 * 3600 * 1000;

export function toDocument(r: ReadableLogRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@timestamp': hrTimeToTimeStamp(r.hrTime),
    observed_timestamp: hrTimeToTimeStamp(r.hrTimeObserved),
    severity_text: r.severityText,
    severity_number: r.severityNumber,
  };
  if (r.eventName !== undefined) doc.event_name = r.eventName;
  if (r.spanContext !== undefined) {
    doc.trace_id = r.spanContext.traceId;
    doc.span_id = r.spanContext.spanId;
  }
  if (r.body !== undefined) doc.body = typeof r.body === 'string' ? { text: r.body } : { structured: r.body };
  doc.attributes = r.attributes;
  doc.resource = { attributes: r.resource.attributes };
  doc.scope = { name: r.instrumentationScope.name, version: r.instrumentationScope.version };
  return doc;
}

/** mkdir -p, one component at a time (see RotatingFileLogExporter.prepare). */
function makeDirectory(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; ; d = path.dirname(d)) {
    try {
      if (fs.statSync(d).isDirectory()) break;
      throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR', syscall: 'mkdir', path: d });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.push(d);
      if (path.dirname(d) === d) break;
    }
  }
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

export class RotatingFileLogExporter implements LogRecordExporter {
  private readonly dir: string;
  private readonly prefix: string;
  private readonly current: string;
  private fd: number | undefined;
  private size = 0;
  private seq = 0;
  private stopped = false;

  constructor(private readonly options: FileSinkOptions) {
    this.dir = path.resolve(options.dir);
    this.prefix = options.prefix ?? 'filament-events';
    this.current = path.join(this.dir, `${this.prefix}.jsonl`);
  }

  /** Absolute path of the file being written. */
  get currentFile(): string {
    return this.current;
  }

  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    if (this.stopped) {
      resultCallback({ code: ExportResultCode.FAILED, error: new Error('file sink is shut down') });
      return;
    }
    try {
      this.open();
      let chunk = '';
      let chunkBytes = 0;
      for (const r of records) {
        let line = `${JSON.stringify(toDocument(r))}\n`;
        let bytes = Buffer.byteLength(line);
        if (bytes > this.options.maxBytes) {
          // Cannot happen with Filament's capped events; a foreign giant record
          // is replaced by a marked stub rather than breaking the size limit.
          line = `${JSON.stringify({ '@timestamp': hrTimeToTimeStamp(r.hrTime), event_name: r.eventName, 'filament.dropped': `record of ${bytes} bytes exceeds the file limit` })}\n`;
          bytes = Buffer.byteLength(line);
        }
        if (this.size + chunkBytes + bytes > this.options.maxBytes) {
          this.write(chunk);
          chunk = '';
          chunkBytes = 0;
          this.rotate();
        }
        chunk += line;
        chunkBytes += bytes;
      }
      this.write(chunk);
      resultCallback({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }

  forceFlush(): Promise<void> {
    if (this.fd !== undefined) fs.fsyncSync(this.fd);
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.stopped = true;
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
    return Promise.resolve();
  }

  /**
   * Creates the directory and opens the current file, once, at start-up — never
   * on the export path. Returns why the directory cannot be used, or undefined.
   * Bounded: one stat or mkdir per path component. `mkdirSync({recursive: true})`
   * is not used: on Node 20 it never returns for a path under /proc (it retries
   * the failing mkdir for ever, holding the event loop).
   */
  prepare(): string | undefined {
    try {
      makeDirectory(this.dir);
      this.open();
      return undefined;
    } catch (error) {
      this.stopped = true;
      const e = error as NodeJS.ErrnoException;
      return e.code !== undefined ? `${e.code}: ${e.syscall ?? 'open'} ${e.path ?? this.dir}` : String(error);
    }
  }

  private open(): void {
    if (this.fd !== undefined) return;
    this.fd = fs.openSync(this.current, 'a');
    this.size = fs.fstatSync(this.fd).size;
    if (this.size >= this.options.maxBytes) this.rotate();
    this.prune();
  }

  private write(chunk: string): void {
    if (chunk === '' || this.fd === undefined) return;
    fs.writeSync(this.fd, chunk);
    this.size += Buffer.byteLength(chunk);
  }

  private rotate(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    // seq keeps names unique when several rotations happen within a millisecond.
    const rotated = path.join(this.dir, `${this.prefix}-${stamp}-${String(this.seq++).padStart(4, '0')}.jsonl`);
    fs.renameSync(this.current, rotated);
    this.fd = fs.openSync(this.current, 'a');
    this.size = 0;
    this.prune();
  }

  /** Deletes rotated files beyond the age or count limit (oldest first). */
  private prune(): void {
    const now = Date.now();
    const rotated: { file: string; mtime: number }[] = [];
    for (const name of fs.readdirSync(this.dir)) {
      if (!name.startsWith(`${this.prefix}-`) || !name.endsWith('.jsonl')) continue;
      const file = path.join(this.dir, name);
      try {
        rotated.push({ file, mtime: fs.statSync(file).mtimeMs });
      } catch {
        // removed meanwhile
      }
    }
    rotated.sort((a, b) => b.mtime - a.mtime || (a.file < b.file ? 1 : -1));
    // The current file counts towards maxFiles.
    rotated.forEach((entry, index) => {
      if (index + 1 >= this.options.maxFiles || now - entry.mtime > this.options.maxAgeDays * DAY_MS) {
        try {
          fs.unlinkSync(entry.file);
        } catch {
          // already gone
        }
      }
    });
  }
}
