/**
 * Where Filament's configuration comes from: the declarative configuration file
 * OTEL_CONFIG_FILE names (src/configFile), else the environment (src/config.ts).
 * The specification's rule: when OTEL_CONFIG_FILE is set, the file is used and
 * the environment counts only through the file's substitutions.
 */
import { readConfig, type Env, type FilamentConfig } from './config';
import { readConfigFile } from './configFile';

export function loadConfig(env: Env = process.env): { config: FilamentConfig; problems: string[] } {
  const file = env.OTEL_CONFIG_FILE?.trim();
  if (file === undefined || file === '') return readConfig(env);
  return readConfigFile(file, env);
}
