/** responder/config.ts and responder/redrive.ts: the runbook file and the re-drive decisions. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GetMessage } from 'amqplib';
import { loadResponderConfig, parseResponderConfig as parseWith, ResponderConfigError } from '../src/responder/config';

/** A loopback development setup: a token from the environment, Alertmanager on loopback. */
const TOKEN = { FILAMENT_RESPONDER_TOKEN: 'a-token-of-24-characters' };
const AM = { alertmanager: { url: 'http://127.0.0.1:9093/' } };
const parseResponderConfig = (raw: unknown) => parseWith(typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? { ...AM, ...raw } : raw, TOKEN);
import { classify } from '../src/responder/redrive';

describe('unit: filament-responder configuration and re-drive decisions', () => {
  const redrive = { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: 'dlq', parkingLotQueue: 'parking' };

  it('fills the documented defaults', () => {
    const config = parseResponderConfig({ runbooks: [redrive] });
    assert.equal(config.listen, '127.0.0.1:9787');
    assert.equal(config.dryRun, false);
    assert.equal(config.token, TOKEN.FILAMENT_RESPONDER_TOKEN);
    assert.deepEqual(config.alertmanager, { url: 'http://127.0.0.1:9093' });
    assert.deepEqual(config.limits, { redrivePerAlert: 1000, redrivePerHour: 5000, pausesPerHour: 4, maxPauseS: 1800 });
    assert.deepEqual(config.runbooks[0], {
      ...redrive, on: 'resolved', maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 30000, scopeBy: ['queue', 'reason'], permanentReasons: ['rejected'], parkMalformedJson: true,
    });
  });

  it('refuses what it cannot run, naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [[], /JSON object/],
      [{}, /runbooks must be an array/],
      [{ runbooks: [{ action: 'reboot', match: { alertname: 'X' } }] }, /runbooks\[0\]\.action/],
      [{ runbooks: [{ ...redrive, match: { job: 'x' } }] }, /match\.alertname is required/],
      [{ runbooks: [{ ...redrive, maxAttempts: 0 }] }, /maxAttempts must be a number ≥ 1/],
      [{ runbooks: [{ action: 'http-toggle', match: { alertname: 'X' }, onFiring: { url: 'file:///etc/passwd' }, onResolved: { url: 'http://a/' } }] }, /onFiring\.url must be an http\(s\) URL/],
      [{ dryRun: 'yes', runbooks: [] }, /dryRun must be true or false/],
      [{ listen: '9787', runbooks: [] }, /listen must be host:port/],
    ];
    for (const [raw, message] of bad) assert.throws(() => parseResponderConfig(raw), (e: unknown) => e instanceof ResponderConfigError && message.test(e.message));
  });

  it('a toggle\'s silence: documented defaults, and what it refuses', () => {
    const toggle = { action: 'http-toggle', match: { alertname: 'X' }, onFiring: { url: 'http://a/pause' }, onResolved: { url: 'http://a/resume' } };
    const silence = { matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: 'q' } };
    assert.deepEqual(parseResponderConfig({ runbooks: [toggle] }).runbooks[0], {
      action: 'http-toggle', match: { alertname: 'X' }, onFiring: { method: 'POST', url: 'http://a/pause' }, onResolved: { method: 'POST', url: 'http://a/resume' },
    });
    const rb = parseResponderConfig({ runbooks: [{ ...toggle, silence }] }).runbooks[0];
    assert.ok(rb !== undefined && rb.action === 'http-toggle');
    assert.deepEqual(rb.silence, {
      matchers: silence.matchers, maxDurationS: 3600, afterResumeS: 60,
      comment: 'filament-responder: the runbook caused this alert on purpose (docs/alerting.md)',
    });
    const bad: [unknown, RegExp][] = [
      [{ ...silence, matchers: { queue: 'q' } }, /silence\.matchers\.alertname is required/],
      [{ ...silence, alertmanagerUrl: 'http://127.0.0.1:9093' }, /silence\.alertmanagerUrl: Alertmanager is configured once, at the top level/],
      [{ ...silence, maxDurationS: 10 }, /silence\.maxDurationS must be a number ≥ 60/],
      [{ ...silence, afterResumeS: -1 }, /silence\.afterResumeS must be a number ≥ 0/],
    ];
    for (const [raw, message] of bad) {
      assert.throws(() => parseResponderConfig({ runbooks: [{ ...toggle, silence: raw }] }), (e: unknown) => e instanceof ResponderConfigError && message.test(e.message));
    }
  });

  it('classifies dead letters: origin from x-death, parking for permanent reasons, malformed JSON and exhausted attempts', () => {
    const rb = parseResponderConfig({ runbooks: [{ ...redrive, maxAttempts: 2 }] }).runbooks[0];
    assert.ok(rb !== undefined && rb.action === 'redrive');
    const msg = (headers: Record<string, unknown>, body = '{}', contentType = 'application/json') =>
      ({ content: Buffer.from(body), properties: { headers, contentType }, fields: {} }) as unknown as GetMessage;
    const death = (reason: string) => ({ 'x-death': [{ queue: 'q', reason, exchange: 'x', 'routing-keys': ['rk'], count: 1 }] });
    assert.deepEqual(classify(rb, msg(death('delivery_limit'))), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 1 });
    assert.deepEqual(classify(rb, msg({ ...death('expired'), 'x-filament-redrive-attempts': 1 })), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 2 });
    assert.deepEqual(classify(rb, msg({ ...death('expired'), 'x-filament-redrive-attempts': 2 })), { to: 'parking', why: 'exhausted: 2 re-drives' });
    assert.deepEqual(classify(rb, msg(death('rejected'))), { to: 'parking', why: 'permanent: dead-lettered as rejected' });
    assert.deepEqual(classify(rb, msg(death('expired'), '{"order": 1')), { to: 'parking', why: 'permanent: malformed JSON' });
    assert.deepEqual(classify(rb, msg(death('expired'), 'plain text', 'text/plain')), { to: 'work', exchange: 'x', routingKey: 'rk', attempt: 1 });
    // RabbitMQ 4's x-last-death-* headers only: back to the queue it died in.
    assert.deepEqual(classify(rb, msg({ 'x-last-death-reason': 'expired', 'x-last-death-queue': 'q2', 'x-last-death-exchange': 'x' })),
      { to: 'work', exchange: '', routingKey: 'q2', attempt: 1 });
    assert.deepEqual(classify(rb, msg({})), { to: 'parking', why: 'no x-death origin' });
  });

  describe('secure by default: what the responder refuses to start with', () => {
    let dir: string;
    before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-responder-config-')); });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const refuses = (raw: unknown, env: Record<string, string>, message: RegExp, mode?: number): void => {
      assert.throws(() => parseWith(raw, env, mode), (e: unknown) => e instanceof ResponderConfigError && message.test(e.message));
    };
    const file = (name: string, content: string, mode: number): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content, { mode });
      fs.chmodSync(f, mode);
      return f;
    };

    it('no token and no explicit opt-out; an opt-out beyond loopback; a listener beyond loopback without TLS', () => {
      refuses({ runbooks: [] }, {}, /no webhook token: set tokenFile \(a 0600 file\) or FILAMENT_RESPONDER_TOKEN/);
      assert.equal(parseWith({ runbooks: [], insecureNoAuth: true }, {}).token, undefined);
      refuses({ runbooks: [], listen: '0.0.0.0:9787', insecureNoAuth: true }, {}, /listen 0\.0\.0\.0:9787 is reachable beyond this host: it needs tls/);
      refuses({ runbooks: [], listen: '0.0.0.0:9787' }, TOKEN, /listen 0\.0\.0\.0:9787 is reachable beyond this host: it needs tls/);
      refuses({ runbooks: [], listen: '10.1.2.3:9787' }, TOKEN, /reachable beyond this host/);
      refuses({ runbooks: [], insecureNoAuth: true }, TOKEN, /insecureNoAuth is set together with a token/);
      refuses({ runbooks: [] }, { FILAMENT_RESPONDER_TOKEN: 'short' }, /at least 16 characters/);
      for (const listen of ['127.0.0.1:9787', 'localhost:1', '[::1]:9787', '127.8.9.10:80']) assert.equal(parseWith({ runbooks: [], listen }, TOKEN).listen, listen);
    });

    it('secret files group- or world-readable; a password in a configuration file others can read', () => {
      const open = file('token-open', 'a-token-of-24-characters\n', 0o644);
      refuses({ runbooks: [], tokenFile: open }, {}, /tokenFile: .*token-open is readable by group or others \(mode 644\); chmod 600 it/);
      const closed = file('token', 'a-token-of-24-characters\n', 0o600);
      assert.equal(parseWith({ runbooks: [], tokenFile: closed }, {}).token, 'a-token-of-24-characters');
      refuses({ runbooks: [], amqpUrl: 'amqp://filament:s3cret@127.0.0.1:5672' }, TOKEN, /amqpUrl carries a password in a configuration file that group or others can read/, 0o100644);
      assert.equal(parseWith({ runbooks: [], amqpUrl: 'amqp://filament:s3cret@127.0.0.1:5672' }, TOKEN, 0o100600).amqpUrl, 'amqp://filament:s3cret@127.0.0.1:5672');
      assert.equal(parseWith({ runbooks: [] }, { ...TOKEN, FILAMENT_RESPONDER_AMQP_URL: 'amqp://u:p@127.0.0.1' }, 0o100644).amqpUrl, 'amqp://u:p@127.0.0.1');
      const amqpFile = file('amqp-url', 'amqp://u:p@127.0.0.1:5672\n', 0o640);
      refuses({ runbooks: [], amqpUrlFile: amqpFile }, TOKEN, /amqpUrlFile: .* is readable by group or others/);
      // loadResponderConfig reads the mode itself.
      const config = file('responder.json', JSON.stringify({ runbooks: [], amqpUrl: 'amqp://filament:s3cret@127.0.0.1:5672' }), 0o644);
      assert.throws(() => loadResponderConfig(config, TOKEN), /carries a password/);
      fs.chmodSync(config, 0o600);
      assert.equal(loadResponderConfig(config, TOKEN).amqpUrl, 'amqp://filament:s3cret@127.0.0.1:5672');
    });

    it('a runbook without Alertmanager to confirm with; Alertmanager beyond loopback without https and credentials; bad TLS files', () => {
      refuses({ runbooks: [redrive] }, TOKEN, /alertmanager \(url, caFile, credentialsFile\) is required: the responder confirms every alert/);
      refuses({ runbooks: [], alertmanager: { url: 'http://alertmanager.example:9093' } }, TOKEN, /beyond this host: it needs https and credentials/);
      refuses({ runbooks: [], alertmanager: { url: 'https://alertmanager.example:9093' } }, TOKEN, /beyond this host: it needs https and credentials/);
      const am = parseWith({ runbooks: [], alertmanager: { url: 'https://alertmanager.example:9093' } }, { ...TOKEN, FILAMENT_RESPONDER_ALERTMANAGER_AUTH: 'responder:pw' });
      assert.deepEqual(am.alertmanager, { url: 'https://alertmanager.example:9093', basicAuth: 'responder:pw' });
      refuses({ runbooks: [], alertmanager: { url: 'http://127.0.0.1:9093', caFile: file('not-pem', 'hello', 0o644) } }, TOKEN, /caFile .* is not a PEM certificate/);
      refuses({ runbooks: [], tls: { certFile: file('cert', 'nope', 0o644), keyFile: file('key', 'nope', 0o600) } }, TOKEN, /tls\.certFile is not a PEM certificate/);
    });
  });
});
