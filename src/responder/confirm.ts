/**
 * Is this webhook's alert one Alertmanager really holds? The responder acts
 * only on alerts it can confirm with Alertmanager's API (docs/security.md):
 * a forged payload, even with a stolen token, moves nothing.
 *
 * - firing: Alertmanager holds an alert with the same fingerprint, startsAt
 *   and labels now (active, silenced, inhibited or unprocessed).
 * - resolved: Alertmanager no longer holds it as firing, AND the responder
 *   confirmed that very transition firing earlier (API v2 lists no resolved
 *   alerts: https://github.com/prometheus/alertmanager/blob/v0.25.0/api/v2/api.go,
 *   getAlertsHandler skips alerts whose endsAt has passed).
 */
import type { AlertmanagerClient, GettableAlert } from './alertmanager';

export interface AlertTransition {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  readonly startsAt: string;
}

export type Confirmation = { readonly confirmed: true; readonly why: string } | { readonly confirmed: false; readonly why: string };

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Alertmanager's API and the webhook write times with different precision: compare the instant. */
function sameInstant(a: string, b: string): boolean {
  const ta = Date.parse(a);
  return Number.isFinite(ta) && ta === Date.parse(b);
}

export async function confirmWithAlertmanager(am: AlertmanagerClient, alert: AlertTransition, confirmedFiringBefore: boolean): Promise<Confirmation> {
  const alertname = alert.labels.alertname ?? '';
  const held: GettableAlert[] = (await am.alerts(alertname)).filter((a) => a.fingerprint === alert.fingerprint);
  const same = held.find((a) => sameInstant(a.startsAt, alert.startsAt));
  if (alert.status === 'firing') {
    if (same === undefined) return { confirmed: false, why: `Alertmanager (${am.url}) holds no ${alertname} with this fingerprint and startsAt` };
    if (!sameLabels(same.labels, alert.labels)) return { confirmed: false, why: 'the labels differ from the alert Alertmanager holds under this fingerprint' };
    return { confirmed: true, why: `Alertmanager holds it (${same.status.state})` };
  }
  if (same !== undefined) return { confirmed: false, why: 'Alertmanager still holds this alert as firing' };
  if (!confirmedFiringBefore) return { confirmed: false, why: 'this alert was never confirmed firing with Alertmanager by this responder' };
  return { confirmed: true, why: 'confirmed firing earlier, no longer held by Alertmanager' };
}
