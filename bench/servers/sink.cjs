// A local OTLP/HTTP endpoint that accepts and discards everything, so the
// variants pay for exporting but no collector is measured.
// COUNT_LOGS=1: also counts the log records of each protobuf /v1/logs request per
// instrumentation scope (bench/servers/log-record-count.cjs); `GET /log-records`
// answers the counts so far as JSON. Off by default: decoding costs the sink CPU
// that the measured variants would share the machine with.
const http = require('node:http');
const zlib = require('node:zlib');

const counting = process.env.COUNT_LOGS === '1';
const { countLogRecords } = counting ? require('./log-record-count.cjs') : {};
const counts = {};

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (d) => { if (counting) chunks.push(d); });
  req.on('end', () => {
    if (counting && req.method === 'GET' && req.url === '/log-records') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(counts));
      return;
    }
    if (counting && req.url === '/v1/logs' && req.headers['content-type'] === 'application/x-protobuf') {
      const body = Buffer.concat(chunks);
      countLogRecords(req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(body) : body, counts);
    }
    res.writeHead(200, { 'content-type': req.headers['content-type'] === 'application/json' ? 'application/json' : 'application/x-protobuf' });
    res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
  });
});
server.keepAliveTimeout = 30000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
