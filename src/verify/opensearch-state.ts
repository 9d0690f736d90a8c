/**
 * The cluster's security state as the security plugin's REST API returns it, read through the
 * official client (@opensearch-project/opensearch): every internal user, role (reserved and static
 * ones included: all_access, readall, …), role mapping, action group, the authentication domains
 * and the audit configuration. Verify decides on this snapshot; nothing is written.
 */
import type { Client, Types } from '@opensearch-project/opensearch';

export type User = Types.Security_Common.User;
export type Role = Types.Security_Common.Role;
export type RoleMapping = Types.Security_Common.RoleMapping;
export type ActionGroup = Types.Security_Common.ActionGroup;
export type AuditConfig = Types.Security_Common.AuditConfig;

export interface SecurityState {
  users: Record<string, User>;
  roles: Record<string, Role>;
  roleMappings: Record<string, RoleMapping>;
  actionGroups: Record<string, ActionGroup>;
  audit: AuditConfig | undefined;
  /**
   * True when an enabled authentication or authorisation domain other than the internal user
   * database exists (LDAP, JWT, SAML, proxy, …): then users and backend roles that are not internal
   * users can log in, and every mapping of them is a principal.
   */
  externalAuthentication: boolean;
  /** anonymous_auth_enabled: requests without credentials run as opendistro_security_anonymous. */
  anonymous: boolean;
}

interface Domain {
  http_enabled?: boolean;
  transport_enabled?: boolean;
  authentication_backend?: { type?: string };
  authorization_backend?: { type?: string };
}

/** Internal authentication is the plugin's `intern` (alias `internal`) backend. */
function external(domains: Record<string, unknown> | undefined, backend: 'authentication_backend' | 'authorization_backend'): boolean {
  return Object.values(domains ?? {}).some((raw) => {
    const d = raw as Domain;
    if (!d.http_enabled && !d.transport_enabled) return false;
    const type = d[backend]?.type ?? 'intern';
    return !['intern', 'internal'].includes(type);
  });
}

export async function readSecurityState(os: Client): Promise<SecurityState> {
  const [users, roles, roleMappings, actionGroups, audit, config] = await Promise.all([
    os.security.getUsers(),
    os.security.getRoles(),
    os.security.getRoleMappings(),
    os.security.getActionGroups(),
    os.security.getAuditConfiguration(),
    os.security.getConfiguration(),
  ]);
  const dynamic = config.body.config?.dynamic;
  return {
    users: users.body,
    roles: roles.body,
    roleMappings: roleMappings.body,
    actionGroups: actionGroups.body,
    audit: audit.body.config,
    externalAuthentication: external(dynamic?.authc, 'authentication_backend') || external(dynamic?.authz, 'authorization_backend'),
    anonymous: (dynamic?.http as { anonymous_auth_enabled?: boolean } | undefined)?.anonymous_auth_enabled === true,
  };
}
