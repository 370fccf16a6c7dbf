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
import { cleanJsonText, cleanText, hasUnsafeText } from '../util/text.js';

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

const JSON_PARAM = /\$(?:slonik_)?(\d+)::jsonb?\b/g;

/**
 * The last line of the NUL rule: no text reaches PostgreSQL with NUL or a lone surrogate (a text
 * column refuses the one, UTF-8 the other, jsonb both as escapes). Requests carrying them were
 * refused already and provider text cleaned; this strips whatever still slips through.
 */
const safeText: Interceptor = {
  name: 'safe-text',
  transformQuery: (_context, query) => {
    let values: unknown[] | null = null;
    let jsonParams: Set<number> | null = null;
    query.values.forEach((v, i) => {
      if (typeof v === 'string') {
        let next = hasUnsafeText(v) ? cleanText(v) : v;
        if (next.includes('\\u')) {
          jsonParams ??= new Set([...query.sql.matchAll(JSON_PARAM)].map((m) => Number(m[1]) - 1));
          if (jsonParams.has(i)) next = cleanJsonText(next);
        }
        if (next !== v) (values ??= [...query.values])[i] = next;
      } else if (Array.isArray(v) && v.some((x) => typeof x === 'string' && hasUnsafeText(x))) {
        (values ??= [...query.values])[i] = v.map((x: unknown) => (typeof x === 'string' ? cleanText(x) : x));
      }
    });
    return values ? { ...query, values: values as typeof query.values } : query;
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
    interceptors: [safeText, resultParser],
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
