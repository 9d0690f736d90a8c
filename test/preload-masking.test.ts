import assert from 'node:assert/strict';
import { OtlpReceiver } from './support/otlpReceiver';
import { request, startFixture } from './support/fixture';

describe('preload: masking of exported text', function () {
  this.timeout(90000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());
  beforeEach(() => otlp.clear());

  it('queue content: masks before the cap, whole structured values, header credentials, word-wise keys', async () => {
    const app = await startFixture('amqp-secrets.cjs', {
      otlp: otlp.url, readyText: 'READY', env: { FIXTURE_PREFIX: `s${process.pid}${Date.now()}` },
    });
    await app.waitForOutput('CONSUMED', 60000);
    await app.stop('SIGTERM');
    const sent = (id: string) => otlp.events('queue.message').find(
      (e) => e.attributes['messaging.message.id'] === id && e.attributes['messaging.operation.type'] === 'send');

    const straddle = sent('s-straddle');
    const size = 8 + 8166 + 14 + 40 + 10 + 100 + 2;
    // Masked first, then capped: the cap falls inside the mask, which is kept whole.
    assert.equal(straddle?.body, `{"pad":"${'a'.repeat(8166)}","password":"[MASKED]…[truncated, ${size} bytes]`);
    assert.equal(straddle?.attributes['filament.content.truncated'], true);
    assert.equal(straddle?.attributes['filament.content.masked'], 1);

    const structured = sent('s-structured');
    assert.equal(structured?.body, '{"password":"[MASKED]","token":"[MASKED]","user":"bob","n":1}');
    assert.equal(structured?.attributes['filament.content.masked'], 2);

    const headers = sent('s-headers');
    assert.equal(headers?.body, 'GET /orders HTTP/1.1\r\nAuthorization: [MASKED]\r\nCookie: [MASKED]\r\n'
      + 'X-Api-Key: [MASKED]\r\nSet-Cookie: [MASKED]\r\nAccept: */*\r\n');
    assert.equal(headers?.attributes['filament.content.masked'], 4);

    const keys = sent('s-keys');
    assert.equal(keys?.body,
      '{"secretKey":"[MASKED]","ssn":"[MASKED]","pin":"[MASKED]","user_pin":"[MASKED]","spinner":true,"pinned":"yes"}');
    assert.equal(keys?.attributes['filament.content.masked'], 4);

    // Both sides of the round trip: the published and the received copy.
    for (const type of ['send', 'receive']) {
      const escaped = otlp.events('queue.message').find(
        (e) => e.attributes['messaging.message.id'] === 's-escaped' && e.attributes['messaging.operation.type'] === type);
      assert.equal(escaped?.body, '{"pass\\u0077ord":"[MASKED]","\\u0074oken":"[MASKED]","password2":"[MASKED]","pwd1":"[MASKED]",'
        + '"tags":["a", ":", {"secret":"[MASKED]"}],"n":1}', type);
      assert.equal(escaped?.attributes['filament.content.masked'], 5);
    }

    // Bodies as exported text and attributes, not the resource: JSON.stringify of the whole records escaped every
    // quote inside a body (so '"0000"' could not match) and let the resource's process.pid match ':1234'.
    const all = otlp.logs.map((l) => `${typeof l.body === 'string' ? l.body : JSON.stringify(l.body)}\n${JSON.stringify(l.attributes)}`).join('\n');
    for (const secret of ['esc-', 'dig-', 'arr-sec', 'Supe', 'hunter2', '"abc"', 'eyJhbGci', 'abc123', 'k-9f8e7d', 's3cr3t', 'sk-live', '078-05', '"pin":1234', '"0000"']) {
      assert.ok(!all.includes(secret), `${secret} leaked`);
    }
  });

  it('spans: url.path is masked like content and capped at 1024 characters, marked', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    const port = app.port as number;
    // 15,007 characters; an e-mail address straddles the cap (cut first, "/alic" would be exported).
    const head = `/files/${'a'.repeat(1000)}/`;
    const long = `${head}alice@example.com/${'b'.repeat(15007 - head.length - 'alice@example.com/'.length)}`;
    assert.equal(long.length, 15007);
    const paths = [
      long,
      '/customers/alice@example.com/orders',
      '/customers/bob%40example.org/orders',
      '/password-reset/8f14e45fceea167a5a36dedd4bea2543',
      '/orders/ORD-1001;jsessionid=0F3A9C?customer=carol@example.com',
      '/orders/ORD-1002',
    ];
    for (const p of paths) assert.equal((await request(port, 'GET', p)).status, p.startsWith('/orders/') ? 200 : 404, p);
    await app.stop('SIGTERM');
    // Sorted: the order spans arrive in is the exporter's, not the requests'.
    const exported = otlp.spans.filter((s) => s.kind === 2).map((s) => s.attributes['url.path'] as string).sort();
    assert.deepEqual(exported, [
      `${head}…[truncated]`,
      '/customers/[MASKED]/orders',
      '/customers/[MASKED]/orders',
      '/password-reset/[MASKED]',
      '/orders/ORD-1001;jsessionid=[MASKED]',
      '/orders/ORD-1002',
    ].sort());
    for (const p of exported) assert.ok(p.length <= 1024, p);
    const all = JSON.stringify([otlp.spans, otlp.logs]);
    for (const secret of ['alic', 'bob%40', 'bob@', '8f14e45f', '0F3A9C', 'carol', 'bbbb']) assert.ok(!all.includes(secret), `${secret} leaked`);
  });

  it('spans: a thrown error\'s exception event and status message are masked like api.error', async () => {
    const app = await startFixture('http-express.cjs', { otlp: otlp.url });
    assert.equal((await request(app.port as number, 'GET', '/boom/1')).status, 500);
    await app.stop('SIGTERM');
    const traceId = otlp.events('api.error')[0]?.traceId;
    const spans = otlp.spans.filter((s) => s.traceId === traceId);
    const exceptions = spans.flatMap((s) => s.events.filter((e) => e.name === 'exception'));
    assert.ok(exceptions.length > 0, `exception events in ${JSON.stringify(spans)}`);
    for (const e of exceptions) {
      assert.equal(e.attributes['exception.type'], 'TypeError');
      assert.equal(e.attributes['exception.message'], 'slicer crashed for customer [MASKED]');
      assert.match(e.attributes['exception.stacktrace'] as string, /^TypeError: slicer crashed for customer \[MASKED\]\n\s+at /);
    }
    const failed = spans.filter((s) => s.status.code === 2 && s.status.message !== undefined);
    assert.ok(failed.length > 0, 'the handler span has an error status with a message');
    for (const s of failed) assert.equal(s.status.message, 'slicer crashed for customer [MASKED]');
    assert.ok(!JSON.stringify(otlp.spans).includes('alice@example.com'));
  });
});
