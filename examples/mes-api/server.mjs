// @ts-check
/**
 * MES API: prices 3D models. ES module, Fastify 5; run with
 *   node --import filament-otel/preload examples/mes-api/server.mjs
 * HTTP: POST /v1/models/price (raw model bytes), GET /healthz, POST /admin/faults,
 *       POST /admin/consumers/pause and /admin/consumers/resume (filament-responder's
 *       reversible answer to an MES fault: requests wait in their queue instead of
 *       burning their delivery limit on a failing slicer).
 * AMQP: consumes pricing requests, publishes results.
 * Pricing (parse → polygon count → processing time → cost) runs in a worker pool
 * (piscina, pricing-worker.mjs; MES_PRICING_THREADS, default 2): each job carries the
 * traceparent of the request or message that asked for it, so the worker's
 * model3d.priced record belongs to that order's trace.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { LogController } from 'fastify';
import amqp from 'amqplib';
import { currentTraceparent } from 'filament-otel';
import { Piscina } from 'piscina';
import { ModelError } from './mesh/parse.mjs';

const require = createRequire(import.meta.url);
const { names, declareTopology, AMQP_URL } = require('../shared/topology.cjs');
const { seedFromEnv, seededRandom } = require('../shared/seed.cjs');
const MODELS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');
const MAX_MODEL_BYTES = 50 * 1024 * 1024;

/** Faults injected on purpose (the load generator and tests switch them). */
const faults = { slowMs: 0, errorRate: 0, failQueueRate: 0, until: 0 };
/** The fault decisions' draws, reproducible from FILAMENT_SEED (examples/shared/seed.cjs). */
const SEED = (() => {
  try {
    return seedFromEnv();
  } catch (error) {
    process.stderr.write(`mes-api: ${/** @type {Error} */ (error).message}\n`);
    process.exit(2);
  }
})();
const random = seededRandom(SEED);
const active = () => Date.now() < faults.until;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class SlicerFault extends Error {
  constructor() {
    super('slicer backend unavailable');
    this.name = 'SlicerFault';
    this.statusCode = 503;
  }
}

const threads = Math.max(1, Number(process.env.MES_PRICING_THREADS ?? 2) || 2);
const pricing = new Piscina({
  filename: new URL('./pricing-worker.mjs', import.meta.url).href, minThreads: 1, maxThreads: threads,
});

/**
 * Prices a model in the pool, in the caller's trace (the worker reports it with
 * modelPriced()), and logs it through Fastify's logger (pino; `log` is the
 * request's or the app's). A refused model throws the parser's ModelError here.
 * @param {Buffer} buffer
 * @param {{ customerId: string, material?: string, filename?: string }} job
 * @param {{ info: (o: object, m: string) => void }} log
 */
async function price(buffer, { customerId, material, filename }, log) {
  /** @type {import('./pricing-worker.mjs').PricingResult} */
  const result = await pricing.run({
    bytes: buffer, customerId, material, filename, maxBytes: MAX_MODEL_BYTES, traceparent: currentTraceparent(),
  });
  if ('refused' in result) {
    throw new ModelError(/** @type {import('./mesh/parse.mjs').ModelErrorCode} */ (result.refused.code), result.refused.message);
  }
  const { quote } = result;
  log.info({
    customerId, polygons: quote.polygonCount, format: quote.format, material: quote.material, cost: quote.cost,
    pricingThread: result.thread,
  }, 'model priced');
  return quote;
}

// Fastify's own logger (pino, JSON on stdout). Its per-request lines are off — the
// preload's api.request event already records every call; what is logged is the
// service's own story (prices, refused models, faults, poison messages) and the 5xx
// errors Fastify's error handler logs. Under the preload each line is also an OTel log record.
class ServiceLogLines extends LogController {
  incomingRequest() {}
  requestCompleted() {}
}
const app = Fastify({
  bodyLimit: MAX_MODEL_BYTES,
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
  logController: new ServiceLogLines(),
});
app.addContentTypeParser(['application/octet-stream', 'model/stl', 'model/obj'], { parseAs: 'buffer' },
  (_req, body, done) => done(null, body));

app.get('/healthz', async () => ({ ok: true }));

app.post('/admin/faults', async (req) => {
  const b = /** @type {Record<string, number>} */ (req.body ?? {});
  faults.slowMs = Number(b.slowMs ?? 0);
  faults.errorRate = Number(b.errorRate ?? 0);
  faults.failQueueRate = Number(b.failQueueRate ?? 0);
  faults.until = Date.now() + Number(b.durationS ?? 10) * 1000;
  req.log.warn({ faults }, 'faults injected');
  return { ...faults };
});

app.post('/v1/models/price', async (req, reply) => {
  if (active() && faults.slowMs > 0) await sleep(faults.slowMs);
  if (active() && random() < faults.errorRate) throw new SlicerFault();
  const q = /** @type {Record<string, string>} */ (req.query);
  if (!Buffer.isBuffer(req.body)) {
    return reply.code(415).send({ error: 'unsupported_media_type', message: 'send the model as application/octet-stream' });
  }
  try {
    return await price(req.body, { customerId: q.customerId ?? 'anonymous', material: q.material, filename: q.filename }, req.log);
  } catch (error) {
    if (error instanceof ModelError) {
      req.log.warn({ reason: error.code, filename: q.filename }, `model refused: ${error.message}`);
      const status = error.code === 'too_large' ? 413 : error.code === 'bad_material' ? 400 : 422;
      return reply.code(status).send({ error: error.code, message: error.message });
    }
    throw error;
  }
});

// ---- queue side ----
const conn = await amqp.connect(AMQP_URL);
const ch = await conn.createChannel();
await declareTopology(ch);
await ch.prefetch(5);

/** @param {import('amqplib').ConsumeMessage} msg @param {boolean} retriable */
async function onPricingRequest(msg, retriable) {
  let request;
  try {
    request = JSON.parse(msg.content.toString('utf8'));
    if (typeof request.model !== 'string' || typeof request.orderNumber !== 'string') throw new Error('missing fields');
  } catch {
    app.log.warn({ messageId: msg.properties.messageId }, 'poison pricing request dead-lettered');
    ch.reject(msg, false); // poison: straight to the dead-letter queue
    return;
  }
  if (active() && faults.slowMs > 0) await sleep(faults.slowMs);
  if (retriable && active() && random() < faults.failQueueRate) {
    app.log.warn({ orderNumber: request.orderNumber }, 'transient pricing failure, requeued');
    ch.nack(msg, false, true); // transient failure: try again (until the delivery limit)
    return;
  }
  try {
    const buffer = await readFile(path.join(MODELS, path.basename(request.model)));
    const result = await price(buffer, { customerId: request.customerId, material: request.material, filename: request.model }, app.log);
    ch.sendToQueue(names.results, Buffer.from(JSON.stringify({ orderNumber: request.orderNumber, ...result })), {
      contentType: 'application/json', correlationId: request.orderNumber, persistent: true,
    });
    ch.ack(msg);
  } catch (error) {
    app.log.warn({ orderNumber: request.orderNumber, err: error }, 'unknown or malformed model, dead-lettered');
    ch.reject(msg, false); // unknown or malformed model: poison as well
  }
}

/** The pricing-request consumer's tag while it consumes; undefined while paused. */
let requestsConsumer;
const consumeRequests = async () => {
  requestsConsumer ??= (await ch.consume(names.requests, (msg) => { if (msg) void onPricingRequest(msg, true); })).consumerTag;
};
await consumeRequests();
await ch.consume(names.expedite, (msg) => { if (msg) void onPricingRequest(msg, false); });

// Idempotent both ways: pausing a paused consumer (or resuming a running one) changes nothing.
app.post('/admin/consumers/pause', async () => {
  const tag = requestsConsumer;
  requestsConsumer = undefined;
  if (tag !== undefined) await ch.cancel(tag);
  return { queue: names.requests, consuming: false };
});
app.post('/admin/consumers/resume', async () => {
  await consumeRequests();
  return { queue: names.requests, consuming: true };
});

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
app.log.info({ seed: SEED }, `fault decisions seeded: FILAMENT_SEED=${SEED} replays them`);
const address = app.server.address();
process.stdout.write(`LISTENING ${typeof address === 'object' && address ? address.port : ''}\n`);

const stop = async () => {
  await app.close();
  await conn.close().catch(() => undefined);
  await pricing.destroy();
  // No process.exit: the event loop ends and the preload flushes on the way out.
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
