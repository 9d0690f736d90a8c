/**
 * Tells people that a limit stopped the automation: a line on stderr and an
 * alert of its own in Alertmanager (FilamentResponderLimitReached, routed
 * like every other alert) — a limit reached is never skipped in silence.
 */
import type { AlertmanagerClient } from './alertmanager';

export interface LimitReached {
  /** Which limit: redrivePerAlert, redrivePerHour, pausesPerHour, maxPauseS. */
  readonly limit: string;
  /** The alert whose runbook it stopped. */
  readonly alertname: string;
  readonly detail: string;
}

/** How long the notification stays firing unless the limit is reached again (Alertmanager resolves it then). */
const NOTIFY_FOR_MS = 3600_000;

export async function notifyLimit(am: AlertmanagerClient | undefined, reached: LimitReached): Promise<string | undefined> {
  process.stderr.write(`filament-responder: limit ${reached.limit} reached for ${reached.alertname}: ${reached.detail}\n`);
  if (am === undefined) return 'no Alertmanager configured: stderr only';
  const now = Date.now();
  try {
    await am.call('POST', 'api/v2/alerts', [{
      labels: { alertname: 'FilamentResponderLimitReached', severity: 'warning', job: 'filament-responder', limit: reached.limit, runbook_alert: reached.alertname },
      annotations: {
        summary: `filament-responder stopped a runbook of ${reached.alertname}: limit ${reached.limit}`,
        description: `${reached.detail}. The runbook did not (fully) act; see the responder's audit and docs/alerting.md, "Limits".`,
      },
      startsAt: new Date(now).toISOString(), endsAt: new Date(now + NOTIFY_FOR_MS).toISOString(),
    }]);
    return undefined;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    process.stderr.write(`filament-responder: could not notify Alertmanager of the limit: ${why}\n`);
    return why;
  }
}
