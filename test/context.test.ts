/** context.ts: where the request context is carried. */
import assert from 'node:assert/strict';
import { probeResourceStores } from '../src/context';

describe('unit: request context', () => {
  it('the cheap path (store entered on the parser resource) is taken where AsyncLocalStorage keeps stores on resources', () => {
    // Node 22 keeps the store on the async resource; Node 24+ uses async context frames,
    // where entering does not outlive the callback and requests carry their context on req/res.
    const frames = Number(process.versions.node.split('.')[0]) >= 24 || process.execArgv.includes('--experimental-async-context-frame');
    assert.equal(probeResourceStores(), !frames);
  });
});
