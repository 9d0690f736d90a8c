/**
 * `filament setup`: parse, provision the chosen engine, import the dashboards, print the verdict.
 * Returns the exit status: 0 done or nothing to do, 1 nothing applied, 2 stopped part-way, 3 done
 * but verify found the ADR's rules broken — then the verdict never says "no changes … in place".
 */
import { checkDashboards, importDashboards } from './dashboards';
import { setupElasticsearch } from './elasticsearch';
import { SetupError } from './errors';
import { setupOpenSearch } from './opensearch';
import { parseSetupOptions, SETUP_USAGE } from './options';
import { Report } from './report';
import type { SetupOptions } from './options';

/** The exit status of a run whose store breaks the ADR's rules (setup's and verify's). */
export const VIOLATIONS_EXIT = 3;

/** What setup needs of `filament verify` (src/verify), handed in by the CLI so setup/ imports nothing of verify/. */
export type VerifyStore = (options: SetupOptions, out: (line: string) => void) =>
  Promise<{ readonly failed: boolean; readonly violations: readonly unknown[]; summary(): string }>;

/** Last line of a run with --skip retention: "no changes" must not read as "the ADR's limits hold". */
const NOTHING_DELETED = "retention skipped (--skip retention): nothing will ever delete Filament's data or audit records; the ADR's 6-month limit is not enforced";

export async function runSetup(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void,
  verify: VerifyStore): Promise<number> {
  let report: Report | undefined;
  try {
    const options = parseSetupOptions(argv, env);
    if (options === 'help') {
      out(SETUP_USAGE);
      return 0;
    }
    out(`filament setup: ${options.engine} at ${options.url}${options.dryRun ? ' (dry run)' : ''}`);
    if (options.dashboardsUrl && !options.skip.has('dashboards')) await checkDashboards(options);
    report = new Report(out);
    if (options.engine === 'opensearch') await setupOpenSearch(options, report);
    else await setupElasticsearch(options, report);
    if (options.skip.has('dashboards')) report.add({ outcome: 'skipped', resource: 'dashboards' });
    else if (options.dashboardsUrl) await importDashboards(options, report);
    else report.add({ outcome: 'skipped', resource: 'dashboards', detail: 'no --dashboards-url' });
    // A dry run changed nothing: what verify reads is the cluster before the changes listed above.
    out(options.dryRun ? 'filament verify (the cluster as it is now, before the changes above):' : 'filament verify:');
    const verdict = await verify(options, out);
    out(verdict.summary());
    if (verdict.failed) {
      const n = report.changes;
      const changed = n === 0 ? 'setup changed nothing' : options.dryRun ? `dry run: ${n} change(s) would be made (nothing was applied)` : `${n} change(s) applied`;
      out(`${changed}, but ${verdict.violations.length} violation(s) remain: fix them (above) — setup keeps what the cluster owner added`);
      return VIOLATIONS_EXIT;
    }
    out(report.summary(options.dryRun));
    if (options.skip.has('retention')) out(NOTHING_DELETED);
    return 0;
  } catch (error) {
    if (error instanceof SetupError) {
      err(`filament setup: ${error.message}`);
      if (report && error.exitCode === 1 && report.changes > 0) return 2;
      return error.exitCode;
    }
    throw error;
  }
}
