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
  | { done: string; at?: number }
  | { confirmed: string; at?: number }
  | { spent: 'redrive' | 'pause'; n: number; at: number }
  | { paused: OpenPause }
  | { resumed: string };

const HOUR_MS = 3600_000;
/**
 * How long a handled or confirmed alert transition is remembered. Alertmanager re-sends a
 * notification only while its notification log holds it, and keeps that log for
 * `--data.retention` (default 120h, https://prometheus.io/docs/alerting/latest/alertmanager/);
 * a week outlasts it, so no redelivery is ever acted on twice.
 */
export const REMEMBER_MS = 7 * 24 * HOUR_MS;
const REFRESH_MS = 24 * HOUR_MS;
/**
 * Every this many appended lines, what no longer matters is forgotten, and the file is rewritten
 * with only what is still needed once it holds this many lines more than that.
 */
const COMPACT_SLACK_LINES = 1000;

export class ResponderState {
  /** Key → when it was recorded (epoch ms). */
  private readonly done = new Map<string, number>();
  private readonly confirmed = new Map<string, number>();
  private readonly spent: { kind: 'redrive' | 'pause'; n: number; at: number }[] = [];
  private readonly pauses = new Map<string, OpenPause>();
  /** Lines in the file now, and appended since the last look at what still matters. */
  private lines = 0;
  private sinceCheck = 0;

  /** `now` is for tests; the responder uses the clock. */
  constructor(private readonly file: string, private readonly now: () => number = Date.now) {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    if (!fs.existsSync(file)) return;
    const loadedAt = this.now();
    for (const text of fs.readFileSync(file, 'utf8').split('\n')) {
      if (text === '') continue;
      this.lines++;
      // Before 0.2 the file held one handled key per line.
      if (!text.startsWith('{')) { this.done.set(text, loadedAt); continue; }
      let line: Line;
      try { line = JSON.parse(text) as Line; } catch { continue; }
      this.apply(line, loadedAt);
    }
    this.compactIfLong();
  }

  private apply(line: Line, fallbackAt: number): void {
    if ('done' in line) this.done.set(line.done, line.at ?? fallbackAt);
    else if ('confirmed' in line) this.confirmed.set(line.confirmed, line.at ?? fallbackAt);
    else if ('spent' in line) this.spent.push({ kind: line.spent, n: line.n, at: line.at });
    else if ('paused' in line) this.pauses.set(line.paused.key, line.paused);
    else if ('resumed' in line) this.pauses.delete(line.resumed);
  }

  private record(line: Line): void {
    this.apply(line, this.now());
    fs.appendFileSync(this.file, `${JSON.stringify(line)}\n`, { mode: 0o600 });
    this.lines++;
    if (++this.sinceCheck >= COMPACT_SLACK_LINES) this.compactIfLong();
  }

  /**
   * Forgets what no longer matters (transitions older than REMEMBER_MS, spending older than the
   * hour) and, when the file has grown well past what is left, rewrites it with only that:
   * to a temporary file (0600) first, then renamed over the old one, so a crash mid-way leaves
   * either file whole.
   */
  private compactIfLong(): void {
    this.sinceCheck = 0;
    const now = this.now();
    for (const map of [this.done, this.confirmed]) {
      for (const [key, at] of map) if (now - at >= REMEMBER_MS) map.delete(key);
    }
    for (let i = this.spent.length - 1; i >= 0; i--) if (now - this.spent[i].at >= HOUR_MS) this.spent.splice(i, 1);
    const live: Line[] = [
      ...[...this.done].map(([done, at]) => ({ done, at })),
      ...[...this.confirmed].map(([confirmed, at]) => ({ confirmed, at })),
      ...this.spent.map((s) => ({ spent: s.kind, n: s.n, at: s.at })),
      ...[...this.pauses.values()].map((paused) => ({ paused })),
    ];
    if (this.lines - live.length < COMPACT_SLACK_LINES) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, live.map((line) => `${JSON.stringify(line)}\n`).join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, this.file);
    this.lines = live.length;
  }

  /** Lines the state file holds now (for tests and the docs' figure). */
  get fileLines(): number { return this.lines; }

  /**
   * A transition seen again (Alertmanager repeats a firing alert's notification every
   * repeat_interval) is remembered afresh, at most once a day: one still firing after a week is
   * not forgotten and acted on twice.
   */
  private seen(map: Map<string, number>, key: string, line: (at: number) => Line): boolean {
    const at = map.get(key);
    if (at === undefined) return false;
    const now = this.now();
    if (now - at >= REFRESH_MS) this.record(line(now));
    return true;
  }

  isDone(key: string): boolean { return this.seen(this.done, key, (at) => ({ done: key, at })); }
  markDone(key: string): void { if (!this.done.has(key)) this.record({ done: key, at: this.now() }); }

  wasConfirmedFiring(key: string): boolean { return this.seen(this.confirmed, key, (at) => ({ confirmed: key, at })); }
  markConfirmedFiring(key: string): void { if (!this.confirmed.has(key)) this.record({ confirmed: key, at: this.now() }); }

  /** What `kind` has spent in the hour before `now`. */
  spentInHour(kind: 'redrive' | 'pause', now = this.now()): number {
    let n = 0;
    for (const s of this.spent) if (s.kind === kind && now - s.at < HOUR_MS) n += s.n;
    return n;
  }
  spend(kind: 'redrive' | 'pause', n: number, now = this.now()): void { if (n > 0) this.record({ spent: kind, n, at: now }); }

  openPauses(): OpenPause[] { return [...this.pauses.values()]; }
  pauseOpened(p: OpenPause): void { this.record({ paused: p }); }
  pauseEnded(key: string): void { if (this.pauses.has(key)) this.record({ resumed: key }); }
  isPaused(key: string): boolean { return this.pauses.has(key); }
}
