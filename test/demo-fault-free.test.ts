/**
 * The fault-free promise of `make demo` (docs/alerting.md): with FAULTS=none
 * the demo runs the whole alerting loop (real collector, Prometheus,
 * Alertmanager, filament-responder) and exits non-zero, naming the alerts,
 * when any alert fired. The exit-0 side of the promise (no alert in fault-free traffic → exit 0, "no alert
 * fired") is what `make soak` checks, which CI runs for 2 minutes on every change (.ci/run) and
 * docs/alerting.md records for 10: a short exit-0 run here would repeat it. This spec proves the other
 * side — an alert held by Alertmanager during a fault-free run fails it, named — and, on the same run,
 * what every run writes and prints (the four events, the traced order, 0600 secrets, no password).
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { alertingClient } from '../scripts/alerting-http.cjs';
import { waitFor } from '../scripts/lib/procs.cjs';
import { collectorBinary } from './support/collector';
import { ROOT } from './support/fixture';

interface DemoRun { code: number | null; out: string }

/** Long enough for orders to be priced and one to be traced across both services (the four events). */
const DEMO_SECONDS = 8;

/** The demo's Alertmanager as it prints it: https URL, the run's CA, the operator's credential file. */
interface DemoAlertmanager { url: string; caFile: string; credentialsFile: string }

/** Runs scripts/demo.mjs fault-free; `during` gets the demo's Alertmanager once it prints it. */
async function demo(dir: string, during?: (am: DemoAlertmanager) => Promise<void>): Promise<DemoRun> {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts', 'demo.mjs')], {
    cwd: ROOT,
    env: {
      ...process.env, FAULTS: 'none', DEMO_SECONDS: String(DEMO_SECONDS), ALERT_WAIT_S: '10', DEMO_OUTPUT: dir,
      FILAMENT_OTELCOL_BIN: collectorBinary(), OTEL_EXPORTER_OTLP_ENDPOINT: '', ALERTING: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (during) {
    const am = await waitFor('the demo\'s Alertmanager URL', 120_000, async () => {
      if (child.exitCode !== null) throw new Error(`demo exited early:\n${out}`);
      const url = /Alertmanager at (https:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const files = /TLS with this run's CA (\S+); basic auth: Prometheus \S+, Alertmanager (\S+) /.exec(out);
      return url && files ? { url, caFile: files[1] as string, credentialsFile: files[2] as string } : undefined;
    });
    await waitFor('the load to start', 60_000, async () => (out.includes('running the load') ? true : undefined));
    await during(am);
  }
  return { code: await exited, out };
}

describe('make demo with FAULTS=none: the fault-free promise', function () {
  this.timeout(300_000);
  let dir: string;

  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'filament-demo-fault-free-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an alert during a fault-free run: exit code 1, the alert named; the run\'s secrets are 0600 and its output holds no password', async () => {
    // An alert Alertmanager receives during the run, as Prometheus would send it.
    const run = await demo(path.join(dir, 'alert'), async (am) => {
      const post = alertingClient({ caFile: am.caFile, credentialsFile: am.credentialsFile });
      const res = await post('POST', `${am.url}/api/v2/alerts`,
        [{ labels: { alertname: 'FilamentApiErrorSpike', job: 'orders', severity: 'warning', category: 'api' }, annotations: {}, startsAt: new Date().toISOString() }]);
      assert.equal(res.status, 200);
    });
    assert.match(run.out, new RegExp(`demo: FAULTS=none: 1 alert\\(s\\) fired in ${DEMO_SECONDS} s of fault-free traffic: FilamentApiErrorSpike\\{orders\\}`));
    assert.match(run.out, /alerts no fault explains: FilamentApiErrorSpike\{orders\}/);
    assert.match(run.out, /demo: Prometheus at https:\/\/127\.0\.0\.1:\d+, Alertmanager at https:/);
    assert.match(run.out, /the four events of fault-free traffic present \(no faults: no dead letters, no failed calls\); one order traced/);
    // The responder's config holds the broker URL with its password; the alerting secrets are the owner's only.
    const secretFiles = [path.join(dir, 'alert', 'responder', 'responder.json'),
      ...fs.readdirSync(path.join(dir, 'alert', 'alerting', 'secrets')).map((f) => path.join(dir, 'alert', 'alerting', 'secrets', f))];
    assert.deepEqual(secretFiles.filter((f) => (fs.statSync(f).mode & 0o077) !== 0), []);
    assert.doesNotMatch(run.out, new RegExp(fs.readFileSync(path.join(dir, 'alert', 'alerting', 'secrets', 'alertmanager-operator.password'), 'utf8').trim()));
    assert.equal(run.code, 1, run.out);
  });
});
