// A collector a test started must not outlive the test run, even when the test timed out before its
// collector was up (test/support/collector.ts kills what is still running when the process exits).
// Seen on a fresh machine: the first start builds the binary for minutes, the rolling-restart test
// timed out meanwhile, and the collector it then started kept listening after the suite had ended.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { ROOT } from './support/fixture';
import { markedProcesses } from './support/markedProcesses';

describe('test support: collectors do not outlive the run', () => {
  it('a collector still starting when its test times out is gone when the test process exits', async function () {
    this.timeout(90_000);
    const marker = randomUUID();
    try {
      const child = spawn(process.execPath, [path.join(ROOT, 'node_modules', 'mocha', 'bin', 'mocha.js')], {
        cwd: ROOT, env: { ...process.env, SPEC: 'test/fixtures/collector-orphan.spec.ts', FILAMENT_ORPHAN_MARKER: marker },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => { output += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { output += d.toString(); });
      await new Promise((resolve) => child.on('exit', resolve));
      assert.match(output, /Timeout of 20ms exceeded/, output);
      assert.match(output, /COLLECTOR RUNNING/, `the collector started while the run lasted\n${output}`);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(markedProcesses(marker), [], 'no collector of that run is left');
    } finally {
      for (const pid of markedProcesses(marker)) process.kill(pid, 'SIGKILL');
    }
  });
});
