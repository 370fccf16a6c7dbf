import { runMigrations } from 'graphile-worker';

// Apart from migrate.ts, so the start-up loads Graphile Worker only when its migrations are to run.
export const runGraphileMigrations = runMigrations;
