// @ts-check
/**
 * Order service: CommonJS, Express 5; run with
 *   node --require filament-otel/preload examples/orders/server.cjs
 * Orders move created → priced → paid → printing → shipped (or cancelled);
 * pricing is requested from the MES over RabbitMQ, quotes over HTTP.
 */
const fs = require('node:fs');
const path = require('node:path');
const express = require('express');
const amqp = require('amqplib');
const winston = require('winston');
const { orderStatusChanged } = require('filament-otel');
const { names, declareTopology, AMQP_URL } = require('../shared/topology.cjs');

const MES_URL = process.env.MES_URL || 'http://127.0.0.1:8081';
const MODELS = path.join(__dirname, '..', 'models');

// The service's own log lines (JSON on stdout). Under the preload each line is also an
// OpenTelemetry log record with the trace of the request it was logged in.
const log = winston.createLogger({
  level: process.env.LOG_LEVEL || 'info',
  format: winston.format.json(),
  defaultMeta: { component: 'orders' },
  transports: [new winston.transports.Console()],
});

/** Allowed transitions: action → [from statuses, to status]. */
const TRANSITIONS = {
  pay: [['priced'], 'paid'],
  print: [['paid'], 'printing'],
  ship: [['printing'], 'shipped'],
  cancel: [['created', 'priced', 'paid'], 'cancelled'],
};

/** @type {Map<string, {orderNumber:string, customerId:string, model:string, material:string, status:string, cost?:number, currency?:string}>} */
const orders = new Map();
let seq = 0;
const run = Date.now().toString(36);

function setStatus(order, status) {
  const previousStatus = order.status;
  order.status = status;
  orderStatusChanged({ customerId: order.customerId, orderNumber: order.orderNumber, status, previousStatus });
}

async function main() {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  await declareTopology(ch);

  await ch.consume(names.results, (msg) => {
    if (!msg) return;
    try {
      const result = JSON.parse(msg.content.toString('utf8'));
      const order = orders.get(result.orderNumber);
      if (order && order.status === 'created') {
        order.cost = result.cost;
        order.currency = result.currency;
        setStatus(order, 'priced');
        log.info('order priced', { orderNumber: order.orderNumber, cost: result.cost, currency: result.currency });
      }
      ch.ack(msg);
    } catch (error) {
      log.warn('unreadable pricing result dead-lettered', { err: error });
      ch.reject(msg, false);
    }
  });

  const app = express();
  app.use(express.json({ limit: '64kb' }));

  app.get('/healthz', (_req, res) => res.json({ ok: true }));

  app.post('/v1/orders', (req, res) => {
    const { customerId, model, material = 'PLA', expedite = false } = req.body ?? {};
    if (typeof customerId !== 'string' || typeof model !== 'string') {
      return res.status(400).json({ error: 'bad_request', message: 'customerId and model are required strings' });
    }
    const orderNumber = `ORD-${run}-${++seq}`;
    const order = { orderNumber, customerId, model, material, status: 'created' };
    orders.set(orderNumber, order);
    orderStatusChanged({ customerId, orderNumber, status: 'created' });
    log.info('order created, pricing requested', { orderNumber, customerId, model, material, expedite: Boolean(expedite) });
    ch.sendToQueue(expedite ? names.expedite : names.requests,
      Buffer.from(JSON.stringify({ orderNumber, customerId, model, material })),
      { contentType: 'application/json', correlationId: orderNumber, persistent: true });
    res.status(202).json(order);
  });

  app.get('/v1/orders/:orderNumber', (req, res) => {
    const order = orders.get(req.params.orderNumber);
    if (!order) return res.status(404).json({ error: 'not_found' });
    res.json(order);
  });

  app.post('/v1/orders/:orderNumber/:action', (req, res) => {
    const order = orders.get(req.params.orderNumber);
    if (!order) return res.status(404).json({ error: 'not_found' });
    const transition = TRANSITIONS[req.params.action];
    if (!transition) return res.status(404).json({ error: 'unknown_action' });
    const [from, to] = transition;
    if (!from.includes(order.status)) {
      log.warn('order transition refused', { orderNumber: order.orderNumber, action: req.params.action, status: order.status });
      return res.status(409).json({ error: 'invalid_transition', message: `cannot ${req.params.action} an order that is ${order.status}` });
    }
    setStatus(order, to);
    res.json(order);
  });

  // A quote straight from the MES over HTTP (no status change).
  app.get('/v1/orders/:orderNumber/quote', async (req, res, next) => {
    try {
      const order = orders.get(req.params.orderNumber);
      if (!order) return res.status(404).json({ error: 'not_found' });
      const model = await fs.promises.readFile(path.join(MODELS, path.basename(order.model)));
      const url = `${MES_URL}/v1/models/price?customerId=${encodeURIComponent(order.customerId)}&material=${order.material}&filename=${encodeURIComponent(order.model)}`;
      const mes = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: model });
      if (mes.status !== 200) log.error('MES quote failed', { orderNumber: order.orderNumber, mesStatus: mes.status });
      res.status(mes.status === 200 ? 200 : 502).json(await mes.json());
    } catch (error) {
      log.error('quote failed', { orderNumber: req.params.orderNumber, err: error });
      next(error);
    }
  });

  const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : '';
    log.info('orders service listening', { port, mesUrl: MES_URL });
    process.stdout.write(`LISTENING ${port}\n`);
  });

  const stop = () => {
    server.close();
    void conn.close().catch(() => undefined);
    // No process.exit: the event loop ends and the preload flushes on the way out.
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error) => {
  process.stderr.write(`orders: ${error.stack}\n`);
  process.exitCode = 1;
});
