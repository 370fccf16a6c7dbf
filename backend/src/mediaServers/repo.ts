import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

export async function addPending(c: Conn, serverId: string, folder: string): Promise<void> {
  await c.query(sql.unsafe`insert into media_refresh_pending (server_id, folder) values (${serverId}, ${folder}) on conflict do nothing`);
}

/** Takes every folder waiting for a server (they are gone from the table once this returns). */
export async function takePending(c: Conn, serverId: string): Promise<string[]> {
  const rows = await c.any(
    sql.type(z.object({ folder: z.string() }))`delete from media_refresh_pending where server_id = ${serverId} returning folder`,
  );
  return rows.map((r) => r.folder).sort();
}
