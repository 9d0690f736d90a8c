/**
 * The preload's bundle runs from a V8 code cache on disk (src/codeCache.ts, docs/settings.md
 * FILAMENT_CODE_CACHE): written once, used by the next start, never taken from a place or file
 * another user could have written, never run when damaged or made for another source or process
 * — and in every case the service starts and its records arrive.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { OtlpReceiver } from './support/otlpReceiver';
import { trackedFixtures } from './support/fixture';

const { startFixture, killLeftovers } = trackedFixtures();
/** Where the fixtures run (test/support/fixture.ts), so `filament-otel/preload` resolves as it does for them. */
const ROOT = path.join(__dirname, '..');

interface CacheState { outcome: string; file?: string; written?: boolean; firstExport?: string }
interface Start { state: CacheState; stderr: string }

describe('the preload\'s code cache (FILAMENT_CODE_CACHE)', function () {
  this.timeout(60000);
  afterEach(killLeftovers);
  const otlp = new OtlpReceiver();
  let scratch = '';
  before(async () => {
    await otlp.start();
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-code-cache-test-'));
  });
  after(async () => {
    await otlp.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  /** One start of the fixture; asserts it exits 0 and that its order event arrived with its exact attributes. */
  async function start(env: Record<string, string | undefined>, wait = false): Promise<Start> {
    otlp.clear();
    const app = await startFixture('code-cache.cjs', { otlp: otlp.url, env, args: wait ? ['wait'] : [], readyText: 'DONE', readyTimeoutMs: 20000 });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    const { firstExport, ...state } = JSON.parse(/^STATE (.*)$/m.exec(app.stdout())?.[1] ?? 'null') as CacheState;
    // The fixture's forceFlush sent a batch: a cache written waited for it (src/codeCache.ts).
    if (state.written === true) assert.equal(firstExport, 'done');
    assert.ok(await otlp.waitFor(() => otlp.events('order.status_changed').length === 1), `the order event arrives (${state?.outcome})`);
    const [order] = otlp.events('order.status_changed');
    assert.equal(order?.attributes['order.number'], 'ORD-CACHE');
    assert.equal(order?.attributes['customer.id'], 'C-7');
    return { state, stderr: app.stderr() };
  }

  const fresh = (name: string): string => path.join(scratch, name);
  const cacheFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.v8cache')) : []);

  it('the first start writes a private cache file once the service is up; the next start runs from it', async () => {
    const dir = fresh('private');
    const first = await start({ FILAMENT_CODE_CACHE: dir }, true);
    assert.deepEqual(first.state, { outcome: 'missed', file: first.state.file, written: true });
    assert.equal(first.stderr, '');
    assert.equal(path.dirname(first.state.file as string), dir);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'the directory is the user\'s alone');
    assert.equal(fs.statSync(first.state.file as string).mode & 0o777, 0o600, 'so is the file');
    assert.deepEqual(cacheFiles(dir), [path.basename(first.state.file as string)]);
    const second = await start({ FILAMENT_CODE_CACHE: dir });
    assert.deepEqual(second.state, { outcome: 'used', file: first.state.file });
    assert.equal(second.stderr, '');
  });

  it('the cache waits for the first export, so that its code is in it', async () => {
    const dir = fresh('late');
    otlp.clear();
    const minute = '60000';
    const app = await startFixture('code-cache.cjs', {
      otlp: otlp.url, args: ['late'], readyText: 'DONE', readyTimeoutMs: 20000,
      env: { FILAMENT_CODE_CACHE: dir, OTEL_BLRP_SCHEDULE_DELAY: minute, OTEL_BSP_SCHEDULE_DELAY: minute, OTEL_METRIC_EXPORT_INTERVAL: minute },
    });
    assert.deepEqual(await app.exited, { code: 0, signal: null }, app.stderr());
    assert.equal(/^LATE (.*)$/m.exec(app.stdout())?.[1], 'false', 'not written at 2 s: no export had been sent');
    const state = JSON.parse(/^STATE (.*)$/m.exec(app.stdout())?.[1] ?? 'null') as CacheState;
    assert.equal(state.written, true, app.stdout());
    assert.equal(state.firstExport, 'done');
  });

  it('a cache written by an image\'s build step (exporters off, a -e script) is the service\'s (docs/settings.md, "Containers")', async () => {
    const dir = fresh('image');
    const build = spawnSync(process.execPath, ['--require', 'filament-otel/preload', '-e', 'setTimeout(() => {}, 2500)'], {
      cwd: ROOT, encoding: 'utf8', timeout: 20000,
      env: { PATH: process.env.PATH, FILAMENT_CODE_CACHE: dir, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    });
    assert.equal(build.status, 0, build.stderr);
    assert.equal(build.stderr, '');
    assert.equal(cacheFiles(dir).length, 1, 'written by the build step');
    const service = await start({ FILAMENT_CODE_CACHE: dir });
    assert.equal(service.state.outcome, 'used');
  });

  it('unset: a directory of the user\'s own under the temporary directory', async () => {
    const tmp = fresh('tmpdir');
    fs.mkdirSync(tmp);
    const { state } = await start({ TMPDIR: tmp, FILAMENT_CODE_CACHE: undefined }, true);
    assert.equal(state.outcome, 'missed');
    assert.equal(path.dirname(state.file as string), path.join(tmp, `filament-otel-${process.getuid?.()}`));
    assert.equal((await start({ TMPDIR: tmp, FILAMENT_CODE_CACHE: undefined })).state.outcome, 'used');
  });

  it('a damaged cache file is never run: compiled from source, and replaced', async () => {
    const dir = fresh('damaged');
    const { state } = await start({ FILAMENT_CODE_CACHE: dir }, true);
    const file = state.file as string;
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 0xff; // one flipped byte of bytecode
    fs.writeFileSync(file, bytes);
    const damaged = await start({ FILAMENT_CODE_CACHE: dir }, true);
    assert.equal(damaged.state.outcome, 'stale');
    assert.equal(damaged.state.written, true, 'replaced');
    assert.equal(damaged.stderr, '');
    assert.equal((await start({ FILAMENT_CODE_CACHE: dir })).state.outcome, 'used');
  });

  it('a cache made for another process is not used, even renamed to this one\'s name', async () => {
    const dir = fresh('other');
    const a = await start({ FILAMENT_CODE_CACHE: dir }, true);
    const b = await start({ FILAMENT_CODE_CACHE: dir, NODE_OPTIONS: '--no-deprecation' }, true);
    assert.notEqual(a.state.file, b.state.file, 'other flags, other name');
    fs.copyFileSync(a.state.file as string, b.state.file as string);
    const swapped = await start({ FILAMENT_CODE_CACHE: dir, NODE_OPTIONS: '--no-deprecation' });
    assert.equal(swapped.state.outcome, 'stale');
  });

  it('a directory others may write to is refused and said; the start compiles from source', async () => {
    const dir = fresh('shared');
    const { state } = await start({ FILAMENT_CODE_CACHE: dir }, true);
    fs.chmodSync(dir, 0o777);
    const refused = await start({ FILAMENT_CODE_CACHE: dir });
    assert.deepEqual(refused.state, { outcome: 'refused' }, 'not even read');
    assert.equal(refused.stderr, `filament-otel: the code cache directory ${dir} is writable by others (mode 777): the preload starts without it (FILAMENT_CODE_CACHE, docs/settings.md)\n`);
    fs.chmodSync(dir, 0o770);
    assert.match((await start({ FILAMENT_CODE_CACHE: dir })).stderr, /is writable by its group \(mode 770\)/);
    fs.chmodSync(dir, 0o700);
    fs.chmodSync(state.file as string, 0o666);
    const file = await start({ FILAMENT_CODE_CACHE: dir });
    assert.equal(file.state.outcome, 'refused');
    assert.match(file.stderr, /the code cache file .* is writable by others \(mode 666\)/);
  });

  it('a symbolic link in place of the directory is refused', async () => {
    const real = fresh('link-target');
    await start({ FILAMENT_CODE_CACHE: real }, true);
    const link = fresh('link');
    fs.symlinkSync(real, link);
    const refused = await start({ FILAMENT_CODE_CACHE: link });
    assert.deepEqual(refused.state, { outcome: 'refused' });
    assert.match(refused.stderr, /the code cache directory .*link is a symbolic link/);
  });

  it('a directory or file of another user is refused (needs root to make one)', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const dir = fresh('foreign');
    const { state } = await start({ FILAMENT_CODE_CACHE: dir }, true);
    fs.chownSync(state.file as string, 65534, 65534);
    const file = await start({ FILAMENT_CODE_CACHE: dir });
    assert.equal(file.state.outcome, 'refused');
    assert.match(file.stderr, /the code cache file .* is owned by uid 65534, not 0/);
    fs.chownSync(dir, 65534, 65534);
    const owned = await start({ FILAMENT_CODE_CACHE: dir });
    assert.deepEqual(owned.state, { outcome: 'refused' });
    assert.match(owned.stderr, /the code cache directory .* is owned by uid 65534, not 0/);
  });

  it('off: required as any module, nothing written; an unusable value is said and means off', async () => {
    const off = await start({ FILAMENT_CODE_CACHE: 'off', TMPDIR: fresh('off-tmp') }, false);
    assert.deepEqual(off.state, { outcome: 'off' });
    assert.equal(off.stderr, '');
    assert.equal(fs.existsSync(fresh('off-tmp')), false, 'no directory made');
    const relative = await start({ FILAMENT_CODE_CACHE: 'cache' });
    assert.deepEqual(relative.state, { outcome: 'off' });
    assert.equal(relative.stderr, 'filament-otel: FILAMENT_CODE_CACHE=cache is neither on, off nor an absolute directory; the preload starts without the code cache\n');
  });

  it('a directory that cannot be made is said when named, and the service starts', async () => {
    const file = fresh('a-file');
    fs.writeFileSync(file, '');
    const named = await start({ FILAMENT_CODE_CACHE: path.join(file, 'cache') });
    assert.deepEqual(named.state, { outcome: 'unavailable' });
    assert.match(named.stderr, /the code cache directory .*a-file\/cache cannot be used \(ENOTDIR\): the preload starts without it/);
  });
});
