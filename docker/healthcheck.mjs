// HEALTHCHECK: 0 when GET /health answers "healthy" in time, else 1. A worker-only container
// (ROLE=worker) serves no HTTP, so it counts as healthy while its process runs.
const role = process.env.ROLE ?? 'all';
if (role === 'worker') process.exit(0);

const port = process.env.PORT || '8000';
const bound = process.env.HOST ?? '0.0.0.0';
const host = ['0.0.0.0', '::', ''].includes(bound) ? '127.0.0.1' : bound.includes(':') ? `[${bound}]` : bound;
const url = `http://${host}:${port}/health`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  const body = await res.json();
  if (res.ok && body.status === 'healthy') process.exit(0);
  console.error(`unhealthy: ${res.status} ${JSON.stringify(body)}`);
} catch (err) {
  console.error(`unhealthy: ${url}: ${err.message}`);
}
process.exit(1);
