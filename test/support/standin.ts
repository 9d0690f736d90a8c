/**
 * Overlays whose exporter cannot be built here (contrib elasticsearch,
 * opensearch): a copy of the shipped overlay in which only that exporter is
 * swapped for an OTLP/HTTP (JSON) exporter to an in-test receiver, so the
 * real binary runs the overlay's own pipelines and processors unchanged.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from './fixture';

export type Yaml = Record<string, unknown>;

export function readCollectorYaml(file: string): Yaml {
  return parse(fs.readFileSync(path.join(ROOT, 'collector', file), 'utf8')) as Yaml;
}

/** The core exporterhelper settings every exporter built on it shares, otlphttp included. */
const EXPORTER_HELPER = ['timeout', 'retry_on_failure', 'sending_queue'] as const;

/**
 * Writes `<dir>/<overlay>` with exporter `exporter` replaced by `otlphttp/standin` → `url`, and without
 * the extensions in `dropExtensions` (ones only that exporter uses and our build lacks); returns its path.
 * `keepExporterHelper`: the stand-in runs with the swapped exporter's own `timeout`, `retry_on_failure`
 * and `sending_queue` — for an exporter built on the core exporterhelper (contrib opensearch), so that
 * its retry and queue are the shipped ones; not for one with settings of its own under those names.
 */
export function standInOverlay(overlay: string, exporter: string, url: string, dir: string, dropExtensions: string[] = [], keepExporterHelper = false): string {
  const doc = readCollectorYaml(overlay);
  // The store overlays are merged after config.secure.yaml and list its authenticator; the specs merge
  // them over config.yaml alone (plain OTLP on loopback), so that entry goes (test/collector-secure.test.ts
  // covers the receivers' TLS and token).
  const secureOnly = Object.keys((readCollectorYaml('config.secure.yaml').extensions ?? {}) as Yaml);
  const listed = doc.service as { extensions?: string[] };
  if (listed.extensions) listed.extensions = listed.extensions.filter((e) => !secureOnly.includes(e));
  for (const name of dropExtensions) {
    delete (doc.extensions as Yaml)[name];
    const service = doc.service as { extensions?: string[] };
    service.extensions = service.extensions?.filter((e) => e !== name);
  }
  if (doc.extensions !== undefined && Object.keys(doc.extensions as Yaml).length === 0) delete doc.extensions;
  const exporters = doc.exporters as Yaml;
  if (exporters[exporter] === undefined) throw new Error(`${overlay} has no exporter ${exporter}`);
  const kept = keepExporterHelper
    ? Object.fromEntries(EXPORTER_HELPER.filter((k) => (exporters[exporter] as Yaml)[k] !== undefined).map((k) => [k, (exporters[exporter] as Yaml)[k]]))
    : {};
  delete exporters[exporter];
  exporters['otlphttp/standin'] = { endpoint: url, encoding: 'json', ...kept };
  const pipelines = (doc.service as { pipelines: Record<string, { exporters?: string[] }> }).pipelines;
  for (const p of Object.values(pipelines)) {
    if (p.exporters) p.exporters = p.exporters.map((e) => (e === exporter ? 'otlphttp/standin' : e));
  }
  const out = path.join(dir, overlay);
  fs.writeFileSync(out, stringify(doc));
  return out;
}
