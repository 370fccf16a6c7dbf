// Loaded into product processes the tests start (`--import`, see product.ts): the same rule as
// outboundGuard.ts for the test process. A connection to a host other than 127.0.0.1, localhost or
// ::1 is refused and reported on stderr, where the test's process starter sees it and fails the test.
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']);
const original = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const a = Array.isArray(args[0]) ? args[0] : args;
  const first = a[0];
  let host = null;
  let port;
  if (first && typeof first === 'object') {
    if (!first.path) ({ host = 'localhost', port } = first);
  } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    host = typeof a[1] === 'string' ? a[1] : 'localhost';
    port = first;
  }
  if (host !== null && !LOOPBACK.has(host)) {
    const what = `${host}:${String(port)}`;
    process.stderr.write(`\nOUTBOUND-CONNECTION-BLOCKED ${what}\n`);
    const err = new Error(`outbound connection to ${what} blocked: tests may only connect to 127.0.0.1, localhost or ::1`);
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return original.apply(this, args);
};
