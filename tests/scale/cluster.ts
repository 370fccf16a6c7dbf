import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { freePort } from '../../backend/src/db/embedded.js';
import { REPO, run, stop, waitForHealthy, type Proc } from '../docker/recipe.js';
import type { Loose } from '../helpers/http.js';

/** Processes of the product (`node scripts/start.mjs`, as `npm start` runs it) sharing one database. */
export interface Node {
  name: string;
  url: string;
  dataDir: string;
  proc: Proc;
  stop(): Promise<number | null>;
}

const running = new Set<Node>();

/** Stops every process still running and removes its folder (after a test that failed halfway). */
export async function stopAllNodes(): Promise<void> {
  await Promise.all([...running].map((n) => n.stop()));
}

export async function startNode(name: string, databaseUrl: string, env: Record<string, string> = {}, shareDataDir?: string): Promise<Node> {
  const dataDir = shareDataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), `aniworld-${name}-`));
  fs.mkdirSync(path.join(dataDir, 'anime'), { recursive: true }); // as the /anime volume
  const port = await freePort();
  const proc = run('node', [path.join(REPO, 'scripts/start.mjs')], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH!,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      ANIME_DIR: path.join(dataDir, 'anime'),
      DATABASE_URL: databaseUrl,
      UI_DIST: path.join(dataDir, 'no-ui'), // serve no UI, build none
      LOG_LEVEL: 'info',
      LOG_FILE: 'false',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const node: Node = {
    name,
    url,
    dataDir,
    proc,
    stop: async () => {
      const code = await stop(proc);
      fs.rmSync(dataDir, { recursive: true, force: true });
      running.delete(node);
      return code;
    },
  };
  running.add(node);
  if (env.ROLE !== 'worker') {
    await waitForHealthy(`${url}/health`, proc, 120_000).catch(async (err) => {
      await node.stop();
      throw err;
    });
  }
  return node;
}

export interface Msg {
  type: string;
  timestamp: string;
  data: Loose;
}

/** A browser-like Socket.IO client that records every `message`. */
export async function connectSocket(url: string, token: string, rooms: string[] = []) {
  const socket: Socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  const seen: Msg[] = [];
  const listeners = new Set<() => void>();
  socket.on('message', (m: Msg) => {
    seen.push(m);
    for (const l of listeners) l();
  });
  const disconnected = new Promise<string>((r) => socket.on('disconnect', (reason) => r(reason)));
  /** Resolves with the first message (past or future) that matches. */
  const waitFor = (pred: (m: Msg) => boolean, what: string, ms = 15_000) =>
    new Promise<Msg>((resolve, reject) => {
      const check = () => {
        const m = seen.find(pred);
        if (!m) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(m);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${what} within ${ms} ms; saw ${seen.map((m) => m.type).join(', ')}`));
      }, ms);
      if (!check()) listeners.add(check);
    });
  await waitFor((m) => m.type === 'connected', 'connected');
  for (const room of rooms) {
    socket.emit('message', { action: 'join', data: { room } });
    await waitFor((m) => m.type === 'system_info' && m.data.room === room, `join ${room}`);
  }
  return { socket, seen, waitFor, disconnected };
}
