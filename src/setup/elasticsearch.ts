/**
 * `filament setup --engine elasticsearch`: ILM retention and the event mappings through the
 * `logs@custom` / `traces@custom` / `metrics@custom` component templates (the hooks the built-in
 * logs/traces/metrics templates include — a higher-priority template of our own would shadow the
 * built-in OTel mappings), the support and writer roles and users, and the audit settings — through
 * the official client (@elastic/elasticsearch).
 *
 * Audit logging is a Gold-or-higher feature (or a trial) and needs `xpack.security.audit.enabled:
 * true` in elasticsearch.yml; records go to each node's `<cluster>_audit.json` log file, whose
 * retention is that node's log4j rollover. The run checks both and says so.
 *
 * Not exercised against a real Elasticsearch on our machines (none can run here): the request
 * bodies are checked against the client's TypeScript types (typecheck) and the contract (tests).
 */
import { Client, type estypes } from '@elastic/elasticsearch';
import {
  ALL_DATA_STREAM_PATTERNS,
  ELASTICSEARCH_CUSTOM_COMPONENT,
  RETENTION_POLICY,
  ROLLOVER_MAX_AGE,
  ROLLOVER_MAX_PRIMARY_SHARD_SIZE,
  SIGNAL_TYPES,
  SUPPORT_ROLE,
  SUPPORT_USER,
  WRITER_ROLE,
  WRITER_USER,
  type SignalType,
} from './contract';
import { elasticsearchDynamicTemplates } from './mappings';
import { provisioning, SetupError, statusOf, stepper } from './errors';
import { ensure } from './ensure';
import type { SetupOptions } from './options';
import type { Report } from './report';

/** Licences that include security audit logging (Elastic subscriptions page; a trial has everything). */
export const AUDIT_LICENCES = ['gold', 'platinum', 'enterprise', 'trial'];

/**
 * Rollover daily; ILM's delete min_age counts from rollover, so the oldest document of an index is
 * at most max_age + min_age old: delete at (days − 1) keeps it within `days`.
 */
export function ilmPolicy(days: number): estypes.IlmPolicy {
  return {
    _meta: { managed_by: 'filament setup', retention_days: days },
    phases: {
      hot: { min_age: '0ms', actions: { rollover: { max_age: ROLLOVER_MAX_AGE, max_primary_shard_size: ROLLOVER_MAX_PRIMARY_SHARD_SIZE } } },
      delete: { min_age: `${Math.max(days - 1, 0)}d`, actions: { delete: {} } },
    },
  };
}

/** What we add to `<type>@custom`; anything else already in it is kept. */
export function customComponent(signal: SignalType, withRetention: boolean, withMappings: boolean): estypes.IndicesPutIndexTemplateIndexTemplateMapping {
  return {
    ...(withRetention ? { settings: { index: { lifecycle: { name: RETENTION_POLICY } } } } : {}),
    ...(withMappings && signal === 'logs' ? { mappings: { dynamic_templates: elasticsearchDynamicTemplates() as estypes.MappingTypeMapping['dynamic_templates'] } } : {}),
  };
}

export function supportRole(): Omit<estypes.SecurityPutRoleRequest, 'name'> {
  return {
    description: 'Filament: read-only access to the log, trace and metric data streams and the dashboards',
    cluster: [],
    indices: [{ names: ALL_DATA_STREAM_PATTERNS, privileges: ['read', 'view_index_metadata'] }],
    applications: [{ application: 'kibana-.kibana', privileges: ['feature_discover.read', 'feature_dashboard.read', 'feature_visualize.read'], resources: ['*'] }],
  };
}

/** The elasticsearch exporter's documented minimum: create documents, auto-create its data streams. */
export function writerRole(): Omit<estypes.SecurityPutRoleRequest, 'name'> {
  return {
    description: 'Filament: the collector exporter; creates documents in the data streams, reads nothing',
    cluster: ['monitor'],
    indices: [{ names: ALL_DATA_STREAM_PATTERNS, privileges: ['auto_configure', 'create_doc'] }],
  };
}

/** Dynamic cluster settings of the logfile audit trail: reads granted and refused, with the query. */
export function auditSettings(): Record<string, unknown> {
  return {
    'xpack.security.audit.logfile.events.include': [
      'access_denied', 'access_granted', 'anonymous_access_denied', 'authentication_failed',
      'connection_denied', 'run_as_denied', 'run_as_granted', 'security_config_change', 'tampered_request',
    ],
    'xpack.security.audit.logfile.events.emit_request_body': true,
    // The writer's bulk traffic reads nothing and would drown the trail.
    'xpack.security.audit.logfile.events.ignore_filters.filament_writer.users': [WRITER_USER],
  };
}

function mergeCustom(current: estypes.IndicesPutIndexTemplateIndexTemplateMapping | undefined, ours: estypes.IndicesPutIndexTemplateIndexTemplateMapping): estypes.IndicesPutIndexTemplateIndexTemplateMapping {
  if (!current) return ours;
  const ourNames = new Set((ours.mappings?.dynamic_templates ?? []).flatMap((t) => Object.keys(t)));
  const theirs = (current.mappings?.dynamic_templates ?? []).filter((t) => !Object.keys(t).some((k) => ourNames.has(k)));
  const settings = { ...current.settings, ...(ours.settings ? { index: { ...(current.settings?.index as object | undefined), ...ours.settings.index } } : {}) };
  return {
    ...current,
    ...(Object.keys(settings).length ? { settings } : {}),
    ...(current.mappings || ours.mappings ? { mappings: { ...current.mappings, ...(ours.mappings ? { dynamic_templates: [...theirs, ...(ours.mappings.dynamic_templates ?? [])] } : {}) } } : {}),
  };
}

/** The official client as setup and verify use it: the run's credentials and CA, no retries of its own. */
export function elasticsearchClient(options: SetupOptions): Client {
  return new Client({
    node: options.url, auth: { username: options.username, password: options.password },
    ...(options.caCert ? { tls: { ca: options.caCert } } : {}), maxRetries: 0, requestTimeout: 30_000,
  });
}

export async function setupElasticsearch(options: SetupOptions, report: Report): Promise<void> {
  const { url, username, skip } = options;
  const es = elasticsearchClient(options);
  const step = stepper(url, username);

  // ---- preflight
  await step('read the cluster information', () => es.info());
  const needsSecurity = !skip.has('security') || !skip.has('audit');
  if (needsSecurity) {
    await step('authenticate', () => es.security.authenticate()).catch((error: SetupError) => {
      if (/security must be explicitly enabled|security is not enabled/i.test(error.message)) {
        throw new SetupError(`Elasticsearch at ${url} has security disabled (xpack.security.enabled: false): roles, users and the audit trail cannot be provisioned; enable it, or --skip security,audit`);
      }
      throw error;
    });
  }
  const wanted: estypes.SecurityClusterPrivilege[] = [
    ...(!skip.has('retention') ? ['manage_ilm' as const] : []),
    ...(!skip.has('retention') || !skip.has('mappings') ? ['manage_index_templates' as const] : []),
    ...(!skip.has('security') ? ['manage_security' as const] : []),
    ...(!skip.has('audit') ? ['manage' as const] : []),
  ];
  if (needsSecurity && wanted.length > 0) {
    const has = await step('check its own privileges', () => es.security.hasPrivileges({ cluster: wanted }));
    const lacking = Object.entries(has.cluster).filter(([, ok]) => !ok).map(([p]) => p);
    if (lacking.length > 0) throw new SetupError(`user "${username}" lacks the cluster privilege(s) ${lacking.join(', ')} at ${url}`);
  }
  if (!skip.has('audit')) {
    const licence = await step('read the licence', () => es.license.get());
    const type = licence.license.type;
    if (!AUDIT_LICENCES.includes(type)) {
      throw new SetupError(`Elasticsearch licence "${type}" has no audit logging (needs Gold, Platinum, Enterprise or a trial): the access audit cannot be provisioned; upgrade, or --skip audit to run without it`);
    }
    const nodes = await step('read node settings', () => es.nodes.info({ metric: 'settings', filter_path: 'nodes.*.settings.xpack.security.audit.enabled' }));
    const enabled = Object.values(nodes.nodes ?? {}).map((n) => (n.settings as { xpack?: { security?: { audit?: { enabled?: unknown } } } } | undefined)?.xpack?.security?.audit?.enabled);
    if (enabled.length === 0 || enabled.some((e) => String(e) !== 'true')) {
      throw new SetupError(`Elasticsearch at ${url} has the audit trail switched off: set xpack.security.audit.enabled: true in elasticsearch.yml on every node and restart, or --skip audit`);
    }
  }

  // ---- apply
  const put = ensure(report, options.dryRun);
  const apply = provisioning(report, url, username);
  const get404 = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  if (!skip.has('retention')) {
    await apply(`put ILM policy ${RETENTION_POLICY}`, async () => {
      const current = await get404(() => es.ilm.getLifecycle({ name: RETENTION_POLICY }));
      const policy = ilmPolicy(options.retentionDays);
      await put(`ILM policy ${RETENTION_POLICY} (delete after ${options.retentionDays} days)`, current?.[RETENTION_POLICY]?.policy, policy, async () => {
        await es.ilm.putLifecycle({ name: RETENTION_POLICY, policy });
      });
    });
  } else report.add({ outcome: 'skipped', resource: 'retention', detail: 'data is not deleted automatically' });

  if (!skip.has('retention') || !skip.has('mappings')) {
    for (const signal of SIGNAL_TYPES) {
      const name = ELASTICSEARCH_CUSTOM_COMPONENT(signal);
      const ours = customComponent(signal, !skip.has('retention'), !skip.has('mappings'));
      await apply(`put component template ${name}`, async () => {
        const current = (await get404(() => es.cluster.getComponentTemplate({ name })))?.component_templates?.[0]?.component_template;
        const desired = mergeCustom(current?.template as estypes.IndicesPutIndexTemplateIndexTemplateMapping | undefined, ours);
        // Compared with the merged whole: their own settings and dynamic templates stay as they are.
        await put(`component template ${name}`, current?.template, desired, async () => {
          await es.cluster.putComponentTemplate({ name, template: desired, _meta: { managed_by: 'filament setup' } });
        });
      });
    }
  } else report.add({ outcome: 'skipped', resource: 'mappings' });

  if (!skip.has('security')) {
    for (const [name, body] of [[SUPPORT_ROLE, supportRole()], [WRITER_ROLE, writerRole()]] as const) {
      await apply(`put role ${name}`, async () => {
        const current = (await get404(() => es.security.getRole({ name })))?.[name];
        await put(`role ${name}`, current, body, async () => {
          await es.security.putRole({ name, ...body });
        });
      });
    }
    for (const [user, role, password] of [
      [SUPPORT_USER, SUPPORT_ROLE, options.supportPassword as string],
      [WRITER_USER, WRITER_ROLE, options.writerPassword as string],
    ] as const) {
      await apply(`put user ${user}`, async () => {
        const current = (await get404(() => es.security.getUser({ username: user })))?.[user];
        // The password cannot be read back: log in as the user to see whether it still holds.
        let passwordOk = false;
        if (current) {
          const asUser = new Client({ node: url, auth: { username: user, password }, ...(options.caCert ? { tls: { ca: options.caCert } } : {}), maxRetries: 0 });
          passwordOk = await asUser.security.authenticate().then(() => true, (error: unknown) => {
            if (statusOf(error) === 401) return false;
            throw error;
          });
          await asUser.close();
        }
        const roles = current ? [...new Set([...current.roles, role])].sort() : [role];
        await put(`user ${user}`, current && passwordOk ? { ...current, roles: [...current.roles].sort() } : current ? {} : undefined, { roles, enabled: true }, async () => {
          await es.security.putUser({ username: user, password, roles, full_name: `Filament ${user}` });
        });
      });
    }
  } else report.add({ outcome: 'skipped', resource: 'roles and users' });

  if (!skip.has('audit')) {
    await apply('put the audit settings', async () => {
      const current = await es.cluster.getSettings({ flat_settings: true });
      const desired = auditSettings();
      await put('audit settings (logfile: access granted/denied with request bodies)', current.persistent, desired, async () => {
        await es.cluster.putSettings({ persistent: desired });
      });
    });
    report.warn('Elasticsearch audit records go to each node\'s <cluster>_audit.json log file (Gold licence or higher); keep them by the node\'s log4j rollover');
  } else report.add({ outcome: 'skipped', resource: 'audit', detail: 'Elasticsearch audit logging needs a Gold licence or higher' });
  await es.close();
}
