// The `pg` instrumentation (enabled by default when the app has `pg`) against a real PostgreSQL
// that scripts/postgres.sh starts from Debian's package on loopback (make test does; so does this spec).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { OtlpReceiver, type ReceivedSpan } from './support/otlpReceiver';
import { request, ROOT, startFixture } from './support/fixture';

describe('pg: queries against a real PostgreSQL', function () {
  this.timeout(60000);
  const otlp = new OtlpReceiver();
  let password = '';
  let port = 0;
  let spans: ReceivedSpan[] = [];
  let answer: unknown;

  before(async () => {
    execFileSync('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
    const url = execFileSync('bash', [path.join(ROOT, 'scripts', 'postgres.sh'), 'url'], { encoding: 'utf8' }).trim();
    password = decodeURIComponent(new URL(url).password);
    port = Number(new URL(url).port);
    await otlp.start();
    const app = await startFixture('pg-app.cjs', { otlp: otlp.url, env: { DATABASE_URL: url } });
    const res = await request(app.port as number, 'GET', '/orders/ORD-42');
    answer = res.body;
    assert.deepEqual(await app.stop('SIGTERM'), { code: 0, signal: null }, app.stderr());
    spans = otlp.spans;
  });
  after(() => otlp.stop());

  it('the query answers (the database is real)', () => {
    assert.deepEqual(answer, { order_number: 'ORD-42', layers: 5 });
  });

  it('a CLIENT span for the query under the SERVER span of the request, in stable database semconv', () => {
    const server = spans.find((s) => s.kind === 2 && s.attributes['url.path'] === '/orders/ORD-42');
    assert.ok(server, `spans: ${JSON.stringify(spans.map((s) => [s.kind, s.name]))}`);
    const query = spans.find((s) => s.name === 'pg.query:SELECT postgres');
    assert.ok(query, `spans: ${JSON.stringify(spans.map((s) => [s.kind, s.name]))}`);
    assert.equal(query.kind, 3);
    assert.equal(query.traceId, server.traceId);
    assert.equal(query.parentSpanId, server.spanId);
    assert.deepEqual(query.attributes, {
      'db.system.name': 'postgresql',
      'db.namespace': 'postgres',
      'server.address': '127.0.0.1',
      'server.port': port,
      'db.query.text': 'SELECT $1::text AS order_number, 2 + 3 AS layers',
    });
    // The pool's checkout and the connection's opening, also in the request trace.
    assert.deepEqual(spans.filter((s) => s.traceId === server.traceId && s.kind === 3).map((s) => s.name).sort(),
      ['pg-pool.connect', 'pg.connect', 'pg.query:SELECT postgres']);
  });

  it('the password is in no exported span', () => {
    assert.ok(password.length >= 16);
    assert.ok(!JSON.stringify(spans).includes(password));
  });
});
