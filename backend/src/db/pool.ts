import {
  createPool,
  createTypeParserPreset,
  SchemaValidationError,
  type DatabasePool,
  type DatabaseTransactionConnection,
  type DatabasePoolConnection,
  type Interceptor,
} from 'slonik';
import { createSqlTag } from 'slonik';
import { z } from 'zod';

export type Db = DatabasePool;
export type Conn = DatabasePool | DatabasePoolConnection | DatabaseTransactionConnection;

/** The project's sql tag; `sql.type(Row)` queries are validated by the result parser below. */
export const sql = createSqlTag({
  typeAliases: {
    void: z.object({}).strict(),
    id: z.object({ id: z.number() }),
  },
});

const resultParser: Interceptor = {
  name: 'zod-result-parser',
  transformRow: (context, query, row) => {
    const parser = context.resultParser;
    if (!parser) return row;
    const parsed = parser.safeParse(row);
    if (!parsed.success) throw new SchemaValidationError(query, row, parsed.error.issues);
    return parsed.data;
  },
};

/** timestamptz values come back as Date objects; int8 as numbers (counts, sizes). */
const typeParsers = [
  ...createTypeParserPreset().filter((p) => !['timestamptz', 'timestamp', 'int8', 'numeric'].includes(p.name)),
  { name: 'timestamptz', parse: (v: string) => new Date(v) },
  { name: 'timestamp', parse: (v: string) => new Date(v + 'Z') },
  { name: 'int8', parse: (v: string) => Number(v) },
  { name: 'numeric', parse: (v: string) => Number(v) },
];

export async function openPool(url: string, maximumPoolSize = 10): Promise<Db> {
  return createPool(url, {
    interceptors: [resultParser],
    typeParsers,
    maximumPoolSize,
    connectionTimeout: 10_000,
    idleTimeout: 30_000,
    statementTimeout: 60_000,
    // slonik's default runs DISCARD ALL after every query: a second round trip each time. Our
    // code keeps no session state on pooled connections (transactions use SET LOCAL and
    // pg_advisory_xact_lock), so a released connection is reused as it is, as pg.Pool does.
    resetConnection: async () => undefined,
  });
}
