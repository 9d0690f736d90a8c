/**
 * What the responder remembers across restarts, as JSON lines appended to
 * its stateFile: alert transitions already acted on (idempotency), alerts
 * confirmed firing with Alertmanager (so their resolution can be trusted),
 * what the hourly limits have spent, and pauses still open (so one ends by
 * itself even when the responder restarted meanwhile).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A pause that has not ended yet: the alert that caused it and when it must end at the latest. */
export interface OpenPause {
  /** fingerprint|startsAt of the alert transition. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly fingerprint: string;
  readonly startsAt: string;
  /** Epoch ms. */
  readonly until: number;
}

type Line =
  | { done: string }
  | { confirmed: string }
  | { spent: 'redrive' | 'pause'; n: number; at: number }
  | { paused: OpenPause }
  | { resumed: string };

const HOUR_MS = 3600_000;

export class ResponderState {
  private readonly done = new Set<string>();
  private readonly confirmed = new Set<string>();
  private readonly spent: { kind: 'redrive' | 'pause'; n: number; at: number }[] = [];
  private readonly pauses = new Map<string, OpenPause>();

  constructor(private readonly file: string) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    if (!fs.existsSync(file)) return;
    for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
      if (text === '') continue;
      // Before 0.2 the file held one handled key per line.
      if (!text.startsWith('{')) { this.done.add(text); continue; }
      let line: Line;
      try { line = JSON.parse(text) as Line; } catch { continue; }
      this.apply(line);
    }
  }

  private apply(line: Line): void {
    if ('done' in line) this.done.add(line.done);
    else if ('confirmed' in line) this.confirmed.add(line.confirmed);
    else if ('spent' in line) this.spent.push({ kind: line.spent, n: line.n, at: line.at });
    else if ('paused' in line) this.pauses.set(line.paused.key, line.paused);
    else if ('resumed' in line) this.pauses.delete(line.resumed);
  }

  private record(line: Line): void {
    this.apply(line);
    fs.appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
  }

  isDone(key: string): boolean { return this.done.has(key); }
  markDone(key: string): void { if (!this.done.has(key)) this.record({ done: key }); }

  wasConfirmedFiring(key: string): boolean { return this.confirmed.has(key); }
  markConfirmedFiring(key: string): void { if (!this.confirmed.has(key)) this.record({ confirmed: key }); }

  /** What `kind` has spent in the hour before `now`. */
  spentInHour(kind: 'redrive' | 'pause', now = Date.now()): number {
    let n = 0;
    for (const s of this.spent) if (s.kind === kind && now - s.at < HOUR_MS) n += s.n;
    return n;
  }
  spend(kind: 'redrive' | 'pause', n: number, now = Date.now()): void { if (n > 0) this.record({ spent: kind, n, at: now }); }

  openPauses(): OpenPause[] { return [...this.pauses.values()]; }
  pauseOpened(p: OpenPause): void { this.record({ paused: p }); }
  pauseEnded(key: string): void { if (this.pauses.has(key)) this.record({ resumed: key }); }
  isPaused(key: string): boolean { return this.pauses.has(key); }
}
