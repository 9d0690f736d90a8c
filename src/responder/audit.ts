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
  /**
   * `decision` (what and why), `action` (what was done and its outcome),
   * `refused` (a call without a valid token: no alert is read from it).
   */
  readonly kind: 'decision' | 'action' | 'refused';
  readonly alertname: string;
  readonly status?: 'firing' | 'resolved';
  readonly fingerprint: string;
  readonly startsAt: string;
  /** The alert's labels as the webhook carried them. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Who called: the peer's address and port. */
  readonly source?: string;
  /** Alertmanager's group key of the notification. */
  readonly groupKey?: string;
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

  /** A call refused before any alert was read from it (no or wrong token). */
  refused(source: string, why: string, dryRun: boolean): AuditRecord {
    return this.write({ kind: 'refused', alertname: '', fingerprint: '', startsAt: '', what: 'unauthenticated', why, source, dryRun });
  }

  write(record: Omit<AuditRecord, 'time'>): AuditRecord {
    const full: AuditRecord = { time: new Date().toISOString(), ...record };
    fs.appendFileSync(this.file, `${JSON.stringify(full)}\n`, { mode: 0o600 });
    const attributes: LogAttributes = {
      'responder.kind': full.kind, 'responder.what': full.what, 'responder.why': full.why,
      'responder.dry_run': full.dryRun, 'alert.name': full.alertname,
      'alert.fingerprint': full.fingerprint, 'alert.starts_at': full.startsAt,
    };
    if (full.status !== undefined) attributes['alert.status'] = full.status;
    if (full.source !== undefined) attributes['client.address'] = full.source;
    if (full.groupKey !== undefined) attributes['alertmanager.group_key'] = full.groupKey;
    for (const [k, v] of Object.entries(full.labels ?? {})) attributes[`alert.label.${k}`] = v;
    if (full.outcome !== undefined) attributes['responder.outcome'] = full.outcome;
    if (full.error !== undefined) attributes['error.message'] = full.error;
    if (full.silenceId !== undefined) attributes['alertmanager.silence.id'] = full.silenceId;
    for (const [k, v] of Object.entries(full.counts ?? {})) attributes[`responder.count.${k}`] = v;
    this.logger.emit({
      eventName: 'responder.audit',
      severityNumber: full.outcome === 'failed' ? SeverityNumber.ERROR : full.kind === 'refused' ? SeverityNumber.WARN : SeverityNumber.INFO,
      severityText: full.outcome === 'failed' ? 'ERROR' : full.kind === 'refused' ? 'WARN' : 'INFO',
      body: `${full.kind} ${full.what}: ${full.why}`,
      attributes,
    });
    return full;
  }
}
