/**
 * filament-responder to RabbitMQ over TLS (docs/security.md, "responder → RabbitMQ"): the built
 * config loader, broker connection and re-drive (dist/responder/) against the suite's RabbitMQ TLS
 * listener (scripts/rabbitmq.sh: amqps://127.0.0.1:5671, its CA from `scripts/rabbitmq.sh ca`),
 * and the bin refusing plain amqp:// beyond loopback before it connects anywhere.
 * AMQPS_URL / AMQPS_CA_FILE point it at another node.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, type Channel, type ChannelModel } from 'amqplib';
import { ROOT } from './support/fixture';
import { makeCertificates } from './support/tls';
import type * as ConfigModule from '../src/responder/config';
import type * as BrokerModule from '../src/responder/broker';
import type * as RedriveModule from '../src/responder/redrive';

const dist = <T>(name: string): T => require(path.join(ROOT, 'dist', 'responder', `${name}.js`)) as T;
const { loadResponderConfig, ResponderConfigError } = dist<typeof ConfigModule>('config');
const { connectBroker } = dist<typeof BrokerModule>('broker');
const { redrive } = dist<typeof RedriveModule>('redrive');

const AMQPS_URL = process.env.AMQPS_URL ?? 'amqps://guest:guest@127.0.0.1:5671';
const CA_FILE = process.env.AMQPS_CA_FILE ?? execFileSync('bash', [path.join(ROOT, 'scripts', 'rabbitmq.sh'), 'ca'], { encoding: 'utf8' }).trim();
const P = `${process.env.FIXTURE_PREFIX ?? 'test.'}responder-amqps-${process.pid}.`;
const names = { work: `${P}work`, dlq: `${P}dlq`, parking: `${P}parking-lot` };
const runbook = { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: names.dlq, parkingLotQueue: names.parking,
  maxAttempts: 3, backoffMs: 0, maxBackoffMs: 0, scopeBy: [] };

describe('filament-responder → RabbitMQ over TLS (amqps://, amqpCaFile)', function () {
  this.timeout(30_000);
  let dir: string;
  let conn: ChannelModel;
  let ch: Channel;
  const depth = async (q: string): Promise<number> => (await ch.checkQueue(q)).messageCount;

  /** A 0600 configuration file as an operator writes it, loaded by the built loader. */
  function config(extra: Record<string, unknown>, env: Record<string, string> = {}) {
    const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, JSON.stringify({ insecureNoAuth: true, alertmanager: { url: 'http://127.0.0.1:9093' }, runbooks: [runbook], ...extra }), { mode: 0o600 });
    return loadResponderConfig(file, env);
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-amqps-'));
    // The test's own view of the broker: over TLS too, with the listener's CA.
    const restart = 'a node started before scripts/rabbitmq.sh had the TLS listener: scripts/rabbitmq.sh stop; scripts/rabbitmq.sh start';
    if (!fs.existsSync(CA_FILE)) throw new Error(`no CA at ${CA_FILE}: ${restart}`);
    conn = await connect(AMQPS_URL, { ca: [fs.readFileSync(CA_FILE)] }).catch((e: Error) => {
      throw new Error(`${AMQPS_URL.replace(/\/\/.*@/, '//')}: ${e.message} (${restart})`);
    });
    ch = await conn.createChannel();
    await ch.assertQueue(names.work, { durable: true });
    await ch.assertQueue(names.dlq, { durable: true });
    for (let i = 0; i < 3; i++) {
      ch.sendToQueue(names.dlq, Buffer.from(JSON.stringify({ order: i })), { contentType: 'application/json', persistent: true,
        headers: { 'x-death': [{ queue: names.work, reason: 'expired', exchange: '', 'routing-keys': [names.work], count: 1 }] } });
    }
    for (let i = 0; i < 50 && (await depth(names.dlq)) < 3; i++) await new Promise((r) => setTimeout(r, 20));
  });

  after(async () => {
    for (const q of Object.values(names)) await ch?.deleteQueue(q).catch(() => undefined);
    await conn?.close().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('without the broker\'s CA, or with another CA: refused in one line naming amqpCaFile, no password in it; nothing moved', async () => {
    const other = makeCertificates(path.join(dir, 'other-ca'));
    const password = new URL(AMQPS_URL).password;
    for (const [extra, want] of [
      [{}, /^amqps:\/\/127\.0\.0\.1:\d+: the broker's certificate is not trusted \(\w+\): set amqpCaFile to the CA that signed it$/],
      [{ amqpCaFile: other.caFile }, /^amqps:\/\/127\.0\.0\.1:\d+: the broker's certificate is not trusted \(\w+\): amqpCaFile is not the CA that signed it$/],
    ] as const) {
      const refused = await connectBroker(connect, config({ amqpUrl: AMQPS_URL, ...extra })).then(() => undefined, (e: Error) => e);
      assert.ok(refused instanceof Error, `connected to ${AMQPS_URL.replace(/\/\/.*@/, '//')} with ${JSON.stringify(extra)}`);
      assert.match(refused.message, want);
      assert.ok(!refused.message.includes(`:${password}@`));
    }
    assert.equal(await depth(names.dlq), 3);
    assert.equal(await depth(names.work), 0);
  });

  it('with amqpCaFile: re-drives over amqps:// (3 dead letters back to their queue)', async () => {
    const cfg = config({ amqpUrl: AMQPS_URL, amqpCaFile: CA_FILE });
    assert.equal(new URL(cfg.amqpUrl).protocol, 'amqps:');
    const broker = await connectBroker(connect, cfg);
    try {
      const confirm = await broker.createConfirmChannel();
      const rb = cfg.runbooks[0];
      assert.ok(rb !== undefined && rb.action === 'redrive');
      const counts = await redrive(confirm, rb, { limit: 100 });
      await confirm.close();
      assert.deepEqual([counts.found, counts.redriven, counts.parked], [3, 3, 0]);
    } finally {
      await broker.close();
    }
    assert.equal(await depth(names.dlq), 0);
    assert.equal(await depth(names.work), 3);
  });

  it('plain amqp:// beyond loopback: refused at config time naming amqps://, the password never said; loopback amqp:// stays', () => {
    const secret = 'pw-that-must-not-leak';
    const refusals: [Record<string, unknown>, Record<string, string>][] = [
      [{ amqpUrl: `amqp://filament:${secret}@rabbitmq:5672` }, {}],
      [{ amqpUrl: `amqp://filament:${secret}@10.0.0.5:5672` }, {}],
      [{ amqpUrl: `amqp://filament:${secret}@127.0.0.1.nip.io:5672` }, {}],
      [{}, { FILAMENT_RESPONDER_AMQP_URL: `amqp://filament:${secret}@rabbitmq.internal` }],
    ];
    for (const [extra, env] of refusals) {
      assert.throws(() => config(extra, env), (e: unknown) => e instanceof ResponderConfigError
        && /^(amqpUrl|FILAMENT_RESPONDER_AMQP_URL): amqp:\/\/ to \S+ would send the broker password unencrypted beyond this host: use amqps:\/\//.test(e.message)
        && !e.message.includes(secret));
    }
    assert.throws(() => config({ amqpUrl: 'amqp://guest:guest@127.0.0.1:5672', amqpCaFile: CA_FILE }), /amqpCaFile is set but amqpUrl is amqp:\/\//);
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) assert.equal(config({ amqpUrl: `amqp://guest:guest@${host}:5672` }).amqpUrl, `amqp://guest:guest@${host}:5672`);

    // The bin: exit 2 and one line on stderr, before it listens or connects.
    const file = path.join(dir, 'bin.json');
    fs.writeFileSync(file, JSON.stringify({ listen: '127.0.0.1:0', insecureNoAuth: true, runbooks: [], amqpUrl: `amqp://filament:${secret}@rabbitmq:5672` }), { mode: 0o600 });
    const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'responder.js'), '--config', file], { encoding: 'utf8', timeout: 10_000, env: { PATH: process.env.PATH } });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^filament-responder: amqpUrl: amqp:\/\/ to rabbitmq would send the broker password unencrypted beyond this host: use amqps:\/\/ \(and amqpCaFile for the broker's CA\)\n$/);
    assert.ok(!run.stderr.includes(secret));
  });
});
