/**
 * `filament verify`: same flags and environment as setup (docs/setup.md, "filament verify").
 * Exit status: 0 the rules hold, 3 at least one violation, 1 verify could not read the cluster.
 */
import { parseSetupOptions, SetupError, VIOLATIONS_EXIT } from '../setup';
import { VERIFY_USAGE } from './usage';
import { verify } from './verify';
import { runWatch } from './watch';
import { parseWatchOptions, takeWatchFlags } from './watch-options';

export async function runVerify(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  try {
    const { flags, rest } = takeWatchFlags(argv);
    const options = parseSetupOptions(rest, env, 'verify');
    if (options === 'help') {
      out(VERIFY_USAGE);
      return 0;
    }
    const watch = parseWatchOptions(flags, env, err);
    if (watch) return await runWatch(options, watch, out, err);
    out(`filament verify: ${options.engine} at ${options.url}`);
    const report = await verify(options, out);
    out(report.summary());
    return report.failed ? VIOLATIONS_EXIT : 0;
  } catch (error) {
    if (error instanceof SetupError) {
      err(`filament verify: ${error.message}`);
      return 1;
    }
    throw error;
  }
}
