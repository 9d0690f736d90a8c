/**
 * Runbook "dead-letter re-drive": moves every message of a dead-letter queue
 * back to the exchange and routing key it was dead-lettered from (x-death),
 * or to a parking-lot queue when it failed for its own reasons or too often.
 * Publisher confirms first, then the ack: a crash in between re-delivers the
 * message (at-least-once), it never loses one.
 */
import type { Channel, ConfirmChannel, GetMessage, Options } from 'amqplib';
import { latestDeath } from '../amqp';
import type { RedriveRunbook } from './config';

/** Our own attempt counter (x-death's count is RabbitMQ's, per queue and reason). */
export const ATTEMPTS_HEADER = 'x-filament-redrive-attempts';
export const PARKED_REASON_HEADER = 'x-filament-parked-reason';

export interface RedriveCounts {
  /** Messages found in the dead-letter queue when the run started. */
  found: number;
  redriven: number;
  parked: number;
  /** Parked because the failure is the message's own (reason or malformed body). */
  parkedPermanent: number;
  /** Parked because they reached maxAttempts. */
  parkedExhausted: number;
  /** Dead letters of another queue or reason than the alert's: left where they are for their own alert. */
  otherFaults: number;
  /** Left unexamined because the run reached its limit of re-driven messages. */
  leftByLimit: number;
}

/** What one run may touch: the alert's own dead letters, at most `limit` re-driven. */
export interface RedriveScope {
  /** Only messages whose newest x-death names this queue / reason (undefined: any). */
  readonly queue?: string;
  readonly reason?: string;
  /** Re-driven messages at most (parking is not limited: it takes messages out of circulation). */
  readonly limit: number;
}

/** The scope a resolved alert gives a runbook: its queue and reason labels, as the runbook's scopeBy says. */
export function scopeOf(runbook: RedriveRunbook, labels: Readonly<Record<string, string>>, limit: number): RedriveScope {
  const queue = runbook.scopeBy.includes('queue') ? labels.queue_dead_letter_queue : undefined;
  const reason = runbook.scopeBy.includes('reason') ? labels.queue_dead_letter_reason : undefined;
  return { ...(queue !== undefined ? { queue } : {}), ...(reason !== undefined ? { reason } : {}), limit };
}

function inScope(scope: RedriveScope, msg: GetMessage): boolean {
  if (scope.queue === undefined && scope.reason === undefined) return true;
  const death = latestDeath(msg.properties.headers as Record<string, unknown> | undefined);
  return (scope.queue === undefined || death.queue === scope.queue) && (scope.reason === undefined || death.reason === scope.reason);
}

function emptyCounts(found: number): RedriveCounts {
  return { found, redriven: 0, parked: 0, parkedPermanent: 0, parkedExhausted: 0, otherFaults: 0, leftByLimit: 0 };
}

function malformedJson(msg: GetMessage): boolean {
  if (!/json/i.test(String(msg.properties.contentType ?? ''))) return false;
  try {
    JSON.parse(msg.content.toString('utf8'));
    return false;
  } catch {
    return true;
  }
}

/** What the runbook would do with one message, and why. */
export function classify(runbook: RedriveRunbook, msg: GetMessage):
  { to: 'work'; exchange: string; routingKey: string; attempt: number } | { to: 'parking'; why: string } {
  const headers = msg.properties.headers as Record<string, unknown> | undefined;
  const death = latestDeath(headers);
  const attempts = Number(headers?.[ATTEMPTS_HEADER] ?? 0) || 0;
  if (death.reason !== undefined && runbook.permanentReasons.includes(death.reason)) {
    return { to: 'parking', why: `permanent: dead-lettered as ${death.reason}` };
  }
  if (runbook.parkMalformedJson && malformedJson(msg)) return { to: 'parking', why: 'permanent: malformed JSON' };
  if (attempts >= runbook.maxAttempts) return { to: 'parking', why: `exhausted: ${attempts} re-drives` };
  if (death.exchange !== undefined && death.routingKey !== undefined) {
    return { to: 'work', exchange: death.exchange, routingKey: death.routingKey, attempt: attempts + 1 };
  }
  // Only x-last-death-* headers (no routing keys): straight back to the queue it died in.
  if (death.queue !== undefined) return { to: 'work', exchange: '', routingKey: death.queue, attempt: attempts + 1 };
  return { to: 'parking', why: 'no x-death origin' };
}

function republishOptions(msg: GetMessage, extra: Record<string, unknown>): Options.Publish {
  const p = msg.properties;
  const headers: Record<string, unknown> = { ...(p.headers as Record<string, unknown> | undefined) };
  // RabbitMQ's own bookkeeping of the old life; ours replaces it.
  for (const h of ['x-death', 'x-first-death-exchange', 'x-first-death-queue', 'x-first-death-reason',
    'x-last-death-exchange', 'x-last-death-queue', 'x-last-death-reason']) delete headers[h];
  Object.assign(headers, extra);
  const options: Options.Publish = { headers, persistent: p.deliveryMode === 2 || p.deliveryMode === undefined };
  // The per-message TTL is dropped on purpose: it is often why the message died.
  if (p.contentType !== undefined) options.contentType = p.contentType as string;
  if (p.contentEncoding !== undefined) options.contentEncoding = p.contentEncoding as string;
  if (p.correlationId !== undefined) options.correlationId = p.correlationId as string;
  if (p.replyTo !== undefined) options.replyTo = p.replyTo as string;
  if (p.messageId !== undefined) options.messageId = p.messageId as string;
  if (p.timestamp !== undefined) options.timestamp = p.timestamp as number;
  if (p.type !== undefined) options.type = p.type as string;
  if (p.appId !== undefined) options.appId = p.appId as string;
  if (p.priority !== undefined) options.priority = p.priority as number;
  return options;
}

function publishConfirmed(ch: ConfirmChannel, exchange: string, routingKey: string, content: Buffer, options: Options.Publish): Promise<void> {
  return new Promise((resolve, reject) => {
    ch.publish(exchange, routingKey, content, options, (err) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Counts and classifies without moving anything (dry-run): reads each message
 * and gives it back (nack with requeue) — RabbitMQ marks them redelivered.
 */
export async function planRedrive(ch: Channel, runbook: RedriveRunbook, scope: RedriveScope): Promise<RedriveCounts> {
  const { messageCount } = await ch.checkQueue(runbook.deadLetterQueue);
  const counts = emptyCounts(messageCount);
  const held: GetMessage[] = [];
  try {
    for (let i = 0; i < messageCount; i++) {
      if (counts.redriven >= scope.limit) { counts.leftByLimit = messageCount - i; break; }
      const msg = await ch.get(runbook.deadLetterQueue, { noAck: false });
      if (msg === false) break;
      held.push(msg);
      if (!inScope(scope, msg)) { counts.otherFaults++; continue; }
      const plan = classify(runbook, msg);
      if (plan.to === 'work') counts.redriven++;
      else {
        counts.parked++;
        if (plan.why.startsWith('exhausted')) counts.parkedExhausted++; else counts.parkedPermanent++;
      }
    }
  } finally {
    for (const msg of held) ch.nack(msg, false, true);
  }
  return counts;
}

/**
 * Moves the messages of the scope present when the run starts (not those
 * dead-lettered again meanwhile: they wait for the next run, after their
 * backoff). Messages of other faults are held unacked while the run lasts —
 * so the next get reaches past them — and given back at its end.
 */
export async function redrive(ch: ConfirmChannel, runbook: RedriveRunbook, scope: RedriveScope): Promise<RedriveCounts> {
  await ch.assertQueue(runbook.parkingLotQueue, { durable: true });
  const { messageCount } = await ch.checkQueue(runbook.deadLetterQueue);
  const counts = emptyCounts(messageCount);
  const others: GetMessage[] = [];
  try {
    await moveInScope(ch, runbook, scope, messageCount, counts, others);
  } finally {
    for (const msg of others) ch.nack(msg, false, true);
  }
  return counts;
}

async function moveInScope(ch: ConfirmChannel, runbook: RedriveRunbook, scope: RedriveScope, messageCount: number,
  counts: RedriveCounts, others: GetMessage[]): Promise<void> {
  const waited = new Set<number>();
  for (let i = 0; i < messageCount; i++) {
    if (counts.redriven >= scope.limit) { counts.leftByLimit = messageCount - i; break; }
    const msg = await ch.get(runbook.deadLetterQueue, { noAck: false });
    if (msg === false) break;
    if (!inScope(scope, msg)) { counts.otherFaults++; others.push(msg); continue; }
    const plan = classify(runbook, msg);
    try {
      if (plan.to === 'work') {
        // Backoff per attempt number, once per run: the n-th re-drive of a
        // message waits backoffMs × 2^(n-1) after the cause recovered.
        if (!waited.has(plan.attempt)) {
          waited.add(plan.attempt);
          await sleep(Math.min(runbook.backoffMs * 2 ** (plan.attempt - 1), runbook.maxBackoffMs));
        }
        await publishConfirmed(ch, plan.exchange, plan.routingKey, msg.content,
          republishOptions(msg, { [ATTEMPTS_HEADER]: plan.attempt }));
        counts.redriven++;
      } else {
        const headers = msg.properties.headers as Record<string, unknown> | undefined;
        await publishConfirmed(ch, '', runbook.parkingLotQueue, msg.content,
          republishOptions(msg, { [ATTEMPTS_HEADER]: Number(headers?.[ATTEMPTS_HEADER] ?? 0) || 0, [PARKED_REASON_HEADER]: plan.why }));
        counts.parked++;
        if (plan.why.startsWith('exhausted')) counts.parkedExhausted++; else counts.parkedPermanent++;
      }
      ch.ack(msg);
    } catch (err) {
      // Not confirmed: the message stays in the dead-letter queue.
      ch.nack(msg, false, true);
      throw err;
    }
  }
}
