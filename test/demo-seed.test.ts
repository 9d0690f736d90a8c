/**
 * The demo's chance is seeded (examples/shared/seed.cjs): the MES API's fault decisions draw from
 * FILAMENT_SEED, so a run's faults can be replayed. The real MES API under the preload, on the real
 * broker (its own topology prefix), with an error rate of one half: the pattern of failed and served
 * requests is the same for the same seed and differs for another.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { connect } from 'amqplib';
import { ROOT, startFixture } from './support/fixture';

const AMQP_URL = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PREFIX = `${process.env.FIXTURE_PREFIX ?? 'test'}-seed-${process.pid}.`;

/** 503 (the injected SlicerFault) or not, for 24 pricing requests at error rate 0.5, by a MES started with `seed`. */
async function faultPattern(seed: string): Promise<string> {
  const mes = await startFixture(path.join(ROOT, 'examples', 'mes-api', 'server.mjs'), {
    loader: 'import',
    env: { TOPOLOGY_PREFIX: PREFIX, AMQP_URL, PORT: '0', FILAMENT_SEED: seed, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
  });
  try {
    const base = `http://127.0.0.1:${mes.port}`;
    const set = await fetch(`${base}/admin/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 0.5, durationS: 60 }) });
    assert.equal(set.status, 200);
    let pattern = '';
    // No model in the body: a request the fault spares is refused at once (415); a drawn fault answers 503 first.
    for (let i = 0; i < 24; i++) {
      const res = await fetch(`${base}/v1/models/price?customerId=C-1&material=PLA&filename=x.stl`, { method: 'POST' });
      await res.arrayBuffer();
      pattern += res.status === 503 ? 'x' : '.';
    }
    assert.match(mes.stdout() + mes.stderr(), new RegExp(`FILAMENT_SEED=${seed} replays them`));
    return pattern;
  } finally {
    await mes.stop('SIGTERM');
  }
}

describe('the demo\'s fault decisions are seeded (FILAMENT_SEED)', function () {
  this.timeout(60_000);

  after(async () => {
    const conn = await connect(AMQP_URL);
    const ch = await conn.createChannel();
    for (const q of ['mes.pricing.requests', 'mes.pricing.expedite', 'orders.pricing.results', 'platform.dlq']) await ch.deleteQueue(PREFIX + q).catch(() => undefined);
    await ch.deleteQueue(`filament.dead-letter-tap.${PREFIX}platform.dlx`).catch(() => undefined);
    await ch.deleteExchange(`${PREFIX}platform.dlx`).catch(() => undefined);
    await conn.close();
  });

  it('the same seed draws the same faults; another seed, others', async () => {
    const first = await faultPattern('20261206');
    assert.match(first, /x/, 'some requests fail at rate 0.5');
    assert.match(first, /\./, 'some are spared');
    assert.equal(await faultPattern('20261206'), first, 'replayed by the same seed');
    assert.notEqual(await faultPattern('7'), first, 'another seed, another pattern (1 in 2^24 to collide)');
  });

  it('a FILAMENT_SEED that is not a 32-bit unsigned integer: the MES refuses to start, saying so in one line', async () => {
    await assert.rejects(startFixture(path.join(ROOT, 'examples', 'mes-api', 'server.mjs'), {
      loader: 'import', readyTimeoutMs: 20_000,
      env: { TOPOLOGY_PREFIX: PREFIX, AMQP_URL, PORT: '0', FILAMENT_SEED: 'banana', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' },
    }), /FILAMENT_SEED=banana is not an integer from 0 to 4294967295/);
  });
});
