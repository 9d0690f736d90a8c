/** `filament verify --engine elasticsearch`: read the state through the official client, decide, print. */
import { elasticsearchClient, stepper, SUPPORT_ROLE, SUPPORT_USER, type SetupOptions } from '../setup';
import { decideElasticsearch, decideElasticsearchRetention } from './elasticsearch-invariants';
import { readElasticsearchRetention, readElasticsearchState } from './elasticsearch-state';
import type { VerifyReport } from './report';

export async function verifyElasticsearch(options: SetupOptions, report: VerifyReport): Promise<void> {
  const { url, username, skip } = options;
  const es = elasticsearchClient(options);
  const step = stepper(url, username);
  try {
    await step('read the cluster information', () => es.info());
    if (skip.has('security') && skip.has('audit')) {
      report.notChecked("(a)–(d) who reads, the audit settings, audit coverage, append-only (--skip security,audit): nobody's access is known to be limited or recorded");
    } else {
      const state = await step('read users, roles, role mappings, API keys and the audit settings (needs manage_security and monitor)', () => readElasticsearchState(es));
      const decision = decideElasticsearch(state, options.admins);
      report.admins(options.admins, SUPPORT_USER in state.users);
      report.supportUsers = Object.entries(state.users).filter(([, u]) => u.roles.includes(SUPPORT_ROLE)).map(([name]) => name);
      for (const v of decision.violations) {
        if (v.invariant === 'c' ? skip.has('audit') : skip.has('security')) continue;
        report.violation(v);
      }
      if (skip.has('security')) report.notChecked('(a), (b), (d) who reads and changes the data and the audit settings (--skip security)');
      if (skip.has('audit')) report.notChecked('(c) audit coverage (--skip audit): reads may be unrecorded');
      for (const note of decision.notes) report.note(note);
    }
    if (skip.has('retention')) {
      report.notChecked("(e) retention (--skip retention): nothing deletes Filament's data automatically");
    } else {
      const retention = await step('read the ILM policy and the @custom component templates', () => readElasticsearchRetention(es));
      for (const v of decideElasticsearchRetention(retention, options.retentionDays)) report.violation(v);
    }
  } finally {
    await es.close();
  }
}
