// Two peers on 127.0.0.1 for the fetch transport's tests, in Node (no dependency):
// one answers every request with a 307 redirect, one accepts connections and never answers; and
// a port nothing listens on (opened, then closed). Prints `redirect_url …`, `silent_url …` and
// `dead_url …`, then serves until SIGTERM, or 5 minutes at most.
import http from 'node:http';
import net from 'node:net';

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));

const redirect = http.createServer((request, response) => {
  request.resume();
  response.writeHead(307, { location: 'http://127.0.0.1:1/elsewhere', 'content-length': '0' });
  response.end();
});
const held = [];
const silent = net.createServer((socket) => held.push(socket));

console.log(`redirect_url http://127.0.0.1:${await listen(redirect)}`);
console.log(`silent_url http://127.0.0.1:${await listen(silent)}`);
const closed = net.createServer();
const deadPort = await listen(closed);
await new Promise((resolve) => closed.close(resolve));
console.log(`dead_url http://127.0.0.1:${deadPort}`);

const stop = () => {
  held.forEach((socket) => socket.destroy());
  redirect.close();
  silent.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setTimeout(stop, 5 * 60 * 1000);
