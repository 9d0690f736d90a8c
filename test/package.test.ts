/** version.ts and package.json's engines kept in step with what the project tests on. */
import { execFileSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../src/version';

describe('unit: package', () => {
  it('version.ts matches package.json', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    assert.equal(PACKAGE_NAME, pkg.name);
    assert.equal(PACKAGE_VERSION, pkg.version);
    // engines names exactly the Node lines the project tests on (scripts/node.sh pins them).
    const lines = execFileSync('bash', [path.join(__dirname, '..', 'scripts', 'node.sh'), 'lines'], { encoding: 'utf8' }).trim().split('\n');
    assert.deepEqual(String(pkg.engines.node).split(' || ').map((range) => /^\^(\d+)\./.exec(range)?.[1]).sort().reverse(), lines);
  });
});
