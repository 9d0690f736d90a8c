/** responder/config.ts and responder/redrive.ts: the runbook file and the re-drive decisions. */
import assert from 'node:assert/strict';
import type { GetMessage } from 'amqplib';
import { parseResponderConfig, ResponderConfigError } from '../src/responder/config';
import { classify } from '../src/responder/redrive';

describe('unit: filament-responder configuration and re-drive decisions', () => {
  const redrive = { action: 'redrive', match: { alertname: 'FilamentDeadLetterBurst' }, deadLetterQueue: 'dlq', parkingLotQueue: 'parking' };

  it('fills the documented defaults', () => {
    const config = parseResponderConfig({ runbooks: [redrive] });
    assert.equal(config.listen, '127.0.0.1:9787');
    assert.equal(config.dryRun, false);
    assert.deepEqual(config.runbooks[0], {
      ...redrive, on: 'resolved', maxAttempts: 3, backoffMs: 1000, maxBackoffMs: 30000, permanentReasons: ['rejected'], parkMalformedJson: true,
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
    const silence = { alertmanagerUrl: 'http://127.0.0.1:9093/', matchers: { alertname: 'FilamentQueueGrowingWithoutConsumers', queue: 'q' } };
    assert.deepEqual(parseResponderConfig({ runbooks: [toggle] }).runbooks[0], {
      action: 'http-toggle', match: { alertname: 'X' }, onFiring: { method: 'POST', url: 'http://a/pause' }, onResolved: { method: 'POST', url: 'http://a/resume' },
    });
    const rb = parseResponderConfig({ runbooks: [{ ...toggle, silence }] }).runbooks[0];
    assert.ok(rb !== undefined && rb.action === 'http-toggle');
    assert.deepEqual(rb.silence, {
      alertmanagerUrl: 'http://127.0.0.1:9093', matchers: silence.matchers, maxDurationS: 3600, afterResumeS: 60,
      comment: 'filament-responder: the runbook caused this alert on purpose (docs/alerting.md)',
    });
    const bad: [unknown, RegExp][] = [
      [{ ...silence, matchers: { queue: 'q' } }, /silence\.matchers\.alertname is required/],
      [{ ...silence, alertmanagerUrl: 'file:///x' }, /silence\.alertmanagerUrl must be an http\(s\) URL/],
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
});
