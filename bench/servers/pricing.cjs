// The MES pricing route without the queue: Fastify 5, the real parser and
// formula of examples/mes-api, and the typed modelPriced event (a no-op when
// the Filament preload is not loaded — the same code runs in every variant).
const Fastify = require('fastify');
const { modelPriced } = require('filament-otel');

async function main() {
  const { parseModel } = await import('../../examples/mes-api/mesh/parse.mjs');
  const { priceModel } = await import('../../examples/mes-api/mesh/price.mjs');
  const app = Fastify({ bodyLimit: 50 * 1024 * 1024 });
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.get('/hello', async () => 'hello world\n');
  app.post('/v1/models/price', async (req) => {
    const parsed = parseModel(req.body, { filename: req.query.filename });
    const quote = priceModel(parsed, { material: req.query.material });
    modelPriced({
      customerId: req.query.customerId ?? 'anonymous', polygonCount: parsed.triangles,
      processingTimeMs: quote.processingTimeMs, cost: quote.cost, currency: quote.currency,
      format: parsed.format, material: quote.material,
    });
    return { ...quote, polygonCount: parsed.triangles };
  });
  await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`LISTENING ${app.server.address().port}\n`);
}
main().catch((e) => { process.stderr.write(`${e.stack}\n`); process.exit(1); });
