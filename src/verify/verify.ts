/** One verification of the store: the engine's state read, the ADR's rules decided, each violation printed. */
import type { SetupOptions } from '../setup';
import { verifyElasticsearch } from './elasticsearch';
import { verifyOpenSearch } from './opensearch';
import { VerifyReport } from './report';

/** Verifies the engine of `options`, printing as it goes; resolves to the report. */
export async function verify(options: SetupOptions, out: (line: string) => void): Promise<VerifyReport> {
  const report = new VerifyReport(out);
  if (options.engine === 'opensearch') await verifyOpenSearch(options, report);
  else await verifyElasticsearch(options, report);
  return report;
}
