/**
 * The logging ADR's rules on an Elasticsearch snapshot (see opensearch-invariants.ts for the rules).
 * Differences of this engine: principals are users, role mappings (any user their rules match —
 * the rules are shown, not evaluated against a directory) and active API keys (their role
 * descriptors, limited by the owner's roles); `run_as` lets a principal act as another user; the
 * audit trail is a log file on each node, so (b) is who may rewrite the audit settings; audit
 * filters are `xpack.security.audit.logfile.events.*` cluster settings. Pure: state in, violations out.
 */
import type { estypes } from '@elastic/elasticsearch';
import { ALL_DATA_STREAM_PATTERNS, RETENTION_POLICY, SUPPORT_ROLE, SUPPORT_USER, WRITER_USER, AUDIT_LICENCES } from '../setup';
import { CHANGE_ACTIONS, CHANGE_WORDS, READ_ACTIONS } from './access';
import { actionsOfPrivilege, AUDIT_CHANGING_CLUSTER_PRIVILEGES } from './elasticsearch-privileges';
import type { ElasticsearchRetention, ElasticsearchState } from './elasticsearch-state';
import type { Decision } from './opensearch-invariants';
import { matches, overlaps } from './patterns';
import type { Violation } from './violation';

type Descriptor = estypes.SecurityRoleDescriptor;
interface Grant { role: string; descriptor: Descriptor; via: string }
interface Principal { label: string; userName: string | undefined; grants: Grant[]; owner?: Principal }

const targets = (p: string): string[] => [p, `.ds-${p}`];
const FILAMENT_TARGETS = ALL_DATA_STREAM_PATTERNS.flatMap(targets);
const AUDIT = 'xpack.security.audit.logfile.events';
/** Elasticsearch's default `events.include` when unset: access_granted and access_denied are in it. */
const DEFAULT_INCLUDE = ['access_denied', 'access_granted', 'anonymous_access_denied', 'authentication_failed', 'connection_denied', 'tampered_request', 'run_as_denied', 'run_as_granted', 'security_config_change'];

function granted(d: Descriptor, onTargets: readonly string[], probes: readonly string[]): string[] {
  const found = new Set<string>();
  for (const entry of [...(d.indices ?? []), ...(d.index ?? [])]) {
    const names = Array.isArray(entry.names) ? entry.names : [entry.names];
    if (!names.some((n) => onTargets.some((t) => overlaps(n, t)))) continue;
    const actions = entry.privileges.flatMap((p) => actionsOfPrivilege(p));
    for (const probe of probes) if (actions.some((a) => matches(a, probe))) found.add(probe);
  }
  return probes.filter((p) => found.has(p));
}

const readsOf = (d: Descriptor) => ALL_DATA_STREAM_PATTERNS.filter((p) => granted(d, targets(p), READ_ACTIONS).length > 0);
const changesOf = (d: Descriptor) => granted(d, FILAMENT_TARGETS, CHANGE_ACTIONS);
const words = (actions: readonly string[]) => actions.map((c) => CHANGE_WORDS[c] ?? c).join(', ');
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : typeof value === 'string' && value !== '' ? value.split(',').map((s) => s.trim()) : []);

function principalsOf(state: ElasticsearchState): Principal[] {
  const descriptorGrants = (roles: readonly string[], via: string): Grant[] =>
    roles.flatMap((role) => (state.roles[role] ? [{ role, descriptor: state.roles[role] as Descriptor, via }] : []));
  const users = new Map<string, Principal>();
  for (const [name, user] of Object.entries(state.users)) {
    if (user.enabled === false) continue;
    users.set(name, { label: `user ${name}`, userName: name, grants: descriptorGrants(user.roles, `roles of user ${name}`) });
  }
  const result = [...users.values()];
  for (const [name, mapping] of Object.entries(state.roleMappings)) {
    if (!mapping.enabled) continue;
    result.push({ label: `any user matching role mapping ${name} (rules ${JSON.stringify(mapping.rules)})`, userName: undefined, grants: descriptorGrants(mapping.roles ?? [], `role mapping ${name}`) });
  }
  for (const key of state.apiKeys) {
    const owner = users.get(key.username);
    const label = `API key "${key.name}" (${key.id}) of user ${key.username}`;
    const own = Object.entries(key.role_descriptors ?? {});
    result.push(own.length > 0
      ? { label, userName: undefined, grants: own.map(([role, descriptor]) => ({ role, descriptor, via: `role_descriptors of API key ${key.id}` })), ...(owner ? { owner } : {}) }
      : { label, userName: undefined, grants: (owner?.grants ?? []).map((g) => ({ ...g, via: `${g.via}, inherited by API key ${key.id}` })) });
  }
  return result;
}

export function decideElasticsearch(state: ElasticsearchState, admins: readonly string[]): Decision {
  const violations: Violation[] = [];
  const add = (invariant: Violation['invariant'], line: string) => {
    if (!violations.some((v) => v.line === line)) violations.push({ invariant, line });
  };
  const principals = principalsOf(state);
  const isAdmin = (p: Principal) => p.userName !== undefined && admins.includes(p.userName);
  // An API key never exceeds its owner: a capability counts when both grant it.
  const ownerAllows = (p: Principal, check: (d: Descriptor) => string[], value: string) =>
    !p.owner || p.owner.grants.some((g) => check(g.descriptor).includes(value));
  const readers: Array<{ principal: Principal; reads: string[] }> = [];

  for (const p of principals) {
    const holdsSupport = p.grants.some((g) => g.role === SUPPORT_ROLE);
    const isWriter = p.userName === WRITER_USER;
    const all: string[] = [];
    for (const g of p.grants) {
      const reads = readsOf(g.descriptor).filter((r) => ownerAllows(p, readsOf, r));
      const changes = changesOf(g.descriptor).filter((c) => ownerAllows(p, changesOf, c));
      all.push(...reads);
      const through = `role ${g.role} via ${g.via}`;
      if (!isAdmin(p) && !holdsSupport && reads.length > 0) add('a', `(a) readers: ${p.label} reads ${reads.join(', ')} — ${through}`);
      if (isWriter && reads.length > 0) add('d', `(d) writer: ${p.label} reads ${reads.join(', ')} — ${through}`);
      if (!isAdmin(p) && changes.length > 0) add('d', `(d) append-only: ${p.label} may ${words(changes)} in Filament's data streams — ${through}`);
      const cluster = (g.descriptor.cluster ?? []).filter((c) => AUDIT_CHANGING_CLUSTER_PRIVILEGES.includes(c));
      if (!isAdmin(p) && cluster.length > 0) add('b', `(b) audit settings: ${p.label} may rewrite the audit filters (cluster privilege ${cluster.join(', ')}) — ${through}`);
      for (const pattern of g.descriptor.run_as ?? []) {
        for (const target of principals) {
          if (target === p || target.userName === undefined || !matches(pattern, target.userName)) continue;
          const theirs = [...new Set(target.grants.flatMap((tg) => readsOf(tg.descriptor)))];
          if (!isAdmin(p) && theirs.length > 0) add('a', `(a) readers: ${p.label} reads ${theirs.join(', ')} as ${target.label} — role ${g.role} run_as: ${pattern} via ${g.via}`);
        }
      }
      if (g.role === SUPPORT_ROLE && p.userName !== SUPPORT_USER) add('support-mapping', `(a) support role: ${p.label} holds role support — ${g.via}`);
    }
    if (all.length > 0) readers.push({ principal: p, reads: [...new Set(all)] });
  }

  if (!AUDIT_LICENCES.includes(state.licence)) add('c', `(c) audit: no read is recorded — licence ${state.licence} has no audit logging (needs Gold or higher)`);
  if (state.auditEnabled.length === 0 || state.auditEnabled.some((e) => e !== 'true')) add('c', '(c) audit: no read is recorded on some node — elasticsearch.yml xpack.security.audit.enabled is not true');
  const include = state.settings[`${AUDIT}.include`] === undefined ? DEFAULT_INCLUDE : list(state.settings[`${AUDIT}.include`]);
  const exclude = list(state.settings[`${AUDIT}.exclude`]);
  for (const [event, what] of [['access_granted', 'granted reads'], ['access_denied', 'refused reads']] as const) {
    if (!include.includes(event)) add('c', `(c) audit: everyone's ${what} are not recorded — ${AUDIT}.include lacks ${event}`);
    if (exclude.includes(event)) add('c', `(c) audit: everyone's ${what} are not recorded — ${AUDIT}.exclude: ${event}`);
  }
  // An ignore filter drops an event when every policy field it sets matches (Elasticsearch reference, "Logfile audit events ignore policies").
  const filters = new Map<string, Record<string, string[]>>();
  for (const [key, value] of Object.entries(state.settings)) {
    const m = /^xpack\.security\.audit\.logfile\.events\.ignore_filters\.([^.]+)\.(users|realms|roles|indices|actions)$/.exec(key);
    if (!m) continue;
    const filter = filters.get(m[1] as string) ?? {};
    filter[m[2] as string] = list(value);
    filters.set(m[1] as string, filter);
  }
  for (const [name, f] of filters) {
    const setting = `${AUDIT}.ignore_filters.${name}`;
    const indicesMatch = !f.indices || f.indices.some((i) => FILAMENT_TARGETS.some((t) => overlaps(i, t)));
    const actionsMatch = !f.actions || f.actions.some((a) => READ_ACTIONS.some((r) => matches(a, r)));
    if (!indicesMatch || !actionsMatch) continue;
    const shown = Object.entries(f).map(([k, v]) => `${k}: ${v.join(', ')}`).join('; ');
    if (!f.users && !f.roles) {
      add('c', `(c) audit: everyone's reads of Filament's data are not recorded — ${setting} (${shown})`);
      continue;
    }
    for (const { principal, reads } of readers) {
      const usersMatch = !f.users || (principal.userName !== undefined && f.users.some((u) => matches(u, principal.userName as string)));
      const rolesMatch = !f.roles || principal.grants.some((g) => f.roles?.some((r) => matches(r, g.role)));
      if (usersMatch && rolesMatch) add('c', `(c) audit: ${principal.label}'s reads of ${reads.join(', ')} are not recorded — ${setting} (${shown})`);
    }
  }
  return { violations, notes: ['(b) audit records are files on each node (<cluster>_audit.json): who may read them is the hosts\' file permissions, which no Elasticsearch API shows'] };
}

export function decideElasticsearchRetention(retention: ElasticsearchRetention, days: number): Violation[] {
  const out: Violation[] = [];
  const minAge = retention.policy?.phases?.delete?.min_age;
  const deleteDays = typeof minAge === 'string' ? /^(\d+)d$/.exec(minAge)?.[1] : undefined;
  if (!retention.policy) out.push({ invariant: 'e', line: `(e) retention: nothing deletes Filament's data — ILM policy ${RETENTION_POLICY} is missing (filament setup creates it)` });
  else if (deleteDays === undefined || Number(deleteDays) + 1 > days) {
    out.push({ invariant: 'e', line: `(e) retention: Filament's data ${deleteDays === undefined ? 'is never deleted' : `is kept up to ${Number(deleteDays) + 1} days, not ${days}`} — ILM policy ${RETENTION_POLICY} delete phase` });
  }
  for (const [template, policy] of Object.entries(retention.lifecycleOf)) {
    if (policy !== RETENTION_POLICY) out.push({ invariant: 'e', line: `(e) retention: new backing indices get ${policy ? `ILM policy ${policy}` : 'no ILM policy'} — component template ${template} index.lifecycle.name` });
  }
  return out;
}
