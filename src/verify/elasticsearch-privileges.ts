/**
 * Elasticsearch's named index privileges as the actions they authorise, so that the probes of
 * access.ts apply (Elasticsearch reference, "Security privileges", indices privileges). `create_doc`
 * and `create` only ever create (no overwrite): the writer can be append-only on this engine.
 */
const PRIVILEGE_ACTIONS: Record<string, string[]> = {
  all: ['indices:*'],
  read: ['indices:data/read/*'],
  write: ['indices:data/write/*', 'indices:admin/mapping/put'],
  index: ['indices:data/write/index*', 'indices:data/write/update*', 'indices:data/write/bulk*', 'indices:admin/mapping/put'],
  create: ['indices:admin/mapping/put'],
  create_doc: [],
  auto_configure: [],
  delete: ['indices:data/write/delete*'],
  delete_index: ['indices:admin/delete', 'indices:admin/data_stream/delete'],
  manage: ['indices:admin/*', 'indices:monitor/*'],
  create_index: ['indices:admin/create'],
};

/** A privilege name, or a raw action pattern (`indices:data/read/*`) as roles may also list. */
export function actionsOfPrivilege(privilege: string): string[] {
  if (privilege.includes(':')) return [privilege];
  return PRIVILEGE_ACTIONS[privilege] ?? [];
}

/** Cluster privileges that can rewrite the audit settings (dynamic cluster settings) or security. */
export const AUDIT_CHANGING_CLUSTER_PRIVILEGES = ['all', 'manage', 'manage_security'];
