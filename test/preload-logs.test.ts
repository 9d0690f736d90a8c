import assert from 'node:assert/strict';
import { OtlpReceiver, type ReceivedLog, type Value } from './support/otlpReceiver';
import { startFixture, type FixtureOptions } from './support/fixture';

const LOGGERS = ['pino', 'winston', 'bunyan'] as const;
type LoggerName = (typeof LOGGERS)[number];

const SCOPE: Record<LoggerName, string> = {
  pino: '@opentelemetry/instrumentation-pino',
  winston: '@opentelemetry/winston-transport',
  bunyan: '@opentelemetry/instrumentation-bunyan',
};

/** What every logger adds of its own to each record (bunyan: the logger's name). */
const OWN_FIELDS: Record<LoggerName, Record<string, Value>> = { pino: {}, winston: {}, bunyan: { name: 'orders' } };

interface Run {
  stdout: string[];
  traceId: string;
  stderr: string;
}

/** Runs logs-app.{cjs,mjs} for one logger to its natural end. */
async function runApp(file: string, logger: LoggerName, options: FixtureOptions): Promise<Run> {
  const app = await startFixture(file, { readyText: 'DONE', args: [logger], ...options });
  const exit = await app.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, app.stderr());
  const lines = app.stdout().split('\n').filter((l) => l !== '');
  const traceId = (/^SPAN ([0-9a-f]{32})$/m.exec(app.stdout()) ?? [])[1] as string;
  return { stdout: lines.filter((l) => l.startsWith('{')), traceId, stderr: app.stderr() };
}

/** A logger's stdout line without what differs between runs (bunyan's time, pid, host). */
function stable(line: string): string {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  delete parsed.time;
  delete parsed.pid;
  delete parsed.hostname;
  return JSON.stringify(parsed);
}

const CORRELATION_FIELDS = ['trace_id', 'span_id', 'trace_flags'];

function withoutCorrelation(line: string): string {
  const parsed = JSON.parse(line) as Record<string, unknown>;
  for (const k of CORRELATION_FIELDS) delete parsed[k];
  return JSON.stringify(parsed);
}

function bridged(otlp: OtlpReceiver, logger: LoggerName): ReceivedLog[] {
  return otlp.logs.filter((l) => l.scope === SCOPE[logger]);
}

describe('preload: the app\'s own log lines (pino, winston, bunyan → OTel log records)', function () {
  this.timeout(120000);
  const otlp = new OtlpReceiver();
  before(() => otlp.start());
  after(() => otlp.stop());

  for (const logger of LOGGERS) {
    describe(`${logger} (CommonJS, --require)`, () => {
      let bare: Run;
      let run: Run;
      let uncorrelated: Run;
      let records: ReceivedLog[];

      before(async () => {
        otlp.clear();
        bare = await runApp('logs-app.cjs', logger, { loader: 'none' });
        run = await runApp('logs-app.cjs', logger, { otlp: otlp.url });
        assert.ok(await otlp.waitFor(() => bridged(otlp, logger).length >= 3), `no ${logger} records:\n${run.stderr}`);
        records = bridged(otlp, logger);
        uncorrelated = await runApp('logs-app.cjs', logger, { otlp: otlp.url, env: { FILAMENT_LOG_CORRELATION: 'off' } });
      });

      it('sends each line once as a log record with its body, severity and the logger\'s fields', () => {
        assert.equal(run.stderr, '');
        assert.equal(records.length, 3);
        const [started] = records;
        assert.equal(started?.body, 'order service started');
        assert.equal(started?.severityNumber, 9);
        assert.equal(started?.severityText, 'info');
        assert.deepEqual(started?.attributes, { ...OWN_FIELDS[logger], port: 8080 });
        assert.equal(started?.traceId, undefined, 'outside a span');
        assert.equal(started?.eventName, undefined);
        assert.equal(started?.resource['service.name'], 'logs-app');
      });

      it('correlates a line inside a span, masks the secret and the e-mail, keeps `order` off the contract name', () => {
        const declined = records[1];
        assert.equal(declined?.body, 'payment declined for [MASKED]');
        assert.equal(declined?.severityNumber, 13);
        assert.equal(declined?.severityText, 'warn');
        assert.equal(declined?.traceId, run.traceId);
        assert.match(declined?.spanId ?? '', /^[0-9a-f]{16}$/);
        assert.deepEqual(declined?.attributes, {
          ...OWN_FIELDS[logger],
          'field.order': 'ORD-7',
          customerId: 'C-42',
          password: '[MASKED]',
          'filament.content.masked': 2,
        });
      });

      it('maps an error line to ERROR with the exception attributes', () => {
        const failed = records[2];
        assert.equal(failed?.body, 'pricing failed');
        assert.equal(failed?.severityNumber, 17);
        assert.equal(failed?.severityText, 'error');
        const { 'exception.stacktrace': stack, ...rest } = failed?.attributes ?? {};
        assert.deepEqual(rest, { ...OWN_FIELDS[logger], 'exception.type': 'Error', 'exception.message': 'slicer crashed' });
        assert.match(String(stack), /^Error: slicer crashed\n {4}at /);
      });

      it('leaves the app\'s own stdout lines as they were, plus trace ids on the line inside the span', () => {
        assert.equal(run.stdout.length, 3);
        assert.deepEqual(run.stdout.map((l) => stable(withoutCorrelation(l))), bare.stdout.map(stable));
        const added = run.stdout.map((l) => CORRELATION_FIELDS.filter((k) => k in JSON.parse(l)));
        assert.deepEqual(added, [[], CORRELATION_FIELDS, []]);
        const inSpan = JSON.parse(run.stdout[1] as string) as Record<string, string>;
        assert.equal(inSpan.trace_id, run.traceId);
        assert.equal(inSpan.trace_flags, '01');
      });

      it('FILAMENT_LOG_CORRELATION=off: stdout exactly as without the preload, records still sent', async () => {
        assert.deepEqual(uncorrelated.stdout.map(stable), bare.stdout.map(stable));
        assert.ok(await otlp.waitFor(() => bridged(otlp, logger).length >= 6));
        assert.equal(bridged(otlp, logger).length, 6);
      });
    });
  }

  it('pino prints the same line the bare app prints (one exact line)', async () => {
    const bare = await runApp('logs-app.cjs', 'pino', { loader: 'none' });
    assert.equal(bare.stdout[1], '{"level":40,"order":"ORD-7","customerId":"C-42","password":"hunter2","msg":"payment declined for alice@example.com"}');
  });

  for (const logger of LOGGERS) {
    it(`${logger} imported by an ES module (--import) is bridged and correlated`, async () => {
      otlp.clear();
      const run = await runApp('logs-app.mjs', logger, { loader: 'import', otlp: otlp.url });
      assert.ok(await otlp.waitFor(() => bridged(otlp, logger).length >= 1), run.stderr);
      const [declined] = bridged(otlp, logger);
      assert.equal(declined?.body, 'payment declined for [MASKED]');
      assert.equal(declined?.severityNumber, 13);
      assert.equal(declined?.traceId, run.traceId);
      assert.deepEqual(declined?.attributes, {
        ...OWN_FIELDS[logger], 'field.order': 'ORD-7', password: '[MASKED]', 'filament.content.masked': 2,
      });
      assert.equal(JSON.parse(run.stdout[0] as string).trace_id, run.traceId);
    });
  }

  it('OTEL_NODE_DISABLED_INSTRUMENTATIONS=pino: no records and no trace ids in the lines', async () => {
    otlp.clear();
    const bare = await runApp('logs-app.cjs', 'pino', { loader: 'none' });
    const run = await runApp('logs-app.cjs', 'pino', { otlp: otlp.url, env: { OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pino' } });
    assert.deepEqual(run.stdout, bare.stdout);
    await otlp.waitFor(() => otlp.spans.length > 0);
    assert.equal(bridged(otlp, 'pino').length, 0);
  });

  it('FILAMENT_LOG_SENDING=off: trace ids in the lines, no records', async () => {
    otlp.clear();
    const run = await runApp('logs-app.cjs', 'winston', { otlp: otlp.url, env: { FILAMENT_LOG_SENDING: 'off' } });
    assert.equal(JSON.parse(run.stdout[1] as string).trace_id, run.traceId);
    await otlp.waitFor(() => otlp.spans.length > 0);
    assert.equal(bridged(otlp, 'winston').length, 0);
  });
});
