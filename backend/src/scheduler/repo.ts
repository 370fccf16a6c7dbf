import { z } from 'zod';
import { sql, type Conn } from '../db/pool.js';

export async function getState<T extends z.ZodTypeAny>(c: Conn, key: string, schema: T): Promise<z.infer<T>> {
  const value = await c.maybeOneFirst(sql.type(z.object({ value: z.unknown() }))`select value from app_state where key = ${key}`);
  const parsed = schema.safeParse(value ?? {});
  return parsed.success ? parsed.data : schema.parse({});
}

export async function setState(c: Conn, key: string, value: Record<string, unknown>): Promise<void> {
  await c.query(sql.unsafe`insert into app_state (key, value) values (${key}, ${sql.jsonb(value as never)})
    on conflict (key) do update set value = app_state.value || excluded.value, updated_at = now()`);
}
