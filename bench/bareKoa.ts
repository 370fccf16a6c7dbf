// The reference for bench/api.ts: a bare Koa + @koa/router "hello" app, nothing else.
import http from 'node:http';
import Koa from 'koa';
import Router from '@koa/router';

const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = { status: 'healthy', timestamp: new Date().toISOString(), version: '1.0.0' };
});
app.use(router.routes());
const server = http.createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}` }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
