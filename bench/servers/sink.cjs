// A local OTLP/HTTP endpoint that accepts and discards everything, so the
// variants pay for exporting but no collector is measured.
const http = require('node:http');

const server = http.createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': req.headers['content-type'] === 'application/json' ? 'application/json' : 'application/x-protobuf' });
    res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
  });
});
server.keepAliveTimeout = 30000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
