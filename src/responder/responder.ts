/**
 * The decision core of filament-responder: an Alertmanager webhook payload in,
 * the mapped runbook run at most once per alert transition
 * (fingerprint + startsAt + status; Alertmanager delivers at-least-once),
 * every decision and action audited.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChannelModel } from 'amqplib';
import { AuditLog, type AuditRecord } from './audit';
import type { HttpToggleRunbook, RedriveRunbook, ResponderConfig, Runbook } from './config';
import { planRedrive, redrive } from './redrive';
import { endSilences, ensureSilence, silenceTag } from './silence';

type AuditBase = Pick<AuditRecord, 'alertname' | 'status' | 'fingerprint' | 'startsAt' | 'dryRun'>;

/** The fields of Alertmanager's webhook payload (version 4) the responder reads. */
export interface AlertmanagerWebhook {
  readonly version: string;
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

export interface Responder {
  /**
   * Handles one webhook delivery; resolves when its actions have finished,
   * with the number that failed (the server then answers 500 and
   * Alertmanager delivers again; what succeeded is not repeated).
   */
  handle(payload: AlertmanagerWebhook): Promise<{ failed: number }>;
  close(): Promise<void>;
}

function matches(rb: Runbook, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(rb.match).every(([k, v]) => labels[k] === v);
}

export function createResponder(config: ResponderConfig, connect: () => Promise<ChannelModel>): Responder {
  const audit = new AuditLog(config.auditFile);
  fs.mkdirSync(path.dirname(path.resolve(config.stateFile)), { recursive: true });
  const seen = new Set<string>(
    fs.existsSync(config.stateFile) ? fs.readFileSync(config.stateFile, 'utf8').split('\n').filter((l) => l !== '') : [],
  );
  let connection: Promise<ChannelModel> | undefined;
  const amqp = (): Promise<ChannelModel> => {
    connection ??= connect().catch((err: unknown) => { connection = undefined; throw err; });
    return connection;
  };
  // One delivery at a time: two copies of one notification must not race past the check.
  let chain: Promise<void> = Promise.resolve();

  async function runRedrive(rb: RedriveRunbook): Promise<Record<string, number>> {
    const conn = await amqp();
    if (config.dryRun) {
      const ch = await conn.createChannel();
      try { return { ...(await planRedrive(ch, rb)) }; } finally { await ch.close().catch(() => undefined); }
    }
    const ch = await conn.createConfirmChannel();
    try { return { ...(await redrive(ch, rb)) }; } finally { await ch.close().catch(() => undefined); }
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
  async function step(base: AuditBase, what: string, act: () => Promise<{ counts?: Record<string, number>; silenceId?: string; why?: string }>): Promise<boolean> {
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
    if (spec === undefined) return toggle();
    const tag = silenceTag(base.alertname, base.fingerprint, base.startsAt);
    const target = Object.entries(spec.matchers).map(([k, v]) => `${k}="${v}"`).join(', ');
    if (status === 'firing') {
      const silenced = await step(base, `silence {${target}}`, async () => {
        if (config.dryRun) return {};
        const s = await ensureSilence(spec, tag);
        return { silenceId: s.id, counts: { created: s.created ? 1 : 0 }, why: s.created ? `until ${s.endsAt} at most` : 'the silence a previous delivery created' };
      });
      return silenced && toggle();
    }
    if (!(await toggle())) return false;
    return step(base, `unsilence {${target}}`, async () => {
      if (config.dryRun) return {};
      const e = await endSilences(spec, tag);
      return { silenceId: e.ids.join(','), counts: { silences: e.ids.length }, why: `ends ${e.endsAt} (afterResumeS after the resume)` };
    });
  }

  async function handleAlert(alert: WebhookAlert): Promise<boolean> {
    const base: AuditBase = {
      alertname: alert.labels.alertname ?? '', status: alert.status, fingerprint: alert.fingerprint,
      startsAt: alert.startsAt, dryRun: config.dryRun,
    };
    const key = `${alert.fingerprint}|${alert.startsAt}|${alert.status}`;
    const runbook = config.runbooks.find((rb) => matches(rb, alert.labels));
    if (runbook === undefined) {
      audit.write({ ...base, kind: 'decision', what: 'no-runbook', why: 'no runbook matches the alert labels' });
      return true;
    }
    if (runbook.action === 'redrive' && alert.status !== runbook.on) {
      audit.write({ ...base, kind: 'decision', what: 'wait', why: `${runbook.action} runs when the alert is ${runbook.on}` });
      return true;
    }
    if (seen.has(key)) {
      audit.write({ ...base, kind: 'decision', what: 'duplicate', why: 'this alert transition was already handled (at-least-once delivery)' });
      return true;
    }
    const what = runbook.action === 'redrive' ? `redrive ${runbook.deadLetterQueue}` : `http-toggle ${alert.status === 'firing' ? 'on' : 'off'}`;
    audit.write({ ...base, kind: 'decision', what: config.dryRun ? 'dry-run' : 'act', why: `runbook ${what} matches` });
    const ok = runbook.action === 'redrive'
      ? await step(base, what, async () => ({ counts: await runRedrive(runbook) }))
      : await toggleSteps(base, runbook, alert.status);
    if (ok && !config.dryRun) {
      seen.add(key);
      fs.appendFileSync(config.stateFile, `${key}\n`);
    }
    return ok;
  }

  return {
    handle(payload) {
      const run = chain.then(async () => {
        let failed = 0;
        for (const alert of payload.alerts) if (!(await handleAlert(alert))) failed++;
        return { failed };
      });
      chain = run.then(() => undefined, () => undefined);
      return run;
    },
    async close() {
      await chain;
      if (connection !== undefined) await (await connection.catch(() => undefined))?.close().catch(() => undefined);
    },
  };
}
