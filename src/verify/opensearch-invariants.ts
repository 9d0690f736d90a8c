/**
 * The logging ADR's rules on the store, decided on one snapshot of the security state
 * (docs/setup.md, "filament verify"):
 *   (a) only principals mapped to `support`, and the admins named, read Filament's data streams;
 *   (b) only the admins read or change the audit index;
 *   (c) every read of Filament's data is audited — by anyone, whatever the ignore lists or categories;
 *   (d) the writer only appends, and nobody but the admins changes or deletes stored data;
 *   the support role mapping names only the support user.
 * (e), retention, needs the ISM API: opensearch-retention.ts. Pure: state in, violations out.
 */
import { ALL_DATA_STREAM_PATTERNS, OPENSEARCH_AUDIT_INDEX_PATTERN, SUPPORT_ROLE, SUPPORT_USER, WRITE_WATCHED_INDICES, WRITER_USER } from '../setup';
import { CHANGE_ACTIONS, CHANGE_WORDS, grantedOn, READ_ACTIONS } from './access';
import { matches } from './patterns';
import { principals, type Principal } from './principals';
import type { SecurityState } from './opensearch-state';
import type { Violation } from './violation';

/** The request types of a read, as `ignore_requests` may name them (action names are READ_ACTIONS). */
const READ_REQUEST_TYPES = ['SearchRequest', 'GetRequest', 'MultiGetRequest', 'MultiGetShardRequest', 'MultiSearchRequest', 'SearchScrollRequest', 'ShardSearchRequest'];

/** What the writer's role must hold for a bulk create (src/setup/opensearch.ts writerRole): not flagged, stated in a note. */
const WRITER_NEEDS = ['indices:data/write/index', 'indices:admin/mapping/put'];

const targets = (pattern: string): string[] => [pattern, `.ds-${pattern}`];
const FILAMENT_TARGETS = ALL_DATA_STREAM_PATTERNS.flatMap(targets);
const AUDIT_TARGETS = [OPENSEARCH_AUDIT_INDEX_PATTERN];

interface Access {
  grant: { role: string; via: string };
  /** The Filament patterns whose documents the grant reads. */
  reads: string[];
  changes: string[];
  auditReads: string[];
  auditChanges: string[];
}

function accessOf(state: SecurityState, principal: Principal): Access[] {
  return principal.grants.flatMap((grant) => {
    const role = state.roles[grant.role];
    if (!role) return [];
    const on = (t: readonly string[], probes: readonly string[]) => grantedOn(role, state.actionGroups, t, probes, principal.userName);
    return [{
      grant,
      reads: ALL_DATA_STREAM_PATTERNS.filter((p) => on(targets(p), READ_ACTIONS).length > 0),
      changes: on(FILAMENT_TARGETS, CHANGE_ACTIONS),
      auditReads: on(AUDIT_TARGETS, READ_ACTIONS),
      auditChanges: on(AUDIT_TARGETS, CHANGE_ACTIONS),
    }];
  });
}

const through = (a: Access) => `role ${a.grant.role} via ${a.grant.via}`;
const words = (actions: readonly string[]) => actions.map((c) => CHANGE_WORDS[c] ?? c).join(', ');

export interface Decision {
  violations: Violation[];
  /** Limits the engine sets on what verify can promise, said plainly (not violations). */
  notes: string[];
}

export function decideOpenSearch(state: SecurityState, admins: readonly string[]): Decision {
  const violations: Violation[] = [];
  const notes: string[] = [];
  const add = (invariant: Violation['invariant'], line: string) => {
    if (!violations.some((v) => v.line === line)) violations.push({ invariant, line });
  };
  const readers: Array<{ principal: Principal; reads: string[] }> = [];

  for (const principal of principals(state)) {
    const isAdmin = principal.userName !== undefined && admins.includes(principal.userName) && principal.label === `user ${principal.userName}`;
    const access = accessOf(state, principal);
    const mappedToSupport = access.some((a) => a.grant.role === SUPPORT_ROLE);
    const reads = [...new Set(access.flatMap((a) => a.reads))];
    if (reads.length > 0) readers.push({ principal, reads });
    const isWriter = principal.userName === WRITER_USER && principal.label === `user ${WRITER_USER}`;
    for (const a of access) {
      if (!isAdmin && !mappedToSupport && a.reads.length > 0) {
        add('a', `(a) readers: ${principal.label} reads ${a.reads.join(', ')} — ${through(a)}`);
      }
      if (!isAdmin && (a.auditReads.length > 0 || a.auditChanges.length > 0)) {
        const what = [a.auditReads.length > 0 ? 'reads' : '', a.auditChanges.length > 0 ? `changes (${words(a.auditChanges)})` : ''].filter(Boolean).join(' and ');
        add('b', `(b) audit index: ${principal.label} ${what} ${OPENSEARCH_AUDIT_INDEX_PATTERN} — ${through(a)}`);
      }
      if (isWriter && a.reads.length > 0) add('d', `(d) writer: ${principal.label} reads ${a.reads.join(', ')} — ${through(a)}`);
      const changes = isWriter ? a.changes.filter((c) => !WRITER_NEEDS.includes(c)) : a.changes;
      if (!isAdmin && changes.length > 0) {
        add('d', `(d) append-only: ${principal.label} may ${words(changes)} in Filament's data streams — ${through(a)}`);
      }
    }
  }

  const mapping = state.roleMappings[SUPPORT_ROLE];
  for (const user of mapping?.users ?? []) {
    if (user !== SUPPORT_USER) add('support-mapping', `(a) support mapping: user ${user} is mapped to role support — role mapping support (users: ${user})`);
  }
  for (const field of ['backend_roles', 'and_backend_roles', 'hosts'] as const) {
    for (const value of mapping?.[field] ?? []) {
      add('support-mapping', `(a) support mapping: every user with ${field === 'hosts' ? 'host' : 'backend role'} ${value} gets role support — role mapping support (${field}: ${value})`);
    }
  }

  const audit = state.audit;
  const log = audit?.audit;
  if (!audit || audit.enabled === false) add('c', '(c) audit: no read is recorded — audit configuration enabled: false');
  if (log?.enable_transport === false) add('c', '(c) audit: no read is recorded (reads are transport requests) — audit enable_transport: false');
  const disabled = [...(log?.disabled_transport_categories ?? []), ...(log?.disabled_categories ?? [])];
  for (const [category, what] of [['GRANTED_PRIVILEGES', 'granted reads'], ['MISSING_PRIVILEGES', 'refused reads']] as const) {
    if (disabled.includes(category)) add('c', `(c) audit: everyone's ${what} are not recorded — audit disabled_transport_categories: ${category}`);
  }
  for (const pattern of log?.ignore_users ?? []) {
    for (const { principal, reads } of readers) {
      if (principal.userName !== undefined && matches(pattern, principal.userName)) {
        add('c', `(c) audit: ${principal.label}'s reads of ${reads.join(', ')} are not recorded — audit ignore_users: ${pattern}`);
      }
    }
  }
  for (const pattern of log?.ignore_requests ?? []) {
    const hit = [...READ_ACTIONS, ...READ_REQUEST_TYPES].filter((r) => matches(pattern, r));
    if (hit.length > 0) add('c', `(c) audit: everyone's reads (${hit.join(', ')}) are not recorded — audit ignore_requests: ${pattern}`);
  }

  // (d), its audited half: the writer cannot be refused an overwrite or a mapping change (note
  // below), so its requests must be recorded and the compliance write history must watch the
  // backing indices — what verify --watch reads to flag them (suspicious.ts).
  if (audit && audit.enabled !== false) {
    const ignored = (log?.ignore_users ?? []).find((p) => matches(p, WRITER_USER));
    if (ignored) add('d', `(d) writer audit: user ${WRITER_USER}'s refused requests, mapping and settings changes are not recorded — audit ignore_users: ${ignored}`);
    const compliance = audit.compliance;
    const watched = compliance?.write_watched_indices ?? [];
    const unwatched = WRITE_WATCHED_INDICES.filter((i) => !watched.some((p) => matches(p, i)));
    if (!compliance || compliance.enabled === false) {
      add('d', '(d) writer audit: overwrites of stored documents are not recorded — audit compliance enabled: false');
    } else if (unwatched.length > 0) {
      add('d', `(d) writer audit: overwrites of stored documents in ${unwatched.join(', ')} are not recorded — audit compliance write_watched_indices: ${watched.join(', ') || '(none)'}`);
    }
    const writeIgnored = (compliance?.write_ignore_users ?? []).find((p) => matches(p, WRITER_USER));
    if (writeIgnored) add('d', `(d) writer audit: user ${WRITER_USER}'s overwrites are not recorded — audit compliance write_ignore_users: ${writeIgnored}`);
  }

  notes.push(`(d) writer: OpenSearch authorises every bulk item by indices:data/write/bulk[s], whatever its op_type, and a new field needs indices:admin/mapping/put: role ${WRITER_USER} cannot be limited to create — an overwrite (bulk index with if_seq_no) or a mapping change by the writer is not refused; it is audited (compliance write history, granted indices:admin/*) and verify --watch flags it (writer_overwrite, writer_mapping_change, writer_settings_change)`);
  return { violations, notes };
}
