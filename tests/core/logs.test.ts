import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { client } from '../helpers/http.js';

let srv: TestServer;
afterAll(async () => {
  await srv?.stop();
});

describe('logs never hold secrets', () => {
  it('a whole session leaves no password, token or API key in the logs', async () => {
    srv = await startTestServer({ env: { LOG_LEVEL: 'trace' } });
    const password = 'Log-Secret-Pw9!';
    const userPassword = 'User-Secret-Pw8!';
    const apiKey = 'tmdbkey0123456789abcdef';
    const setupKey = 'setupkey9876543210fedcba';
    const anon = client(srv.url);
    expect((await anon.post('/api/auth/setup', { master_password: password, tmdb_api_key: setupKey })).status).toBe(201);
    const tokens: string[] = [];
    for (const wrong of ['Wrong-Guess1!', 'Wrong-Guess2!'])
      expect((await anon.post('/api/auth/login', { password: wrong })).status).toBe(401);
    const login = await anon.post('/api/auth/login', { password, remember: true });
    tokens.push(login.body.access_token);
    const api = client(srv.url, login.body.access_token);
    expect((await api.put('/api/config', { tmdb: { api_key: apiKey } })).status).toBe(200);
    expect((await api.post('/api/config/validate', { tmdb: { api_key: apiKey } })).status).toBe(200);
    expect((await api.post('/api/users', { username: 'frank', password: userPassword })).status).toBe(201);
    const frank = (await anon.post('/api/auth/login', { username: 'frank', password: userPassword })).body.access_token;
    tokens.push(frank);
    await client(srv.url, frank).put('/api/users/me/password', { current_password: userPassword, new_password: `${userPassword}x` });
    // secrets in places a careless logger would print them
    await api.get(`/api/config?api_key=${apiKey}&token=${login.body.access_token}`);
    await anon.call('POST', '/api/auth/login', `{"password": "${password}",`); // malformed JSON
    await anon.post('/api/auth/login', { password: 'x'.repeat(300) + password });
    await api.get('/api/nope', { Authorization: `Bearer ${login.body.access_token}` });
    const socket = io(srv.url, {
      auth: { token: login.body.access_token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise((r) => socket.on('message', r));
    const disconnected = new Promise((r) => socket.on('disconnect', r));
    expect((await api.post('/api/auth/logout')).status).toBe(200);
    await disconnected;
    socket.close();

    const logFile = srv.deps.logging!.currentFile()!;
    expect(path.dirname(logFile)).toBe(path.join(srv.dataDir, 'logs'));
    let fileText = '';
    for (let i = 0; i < 50 && !fileText.includes('logout'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      fileText = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    }
    const captured = srv.logs();
    // the logs did record the session (so the checks below look at something real)
    for (const text of [captured, fileText]) {
      expect(text).toContain('failed login');
      expect(text).toContain('logout');
      expect(text).toContain('/api/config');
      // access lines carry the status the client got, errors included
      expect(text).toMatch(/"method":"POST","url":"\/api\/auth\/login","status":401/);
      expect(text).toMatch(/"url":"\/api\/nope","status":404/);
      for (const line of text.trim().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
    }
    for (const secret of [password, userPassword, `${userPassword}x`, apiKey, setupKey, ...tokens, ...tokens.map((t) => t.split('.')[2])]) {
      expect(captured.includes(secret), `captured logs contain ${secret.slice(0, 12)}…`).toBe(false);
      expect(fileText.includes(secret), `log file contains ${secret.slice(0, 12)}…`).toBe(false);
    }
  });
});
