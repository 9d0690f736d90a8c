/**
 * What `filament verify --watch` exposes on /metrics, in Prometheus's text format 0.0.4
 * (prometheus.io/docs/instrumenting/exposition_formats/). Three families and a counter are
 * written here rather than through a client library: the format is four lines per family and
 * label values need only the format's own escaping (backslash, quote, newline).
 */
import type { Invariant } from './violation';

export const INVARIANTS = ['a', 'b', 'c', 'd', 'e'] as const;
export type InvariantLabel = (typeof INVARIANTS)[number];
export type SuspiciousKind = 'refused_read' | 'failed_login' | 'read_by_other' | 'writer_overwrite' | 'writer_mapping_change' | 'writer_settings_change';

/** Distinct principals kept as label values; beyond, "(other)": a password spray cannot blow up the series count. */
export const MAX_PRINCIPALS = 100;
export const OTHER_PRINCIPAL = '(other)';

/** The metric's invariant label: the support mapping rule is part of (a). */
export function invariantLabel(invariant: Invariant): InvariantLabel {
  return invariant === 'support-mapping' ? 'a' : invariant;
}

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

export class WatchMetrics {
  private violations: Record<InvariantLabel, number> = { a: 0, b: 0, c: 0, d: 0, e: 0 };
  private up = 0;
  private lastRun = 0;
  private readonly suspicious = new Map<string, { kind: SuspiciousKind; principal: string; count: number; lastSeconds: number }>();
  private readonly principals = new Set<string>();

  /** A verify that read the cluster: its violations per invariant. */
  verified(invariants: readonly Invariant[], atMs: number): void {
    const counts: Record<InvariantLabel, number> = { a: 0, b: 0, c: 0, d: 0, e: 0 };
    for (const i of invariants) counts[invariantLabel(i)] += 1;
    this.violations = counts;
    this.up = 1;
    this.lastRun = atMs / 1000;
  }

  /** A run that could not read the cluster (or its audit trail): the last counts stay, up is 0. */
  failed(atMs: number): void {
    this.up = 0;
    this.lastRun = atMs / 1000;
  }

  countSuspicious(kind: SuspiciousKind, principal: string, atMs: number): void {
    let who = principal === '' ? '(unknown)' : principal;
    if (!this.principals.has(who)) {
      if (this.principals.size >= MAX_PRINCIPALS) who = OTHER_PRINCIPAL;
      else this.principals.add(who);
    }
    const key = `${kind}\u0000${who}`;
    const entry = this.suspicious.get(key) ?? { kind, principal: who, count: 0, lastSeconds: 0 };
    entry.count += 1;
    entry.lastSeconds = Math.max(entry.lastSeconds, atMs / 1000);
    this.suspicious.set(key, entry);
  }

  /** Before the first run ends the verify families have no samples: a scrape then says nothing rather than "down" or "holds". */
  render(): string {
    const ran = this.lastRun > 0;
    const lines: string[] = [
      '# HELP filament_store_policy_violations Violations of the logging ADR\'s store rules found by the last filament verify, per invariant (0: the rule holds).',
      '# TYPE filament_store_policy_violations gauge',
      ...(ran ? INVARIANTS.map((i) => `filament_store_policy_violations{invariant="${i}"} ${this.violations[i]}`) : []),
      '# HELP filament_store_verify_up 1 when the last verify read the cluster (and its audit trail), else 0.',
      '# TYPE filament_store_verify_up gauge',
      ...(ran ? [`filament_store_verify_up ${this.up}`] : []),
      '# HELP filament_store_verify_last_run_timestamp_seconds When the last verify ran (Unix seconds).',
      '# TYPE filament_store_verify_last_run_timestamp_seconds gauge',
      ...(ran ? [`filament_store_verify_last_run_timestamp_seconds ${this.lastRun}`] : []),
      '# HELP filament_store_suspicious_access_total Audit records of suspicious access to Filament\'s data since the watcher started: refused reads, failed logins, reads by anyone but support and the admins, the writer\'s overwrites and mapping or settings changes.',
      '# TYPE filament_store_suspicious_access_total counter',
    ];
    const entries = [...this.suspicious.values()];
    for (const e of entries) lines.push(`filament_store_suspicious_access_total{kind="${e.kind}",principal="${escape(e.principal)}"} ${e.count}`);
    lines.push(
      '# HELP filament_store_suspicious_access_last_timestamp_seconds Time of the latest such audit record (Unix seconds).',
      '# TYPE filament_store_suspicious_access_last_timestamp_seconds gauge',
    );
    for (const e of entries) lines.push(`filament_store_suspicious_access_last_timestamp_seconds{kind="${e.kind}",principal="${escape(e.principal)}"} ${e.lastSeconds}`);
    return `${lines.join('\n')}\n`;
  }
}
