/**
 * Stopping: a stop ends by FILAMENT_SHUTDOWN_TIMEOUT_MS whatever the collector
 * does (refused connections, a black hole that accepts and never answers),
 * however the app ends. Bounds are loose for a busy machine but well below what
 * an unbounded exporter takes (its retries run for the 10 s export timeout).
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { startFixture } from './support/fixture';

const DEADLINE_MS = 1000;
/** Deadline + start-up-free slack for a loaded 2-core machine; an unbounded stop takes 8–20 s. */
const BOUND_MS = DEADLINE_MS + 3000;

async function refusedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** What was not delivered is said on stderr: failed exports, or what the deadline abandoned. */
function assertLossReported(stderr: string): void {
  assert.match(stderr, /^filament-otel: (OTLP logs: \d+ log records could not be exported|the stop deadline \(FILAMENT_SHUTDOWN_TIMEOUT_MS=1000\) passed; abandoned unexported: .*\d+ log records \(OTLP logs\))/m);
  for (const line of stderr.trim().split('\n')) assert.match(line, /^filament-otel: /);
}

describe('preload: a stop ends by its deadline whatever the collector does', function () {
  this.timeout(60000);
  const blackHoleSockets = new Set<net.Socket>();
  const blackHole = net.createServer((socket) => {
    blackHoleSockets.add(socket);
    socket.on('close', () => blackHoleSockets.delete(socket));
    socket.on('error', () => undefined);
  });
  const collectors: Record<string, string> = {};
  before(async () => {
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    collectors['black hole'] = `http://127.0.0.1:${(blackHole.address() as net.AddressInfo).port}`;
    collectors.refused = await refusedUrl();
  });
  after(async () => {
    for (const s of blackHoleSockets) s.destroy();
    await new Promise<void>((resolve) => blackHole.close(() => resolve()));
  });

  for (const collector of ['refused', 'black hole']) {
    const env = (): Record<string, string> => ({
      FILAMENT_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS),
      // Nothing leaves before the stop: the stop's own flush meets the collector.
      OTEL_BLRP_SCHEDULE_DELAY: '60000',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });

    it(`${collector}: an app with its own SIGTERM handler (server.close()) exits promptly`, async () => {
      const app = await startFixture('stop-modes.cjs', { otlp: collectors[collector], env: env(), args: ['own-handler'] });
      const started = Date.now();
      const exit = await app.stop('SIGTERM', 30000);
      const took = Date.now() - started;
      assert.deepEqual(exit, { code: 0, signal: null }, 'ends as the app decided (its handler ran, the loop emptied)');
      assert.ok(took < BOUND_MS, `exited ${took} ms after SIGTERM (deadline ${DEADLINE_MS} ms)`);
      assertLossReported(app.stderr());
    });

    it(`${collector}: await shutdown() resolves by the deadline and the script then exits`, async () => {
      const app = await startFixture('stop-modes.cjs', { otlp: collectors[collector], env: env(), args: ['await-shutdown'], readyText: 'READY' });
      const started = Date.now();
      const exit = await app.stop('SIGCONT', 30000); // SIGCONT: changes nothing, only waits for the end
      const took = Date.now() - started;
      assert.deepEqual(exit, { code: 0, signal: null });
      const shutdownMs = Number(/SHUTDOWN (\d+)/.exec(app.stdout())?.[1]);
      assert.ok(shutdownMs < BOUND_MS, `shutdown() took ${shutdownMs} ms`);
      assert.ok(took < BOUND_MS, `exited ${took} ms after READY`);
      assertLossReported(app.stderr());
    });

    it(`${collector}: a script that just ends exits promptly`, async () => {
      const app = await startFixture('stop-modes.cjs', { otlp: collectors[collector], env: env(), args: ['script'], readyText: 'READY' });
      const started = Date.now();
      const exit = await app.stop('SIGCONT', 30000);
      const took = Date.now() - started;
      assert.deepEqual(exit, { code: 0, signal: null });
      assert.ok(took < BOUND_MS, `exited ${took} ms after READY`);
      assertLossReported(app.stderr());
    });
  }
});
