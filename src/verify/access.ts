/**
 * What a role lets a principal do to a set of indices: action groups expanded (the plugin's static
 * ones — read, crud, indices_all, … — come from the same API as the cluster owner's), then each
 * index permission's actions probed with the concrete action names the plugin authorises
 * (docs: opensearch.org/docs/latest/security/access-control/permissions/).
 */
import { matches, overlaps, resolveIndexPattern } from './patterns';
import type { ActionGroup, Role } from './opensearch-state';

/** Actions that read documents: a search, a get, and their multi/scroll forms. */
export const READ_ACTIONS = [
  'indices:data/read/search',
  'indices:data/read/get',
  'indices:data/read/mget[shard]',
  'indices:data/read/msearch',
  'indices:data/read/scroll',
];

/**
 * Actions that change or remove stored data or its mapping. `indices:admin/aliases` is left out:
 * the built-in kibana_server role holds it on `*` to manage its own aliases.
 */
export const CHANGE_ACTIONS = [
  'indices:data/write/index',
  'indices:data/write/update',
  'indices:data/write/delete',
  'indices:data/write/delete/byquery',
  'indices:data/write/update/byquery',
  'indices:admin/delete',
  'indices:admin/data_stream/delete',
  'indices:admin/mapping/put',
  'indices:admin/settings/update',
  'indices:admin/close',
];

/** How a violation line says what a change action does. */
export const CHANGE_WORDS: Record<string, string> = {
  'indices:data/write/index': 'index (overwrite) documents',
  'indices:data/write/update': 'update documents',
  'indices:data/write/delete': 'delete documents',
  'indices:data/write/delete/byquery': 'delete by query',
  'indices:data/write/update/byquery': 'update by query',
  'indices:admin/delete': 'delete indices',
  'indices:admin/data_stream/delete': 'delete data streams',
  'indices:admin/mapping/put': 'change mappings',
  'indices:admin/settings/update': 'change settings',
  'indices:admin/close': 'close indices',
};

/** Action names and patterns an action-group list stands for, groups expanded recursively. */
export function expandActions(actions: readonly string[], groups: Record<string, ActionGroup>, seen: Set<string> = new Set()): string[] {
  const out: string[] = [];
  for (const action of actions) {
    const group = groups[action];
    if (group && !seen.has(action)) {
      seen.add(action);
      out.push(...expandActions(group.allowed_actions ?? [], groups, seen));
    } else if (!group) out.push(action);
  }
  return out;
}

/**
 * The probes among `probes` that `role` grants on any index matching one of `targets`, for a
 * principal named `userName` (for `${user.name}` patterns).
 */
export function grantedOn(role: Role, groups: Record<string, ActionGroup>, targets: readonly string[], probes: readonly string[], userName: string | undefined): string[] {
  const granted = new Set<string>();
  for (const permission of role.index_permissions ?? []) {
    const patterns = (permission.index_patterns ?? []).map((p) => resolveIndexPattern(p, userName));
    if (!patterns.some((p) => targets.some((t) => overlaps(p, t)))) continue;
    const actions = expandActions(permission.allowed_actions ?? [], groups);
    for (const probe of probes) if (actions.some((a) => matches(a, probe))) granted.add(probe);
  }
  return probes.filter((p) => granted.has(p));
}
