/**
 * The responder's audit trail: every decision and action as one JSON line in
 * a local file and as a `responder.audit` log event through whatever OTel
 * logger provider is installed (the preload's, when run as the bin does).
 */
import { logs, SeverityNumber, type LogAttributes } from '@opentelemetry/api-logs';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AuditRecord {
  /** ISO time of the record. */
  readonly time: string;
  /** `decision` (what and why) or `action` (what was done and its outcome). */
  readonly kind: 'decision' | 'action';
  readonly alertname: string;
  readonly status: 'firing' | 'resolved';
  readonly fingerprint: string;
  readonly startsAt: string;
  /** e.g. act, duplicate, dry-run, no-runbook, not-on-this-status; or the action's name. */
  readonly what: string;
  readonly why: string;
  readonly outcome?: 'ok' | 'failed' | 'skipped';
  readonly counts?: Readonly<Record<string, number>>;
  readonly error?: string;
  /** The Alertmanager silence(s) an action created or ended (comma-separated ids). */
  readonly silenceId?: string;
  readonly dryRun: boolean;
}

export class AuditLog {
  private readonly logger = logs.getLogger('filament-responder');

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }

  write(record: Omit<AuditRecord, 'time'>): AuditRecord {
    const full: AuditRecord = { time: new Date().toISOString(), ...record };
    fs.appendFileSync(this.file, `${JSON.stringify(full)}\n`);
    const attributes: LogAttributes = {
      'responder.kind': full.kind, 'responder.what': full.what, 'responder.why': full.why,
      'responder.dry_run': full.dryRun, 'alert.name': full.alertname, 'alert.status': full.status,
      'alert.fingerprint': full.fingerprint, 'alert.starts_at': full.startsAt,
    };
    if (full.outcome !== undefined) attributes['responder.outcome'] = full.outcome;
    if (full.error !== undefined) attributes['error.message'] = full.error;
    if (full.silenceId !== undefined) attributes['alertmanager.silence.id'] = full.silenceId;
    for (const [k, v] of Object.entries(full.counts ?? {})) attributes[`responder.count.${k}`] = v;
    this.logger.emit({
      eventName: 'responder.audit',
      severityNumber: full.outcome === 'failed' ? SeverityNumber.ERROR : SeverityNumber.INFO,
      severityText: full.outcome === 'failed' ? 'ERROR' : 'INFO',
      body: `${full.kind} ${full.what}: ${full.why}`,
      attributes,
    });
    return full;
  }
}
