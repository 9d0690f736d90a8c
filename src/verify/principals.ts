/**
 * Who can act on the cluster, and through which roles. A principal is an internal user, or — when
 * the plugin can authenticate users from elsewhere — a user or backend role a role mapping names,
 * or any user from a host a mapping names. Each role comes with the grant that gives it, so a
 * violation can name the mapping or setting to change.
 */
import { matches } from './patterns';
import type { SecurityState } from './opensearch-state';

export interface Grant {
  role: string;
  /** e.g. `role mapping all_access (backend_roles: admin ← backend role admin of user support)`. */
  via: string;
}

export interface Principal {
  /** e.g. `user support`, `any user with backend role readall`, `any user from host 10.0.0.*`. */
  label: string;
  /** The user name, when the principal is one user (ignore lists and `${user.name}` patterns use it). */
  userName: string | undefined;
  grants: Grant[];
}

const ANONYMOUS_USER = 'opendistro_security_anonymous';
const ANONYMOUS_BACKEND_ROLE = 'opendistro_security_anonymous_backendrole';

function userGrants(state: SecurityState, name: string, backendRoles: readonly string[], directRoles: readonly string[]): Grant[] {
  const grants: Grant[] = [];
  for (const [role, mapping] of Object.entries(state.roleMappings)) {
    const byName = (mapping.users ?? []).find((p) => matches(p, name));
    if (byName !== undefined) grants.push({ role, via: `role mapping ${role} (users: ${byName})` });
    for (const pattern of mapping.backend_roles ?? []) {
      const held = backendRoles.find((b) => matches(pattern, b));
      if (held !== undefined) grants.push({ role, via: `role mapping ${role} (backend_roles: ${pattern} ← backend role ${held} of user ${name})` });
    }
    const all = mapping.and_backend_roles ?? [];
    if (all.length > 0 && all.every((p) => backendRoles.some((b) => matches(p, b)))) {
      grants.push({ role, via: `role mapping ${role} (and_backend_roles: ${all.join(', ')} held by user ${name})` });
    }
  }
  for (const role of directRoles) grants.push({ role, via: `opendistro_security_roles of internal user ${name}` });
  return grants;
}

function mappedBy(state: SecurityState, field: 'users' | 'backend_roles' | 'hosts', value: string): Grant[] {
  return Object.entries(state.roleMappings)
    .filter(([, m]) => (m[field] ?? []).some((p) => matches(p, value)))
    .map(([role]) => ({ role, via: `role mapping ${role} (${field}: ${value})` }));
}

export function principals(state: SecurityState): Principal[] {
  const result: Principal[] = [];
  const internal = new Set(Object.keys(state.users));
  for (const [name, user] of Object.entries(state.users)) {
    result.push({ label: `user ${name}`, userName: name, grants: userGrants(state, name, user.backend_roles ?? [], user.opendistro_security_roles ?? []) });
  }
  if (state.anonymous) {
    result.push({ label: `anonymous requests (user ${ANONYMOUS_USER})`, userName: ANONYMOUS_USER, grants: userGrants(state, ANONYMOUS_USER, [ANONYMOUS_BACKEND_ROLE], []) });
  }
  const mappings = Object.values(state.roleMappings);
  // Host mappings apply to every authenticated request from that host, internal users included.
  for (const host of new Set(mappings.flatMap((m) => m.hosts ?? []))) {
    result.push({ label: `any user from host ${host}`, userName: undefined, grants: mappedBy(state, 'hosts', host) });
  }
  if (state.externalAuthentication) {
    for (const name of new Set(mappings.flatMap((m) => m.users ?? []))) {
      if (internal.has(name) || /[*?]/.test(name)) continue;
      result.push({ label: `user ${name} (authenticated outside the internal user database)`, userName: name, grants: mappedBy(state, 'users', name) });
    }
    for (const role of new Set(mappings.flatMap((m) => m.backend_roles ?? []))) {
      result.push({ label: `any user with backend role ${role}`, userName: undefined, grants: mappedBy(state, 'backend_roles', role) });
    }
  }
  return result;
}
