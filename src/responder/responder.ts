/**
 * The decision core of filament-responder: an Alertmanager webhook payload in,
 * the alert confirmed with Alertmanager's API, the mapped runbook run at most
 * once per alert transition (fingerprint + startsAt + status; Alertmanager
 * delivers at-least-once) within the operator's limits, every decision and
 * action audited with who called.
 */
import type { ChannelModel } from 'amqplib';
import { AlertmanagerClient } from './alertmanager';
import { AuditLog, type AuditRecord } from './audit';
import type { HttpToggleRunbook, RedriveRunbook, ResponderConfig, Runbook } from './config';
import { confirmWithAlertmanager } from './confirm';
import { notifyLimit, type LimitReached } from './notify';
import { planRedrive, redrive, scopeOf } from './redrive';
import { endSilences, ensureSilence, silenceTag } from './silence';
import { ResponderState, type OpenPause } from './state';

type AuditBase = Pick<AuditRecord, 'alertname' | 'status' | 'fingerprint' | 'startsAt' | 'dryRun' | 'labels' | 'source' | 'groupKey'>;

/** The fields of Alertmanager's webhook payload (version 4) the responder reads. */
export interface AlertmanagerWebhook {
  readonly version: string;
  readonly groupKey?: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: readonly WebhookAlert[];
}
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt?: string;
  readonly fingerprint: string;
}

export class WebhookError extends Error {}

export function parseWebhook(body: unknown): AlertmanagerWebhook {
  const o = body as Partial<AlertmanagerWebhook> | null;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.alerts)) throw new WebhookError('not an Alertmanager webhook payload (no alerts array)');
  for (const a of o.alerts) {
    if (typeof a !== 'object' || a === null || typeof a.fingerprint !== 'string' || typeof a.startsAt !== 'string'
      || (a.status !== 'firing' && a.status !== 'resolved') || typeof a.labels !== 'object' || a.labels === null) {
      throw new WebhookError('an alert lacks fingerprint, startsAt, status or labels');
    }
  }
  return o as AlertmanagerWebhook;
}

/** Who delivered a webhook (the server fills it from the connection). */
export interface Delivery {
  readonly source: string;
}

export interface Responder {
  /**
   * Handles one webhook delivery; resolves when its actions have finished,
   * with the number that failed (the server then answers 500 and
   * Alertmanager delivers again; what succeeded is not repeated).
   */
  handle(payload: AlertmanagerWebhook, delivery: Delivery): Promise<{ failed: number }>;
  /** Audits a call refused before its body was read. */
  refused(source: string, why: string): void;
  close(): Promise<void>;
}

function matches(rb: Runbook, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(rb.match).every(([k, v]) => labels[k] === v);
}

type StepResult = { counts?: Record<string, number>; silenceId?: string; why?: string };

/** How long a failed automatic resume waits before it tries again. */
const RESUME_RETRY_MS = 30_000;

export function createResponder(config: ResponderConfig, connect: () => Promise<ChannelModel>): Responder {
  const audit = new AuditLog(config.auditFile);
  const state = new ResponderState(config.stateFile);
  const am = config.alertmanager !== undefined ? new AlertmanagerClient(config.alertmanager) : undefined;
  const { limits } = config;
  let connection: Promise<ChannelModel> | undefined;
  const amqp = (): Promise<ChannelModel> => {
    connection ??= connect().catch((err: unknown) => { connection = undefined; throw err; });
    return connection;
  };
  // One delivery at a time: two copies of one notification must not race past the check.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = chain.then(task);
    chain = run.then(() => undefined, () => undefined);
    return run;
  };
  const pauseTimers = new Map<string, NodeJS.Timeout>();

  async function limitReached(base: AuditBase, reached: Omit<LimitReached, 'alertname'>): Promise<void> {
    audit.write({ ...base, kind: 'decision', what: 'limit', why: `${reached.limit}: ${reached.detail}` });
    if (config.dryRun) return;
    const failed = await notifyLimit(am, { ...reached, alertname: base.alertname });
    if (failed !== undefined) audit.write({ ...base, kind: 'action', what: 'notify limit', why: reached.limit, outcome: 'failed', error: failed });
  }

  async function runRedrive(base: AuditBase, rb: RedriveRunbook, labels: Readonly<Record<string, string>>): Promise<StepResult> {
    const left = limits.redrivePerHour - state.spentInHour('redrive');
    const scope = scopeOf(rb, labels, Math.max(0, Math.min(limits.redrivePerAlert, left)));
    const conn = await amqp();
    if (config.dryRun) {
      const ch = await conn.createChannel();
      try { return { counts: { ...(await planRedrive(ch, rb, scope)) } }; } finally { await ch.close().catch(() => undefined); }
    }
    const ch = await conn.createConfirmChannel();
    let counts;
    try { counts = await redrive(ch, rb, scope); } finally { await ch.close().catch(() => undefined); }
    state.spend('redrive', counts.redriven);
    if (counts.leftByLimit > 0) {
      const which = scope.limit < limits.redrivePerAlert ? 'redrivePerHour' : 'redrivePerAlert';
      await limitReached(base, { limit: which, detail: `${counts.redriven} re-driven, ${counts.leftByLimit} left in ${rb.deadLetterQueue}` });
    }
    const where = [scope.queue, scope.reason].filter((x) => x !== undefined).join(' ');
    return { counts: { ...counts }, why: where === '' ? 'runbook' : `runbook, scoped to ${where}` };
  }

  async function runToggle(rb: HttpToggleRunbook, status: 'firing' | 'resolved'): Promise<Record<string, number>> {
    const req = status === 'firing' ? rb.onFiring : rb.onResolved;
    if (config.dryRun) return {};
    const res = await fetch(req.url, { method: req.method, signal: AbortSignal.timeout(10_000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${req.method} ${req.url} answered ${res.status}`);
    return { httpStatus: res.status };
  }

  /** One action (`act` plans only in a dry run), audited with its outcome; false when it failed. */
  async function step(base: AuditBase, what: string, act: () => Promise<StepResult>): Promise<boolean> {
    try {
      const done = await act();
      audit.write({
        ...base, kind: 'action', what, why: config.dryRun ? 'dry run: planned only' : done.why ?? 'runbook',
        outcome: config.dryRun ? 'skipped' : 'ok', counts: done.counts ?? {},
        ...(done.silenceId !== undefined ? { silenceId: done.silenceId } : {}),
      });
      return true;
    } catch (err) {
      audit.write({ ...base, kind: 'action', what, why: 'runbook', outcome: 'failed', error: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  /**
   * The toggle, with its silence around it: the silence first on firing (the
   * alert the pause causes never notifies), the inverse request first on
   * resolution (the silence outlives the resume by afterResumeS).
   */
  async function toggleSteps(base: AuditBase, rb: HttpToggleRunbook, status: 'firing' | 'resolved'): Promise<boolean> {
    const toggle = (): Promise<boolean> => step(base, `http-toggle ${status === 'firing' ? 'on' : 'off'}`, async () => ({ counts: await runToggle(rb, status) }));
    const spec = rb.silence;
    if (spec === undefined || am === undefined) return toggle();
    const tag = silenceTag(base.alertname, base.fingerprint, base.startsAt);
    const target = Object.entries(spec.matchers).map(([k, v]) => `${k}="${v}"`).join(', ');
    if (status === 'firing') {
      const silenced = await step(base, `silence {${target}}`, async () => {
        if (config.dryRun) return {};
        const s = await ensureSilence(am, spec, tag);
        return { silenceId: s.id, counts: { created: s.created ? 1 : 0 }, why: s.created ? `until ${s.endsAt} at most` : 'the silence a previous delivery created' };
      });
      return silenced && toggle();
    }
    if (!(await toggle())) return false;
    return step(base, `unsilence {${target}}`, async () => {
      if (config.dryRun) return {};
      const e = await endSilences(am, spec, tag);
      return { silenceId: e.ids.join(','), counts: { silences: e.ids.length }, why: `ends ${e.endsAt} (afterResumeS after the resume)` };
    });
  }

  /** A pause ends by itself after maxPauseS: the resume and the end of its silence, as a resolution would. */
  function schedulePauseEnd(pause: OpenPause): void {
    clearTimeout(pauseTimers.get(pause.key));
    const timer = setTimeout(() => {
      pauseTimers.delete(pause.key);
      void serial(() => endPause(pause));
    }, Math.max(0, pause.until - Date.now()));
    pauseTimers.set(pause.key, timer);
  }

  async function endPause(pause: OpenPause): Promise<void> {
    if (!state.isPaused(pause.key)) return;
    const base: AuditBase = {
      alertname: pause.labels.alertname ?? '', status: 'resolved', fingerprint: pause.fingerprint, startsAt: pause.startsAt,
      dryRun: config.dryRun, labels: pause.labels, source: 'filament-responder (maxPauseS)',
    };
    const rb = config.runbooks.find((r): r is HttpToggleRunbook => r.action === 'http-toggle' && matches(r, pause.labels));
    if (rb === undefined) {
      audit.write({ ...base, kind: 'decision', what: 'max-pause', why: 'no http-toggle runbook matches the paused alert any more: resume it by hand' });
      state.pauseEnded(pause.key);
      return;
    }
    await limitReached(base, { limit: 'maxPauseS', detail: `no resolution within ${limits.maxPauseS} s: resuming` });
    if (await toggleSteps(base, rb, 'resolved')) {
      state.pauseEnded(pause.key);
      state.markDone(`${pause.key}|resolved`);
    } else {
      schedulePauseEnd({ ...pause, until: Date.now() + RESUME_RETRY_MS });
    }
  }

  async function act(base: AuditBase, runbook: Runbook, alert: WebhookAlert): Promise<boolean> {
    if (runbook.action === 'redrive') {
      if (state.spentInHour('redrive') >= limits.redrivePerHour) {
        await limitReached(base, { limit: 'redrivePerHour', detail: `${limits.redrivePerHour} messages re-driven in the last hour already: nothing re-driven` });
        return true;
      }
      return step(base, `redrive ${runbook.deadLetterQueue}`, () => runRedrive(base, runbook, alert.labels));
    }
    const transition = `${alert.fingerprint}|${alert.startsAt}`;
    if (alert.status === 'firing') {
      if (!config.dryRun && state.spentInHour('pause') >= limits.pausesPerHour) {
        await limitReached(base, { limit: 'pausesPerHour', detail: `${limits.pausesPerHour} pauses in the last hour already: not paused` });
        return true;
      }
      const ok = await toggleSteps(base, runbook, 'firing');
      if (ok && !config.dryRun) {
        state.spend('pause', 1);
        const pause: OpenPause = { key: transition, labels: alert.labels, fingerprint: alert.fingerprint, startsAt: alert.startsAt, until: Date.now() + limits.maxPauseS * 1000 };
        state.pauseOpened(pause);
        schedulePauseEnd(pause);
      }
      return ok;
    }
    const ok = await toggleSteps(base, runbook, 'resolved');
    if (ok && !config.dryRun) {
      state.pauseEnded(transition);
      clearTimeout(pauseTimers.get(transition));
      pauseTimers.delete(transition);
    }
    return ok;
  }

  async function handleAlert(alert: WebhookAlert, payload: AlertmanagerWebhook, delivery: Delivery): Promise<boolean> {
    const base: AuditBase = {
      alertname: alert.labels.alertname ?? '', status: alert.status, fingerprint: alert.fingerprint,
      startsAt: alert.startsAt, dryRun: config.dryRun, labels: alert.labels, source: delivery.source,
      ...(payload.groupKey !== undefined ? { groupKey: payload.groupKey } : {}),
    };
    const transition = `${alert.fingerprint}|${alert.startsAt}`;
    const key = `${transition}|${alert.status}`;
    const runbook = config.runbooks.find((rb) => matches(rb, alert.labels));
    if (runbook === undefined) {
      audit.write({ ...base, kind: 'decision', what: 'no-runbook', why: 'no runbook matches the alert labels' });
      return true;
    }
    if (state.isDone(key)) {
      audit.write({ ...base, kind: 'decision', what: 'duplicate', why: 'this alert transition was already handled (at-least-once delivery)' });
      return true;
    }
    if (am === undefined) throw new Error('no Alertmanager configured to confirm alerts with');
    let confirmation;
    try {
      confirmation = await confirmWithAlertmanager(am, alert, state.wasConfirmedFiring(transition));
    } catch (err) {
      audit.write({ ...base, kind: 'action', what: 'confirm', why: 'Alertmanager could not be asked', outcome: 'failed', error: err instanceof Error ? err.message : String(err) });
      return false;
    }
    if (!confirmation.confirmed) {
      audit.write({ ...base, kind: 'decision', what: 'unconfirmed', why: `${confirmation.why}: nothing done` });
      return true;
    }
    if (alert.status === 'firing') state.markConfirmedFiring(transition);
    if (runbook.action === 'redrive' && alert.status !== runbook.on) {
      audit.write({ ...base, kind: 'decision', what: 'wait', why: `${runbook.action} runs when the alert is ${runbook.on}` });
      return true;
    }
    const what = runbook.action === 'redrive' ? `redrive ${runbook.deadLetterQueue}` : `http-toggle ${alert.status === 'firing' ? 'on' : 'off'}`;
    audit.write({ ...base, kind: 'decision', what: config.dryRun ? 'dry-run' : 'act', why: `runbook ${what} matches; ${confirmation.why}` });
    const ok = await act(base, runbook, alert);
    if (ok && !config.dryRun) state.markDone(key);
    return ok;
  }

  // Pauses a previous run opened and never ended: each ends by its own deadline (at once when past).
  if (!config.dryRun) for (const pause of state.openPauses()) schedulePauseEnd(pause);

  return {
    handle(payload, delivery) {
      return serial(async () => {
        let failed = 0;
        for (const alert of payload.alerts) if (!(await handleAlert(alert, payload, delivery))) failed++;
        return { failed };
      });
    },
    refused(source, why) {
      audit.refused(source, why, config.dryRun);
    },
    async close() {
      for (const t of pauseTimers.values()) clearTimeout(t);
      pauseTimers.clear();
      await chain;
      am?.close();
      if (connection !== undefined) await (await connection.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
