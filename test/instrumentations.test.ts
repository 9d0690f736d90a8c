/** instrumentations.ts: the table of instrumentations and their literal loaders. */
import assert from 'node:assert/strict';
import { INSTRUMENTATION_PACKAGES } from '../src/instrumentations';

describe('unit: instrumentations', () => {
  it('each literal loader (folded into the bundle) loads the package its entry names', () => {
    const bundled = Object.entries(INSTRUMENTATION_PACKAGES).filter(([, e]) => e.load !== undefined);
    assert.deepEqual(bundled.map(([name]) => name), ['http', 'express', 'amqplib', 'undici', 'pg', 'pino', 'winston', 'bunyan', 'runtime-node', 'host-metrics']);
    for (const [name, entry] of bundled) {
      assert.equal(entry.load?.(), require(entry.pkg as string), name);
    }
  });
});
