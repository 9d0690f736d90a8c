/**
 * Alertmanager silences for the alert a runbook causes on purpose
 * (Alertmanager API v2: POST /api/v2/silences, GET /api/v2/silences,
 * DELETE /api/v2/silence/{id}; https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml).
 *
 * A runbook's silence is tagged in its comment with the alert transition that
 * caused it (alert name, fingerprint, startsAt), so that a second delivery of
 * the same notification finds it instead of creating another, and the resume
 * finds it again after a restart of the responder (no local state needed).
 */
import type { AlertmanagerClient } from './alertmanager';
import type { ToggleSilence } from './config';

export const SILENCE_CREATED_BY = 'filament-responder';

/** The fields of API v2's gettableSilence the responder reads. */
interface GettableSilence {
  readonly id: string;
  readonly status: { readonly state: 'active' | 'pending' | 'expired' };
  readonly matchers: readonly { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

/** The tag a silence's comment carries: which alert transition it answers. */
export function silenceTag(alertname: string, fingerprint: string, startsAt: string): string {
  return `[${alertname} ${fingerprint} ${startsAt}]`;
}

async function ours(am: AlertmanagerClient, tag: string): Promise<GettableSilence[]> {
  const all = (await am.call('GET', 'api/v2/silences')) as GettableSilence[];
  return all.filter((s) => s.createdBy === SILENCE_CREATED_BY && s.comment.includes(tag) && s.status.state !== 'expired');
}

function body(spec: ToggleSilence, tag: string, startsAt: string, endsAt: string, id?: string): unknown {
  return {
    ...(id !== undefined ? { id } : {}),
    matchers: Object.entries(spec.matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
    startsAt, endsAt, createdBy: SILENCE_CREATED_BY,
    comment: `${spec.comment} ${tag}`,
  };
}

/**
 * Creates the silence for this alert transition, or returns the one a previous
 * delivery created. Its expiry (maxDurationS) ends it if the resume never comes.
 */
export async function ensureSilence(am: AlertmanagerClient, spec: ToggleSilence, tag: string): Promise<{ id: string; created: boolean; endsAt: string }> {
  const existing = (await ours(am, tag))[0];
  if (existing !== undefined) return { id: existing.id, created: false, endsAt: existing.endsAt };
  const now = Date.now();
  const endsAt = new Date(now + spec.maxDurationS * 1000).toISOString();
  const res = (await am.call('POST', 'api/v2/silences', body(spec, tag, new Date(now).toISOString(), endsAt))) as { silenceID?: string };
  if (typeof res.silenceID !== 'string') throw new Error('Alertmanager did not return a silenceID');
  return { id: res.silenceID, created: true, endsAt };
}

/**
 * Ends this transition's silences: at once when afterResumeS is 0, otherwise
 * their end is moved to afterResumeS from now — the time Prometheus needs to
 * see the resumed consumer and resolve the alert, during which the alert must
 * stay silenced or it notifies once more (docs/alerting.md).
 */
export async function endSilences(am: AlertmanagerClient, spec: ToggleSilence, tag: string): Promise<{ ids: string[]; endsAt: string }> {
  const found = await ours(am, tag);
  const endsAt = new Date(Date.now() + spec.afterResumeS * 1000).toISOString();
  const ids: string[] = [];
  for (const s of found) {
    if (spec.afterResumeS === 0 || s.status.state === 'pending') {
      await am.call('DELETE', `api/v2/silence/${encodeURIComponent(s.id)}`);
      ids.push(s.id);
    } else if (Date.parse(s.endsAt) > Date.parse(endsAt)) {
      // Same matchers and start, an earlier end: Alertmanager updates the silence in place.
      const res = (await am.call('POST', 'api/v2/silences', body(spec, tag, s.startsAt, endsAt, s.id))) as { silenceID?: string };
      ids.push(res.silenceID ?? s.id);
    } else {
      ids.push(s.id);
    }
  }
  return { ids, endsAt: spec.afterResumeS === 0 ? new Date().toISOString() : endsAt };
}
