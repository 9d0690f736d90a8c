/**
 * (e) Retention on OpenSearch: the ISM policies setup writes (src/setup/opensearch.ts) exist, delete
 * within the days asked, cover every Filament pattern, and every existing backing index is managed.
 * Without the Index Management plugin nothing is ever deleted: that is a violation unless the run
 * was told to accept it (--skip retention), and then it is said plainly.
 */
import type { Client, Types } from '@opensearch-project/opensearch';
import { ALL_DATA_STREAM_PATTERNS, AUDIT_RETENTION_POLICY, OPENSEARCH_AUDIT_INDEX_PATTERN, RETENTION_POLICY, isNoHandler, statusOf } from '../setup';
import type { Decision } from './opensearch-invariants';
import type { Violation } from './violation';

type Policy = Types.Ism_Common.Policy;

/** The smallest min_index_age (in days) after which the policy reaches a state that deletes. */
export function deleteAfterDays(policy: Policy): number | undefined {
  const deleting = new Set((policy.states ?? []).filter((s) => (s.actions ?? []).some((a) => 'delete' in (a as object))).map((s) => s.name));
  const ages = (policy.states ?? []).flatMap((s) => s.transitions ?? [])
    .filter((t) => deleting.has(t.state_name))
    .map((t) => /^(\d+)d$/.exec(String((t.conditions as { min_index_age?: unknown } | undefined)?.min_index_age ?? ''))?.[1])
    .filter((d): d is string => d !== undefined)
    .map(Number);
  return ages.length > 0 ? Math.min(...ages) : undefined;
}

function coveredPatterns(policy: Policy): string[] {
  const templates = Array.isArray(policy.ism_template) ? policy.ism_template : policy.ism_template ? [policy.ism_template] : [];
  return templates.flatMap((t) => t.index_patterns ?? []);
}

async function policyOrReason(os: Client, id: string): Promise<Policy | 'no plugin' | 'missing'> {
  try {
    return (await os.ism.getPolicy({ policy_id: id })).body.policy ?? 'missing';
  } catch (error) {
    if (isNoHandler(error)) return 'no plugin';
    if (statusOf(error) === 404) return 'missing';
    throw error;
  }
}

async function unmanaged(os: Client, indices: string): Promise<string[]> {
  const explained = await os.ism.explainPolicy({ index: indices }).catch((error: unknown) => {
    if (statusOf(error) === 404) return undefined;
    throw error;
  });
  return Object.entries((explained?.body ?? {}) as Record<string, unknown>)
    .filter(([name, v]) => name !== 'total_managed_indices' && v !== null && typeof v === 'object')
    .filter(([, v]) => !(v as Record<string, unknown>)['index.plugins.index_state_management.policy_id'] && !(v as Record<string, unknown>).policy_id)
    .map(([name]) => name);
}

export async function checkOpenSearchRetention(os: Client, days: { data: number; audit: number }, skipAudit: boolean): Promise<Decision> {
  const violations: Violation[] = [];
  const checks: Array<[string, string[], number, string]> = [[RETENTION_POLICY, ALL_DATA_STREAM_PATTERNS, days.data, "Filament's data"]];
  if (!skipAudit) checks.push([AUDIT_RETENTION_POLICY, [OPENSEARCH_AUDIT_INDEX_PATTERN], days.audit, 'the audit indices']);
  for (const [id, patterns, limit, what] of checks) {
    const policy = await policyOrReason(os, id);
    if (policy === 'no plugin') {
      violations.push({ invariant: 'e', line: `(e) retention: nothing deletes ${what} — no Index State Management plugin (opensearch-index-management); install it, or accept it with --skip retention` });
      continue;
    }
    if (policy === 'missing') {
      violations.push({ invariant: 'e', line: `(e) retention: nothing deletes ${what} — ISM policy ${id} is missing (filament setup creates it)` });
      continue;
    }
    const after = deleteAfterDays(policy);
    if (after === undefined || after > limit) {
      violations.push({ invariant: 'e', line: `(e) retention: ${what} ${after === undefined ? 'is never deleted' : `is deleted after ${after} days, not ${limit}`} — ISM policy ${id}` });
    }
    const covered = coveredPatterns(policy);
    const uncovered = patterns.filter((p) => !covered.includes(p));
    if (uncovered.length > 0) violations.push({ invariant: 'e', line: `(e) retention: new indices of ${uncovered.join(', ')} get no policy — ISM policy ${id} ism_template` });
    const bare = await unmanaged(os, patterns.map((p) => (p === OPENSEARCH_AUDIT_INDEX_PATTERN ? p : `.ds-${p}`)).join(','));
    if (bare.length > 0) violations.push({ invariant: 'e', line: `(e) retention: ${bare.length} existing index(es) are never deleted (${bare.slice(0, 3).join(', ')}${bare.length > 3 ? ', …' : ''}) — no ISM policy attached` });
  }
  return { violations, notes: [] };
}
