/**
 * The product as its own process, as `npm start` runs it (`node scripts/start.mjs`), for the tests
 * that kill it (SIGKILL mid-download, at a placement step, a crash of the whole group). It runs in
 * its own process group so a kill reaches its embedded PostgreSQL too; whatever a test leaves
 * running is killed after the file. Product processes may connect to loopback only (the same
 * rule as the test process: outboundGuard.child.mjs), else the test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const GUARD = path.join(import.meta.dirname, 'outboundGuard.child.mjs');
const BLOCKED = /OUTBOUND-CONNECTION-BLOCKED (\S+)/;

export interface ProductProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> it listens on. */
  url: string;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null after a signal). */
  exited: Promise<number | null>;
  /** Signals the whole process group (the product and the database it started). */
  killGroup(signal: NodeJS.Signals): void;
}

export interface ProductOptions {
  dataDir: string;
  /** Added to the environment; `undefined` removes a variable (e.g. DATABASE_URL for the embedded database). */
  env?: Record<string, string | undefined>;
  /** Give up waiting for the listening line after this long (ms). */
  startTimeout?: number;
  /** `npm start` instead of its script run directly (`child` is then npm). */
  viaNpm?: boolean;
}

const started: ProductProcess[] = [];
const reported = new WeakSet<ProductProcess>();

/** Starts the product on a random port; resolves once it logs the URL it listens on. */
export async function startProduct(opts: ProductOptions): Promise<ProductProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: opts.dataDir,
    UI_DIST: path.join(opts.dataDir, 'no-ui'), // serve no UI, build none
    LOG_LEVEL: 'info',
    LOG_FILE: 'false',
    NODE_OPTIONS: [process.env.NODE_OPTIONS, `--import=${GUARD}`].filter(Boolean).join(' '),
  };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const [command, args] = opts.viaNpm ? ['npm', ['start']] : [process.execPath, ['scripts/start.mjs']];
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const proc: ProductProcess = {
    child,
    url: '',
    output: () => out,
    exited,
    killGroup: (signal) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        /* the group is gone already */
      }
    },
  };
  started.push(proc);
  const limit = opts.startTimeout ?? 90_000;
  proc.url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within ${limit} ms:\n${out.slice(-2000)}`)), limit);
    const onData = (d: Buffer) => {
      out += d;
      const m = /"url":"(http:\/\/[^"]+)"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out.slice(-2000)}`));
    });
  });
  return proc;
}

/** Fails the test if a product process tried to reach a host outside this machine. */
function failIfBlocked() {
  const found = started.filter((p) => !reported.has(p) && BLOCKED.test(p.output()));
  if (found.length === 0) return;
  for (const p of found) reported.add(p);
  const hosts = found.flatMap((p) => [...p.output().matchAll(new RegExp(BLOCKED.source, 'g'))].map((m) => m[1]));
  throw new Error(`a product process tried to reach a host outside 127.0.0.1 (tests use fakes on 127.0.0.1): ${hosts.join(', ')}`);
}

/** SIGKILLs every process group this file started (call it before removing their folders). */
export function killProducts(): void {
  for (const p of started) p.killGroup('SIGKILL');
}

afterEach(failIfBlocked);
afterAll(() => {
  killProducts();
  failIfBlocked();
});
