/**
 * The keys an exporter documents at its pinned version (collector/exporter-keys/*.txt) and a check of a
 * collector config against them. Needed because core v0.161's confighttp.ClientConfig has its own
 * Unmarshal, so confmap ignores unknown keys of exporters that squash it (elasticsearch): a misspelled
 * key passes `otelcol validate` and silently does nothing (issue 22, item 5).
 *
 * List syntax: one dotted path a line (`*` = any one key, for maps such as headers); `#` comments;
 * `@include <section> [prefix]` mounts a `[section]` of `_core-<version>.txt` under `prefix`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type KeyList = readonly string[][];

function lines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '');
}

function coreSections(file: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of lines(file)) {
    const header = /^\[(.+)\]$/.exec(line);
    if (header) sections.set(header[1] as string, (current = []));
    else if (current === undefined) throw new Error(`${file}: key ${line} outside a [section]`);
    else current.push(line);
  }
  return sections;
}

/** Reads `<dir>/<exporter>-<version>.txt` with its includes from `<dir>/_core-<version>.txt`. */
export function loadKeyList(dir: string, exporter: string, version: string): KeyList {
  const file = path.join(dir, `${exporter}-${version}.txt`);
  const core = coreSections(path.join(dir, `_core-${version}.txt`));
  const out: string[][] = [];
  for (const line of lines(file)) {
    const include = /^@include\s+(\S+)(?:\s+(\S+))?$/.exec(line);
    if (include) {
      const section = core.get(include[1] as string);
      if (section === undefined) throw new Error(`${file}: no section [${include[1]}] in _core-${version}.txt`);
      const prefix = include[2] === undefined ? [] : include[2].split('.');
      for (const key of section) out.push([...prefix, ...key.split('.')]);
    } else {
      out.push(line.split('.'));
    }
  }
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every path to a leaf (scalar, list, or empty map) under `value`. */
export function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (!isMap(value) || Object.keys(value).length === 0) return prefix.length === 0 ? [] : [prefix];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

const matches = (pattern: readonly string[], p: readonly string[]): boolean =>
  pattern.length === p.length && pattern.every((seg, i) => seg === '*' || seg === p[i]);

/** The keys under one exporter's settings that the list does not document, as dotted paths. */
export function unknownKeys(settings: unknown, list: KeyList): string[] {
  return leafPaths(settings).filter((p) => !list.some((pattern) => matches(pattern, p))).map((p) => p.join('.'));
}

/**
 * Every `exporters.<type>[/<name>]` of the given types in a parsed YAML document, at any depth (a
 * compose file could inline a collector config), as [where, settings].
 */
export function exportersOfType(doc: unknown, types: readonly string[], where = ''): [string, unknown][] {
  if (Array.isArray(doc)) return doc.flatMap((v, i) => exportersOfType(v, types, `${where}[${i}]`));
  if (!isMap(doc)) return [];
  const found: [string, unknown][] = [];
  for (const [k, v] of Object.entries(doc)) {
    const at = where === '' ? k : `${where}.${k}`;
    if (k === 'exporters' && isMap(v)) {
      for (const [id, settings] of Object.entries(v)) {
        if (types.includes(id.split('/')[0] as string)) found.push([`${at}.${id}`, settings]);
      }
    }
    found.push(...exportersOfType(v, types, at));
  }
  return found;
}
