// The trivial route: node:http hello world, the server the published
// "0.23× bare" anchors were measured on. PORT=0 picks a free port.
const http = require('node:http');

const body = Buffer.from('hello world\n');
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${server.address().port}\n`);
});
