import type { Task } from 'graphile-worker';
import type { Deps } from '../deps.js';

/** Each domain exports `tasks(deps)`: identifier → Graphile Worker task. */
export type TaskFactory = (deps: Deps) => Record<string, Task>;
