/**
 * `filament setup --engine opensearch`: index templates with the event mappings, ISM retention,
 * the support and writer roles and users (security plugin REST API), the audit configuration and
 * the audit index's retention — through the official client (@opensearch-project/opensearch).
 *
 * Order: every capability is checked before anything is written (wrong URL, wrong credentials, no
 * security plugin, no ISM plugin, no audit storage), so a refused run has applied nothing.
 */
import type { API, Client, Types } from '@opensearch-project/opensearch';
import {
  ALL_DATA_STREAM_PATTERNS,
  AUDIT_IGNORED_USERS,
  AUDIT_RETENTION_POLICY,
  DATA_STREAM_PATTERNS,
  EVENTS_COMPONENT,
  OPENSEARCH_AUDIT_INDEX_PATTERN,
  OPENSEARCH_BASE_COMPONENT,
  OPENSEARCH_INDEX_TEMPLATE,
  OPENSEARCH_TEMPLATE_PRIORITY,
  RETENTION_POLICY,
  ROLLOVER_MAX_AGE,
  ROLLOVER_MAX_PRIMARY_SHARD_SIZE,
  SIGNAL_TYPES,
  SUPPORT_ROLE,
  SUPPORT_USER,
  WRITE_WATCHED_INDICES,
  WRITER_ROLE,
  WRITER_USER,
  type SignalType,
} from './contract';
import { ATTRIBUTE_FIELDS, propertyTree, SS4O_LOG_FIELDS, SS4O_SPAN_FIELDS, type ContractFieldType } from './mappings';
import { union } from './compare';
import { describe, isNoHandler, provisioning, reasonOf, SetupError, statusOf, stepper } from './errors';
import type { SetupOptions } from './options';
import type { Report } from './report';
import { ensure, type Ensure } from './ensure';
import { openSearchClient } from './opensearch-client';
import { passwordProblem, passwordRules, restapiSettings } from './opensearch-passwords';

type ComponentTemplateBody = API.Cluster_PutComponentTemplate_RequestBody;
type IndexTemplateBody = API.Indices_PutIndexTemplate_RequestBody;
type Role = Types.Security_Common.Role;
type AuditConfig = Types.Security_Common.AuditConfig;
type Policy = Types.Ism_Common.Policy;

const MANAGED = { managed_by: 'filament setup' };

// ---------------------------------------------------------------- desired state (pure, typed)

/**
 * Fields every document of a signal has as the opensearch exporter writes it (the Simple Schema for
 * Observability: src/setup/mappings.ts, docs/collector.md "OpenSearch"). Metrics: that exporter writes
 * none (collector/config.opensearch.yaml); the template keeps the otel-mode names of anything else
 * that writes to metrics-filament.*.
 */
const BASE_FIELDS: Record<SignalType, Record<string, ContractFieldType>> = {
  logs: SS4O_LOG_FIELDS,
  traces: SS4O_SPAN_FIELDS,
  metrics: { '@timestamp': 'date_nanos', 'resource.attributes.service.name': 'keyword' },
};

/**
 * The field a data stream orders and rolls over by: `@timestamp`, but for spans `startTime` — the
 * exporter leaves an SS4O span's `@timestamp` at the zero time (SS4O_SPAN_FIELDS).
 */
const TIMESTAMP_FIELD: Record<SignalType, string> = { logs: '@timestamp', traces: 'startTime', metrics: '@timestamp' };

export function baseComponentTemplate(signal: SignalType): ComponentTemplateBody {
  return {
    _meta: MANAGED,
    template: {
      mappings: {
        // Attribute strings are identifiers and names far more often than prose: exact-match
        // keywords (as Elasticsearch's OTel mappings do), not analysed text with a sub-field.
        dynamic_templates: [
          { filament_attribute_strings: { path_match: 'attributes.*', match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
          // SS4O: resource.<name>; otel mode: resource.attributes.<name>.
          { filament_resource_strings: { path_match: 'resource.*', match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
        ],
        // An SS4O log record's body is its text (`body`), searched as prose.
        properties: { ...propertyTree(BASE_FIELDS[signal]), ...(signal === 'logs' ? { body: { type: 'text' } } : {}) },
      },
    },
  };
}

export function eventsComponentTemplate(): ComponentTemplateBody {
  return {
    _meta: MANAGED,
    template: { mappings: { properties: { attributes: { properties: propertyTree(ATTRIBUTE_FIELDS) } } } },
  };
}

export function indexTemplate(signal: SignalType): IndexTemplateBody {
  return {
    _meta: MANAGED,
    index_patterns: [DATA_STREAM_PATTERNS[signal]],
    data_stream: { timestamp_field: { name: TIMESTAMP_FIELD[signal] } },
    composed_of: signal === 'logs' ? [OPENSEARCH_BASE_COMPONENT(signal), EVENTS_COMPONENT] : [OPENSEARCH_BASE_COMPONENT(signal)],
    priority: OPENSEARCH_TEMPLATE_PRIORITY,
  };
}

/**
 * Rollover daily, delete an index `days` after it was created: its oldest document is then at most
 * `days` old (ISM's min_index_age counts from creation).
 */
export function retentionPolicy(days: number): Policy {
  return {
    description: `Filament: roll over daily, delete after ${days} days (logging ADR: at most 6 months)`,
    default_state: 'hot',
    states: [
      {
        name: 'hot',
        actions: [{ rollover: { min_index_age: ROLLOVER_MAX_AGE, min_primary_shard_size: ROLLOVER_MAX_PRIMARY_SHARD_SIZE } }],
        transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }],
      },
      { name: 'delete', actions: [{ delete: {} }], transitions: [] },
    ],
    ism_template: [{ index_patterns: ALL_DATA_STREAM_PATTERNS, priority: 100 }],
  };
}

/** The security plugin writes one audit index per day: delete each after `days`. */
export function auditRetentionPolicy(days: number): Policy {
  return {
    description: `Filament: delete audit log indices after ${days} days`,
    default_state: 'keep',
    states: [
      { name: 'keep', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${days}d` } }] },
      { name: 'delete', actions: [{ delete: {} }], transitions: [] },
    ],
    ism_template: [{ index_patterns: [OPENSEARCH_AUDIT_INDEX_PATTERN], priority: 100 }],
  };
}

/** Read the data streams (search, get, field caps, mappings) and, in OpenSearch Dashboards, the saved objects. */
export function supportRole(): Role {
  return {
    description: 'Filament: read-only access to the log, trace and metric data streams and the dashboards',
    cluster_permissions: ['cluster_composite_ops_ro'],
    index_permissions: [
      { index_patterns: ALL_DATA_STREAM_PATTERNS, allowed_actions: ['read', 'indices:admin/mappings/get'] },
      { index_patterns: ['.kibana', '.kibana_*'], allowed_actions: ['read'] },
    ],
    tenant_permissions: [{ tenant_patterns: ['global_tenant'], allowed_actions: ['kibana_all_read'] }],
  };
}

/**
 * What a bulk `create` into a data stream needs, and no read: create the stream on first write,
 * add dynamically mapped fields, index documents. Found by refusal on OpenSearch 2.19.1
 * (indices:admin/create, then indices:admin/mapping/put).
 */
export function writerRole(): Role {
  return {
    description: 'Filament: the collector exporter; creates documents in the data streams, reads nothing',
    cluster_permissions: ['cluster:monitor/main', 'indices:data/write/bulk'],
    index_permissions: [
      {
        index_patterns: ALL_DATA_STREAM_PATTERNS,
        allowed_actions: [
          'indices:admin/create',
          'indices:admin/data_stream/create',
          'indices:admin/mapping/put',
          'indices:data/write/bulk[s]',
          'indices:data/write/index',
        ],
      },
    ],
  };
}

/**
 * Record every granted and refused index-level action (who, when, which indices, the request body):
 * GRANTED_PRIVILEGES on the transport layer is what records a read. The writer is no longer on the
 * ignore list (an earlier setup put it there; this one takes it off): OpenSearch cannot make it
 * append-only, so its refused requests, its mapping and settings changes (INDEX_EVENT / granted
 * `indices:admin/*`) and its bulk requests (one record per request, not per document) are recorded,
 * and the compliance write history records each document written to the Filament backing indices
 * (CREATE / UPDATE / DELETE, metadata only, no source): the only record of an overwrite.
 */
export function auditConfig(current: AuditConfig | undefined): AuditConfig {
  const audit = current?.audit ?? {};
  const compliance = current?.compliance ?? {};
  const notWriter = (users: string[] | undefined) => (users ?? []).filter((u) => u !== WRITER_USER);
  return {
    ...current,
    enabled: true,
    audit: {
      ...audit,
      enable_rest: true,
      enable_transport: true,
      disabled_rest_categories: ['AUTHENTICATED', 'GRANTED_PRIVILEGES'],
      disabled_transport_categories: ['AUTHENTICATED'],
      log_request_body: true,
      resolve_indices: true,
      exclude_sensitive_headers: true,
      ignore_users: union(notWriter(audit.ignore_users), AUDIT_IGNORED_USERS),
    },
    compliance: {
      ...compliance,
      enabled: true,
      write_watched_indices: union(compliance.write_watched_indices, WRITE_WATCHED_INDICES),
      write_ignore_users: union(notWriter(compliance.write_ignore_users)),
      // Volume: one small record per document (index, id, version, operation), never its body.
      write_metadata_only: true,
      write_log_diffs: false,
    },
  };
}

function sortedLists(config: AuditConfig | undefined): AuditConfig | undefined {
  if (!config?.audit) return config;
  const a = config.audit;
  return {
    ...config,
    audit: {
      ...a,
      disabled_rest_categories: union(a.disabled_rest_categories),
      disabled_transport_categories: union(a.disabled_transport_categories),
      ignore_users: union(a.ignore_users),
    },
    ...(config.compliance ? {
      compliance: {
        ...config.compliance,
        write_watched_indices: union(config.compliance.write_watched_indices),
        write_ignore_users: union(config.compliance.write_ignore_users),
      },
    } : {}),
  };
}

// ---------------------------------------------------------------- provisioning

async function getOrUndefined<T>(call: () => Promise<{ body: T }>): Promise<T | undefined> {
  try {
    return (await call()).body;
  } catch (error) {
    if (statusOf(error) === 404 && !isNoHandler(error)) return undefined;
    throw error;
  }
}

export async function setupOpenSearch(options: SetupOptions, report: Report): Promise<void> {
  const { url, username, skip } = options;
  const os = openSearchClient(url, username, options.password, options.caCert);
  const step = stepper(url, username);

  // ---- preflight: nothing is written until every needed capability is known to be there
  const info = await step('read the cluster information', () => os.info());
  const distribution = (info.body.version as { distribution?: string } | undefined)?.distribution;
  if (distribution !== 'opensearch') {
    throw new SetupError(`${url} is not OpenSearch (version.distribution: ${distribution ?? 'none'}); use --engine elasticsearch for Elasticsearch`);
  }
  const needsSecurity = !skip.has('security') || !skip.has('audit');
  if (needsSecurity) {
    try {
      await os.security.authinfo();
    } catch (error) {
      if (isNoHandler(error)) {
        throw new SetupError(`OpenSearch at ${url} has no security plugin (opensearch-security) enabled: roles, users and the audit log cannot be provisioned; enable it, or --skip security,audit`);
      }
      throw describe(error, 'read its own authentication info', url, username);
    }
    await step('read the security configuration (needs the all_access or security_rest_api_access role)', () => getOrUndefined(() => os.security.getRole({ role: SUPPORT_ROLE })));
  }
  if (!skip.has('security')) {
    const nodes = await step('read the password rules of the security plugin', () => os.nodes.info({ metric: ['settings'], filter_path: 'nodes.*.settings' }));
    const settings = Object.values(nodes.body.nodes ?? {})[0]?.settings as Record<string, unknown> | undefined;
    const rules = passwordRules(restapiSettings(settings));
    for (const [user, password, variable] of [
      [SUPPORT_USER, options.supportPassword as string, 'FILAMENT_SUPPORT_PASSWORD'],
      [WRITER_USER, options.writerPassword as string, 'FILAMENT_WRITER_PASSWORD'],
    ] as const) {
      const problem = passwordProblem(user, password, rules);
      if (problem) throw new SetupError(`the password for user ${user} would be refused by OpenSearch: ${problem}; choose another ${variable}`);
    }
  }
  if (!skip.has('retention')) {
    try {
      await getOrUndefined(() => os.ism.getPolicy({ policy_id: RETENTION_POLICY }));
    } catch (error) {
      if (isNoHandler(error)) {
        throw new SetupError(`OpenSearch at ${url} has no Index State Management plugin (opensearch-index-management): retention cannot be applied; install it, or --skip retention to keep data without deletion`);
      }
      throw describe(error, 'read ISM policies', url, username);
    }
  }
  // ---- apply
  const put: Ensure = ensure(report, options.dryRun);
  const apply = provisioning(report, url, username);

  if (!skip.has('mappings')) {
    for (const signal of SIGNAL_TYPES) {
      const name = OPENSEARCH_BASE_COMPONENT(signal);
      await apply(`put component template ${name}`, () => componentTemplate(os, put, name, baseComponentTemplate(signal)));
    }
    await apply(`put component template ${EVENTS_COMPONENT}`, () => componentTemplate(os, put, EVENTS_COMPONENT, eventsComponentTemplate()));
    for (const signal of SIGNAL_TYPES) {
      const name = OPENSEARCH_INDEX_TEMPLATE(signal);
      await apply(`put index template ${name}`, async () => {
        const current = await getOrUndefined(() => os.indices.getIndexTemplate({ name }));
        const desired = indexTemplate(signal);
        await put(`index template ${name} (${desired.index_patterns})`, current?.index_templates?.[0]?.index_template, desired, async () => {
          await os.indices.putIndexTemplate({ name, body: desired });
        });
      });
    }
    await apply('bring older data streams to the exporter\'s documents', () => migrateStaleStreams(os, report, options.dryRun));
  } else report.add({ outcome: 'skipped', resource: 'mappings' });

  if (!skip.has('retention')) {
    await apply(`put ISM policy ${RETENTION_POLICY}`, () => ismPolicy(os, put, RETENTION_POLICY, retentionPolicy(options.retentionDays)));
    await apply(`attach ${RETENTION_POLICY} to existing indices`, () => attachPolicy(os, report, options.dryRun, RETENTION_POLICY, ALL_DATA_STREAM_PATTERNS.map((p) => `.ds-${p}`)));
    if (!skip.has('audit')) {
      await apply(`put ISM policy ${AUDIT_RETENTION_POLICY}`, () => ismPolicy(os, put, AUDIT_RETENTION_POLICY, auditRetentionPolicy(options.auditRetentionDays)));
      await apply(`attach ${AUDIT_RETENTION_POLICY} to existing indices`, () => attachPolicy(os, report, options.dryRun, AUDIT_RETENTION_POLICY, [OPENSEARCH_AUDIT_INDEX_PATTERN]));
    }
  } else report.add({ outcome: 'skipped', resource: 'retention', detail: 'neither data nor audit records are deleted automatically' });

  if (!skip.has('security')) {
    for (const [role, body] of [[SUPPORT_ROLE, supportRole()], [WRITER_ROLE, writerRole()]] as const) {
      await apply(`put role ${role}`, async () => {
        const current = await getOrUndefined(() => os.security.getRole({ role }));
        await put(`role ${role}`, current?.[role], body, async () => {
          await os.security.createRole({ role, body });
        });
      });
    }
    for (const [user, role, password] of [
      [SUPPORT_USER, SUPPORT_ROLE, options.supportPassword as string],
      [WRITER_USER, WRITER_ROLE, options.writerPassword as string],
    ] as const) {
      await apply(`put user ${user}`, () => internalUser(os, options, report, user, password));
      await apply(`map role ${role}`, async () => {
        const current = (await getOrUndefined(() => os.security.getRoleMapping({ role })))?.[role];
        const users = union(current?.users, [user]);
        const body = { ...(current?.backend_roles ? { backend_roles: current.backend_roles } : {}), ...(current?.hosts ? { hosts: current.hosts } : {}), users };
        await put(`role mapping ${role} → user ${user}`, current ? { ...current, users: union(current.users) } : undefined, body, async () => {
          await os.security.createRoleMapping({ role, body });
        });
      });
    }
    await apply('list roles', async () => {
      for (const line of otherReaders((await os.security.getRoles()).body)) report.warn(line);
    });
  } else report.add({ outcome: 'skipped', resource: 'roles and users' });

  if (!skip.has('audit')) {
    await apply('update the audit configuration', async () => {
      const current = (await os.security.getAuditConfiguration()).body.config;
      const desired = auditConfig(current);
      await put('audit configuration (reads of the data streams: user, time, indices, query)', sortedLists(current), desired, async () => {
        await os.security.updateAuditConfiguration({ body: desired });
      });
      // Where audit records go (plugins.security.audit.type) is a static node setting the plugin
      // hides from every API; with internal_opensearch they land in security-auditlog-* indices.
      const indices = await os.indices.exists({ index: OPENSEARCH_AUDIT_INDEX_PATTERN, allow_no_indices: false });
      if (!indices.body) {
        report.warn(`no ${OPENSEARCH_AUDIT_INDEX_PATTERN} index yet: check that opensearch.yml sets plugins.security.audit.type: internal_opensearch`);
      }
    });
  } else report.add({ outcome: 'skipped', resource: 'audit' });
}

/** Could `pattern` (an index pattern with `*`) match a name that `target` (also a pattern) matches? */
function overlaps(pattern: string, target: string): boolean {
  const prefix = (p: string) => p.split('*')[0] as string;
  const a = prefix(pattern);
  const b = prefix(target);
  return a.startsWith(b) || b.startsWith(a);
}

/**
 * The ADR: no role but support reads logs. Roles the cluster owner defined (not the plugin's
 * reserved/static ones such as all_access) that can read a Filament data stream are named, not
 * changed: they may be deliberate.
 */
export function otherReaders(roles: Record<string, Role>): string[] {
  const readActions = /^(\*|read|search|get|crud|indices:data\/read)/;
  return Object.entries(roles)
    .filter(([name, role]) => name !== SUPPORT_ROLE && name !== WRITER_ROLE && !role.reserved && !role.static && !role.hidden)
    .filter(([, role]) => (role.index_permissions ?? []).some((p) =>
      (p.allowed_actions ?? []).some((a) => readActions.test(a)) &&
      (p.index_patterns ?? []).some((ip) => ALL_DATA_STREAM_PATTERNS.some((ds) => overlaps(ip, ds)))))
    .map(([name]) => `role ${name} can also read Filament's data streams (the ADR allows only support): review it`);
}

async function componentTemplate(os: Client, put: Ensure, name: string, desired: ComponentTemplateBody): Promise<void> {
  const current = await getOrUndefined(() => os.cluster.getComponentTemplate({ name }));
  await put(`component template ${name}`, current?.component_templates?.[0]?.component_template, desired, async () => {
    await os.cluster.putComponentTemplate({ name, body: desired });
  });
}

async function ismPolicy(os: Client, put: Ensure, id: string, desired: Policy): Promise<void> {
  const current = await getOrUndefined(() => os.ism.getPolicy({ policy_id: id }));
  await put(`ISM policy ${id}`, current?.policy, desired, async () => {
    await os.ism.putPolicy({
      policy_id: id,
      body: { policy: desired },
      ...(current ? { if_seq_no: current._seq_no as number, if_primary_term: current._primary_term as number } : {}),
    });
  });
}

/** ism_template only catches indices created after it: existing backing indices get the policy explicitly. */
async function attachPolicy(os: Client, report: Report, dryRun: boolean, id: string, patterns: string[]): Promise<void> {
  const index = patterns.join(',');
  const explained = await os.ism.explainPolicy({ index }).catch((error: unknown) => {
    if (statusOf(error) === 404) return undefined;
    throw error;
  });
  const body = (explained?.body ?? {}) as Record<string, unknown>;
  const unmanaged = Object.entries(body).filter(([name, v]) => name !== 'total_managed_indices' && v !== null && typeof v === 'object' && !(v as { 'index.plugins.index_state_management.policy_id'?: unknown; policy_id?: unknown }).policy_id && !(v as Record<string, unknown>)['index.plugins.index_state_management.policy_id']).map(([name]) => name);
  if (unmanaged.length === 0) return;
  if (dryRun) {
    report.add({ outcome: 'would update', resource: `${unmanaged.length} existing index(es) without a policy → ${id}` });
    return;
  }
  await os.ism.addPolicy({ index: unmanaged.join(','), body: { policy_id: id } });
  report.add({ outcome: 'updated', resource: `${unmanaged.length} existing index(es) → ISM policy ${id}` });
}

/**
 * Data streams made by a setup before the SS4O mappings (2026-12-08; docs/setup.md, "Mappings"): a
 * logs stream whose write index maps `body` as an object refuses every record the opensearch exporter
 * sends (its `body` is text), and a traces stream ordered by `@timestamp` every span (the zero time).
 * A logs stream is rolled over: its next backing index takes the current template, what it holds
 * stays. A traces stream's timestamp field cannot change: an empty one is deleted (the next span
 * makes it again, ordered by `startTime`); one that holds documents is left to the operator, said.
 */
async function migrateStaleStreams(os: Client, report: Report, dryRun: boolean): Promise<void> {
  const streams = await getOrUndefined(() => os.indices.getDataStream({ name: `${DATA_STREAM_PATTERNS.logs},${DATA_STREAM_PATTERNS.traces}` }));
  for (const stream of streams?.data_streams ?? []) {
    const name = stream.name;
    if (name.startsWith('logs-')) {
      const writeIndex = stream.indices.at(-1)?.index_name;
      if (writeIndex === undefined) continue;
      const mapping = (await os.indices.getMapping({ index: writeIndex })).body;
      const body = (Object.values(mapping)[0]?.mappings?.properties as Record<string, { properties?: unknown }> | undefined)?.body;
      if (body?.properties === undefined) continue;
      const why = 'its write index maps body as an object and refuses every record of the opensearch exporter';
      if (dryRun) {
        report.add({ outcome: 'would update', resource: `data stream ${name}`, detail: `roll over: ${why}` });
      } else {
        await os.indices.rollover({ alias: name });
        report.add({ outcome: 'updated', resource: `data stream ${name}`, detail: `rolled over: ${why}` });
      }
    } else if (stream.timestamp_field.name !== TIMESTAMP_FIELD.traces) {
      const held = (await os.count({ index: name })).body.count;
      const why = `ordered by ${stream.timestamp_field.name}, it refuses every span of the opensearch exporter (zero @timestamp)`;
      if (held > 0) {
        report.warn(`data stream ${name} is ${why} and holds ${held} document(s): keep what you need of them, then DELETE _data_stream/${name} (the next span makes it again, ordered by ${TIMESTAMP_FIELD.traces})`);
      } else if (dryRun) {
        report.add({ outcome: 'would update', resource: `data stream ${name}`, detail: `delete while empty: ${why}` });
      } else {
        await os.indices.deleteDataStream({ name });
        report.add({ outcome: 'updated', resource: `data stream ${name}`, detail: `deleted while empty: ${why}; the next span makes it again, ordered by ${TIMESTAMP_FIELD.traces}` });
      }
    }
  }
}

/** Internal users: the password cannot be read back, so it is checked by logging in as the user. */
async function internalUser(os: Client, options: SetupOptions, report: Report, user: string, password: string): Promise<void> {
  const current = await getOrUndefined(() => os.security.getUser({ username: user }));
  const existing = current?.[user];
  const description = `Filament: ${user === SUPPORT_USER ? 'support staff, reads logs (audited)' : 'the collector exporter'}`;
  if (existing) {
    const asUser = openSearchClient(options.url, user, password, options.caCert);
    const passwordOk = await asUser.security.authinfo().then(() => true, (error: unknown) => {
      if (statusOf(error) === 401) return false;
      throw error;
    });
    await asUser.close();
    if (passwordOk && existing.description === description) {
      report.add({ outcome: 'unchanged', resource: `user ${user}` });
      return;
    }
  }
  const outcome = existing ? (options.dryRun ? 'would update' : 'updated') : (options.dryRun ? 'would create' : 'created');
  if (!options.dryRun) {
    await os.security.createUser({
      username: user,
      body: { password, description, ...(existing?.backend_roles ? { backend_roles: existing.backend_roles } : {}), ...(existing?.attributes ? { attributes: existing.attributes } : {}) },
    }).catch((error: unknown) => {
      // The plugin refuses weak passwords (e.g. similar to the user name) with a 400 and its reason.
      if (statusOf(error) === 400) throw new SetupError(`user ${user}: password refused by OpenSearch: ${reasonOf(error)}`, 2);
      throw error;
    });
  }
  report.add({ outcome, resource: `user ${user}`, detail: existing ? 'password or description changed' : undefined });
}
