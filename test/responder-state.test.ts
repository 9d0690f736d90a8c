/**
 * The responder's stateFile stays bounded (src/responder/state.ts): what no longer matters is
 * forgotten and the file rewritten, while a transition Alertmanager may still redeliver — one
 * still firing after a week included — is never forgotten and acted on twice.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REMEMBER_MS, ResponderState } from '../src/responder/state';

describe('unit: responder state file', () => {
  let dir: string;
  let file: string;
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-state-'));
    file = path.join(dir, 'state.jsonl');
    now = Date.UTC(2026, 11, 6);
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const lines = () => fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;

  it('a month of alerts leaves a file of what still matters, not a line per alert ever handled', () => {
    const state = new ResponderState(file, clock);
    // 5 transitions an hour for 30 days, each confirmed firing, then done, and one spending.
    for (let hour = 0; hour < 30 * 24; hour++) {
      if (hour > 0) now += 3600_000;
      for (let i = 0; i < 5; i++) {
        const key = `fp${hour}-${i}|2026`;
        state.markConfirmedFiring(key);
        state.markDone(key);
        state.spend('redrive', 1);
      }
    }
    // A week of transitions (2 keys each) plus the last hour's spending, and at most the slack.
    const live = 7 * 24 * 5 * 2 + 5;
    assert.ok(lines() <= live + 2000, `${lines()} lines of ${30 * 24 * 5 * 3} appended`);
    assert.equal((fs.statSync(file).mode & 0o777).toString(8), '600');
    // What still matters survives the rewrite and a restart.
    const reread = new ResponderState(file, clock);
    assert.equal(reread.isDone(`fp${30 * 24 - 1}-0|2026`), true);
    assert.equal(reread.wasConfirmedFiring(`fp${30 * 24 - 2}-4|2026`), true);
    assert.equal(reread.isDone('fp0-0|2026'), false, 'a transition a month old is forgotten');
    assert.equal(reread.spentInHour('redrive'), 5, 'the last hour\'s spending is kept');
  });

  it('an alert still firing after a week is remembered as long as it is redelivered', () => {
    const state = new ResponderState(file, clock);
    state.markDone('long|firing');
    for (let hours = 0; hours < 14 * 24; hours += 4) { // repeat_interval 4h, two weeks
      now += 4 * 3600_000;
      assert.equal(state.isDone('long|firing'), true, `forgotten after ${hours + 4} h`);
    }
    assert.equal(new ResponderState(file, clock).isDone('long|firing'), true, 'and after a restart');
    now += REMEMBER_MS;
    assert.equal(new ResponderState(file, clock).isDone('long|firing'), false, 'a week after the last redelivery it is gone');
  });

  it('open pauses survive compaction whatever their age; the old one-key-per-line format still reads', () => {
    fs.writeFileSync(file, 'legacy|key\n', { mode: 0o600 });
    const state = new ResponderState(file, clock);
    assert.equal(state.isDone('legacy|key'), true);
    state.pauseOpened({ key: 'p|1', labels: { alertname: 'FilamentMesDown' }, fingerprint: 'p', startsAt: '1', until: now + 1800_000 });
    for (let i = 0; i < 3000; i++) { state.markDone(`k${i}`); now += 3600_000; }
    const reread = new ResponderState(file, clock);
    assert.deepEqual(reread.openPauses().map((p) => p.key), ['p|1']);
    assert.equal(reread.isDone('legacy|key'), false);
  });
});
