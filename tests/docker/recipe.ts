import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { Loose } from '../helpers/http.js';

/** Reading the Docker recipe (Dockerfile, compose.yaml, .dockerignore) as Docker would. */
export const REPO = path.resolve(import.meta.dirname, '../..');

export function readRepo(file: string): string {
  return fs.readFileSync(path.join(REPO, file), 'utf8');
}

/** Dockerfile instructions of one stage (last = the runtime image), continuation lines joined. */
export function dockerfileStages(text = readRepo('Dockerfile')): { from: string; lines: string[] }[] {
  const joined = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of joined) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line.split(/\s+/)[1], lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

/** The runtime stage's ENV, as the container starts with it. */
export function dockerfileEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of dockerfileStages().at(-1)!.lines) {
    const m = /^ENV\s+(.*)$/i.exec(line);
    if (!m) continue;
    for (const pair of m[1].match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ?? []) {
      const eq = pair.indexOf('=');
      env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"|"$/g, '');
    }
  }
  return env;
}

/** KEY=value lines of an env file (compose's env_file format: no quotes processing needed here). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/** Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} interpolation. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    const v = vars[name];
    const unset = v === undefined || (op?.startsWith(':') && v === '');
    if (!unset) return v;
    if (op?.endsWith('-')) return arg ?? '';
    if (op?.endsWith('?')) throw new Error(`compose would refuse: ${name}: ${arg}`);
    return '';
  });
}

export function loadCompose(text = readRepo('compose.yaml')): Loose {
  return parseYaml(text);
}

/** The commented worker service in compose.yaml, uncommented: the file as a user who enables it has it. */
export function composeWithWorker(text = readRepo('compose.yaml')): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^\s*#\s*worker:\s*$/.test(l));
  if (start < 0) throw new Error('compose.yaml has no commented worker service');
  let end = start;
  while (end + 1 < lines.length && /^\s*#\s{3,}/.test(lines[end + 1])) end++;
  for (let i = start; i <= end; i++) lines[i] = lines[i].replace(/^(\s*)#\s/, '$1');
  return lines.join('\n');
}

/** The environment compose gives the app container: Dockerfile ENV, then env_file, then environment. */
export function containerEnv(envFile: Record<string, string>): Record<string, string> {
  const compose = loadCompose();
  const svc = compose.services.aniworld;
  const out: Record<string, string> = { ...dockerfileEnv(), ...envFile };
  for (const [k, v] of Object.entries(svc.environment as Record<string, string | number>)) {
    out[k] = interpolate(String(v), envFile);
  }
  return out;
}

/** .dockerignore patterns as predicates over repo-relative paths (no `!` exceptions are used). */
export function dockerIgnored(text = readRepo('.dockerignore')): (rel: string) => boolean {
  const res = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((p) => {
      if (p.startsWith('!')) throw new Error('.dockerignore exceptions are not supported by this check');
      const body = p
        .replace(/^\/+|\/+$/g, '')
        .split('/')
        .map((seg) =>
          seg === '**'
            ? '.*'
            : seg
                .replace(/[.+^${}()|[\]\\]/g, '\\$&')
                .replace(/\*/g, '[^/]*')
                .replace(/\?/g, '[^/]'),
        )
        .join('/')
        .replace(/\.\*\//g, '(?:.*/)?');
      return new RegExp(`^${body}(?:/.*)?$`);
    });
  return (rel) => res.some((r) => r.test(rel));
}

/** The Docker build context: the committed tree (git archive HEAD) less what .dockerignore drops. */
export function exportBuildContext(dest: string): void {
  fs.mkdirSync(dest, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', 'HEAD'], { cwd: REPO, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dest], { input: tar });
  const ignored = dockerIgnored();
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(dest, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (ignored(r)) fs.rmSync(path.join(dest, r), { recursive: true, force: true });
      else if (e.isDirectory()) walk(r);
    }
  };
  walk('');
}

export interface Proc {
  child: ChildProcess;
  /** Started in its own process group (`npm start`: npm does not pass SIGTERM on to the server). */
  group?: boolean;
  output(): string;
  exited: Promise<number | null>;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env: Record<string, string>; group?: boolean }): Proc {
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.group });
  const chunks: string[] = [];
  child.stdout!.on('data', (d) => chunks.push(String(d)));
  child.stderr!.on('data', (d) => chunks.push(String(d)));
  // a test that times out must not leave servers behind when its worker process ends
  const reap = () => signal({ child, group: opts.group }, 'SIGKILL');
  process.on('exit', reap);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      process.off('exit', reap);
      resolve(code);
    }),
  );
  return { child, group: opts.group, output: () => chunks.join(''), exited };
}

function signal(proc: Pick<Proc, 'child' | 'group'>, sig: NodeJS.Signals): void {
  try {
    if (proc.group && proc.child.pid) process.kill(-proc.child.pid, sig);
    else proc.child.kill(sig);
  } catch {
    /* gone already */
  }
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Polls GET url until it answers 200 (or the process dies, or the deadline passes). */
export async function waitForHealthy(url: string, proc: Proc, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms;
  let dead = false;
  proc.exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} never became healthy${dead ? ' (process exited)' : ''}:\n${proc.output().slice(-4000)}`);
}

export async function stop(proc: Proc, ms = 30_000): Promise<number | null> {
  const pid = proc.child.pid!;
  const running = () => (proc.group ? groupAlive(pid) : proc.child.exitCode === null && proc.child.signalCode === null);
  if (!running()) return proc.child.exitCode;
  signal(proc, 'SIGTERM');
  const timer = setTimeout(() => signal(proc, 'SIGKILL'), ms);
  const code = await proc.exited;
  // a group ends when its last process (the server behind npm) did
  while (proc.group && groupAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  clearTimeout(timer);
  return code;
}

/** An empty database on the run's PostgreSQL, dropped with the others at the end of the run. */
export async function emptyDatabase(): Promise<string> {
  const admin = inject('pgAdminUrl');
  const ppid = inject('pgTemplate').split('_')[2];
  const name = `awt_${ppid}_docker_${crypto.randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  await c.query(`create database "${name}"`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}
