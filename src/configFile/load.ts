/**
 * Reads, parses and validates a declarative configuration file with
 * @opentelemetry/configuration's public parseConfigFile (YAML 1.2, `${env:VAR}` /
 * `${env:VAR:-default}` / `${VAR}` substitution from process.env, `$$` for a `$`,
 * the file_format check, the schema's precompiled validator), as sdk-node's
 * startNodeSDK does. Every failure becomes one ConfigFileProblem with the
 * position in the file when one is known.
 *
 * Both packages are required here, at run time, only when OTEL_CONFIG_FILE is set:
 * the schema validator alone is ~550 KB of JavaScript that a service configured
 * by the environment never loads (scripts/bundle.mjs keeps them outside the bundle).
 */
import { readFileSync } from 'node:fs';
import type { ConfigurationModel } from '@opentelemetry/configuration';
import type { LineCounter as LineCounterType, Document } from 'yaml';
import { pathText, type FilePath } from './translate';

type ConfigurationApi = typeof import('@opentelemetry/configuration');
type Yaml = typeof import('yaml');

/** A file that cannot be used: what is wrong, and where when known (`line 3, column 7`). */
export class ConfigFileProblem extends Error {
  constructor(readonly position: string | undefined, message: string) {
    super(message);
  }
}

type Ranged = { range?: [number, number, number] | null };

/**
 * Where a path of the model is written in the file: its key (`mask_key:`) when it
 * has one, else its value; undefined for a path the text does not have.
 */
export function positionOf(source: { doc: Document; lines: LineCounterType } | undefined, path: FilePath): string | undefined {
  if (source === undefined) return undefined;
  const last = path[path.length - 1];
  const parent = source.doc.getIn(path.slice(0, -1), true) as { items?: { key?: unknown }[] } | undefined;
  const pair = typeof last === 'string'
    ? parent?.items?.find((item) => (item.key as { value?: unknown } | undefined)?.value === last)
    : undefined;
  const node = (pair?.key ?? source.doc.getIn([...path], true)) as Ranged | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = source.lines.linePos(offset);
  return `line ${line}, column ${col}`;
}

export interface LoadedFile {
  readonly text: string;
  readonly model: ConfigurationModel;
  readonly api: ConfigurationApi;
  /** The file's YAML document, for the positions of later errors (translate.ts). */
  readonly source: { doc: Document; lines: LineCounterType };
}

export function loadConfigFile(file: string): LoadedFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigFileProblem(undefined, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`);
  }
  const yaml = require('yaml') as Yaml;
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { version: '1.2', lineCounter: lines });
  // parseConfigFile turns a document with syntax errors into what could be read of it
  // (it never looks at doc.errors): a half-read file would start with guessed settings.
  const syntax = doc.errors[0];
  if (syntax !== undefined) {
    const at = syntax.linePos?.[0];
    const message = (syntax.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigFileProblem(at === undefined ? undefined : `line ${at.line}, column ${at.col}`, `YAML: ${message}`);
  }
  const source = { doc, lines };
  const api = require('@opentelemetry/configuration') as ConfigurationApi;
  let model: ConfigurationModel;
  try {
    model = api.parseConfigFile(file);
  } catch (error) {
    throw schemaProblem(file, error instanceof Error ? error.message : String(error), source);
  }
  return { text, model, api, source };
}

/**
 * parseConfigFile's messages: `Invalid OpenTelemetry config file: <file>: <pointer> <message>`
 * (one, or several on indented lines), `<file>: Unsupported file_format: …`, or a
 * substitution's `parse error: …`. One line, the file name left to the caller.
 */
function schemaProblem(file: string, message: string, source: LoadedFile['source']): ConfigFileProblem {
  const rest = message.replace('Invalid OpenTelemetry config file: ', '').replace(`${file}: `, '');
  const errors = rest.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // Without a closing full stop: the caller's line goes on after it.
  const first = (errors[0] ?? rest).replace(/\.$/, '');
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  const pointer = /^(\/\S*) (.*)$/.exec(first);
  if (pointer === null) return new ConfigFileProblem(undefined, `${first}${more}`);
  const path = (pointer[1] as string).split('/').slice(1)
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
  return new ConfigFileProblem(positionOf(source, path), `${pathText(path) || '(top level)'} ${pointer[2]}${more}`);
}
