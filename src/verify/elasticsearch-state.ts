/**
 * Elasticsearch's security and retention state as its APIs return it, read through the official
 * client (@elastic/elasticsearch): native and reserved users, every role the API returns (built-in
 * ones such as superuser and viewer included; roles defined in roles.yml files are not returned by
 * any API and are not seen), role mappings, active API keys with their role descriptors, the
 * cluster settings that hold the logfile audit filters, the licence and each node's
 * xpack.security.audit.enabled, and the retention policy with the @custom templates that attach it.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { ELASTICSEARCH_CUSTOM_COMPONENT, RETENTION_POLICY, SIGNAL_TYPES, statusOf } from '../setup';

export interface ElasticsearchState {
  users: Record<string, estypes.SecurityUser>;
  roles: Record<string, estypes.SecurityRoleDescriptor>;
  roleMappings: Record<string, estypes.SecurityRoleMapping>;
  apiKeys: estypes.SecurityApiKey[];
  /** persistent and transient cluster settings, flat (`xpack.security.audit.logfile.events.include` …). */
  settings: Record<string, unknown>;
  licence: string;
  /** xpack.security.audit.enabled of every node, as strings. */
  auditEnabled: string[];
}

export interface ElasticsearchRetention {
  policy: estypes.IlmPolicy | undefined;
  /** index.lifecycle.name of each `<type>@custom` component template. */
  lifecycleOf: Record<string, string | undefined>;
}

async function orEmpty<T>(call: () => Promise<T>, empty: T): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (statusOf(error) === 404) return empty;
    throw error;
  }
}

export async function readElasticsearchState(es: Client): Promise<ElasticsearchState> {
  const [users, roles, roleMappings, keys, settings, licence, nodes] = await Promise.all([
    es.security.getUser(),
    es.security.getRole(),
    orEmpty(() => es.security.getRoleMapping(), {}),
    orEmpty(() => es.security.getApiKey({ active_only: true }), { api_keys: [] }),
    es.cluster.getSettings({ flat_settings: true }),
    es.license.get(),
    es.nodes.info({ metric: 'settings', filter_path: 'nodes.*.settings.xpack.security.audit.enabled' }),
  ]);
  return {
    users,
    roles: roles as Record<string, estypes.SecurityRoleDescriptor>,
    roleMappings,
    apiKeys: keys.api_keys.filter((k) => !k.invalidated),
    settings: { ...settings.persistent, ...settings.transient },
    licence: licence.license.type,
    auditEnabled: Object.values(nodes.nodes ?? {}).map((n) => String((n.settings as { xpack?: { security?: { audit?: { enabled?: unknown } } } } | undefined)?.xpack?.security?.audit?.enabled)),
  };
}

export async function readElasticsearchRetention(es: Client): Promise<ElasticsearchRetention> {
  const policies = await orEmpty(() => es.ilm.getLifecycle({ name: RETENTION_POLICY }), {} as estypes.IlmGetLifecycleResponse);
  const lifecycleOf: Record<string, string | undefined> = {};
  for (const signal of SIGNAL_TYPES) {
    const name = ELASTICSEARCH_CUSTOM_COMPONENT(signal);
    const found = await orEmpty(() => es.cluster.getComponentTemplate({ name }), { component_templates: [] });
    const settings = found.component_templates[0]?.component_template.template.settings as Record<string, unknown> | undefined;
    const index = settings?.index as { lifecycle?: { name?: string }; 'lifecycle.name'?: string } | undefined;
    lifecycleOf[name] = index?.lifecycle?.name ?? index?.['lifecycle.name'] ?? (settings?.['index.lifecycle.name'] as string | undefined);
  }
  return { policy: policies[RETENTION_POLICY]?.policy, lifecycleOf };
}
