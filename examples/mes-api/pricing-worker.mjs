// @ts-check
/**
 * The MES API's pricing worker (a piscina pool, server.mjs): parsing a large mesh
 * is CPU work that would stall every other request on the service's thread.
 * Runs one job: parse → polygon count → processing time → cost, reported with
 * `modelPriced()` in the trace of the request or message that asked for it (the
 * `traceparent` passed with the job). The preload starts no SDK here: the record
 * goes to the main thread's SDK (docs/events.md, "Worker threads").
 */
import { threadId } from 'node:worker_threads';
import { modelPriced, withTraceparent } from 'filament-otel';
import { ModelError, parseModel } from './mesh/parse.mjs';
import { priceModel } from './mesh/price.mjs';

/**
 * @typedef {{ bytes: Uint8Array, customerId: string, material?: string, filename?: string,
 *   maxBytes: number, traceparent?: string }} PricingJob
 * @typedef {{ processingTimeMs: number, printTimeS: number, cost: number, currency: string, material: string,
 *   polygonCount: number, format: string, volumeMm3: number }} Quote
 * @typedef {{ quote: Quote, thread: number } | { refused: { code: string, message: string } }} PricingResult
 */

/**
 * A refused model is an answer, not a failure: its code travels back as data
 * (a thrown error crosses threads without its `code`).
 * @param {PricingJob} job
 * @returns {PricingResult}
 */
export default function price(job) {
  return withTraceparent(job.traceparent, () => {
    // Structured clone hands a Buffer over as a Uint8Array; the parser reads it as a Buffer.
    const buffer = Buffer.from(job.bytes.buffer, job.bytes.byteOffset, job.bytes.byteLength);
    try {
      const parsed = parseModel(buffer, { filename: job.filename, maxBytes: job.maxBytes });
      const quote = priceModel(parsed, { material: job.material });
      modelPriced({
        customerId: job.customerId,
        polygonCount: parsed.triangles,
        processingTimeMs: quote.processingTimeMs,
        cost: quote.cost,
        currency: quote.currency,
        format: parsed.format,
        material: quote.material,
      });
      // `thread`: which worker priced it, for the service's own log line (the demo follows an order across threads).
      return { quote: { ...quote, polygonCount: parsed.triangles, format: parsed.format, volumeMm3: parsed.volumeMm3 }, thread: threadId };
    } catch (error) {
      if (error instanceof ModelError) return { refused: { code: error.code, message: error.message } };
      throw error;
    }
  });
}
