/**
 * process.exit() with records still buffered (docs/stopping.md, "`process.exit()`"):
 * one synchronous stderr line with the exact count, or — FILAMENT_FLUSH_ON_EXIT=on — the exit
 * deferred until the flush, within the stop deadline, with the app's exit code. And the stop's
 * loss report counts every record once (it said 200 for 100 when the deadline abandoned a batch
 * in flight). Counts are exact: what arrived plus what stderr names is what was emitted.
 */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import * as net from 'node:net';
import { trackedFixtures, type RunningFixture } from './support/fixture';
import { OtlpReceiver } from './support/otlpReceiver';

/** Fixtures started here; whatever a failed assertion left running is killed after each test. */
const { startFixture, killLeftovers } = trackedFixtures();

/** A POST that resolves when answered or when the connection ends unanswered (the app exited). */
function post(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST' }, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
}

/** The sum of every `N <unit>` stderr names (loss lines, the stop's line, the exit line). */
function named(stderr: string, unit: 'log records' | 'spans'): number {
  return [...stderr.matchAll(new RegExp(`(\\d+) ${unit}\\b`, 'g'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

const DEADLINE_MS = 1000;
/** Deadline + slack for a loaded 2-core machine (as test/preload-stop.test.ts). */
const BOUND_MS = DEADLINE_MS + 3000;

describe('process.exit() in a request handler with records buffered', function () {
  this.timeout(30000);
  afterEach(killLeftovers);
  const otlp = new OtlpReceiver();
  const blackHoleSockets = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    blackHoleSockets.add(socket);
    socket.on('close', () => blackHoleSockets.delete(socket));
    socket.on('error', () => undefined);
  });
  let blackHoleUrl = '';
  before(async () => {
    await otlp.start();
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    blackHoleUrl = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    await otlp.stop();
    for (const s of blackHoleSockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });
  beforeEach(() => otlp.clear());

  // Nothing leaves on a timer: a full batch (128 here, the default is 512) leaves at once, the rest waits for a stop.
  const env = {
    OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '128',
    FILAMENT_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
  };

  /**
   * 200 events (a batch of 128 leaves at once; 72 and the request's api.request wait, with its
   * span), then 50 more and process.exit(): 251 log records and 1 span in all.
   */
  async function emitThenExit(app: RunningFixture, exitQuery: string, waitForFirstBatch: boolean): Promise<void> {
    await post(app.port as number, '/emit/200');
    if (waitForFirstBatch) assert.ok(await otlp.waitFor(() => otlp.logs.length >= 128, 10000), 'the first full batch arrives');
    void post(app.port as number, `/exit/50?${exitQuery}`);
    await app.waitForOutput('EXITING');
  }

  it('says at exit, in one line, exactly how many records and spans were still buffered', async () => {
    const app = await startFixture('exit-in-handler.cjs', { otlp: otlp.url, env });
    await emitThenExit(app, 'code=3', true);
    assert.deepEqual(await app.exited, { code: 3, signal: null }, 'the exit code is the app\'s');
    const lines = app.stderr().trim().split('\n');
    assert.equal(lines.length, 1, app.stderr());
    assert.match(lines[0] as string,
      /^filament-otel: exiting with 123 log records \(OTLP logs\), 1 spans \(OTLP traces\) not exported: lost \(await shutdown\(\) from filament-otel before process\.exit\(\), or set FILAMENT_FLUSH_ON_EXIT=on\)$/);
    assert.equal(otlp.logs.length, 128);
    assert.equal(otlp.logs.length + named(app.stderr(), 'log records'), 251, 'delivered + said = emitted');
  });

  it('FILAMENT_FLUSH_ON_EXIT=on: every record and span arrives, with the exit code the app set', async () => {
    const app = await startFixture('exit-in-handler.cjs', { otlp: otlp.url, env: { ...env, FILAMENT_FLUSH_ON_EXIT: 'on' } });
    await emitThenExit(app, 'exitCode=4', false);
    assert.deepEqual(await app.exited, { code: 4, signal: null }, app.stderr());
    assert.equal(app.stderr(), '');
    const numbers = new Set(otlp.events('order.status_changed').map((e) => e.attributes['order.number']));
    assert.equal(numbers.size, 250);
    assert.equal(otlp.events('api.request').length, 1);
    assert.equal(otlp.logs.length, 251);
    assert.equal(otlp.spans.length, 1);
  });

  it('FILAMENT_FLUSH_ON_EXIT=on and a collector that never answers: gone by the deadline, first exit code kept, each record said once', async () => {
    const app = await startFixture('exit-in-handler.cjs', { otlp: blackHoleUrl, env: { ...env, FILAMENT_FLUSH_ON_EXIT: 'on' } });
    await post(app.port as number, '/emit/200');
    // skew: the clock moves between the exit's reads and the stop's, as on a loaded machine,
    // where the exit's own timer once fired first and cut the stop's line (CI, 2026-12-07).
    void post(app.port as number, '/exit/50?code=3&again=7&skew=5');
    await app.waitForOutput('EXITING');
    const started = Date.now();
    const exit = await app.exited;
    const took = Date.now() - started;
    assert.deepEqual(exit, { code: 3, signal: null }, 'a second process.exit() (at once, and from inside the flush) changes nothing');
    assert.ok(took < BOUND_MS, `exited ${took} ms after process.exit() (deadline ${DEADLINE_MS} ms)`);
    assert.match(app.stderr(), /^filament-otel: the stop deadline \(FILAMENT_SHUTDOWN_TIMEOUT_MS=1000\) passed; abandoned unexported: /m);
    assert.equal(named(app.stderr(), 'log records'), 251, app.stderr());
    assert.equal(named(app.stderr(), 'spans'), 1, app.stderr());
  });
});

describe('the stop\'s loss report counts each record once', function () {
  this.timeout(30000);
  afterEach(killLeftovers);
  const sockets = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  let url = '';
  before(async () => {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  // 100: one batch in flight when the deadline passes (was said as 200); 300: a full batch in
  // flight since the burst and the rest queued (was said as 428).
  for (const [events, mode] of [[100, 'await-shutdown'], [300, 'script']] as const) {
    it(`${events} records and a span, a collector that never answers, a stop: ${events} and 1 said`, async () => {
      const app = await startFixture('stop-modes.cjs', {
        otlp: url, args: [mode], readyText: 'READY',
        env: {
          EVENTS: String(events), FILAMENT_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
          OTEL_BLRP_SCHEDULE_DELAY: '60000', OTEL_BSP_SCHEDULE_DELAY: '60000',
        },
      });
      assert.deepEqual(await app.exited, { code: 0, signal: null });
      assert.equal(named(app.stderr(), 'log records'), events, app.stderr());
      assert.equal(named(app.stderr(), 'spans'), 1, app.stderr());
    });
  }
});
