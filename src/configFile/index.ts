/**
 * OTEL_CONFIG_FILE: Filament configured from a declarative configuration file
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#declarative-configuration).
 * As the specification requires, the file is then the whole configuration: the
 * other OTEL_* variables (and Filament's FILAMENT_* ones) count only where the
 * file substitutes them (`${env:VAR}`). Filament's own settings live under
 * `distribution.filament`, the schema's place for a distribution's settings.
 * A file that cannot be used costs one stderr line naming the file, the position
 * and the error, and the service runs with telemetry off: never on guessed settings.
 * docs/configuration.md says what goes where.
 */
import { readConfig, readSettings, type FilamentConfig } from '../config';
import { ConfigFileProblem, loadConfigFile, positionOf } from './load';
import { ConfigFileError, pathText, translate } from './translate';

export function readConfigFile(file: string, env: Readonly<Record<string, string | undefined>> = process.env): { config: FilamentConfig; problems: string[] } {
  try {
    const { config, text } = configFromFile(file);
    return { config, problems: ignoredVariables(file, text, env) };
  } catch (error) {
    const problem = error instanceof ConfigFileProblem ? error : new ConfigFileProblem(undefined, error instanceof Error ? error.message : String(error));
    const where = problem.position === undefined ? '' : `${problem.position}: `;
    return {
      config: readConfig({ OTEL_SDK_DISABLED: 'true' }).config,
      problems: [`filament-otel: OTEL_CONFIG_FILE=${JSON.stringify(file)}: ${where}${problem.message}; telemetry is off`],
    };
  }
}

/** Throws a ConfigFileProblem for anything that keeps the file from being applied as written. */
function configFromFile(file: string): { config: FilamentConfig; text: string } {
  const loaded = loadConfigFile(file);
  const inFile = (path: readonly (string | number)[], message: string): ConfigFileProblem =>
    new ConfigFileProblem(positionOf(loaded.source, path), `${pathText(path) || '(top level)'} ${message}`);
  let translation: ReturnType<typeof translate>;
  try {
    translation = translate(loaded.model, loaded.api);
  } catch (error) {
    if (error instanceof ConfigFileError) throw inFile(error.path, error.message);
    throw error;
  }
  // Which variables readConfig asks for: a distribution.filament key it never reads is a typo
  // (mask_key for mask_keys) that would otherwise leave a setting silently at its default.
  const read = new Set<string>();
  const env = new Proxy(translation.variables, {
    get(target, name) {
      if (typeof name === 'string') read.add(name);
      return target[name as string];
    },
  });
  const { config, problems } = readSettings(env);
  for (const [variable, path] of translation.origins) {
    if (!read.has(variable)) throw inFile(path, 'is not a Filament setting (docs/configuration.md lists them)');
  }
  // A value Filament would replace by its fallback: with a file that is a guessed setting, so the file is refused.
  const first = problems.entries[0];
  if (first !== undefined) {
    const path = translation.origins.get(first.variable);
    if (path === undefined) throw new ConfigFileProblem(undefined, `${first.variable} ${first.problem}`);
    throw inFile(path, first.problem);
  }
  return { config: { ...config, otlpFromFile: translation.otlp, resourceAttributes: translation.resourceAttributes }, text: loaded.text };
}

/**
 * Read from the environment before any configuration, by dist/preload.js itself (src/codeCache.ts:
 * it decides how the code that reads the file is loaded), so never part of the file.
 */
const READ_BEFORE_CONFIGURATION = new Set(['FILAMENT_CODE_CACHE']);

/**
 * FILAMENT_* variables set beside OTEL_CONFIG_FILE and not substituted by the file are
 * ignored, as the specification has the OTEL_* ones ignored; said once, since a
 * FILAMENT_MASK_KEYS that silently stops masking is a leak.
 */
function ignoredVariables(file: string, text: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const ignored = Object.keys(env)
    .filter((name) => name.startsWith('FILAMENT_') && !READ_BEFORE_CONFIGURATION.has(name) && (env[name] ?? '').trim() !== '')
    .filter((name) => !new RegExp(`\\$\\{(env:)?${name}(:-[^}]*)?\\}`).test(text))
    .sort();
  if (ignored.length === 0) return [];
  return [`filament-otel: OTEL_CONFIG_FILE=${JSON.stringify(file)} is the configuration; ${ignored.join(', ')} from the environment ${ignored.length === 1 ? 'is' : 'are'} ignored (set ${ignored.length === 1 ? 'it' : 'them'} under distribution.filament or substitute ${ignored.length === 1 ? 'it' : 'them'}: docs/configuration.md)`];
}
