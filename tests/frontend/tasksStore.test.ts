import { describe, expect, it } from 'vitest';
import { createTasksStore, TASK_EVENTS } from '../../frontend/src/stores/tasks.ts';
import { dispatch, onMessage } from '../../frontend/src/realtime/socket.ts';
import type { TaskInfo } from '../../frontend/src/api/types.ts';
import { msg } from './fixtures.ts';

const task = (name: string, over: Partial<TaskInfo> = {}): TaskInfo => ({
  name,
  title: name,
  description: '',
  schedule: 'daily',
  schedule_info: { code: 'daily_at', time: '03:00' },
  running: false,
  last_run: null,
  last_finished: null,
  duration_ms: null,
  outcome: null,
  error: null,
  runs: 0,
  next_run: null,
  ...over,
});

function setup() {
  let refreshes = 0;
  const store = createTasksStore(() => refreshes++);
  store.load([task('rescan'), task('housekeeping', { outcome: 'success', runs: 3 })]);
  const offs = TASK_EVENTS.map((type) => onMessage(type, (m) => store.apply(m)));
  const get = (name: string) => store.state.tasks!.find((x) => x.name === name)!;
  return { store, get, refreshes: () => refreshes, off: () => offs.forEach((o) => o()) };
}

describe('tasks page over realtime messages', () => {
  it('a task shows running on task_started and its outcome on task_complete / task_failed, without polling', () => {
    const { get, refreshes, off } = setup();
    dispatch(msg('task_started', { task: 'rescan' }));
    expect(get('rescan').running).toBe(true);
    expect(refreshes()).toBe(0);

    dispatch(msg('task_complete', { task: 'rescan', duration_ms: 1234 }));
    expect(get('rescan')).toMatchObject({ running: false, outcome: 'success', duration_ms: 1234, error: null, runs: 1 });
    expect(refreshes()).toBe(1); // one reload for its next run

    dispatch(msg('task_started', { task: 'housekeeping' }));
    dispatch(msg('task_failed', { task: 'housekeeping', duration_ms: 5, error: 'disk full' }));
    expect(get('housekeeping')).toMatchObject({ running: false, outcome: 'failed', error: 'disk full', runs: 4 });
    off();
  });

  it('a reload answered before the start arrived keeps the task running; one after its end does not', () => {
    const { store, get, off } = setup();
    dispatch(msg('task_started', { task: 'rescan' }));
    const startedAt = get('rescan').last_run!;
    store.load([task('rescan'), task('housekeeping')]); // stale: read before the job was picked
    expect(get('rescan').running).toBe(true);
    store.load([
      task('rescan', { last_run: startedAt, last_finished: new Date(Date.parse(startedAt) + 50).toISOString(), outcome: 'success' }),
      task('housekeeping'),
    ]);
    expect(get('rescan').running).toBe(false);
    off();
  });

  it('an unknown task asks for one reload', () => {
    const { refreshes, off } = setup();
    dispatch(msg('task_started', { task: 'something_new' }));
    expect(refreshes()).toBe(1);
    off();
  });
});
