/**
 * The scheduled tasks as the Tasks page shows them: loaded from /api/tasks, then kept current by
 * the `tasks` room (task_started, task_complete, task_failed {task, duration_ms?, error?}). A
 * finished task asks for one reload (its next run may have moved); nothing polls.
 */
import { reactive } from 'vue';
import type { RealtimeMessage, TaskInfo } from '../api/types.ts';

export const TASK_EVENTS = ['task_started', 'task_complete', 'task_failed'] as const;

export function createTasksStore(refresh: () => void = () => undefined) {
  const state = reactive({ tasks: null as TaskInfo[] | null });

  /** A load answered before a task_started that already arrived must not stop the spinner again. */
  function load(tasks: TaskInfo[]): void {
    for (const task of tasks) {
      const seen = state.tasks?.find((x) => x.name === task.name);
      const endedSince = task.last_finished && seen?.last_run && Date.parse(task.last_finished) >= Date.parse(seen.last_run);
      if (seen?.running && !task.running && !endedSince) {
        task.running = true;
        task.last_run = seen.last_run;
      }
    }
    state.tasks = tasks;
  }

  function apply(msg: RealtimeMessage): void {
    const d = (msg.data ?? {}) as Record<string, unknown>;
    const task = state.tasks?.find((x) => x.name === d.task);
    if (!task) return refresh();
    const duration = typeof d.duration_ms === 'number' ? d.duration_ms : null;
    switch (msg.type) {
      case 'task_started':
        task.running = true;
        task.last_run = msg.timestamp;
        break;
      case 'task_complete':
      case 'task_failed':
        task.running = false;
        task.outcome = msg.type === 'task_complete' ? 'success' : 'failed';
        task.error = msg.type === 'task_failed' && typeof d.error === 'string' ? d.error : null;
        task.duration_ms = duration ?? task.duration_ms;
        task.last_finished = msg.timestamp;
        task.runs += 1;
        refresh();
        break;
    }
  }

  return { state, load, apply };
}
