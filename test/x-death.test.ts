/** amqp/deadLetterTap.ts: which dead-lettering an x-death header reports. */
import assert from 'node:assert/strict';
import { latestDeath } from '../src/amqp/deadLetterTap';

describe('unit: x-death parsing', () => {
  it('takes the newest entry', () => {
    const d = latestDeath({ 'x-death': [
      { reason: 'expired', queue: 'q2', exchange: 'dlx', count: 2, 'routing-keys': ['rk'] },
      { reason: 'rejected', queue: 'q1', exchange: '', count: 1 },
    ] });
    assert.deepEqual(d, { reason: 'expired', queue: 'q2', exchange: 'dlx', count: 2, routingKey: 'rk' });
  });

  it('falls back to x-last-death-* headers', () => {
    assert.equal(latestDeath({ 'x-last-death-reason': 'maxlen' }).reason, 'maxlen');
    assert.equal(latestDeath(undefined).reason, undefined);
  });
});
