import { afterAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../../backend/src/config.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Variables earlier versions read (JWT_SECRET): ignored now, with one clear warning at start. */
let srv: TestServer | undefined;
afterAll(async () => {
  await srv?.stop();
});

describe('a retired environment variable', () => {
  it('is listed by the environment parser only when set', () => {
    expect(loadEnv({ DATA_DIR: '/tmp/x' }).RETIRED).toEqual([]);
    expect(loadEnv({ DATA_DIR: '/tmp/x', JWT_SECRET: '' }).RETIRED).toEqual([]);
    expect(loadEnv({ DATA_DIR: '/tmp/x', JWT_SECRET: 'old' }).RETIRED.map((r) => r.name)).toEqual(['JWT_SECRET']);
  });

  it('JWT_SECRET set: the start logs one warning line that names it, never its value', async () => {
    srv = await startTestServer({ env: { JWT_SECRET: 'the-old-secret-value-123' } });
    const lines = srv
      .logs()
      .split('\n')
      .filter((l) => l.includes('JWT_SECRET'));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!);
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/^JWT_SECRET is set but it is no longer read: .*remove JWT_SECRET from the environment$/);
    expect(srv.logs()).not.toContain('the-old-secret-value-123');
  });
});
