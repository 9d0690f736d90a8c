/**
 * `filament verify --engine opensearch`: read the security state and the retention policies through
 * the official client, decide the ADR's invariants, print one line per violation.
 */
import { describe, isNoHandler, openSearchClient, SetupError, stepper, SUPPORT_ROLE, SUPPORT_USER, type SetupOptions } from '../setup';
import { decideOpenSearch } from './opensearch-invariants';
import { checkOpenSearchRetention } from './opensearch-retention';
import { readSecurityState } from './opensearch-state';
import { principals } from './principals';
import type { VerifyReport } from './report';

export async function verifyOpenSearch(options: SetupOptions, report: VerifyReport): Promise<void> {
  const { url, username, skip } = options;
  const os = openSearchClient(url, username, options.password, options.caCert);
  const step = stepper(url, username);
  try {
    const info = await step('read the cluster information', () => os.info());
    const distribution = (info.body.version as { distribution?: string } | undefined)?.distribution;
    if (distribution !== 'opensearch') throw new SetupError(`${url} is not OpenSearch (version.distribution: ${distribution ?? 'none'}); use --engine elasticsearch for Elasticsearch`);

    if (skip.has('security') && skip.has('audit')) {
      report.notChecked('(a)–(d) who reads, the audit index, audit coverage, append-only (--skip security,audit): nobody\'s access is known to be limited or recorded');
    } else {
      try {
        await os.security.authinfo();
      } catch (error) {
        if (isNoHandler(error)) throw new SetupError(`OpenSearch at ${url} has no security plugin (opensearch-security): anyone who reaches it reads everything, unaudited; enable it, or --skip security,audit`);
        throw describe(error, 'read its own authentication info', url, username);
      }
      const state = await step('read the security configuration (needs the all_access or security_rest_api_access role)', () => readSecurityState(os));
      const decision = decideOpenSearch(state, options.admins);
      report.admins(options.admins, Object.keys(state.users).includes(SUPPORT_USER));
      report.supportUsers = principals(state).filter((p) => p.grants.some((g) => g.role === SUPPORT_ROLE)).flatMap((p) => (p.userName === undefined ? [] : [p.userName]));
      for (const v of decision.violations) {
        const security = v.invariant !== 'c';
        if (security && skip.has('security')) continue;
        if (!security && skip.has('audit')) continue;
        report.violation(v);
      }
      if (skip.has('security')) report.notChecked('(a), (b), (d) who reads and changes the data and the audit index (--skip security)');
      if (skip.has('audit')) report.notChecked('(c) audit coverage (--skip audit): reads may be unrecorded');
      if (!skip.has('security')) for (const note of decision.notes) report.note(note);
    }

    if (skip.has('retention')) {
      report.notChecked("(e) retention (--skip retention): nothing deletes Filament's data or the audit indices automatically");
    } else {
      const retention = await step('read the ISM policies', () => checkOpenSearchRetention(os, { data: options.retentionDays, audit: options.auditRetentionDays }, skip.has('audit')));
      for (const v of retention.violations) report.violation(v);
    }
  } finally {
    await os.close();
  }
}
