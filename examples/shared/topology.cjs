// @ts-check
/**
 * The RabbitMQ topology of the reference platform, declared by both services
 * with identical arguments (declarations are idempotent).
 *
 *  orders ──> mes.pricing.requests  (quorum, x-delivery-limit 3)  ──> mes-api
 *  orders ──> mes.pricing.expedite  (classic, TTL 3 s, max 20)    ──> mes-api
 *  mes-api ─> orders.pricing.results (classic)                    ──> orders
 *  every queue dead-letters to the fanout exchange platform.dlx ──> platform.dlq
 *
 * Reasons that occur: rejected (poison requests), delivery_limit (requests
 * that keep failing), expired and maxlen (expedite quotes when MES is slow).
 * TOPOLOGY_PREFIX keeps test runs apart.
 */
const prefix = process.env.TOPOLOGY_PREFIX || '';

const names = {
  dlx: `${prefix}platform.dlx`,
  dlq: `${prefix}platform.dlq`,
  requests: `${prefix}mes.pricing.requests`,
  expedite: `${prefix}mes.pricing.expedite`,
  results: `${prefix}orders.pricing.results`,
};

const AMQP_URL = process.env.AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672';

/** @param {import('amqplib').Channel} ch */
async function declareTopology(ch) {
  await ch.assertExchange(names.dlx, 'fanout', { durable: true });
  await ch.assertQueue(names.dlq, { durable: true, arguments: { 'x-max-length': 100000 } });
  await ch.bindQueue(names.dlq, names.dlx, '');
  await ch.assertQueue(names.requests, {
    durable: true,
    deadLetterExchange: names.dlx,
    arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': 3 },
  });
  await ch.assertQueue(names.expedite, { durable: true, deadLetterExchange: names.dlx, messageTtl: 3000, maxLength: 20 });
  await ch.assertQueue(names.results, { durable: true, deadLetterExchange: names.dlx });
}

/** Removes the queues and exchange (tests clean up after themselves). @param {import('amqplib').Channel} ch */
async function deleteTopology(ch) {
  for (const q of [names.requests, names.expedite, names.results, names.dlq, `filament.dead-letter-tap.${names.dlx}`]) {
    await ch.deleteQueue(q).catch(() => undefined);
  }
  await ch.deleteExchange(names.dlx).catch(() => undefined);
}

module.exports = { names, declareTopology, deleteTopology, AMQP_URL };
