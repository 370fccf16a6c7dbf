import type { Task } from 'graphile-worker';
import type { Deps } from '../deps.js';
import type { TaskFactory } from './types.js';
import { tasks as coreTasks } from './coreTasks.js';
import { checkHandlers } from './jobs.js';
import { tasks as libraryTasks } from '../library/tasks.js';
import { tasks as languagesTasks } from '../library/languagesJob.js';
import { tasks as schedulerTasks } from '../scheduler/tasks.js';
import { tasks as backupTasks } from '../backup/tasks.js';
import { tasks as watchlistTasks } from '../watchlist/tasks.js';
import { tasks as metadataTasks } from '../metadata/tasks.js';
import { tasks as downloadTasks } from '../downloads/tasks.js';
import { tasks as notificationTasks } from '../notifications/tasks.js';
import { tasks as mediaServerTasks } from '../mediaServers/tasks.js';
import { tasks as calendarTasks } from '../calendar/tasks.js';
import { tasks as importListTasks } from '../importLists/tasks.js';

/** Every domain's tasks in one map. Domains add their factory here. */
const factories: TaskFactory[] = [
  coreTasks,
  libraryTasks,
  languagesTasks,
  schedulerTasks,
  backupTasks,
  watchlistTasks,
  metadataTasks,
  downloadTasks,
  notificationTasks,
  mediaServerTasks,
  calendarTasks,
  importListTasks,
];

export function buildTaskList(deps: Deps): Record<string, Task> {
  const list: Record<string, Task> = {};
  for (const f of factories) {
    for (const [id, task] of Object.entries(f(deps))) {
      if (list[id]) throw new Error(`task ${id} is defined twice`);
      if (typeof task !== 'function') throw new Error(`task ${id} has no handler`);
      list[id] = task;
    }
  }
  checkHandlers(Object.keys(list));
  return list;
}
