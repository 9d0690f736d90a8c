// @ts-check
/**
 * Load generator for the reference platform: realistic order traffic plus
 * faults on a schedule. Loopback only, bounded in time, stops by itself.
 *   ORDERS_URL, MES_URL, AMQP_URL, DEMO_SECONDS (default 60), TOPOLOGY_PREFIX
 *   FAULTS=none: the same traffic without any fault (alert rules must stay quiet)
 * Prints one JSON line with what it did.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';

const require = createRequire(import.meta.url);
const { names, AMQP_URL } = require('../shared/topology.cjs');
const ORDERS = process.env.ORDERS_URL ?? 'http://127.0.0.1:8080';
const MES = process.env.MES_URL ?? 'http://127.0.0.1:8081';
const SECONDS = Math.max(5, Number(process.env.DEMO_SECONDS ?? 60));
const MODELS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'models');
const GOOD = ['cube-10mm.stl', 'cube-10mm-ascii.stl', 'pyramid.obj', 'sphere-r20.stl'];
const BAD = ['bad/truncated.stl', 'bad/wrong-magic.bin', 'bad/ascii-malformed.stl', 'bad/nan.stl'];
const MATERIALS = ['PLA', 'PETG', 'RESIN'];

const stats = { orders: 0, shipped: 0, cancelled: 0, conflicts: 0, uploads: 0, rejectedUploads: 0, errors5xx: 0,
  poison: 0, transient: 0, expedite: 0, faults: /** @type {string[]} */ ([]),
  /** When each fault was injected (ISO time), by name: the demo measures detection from here. */
  faultAt: /** @type {Record<string, string>} */ ({}) };
const FAULTS = (process.env.FAULTS ?? 'all').toLowerCase();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pick = (a, i) => a[i % a.length];
const end = Date.now() + SECONDS * 1000;

async function call(method, url, body, headers = {}) {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 500) stats.errors5xx++;
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: text };
  }
}

async function createOrder(i, expedite = false) {
  const { status, body } = await call('POST', `${ORDERS}/v1/orders`, {
    customerId: `C-${100 + (i % 37)}`, model: pick(GOOD, i), material: pick(MATERIALS, i), expedite,
  });
  if (status === 202) stats.orders++;
  if (expedite) stats.expedite++;
  return body.orderNumber;
}

/** One customer journey: order → priced → pay → print → ship (or cancel / a wrong step). */
async function journey(i) {
  const orderNumber = await createOrder(i, i % 10 === 3);
  if (!orderNumber) return;
  let status = 'created';
  for (let t = 0; t < 30 && status === 'created' && Date.now() < end; t++) {
    await sleep(100);
    status = (await call('GET', `${ORDERS}/v1/orders/${orderNumber}`)).body.status;
  }
  if (status !== 'priced') return;
  if (i % 7 === 0) {
    // A wrong step: shipping before paying is refused with 409.
    if ((await call('POST', `${ORDERS}/v1/orders/${orderNumber}/ship`)).status === 409) stats.conflicts++;
  }
  if (i % 9 === 0) {
    await call('POST', `${ORDERS}/v1/orders/${orderNumber}/cancel`);
    stats.cancelled++;
    return;
  }
  for (const action of ['pay', 'print', 'ship']) {
    if ((await call('POST', `${ORDERS}/v1/orders/${orderNumber}/${action}`)).status !== 200) return;
  }
  stats.shipped++;
}

async function upload(i) {
  const name = i % 5 === 4 ? pick(BAD, i) : pick(GOOD, i);
  const model = await readFile(path.join(MODELS, name));
  const url = `${MES}/v1/models/price?customerId=C-${200 + (i % 11)}&material=${pick(MATERIALS, i)}&filename=${encodeURIComponent(path.basename(name))}`;
  const { status } = await call('POST', url, model, { 'content-type': 'application/octet-stream' });
  stats.uploads++;
  if (status >= 400 && status < 500) stats.rejectedUploads++;
}

function injected(name) {
  stats.faults.push(name);
  stats.faultAt[name] = new Date().toISOString();
}

async function fault(name, body) {
  injected(name);
  await call('POST', `${MES}/admin/faults`, body);
}

/** The fault schedule, as fractions of the run. */
async function faultSchedule(ch) {
  const start = Date.now();
  const until = async (fraction) => { const wait = start + SECONDS * 1000 * fraction - Date.now(); if (wait > 0) await sleep(wait); };
  // Every kind of bad model once early on (more come with the regular uploads): 4xx, not errors.
  await until(0.05);
  for (let i = 0; i < BAD.length; i++) await upload(5 * i + 4).catch(() => undefined);
  // The 5xx burst comes last: the responder answers it by pausing the MES pricing consumer, and a
  // queue fault injected during that pause would only dead-letter after it (docs/alerting.md).
  await until(0.15);
  injected('poison messages');
  for (const content of ['{"orderNumber": 42', 'not json at all', JSON.stringify({ orderNumber: 'ORD-X', customerId: 'C-1', model: 'no-such-model.stl' })]) {
    ch.sendToQueue(names.requests, Buffer.from(content), { contentType: 'application/json' });
    stats.poison++;
  }
  await until(0.3);
  await fault('transient queue failures', { failQueueRate: 1, durationS: 3 });
  for (let i = 0; i < 4; i++) { await createOrder(1000 + i); stats.transient++; }
  await until(0.45);
  await fault('MES slowdown', { slowMs: 1500, durationS: 6 });
  for (let i = 0; i < 30; i++) await createOrder(2000 + i, true);
  await until(0.6);
  // Enough failed pricing requests of its own for the error-ratio alert (> 5 % of a minute's
  // requests, docs/alerting.md), whatever the background uploads happen to do meanwhile.
  await fault('5xx burst', { errorRate: 1, durationS: 3 });
  for (let i = 0; i < 24; i++) await upload(i);
}

async function main() {
  const conn = await amqp.connect(AMQP_URL);
  const ch = await conn.createChannel();
  const schedule = FAULTS === 'none' ? Promise.resolve() : faultSchedule(ch);
  let i = 0;
  const workers = Array.from({ length: 3 }, async (_, w) => {
    while (Date.now() < end) {
      const n = i++;
      await journey(n).catch(() => undefined);
      if (n % 3 === w) await upload(n).catch(() => undefined);
    }
  });
  await Promise.all([...workers, schedule]);
  await sleep(500);
  await conn.close();
  process.stdout.write(`${JSON.stringify({ load: stats })}\n`);
}

main().catch((error) => {
  process.stderr.write(`load: ${error.stack}\n`);
  process.exitCode = 1;
});
