import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import QueueBoard from '../../frontend/src/components/QueueBoard.vue';
import { createQueueStore } from '../../frontend/src/stores/queue.ts';
import { dispatch } from '../../frontend/src/realtime/socket.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import { session } from '../../frontend/src/stores/session.ts';
import { item, msg, queueResponse } from './fixtures.ts';

beforeEach(async () => {
  await setLocale('en');
  session.user = { id: 1, username: 'admin', role: 'admin' }; // an administrator sees every control
});

function setup() {
  let refreshes = 0;
  const store = createQueueStore(() => refreshes++);
  store.load(queueResponse([item('a', 1), item('b', 2), item('c', 3)]));
  const wrapper = mount(QueueBoard, { props: { store } });
  return { store, wrapper, refreshes: () => refreshes };
}

const ids = (w: ReturnType<typeof mount>, section: string) =>
  w.findAll(`[data-test="${section}"] [data-id]`).map((e) => e.attributes('data-id'));

describe('queue board over realtime messages', () => {
  it('moves an item to active on its first progress message and updates bar, speed and ETA live', async () => {
    const { wrapper } = setup();
    expect(ids(wrapper, 'pending')).toEqual(['a', 'b', 'c']);

    dispatch(msg('download_progress', { download_id: 'a', key: 'frieren', percent: 12.5, speed_mbps: 3.25, eta_seconds: 95 }));
    await nextTick();
    expect(ids(wrapper, 'active')).toEqual(['a']);
    expect(ids(wrapper, 'pending')).toEqual(['b', 'c']);
    const bar = wrapper.get('[data-test="active"] [role="progressbar"]');
    expect(bar.attributes('aria-valuenow')).toBe('12.5');
    expect(wrapper.get('[data-test="speed"]').text()).toBe('3.25 MiB/s');
    expect(wrapper.get('[data-test="eta"]').text()).toContain('1m 35s');

    dispatch(msg('download_progress', { download_id: 'a', percent: 64, speed_mbps: 4, eta_seconds: 20 }));
    await nextTick();
    expect(bar.attributes('aria-valuenow')).toBe('64');
    expect((bar.element.firstElementChild as HTMLElement).style.width).toBe('64%');
    expect(wrapper.get('[data-test="eta"]').text()).toContain('20s');
  });

  it('moves finished items to completed and failed items to failed with their reason and a retry button', async () => {
    const { wrapper } = setup();
    const emitted = () => wrapper.emitted('retry') ?? [];
    dispatch(msg('download_progress', { download_id: 'a', percent: 50 }));
    dispatch(msg('download_complete', { download_id: 'a', file_path: '/anime/Frieren (2023)/Frieren - S01E01 - Episode 1.mkv' }));
    dispatch(msg('download_failed', { download_id: 'b', error: 'VOE: 404 Not Found; Vidoza: no video stream' }));
    await nextTick();
    expect(ids(wrapper, 'active')).toEqual([]);
    expect(ids(wrapper, 'completed')).toEqual(['a']);
    expect(wrapper.get('[data-test="completed"]').text()).toContain('Frieren - S01E01 - Episode 1.mkv');
    expect(ids(wrapper, 'failed')).toEqual(['b']);
    expect(wrapper.get('[data-test="failed"] [data-test="reason"]').text()).toBe('VOE: 404 Not Found; Vidoza: no video stream');

    await wrapper.get('[data-test="failed"] [data-test="retry"]').trigger('click');
    expect(emitted()).toEqual([[['b']]]);
  });

  it("shows a failure reason by its code in the user's language (German), the server text for a code it does not know", async () => {
    await setLocale('de');
    const { wrapper } = setup();
    dispatch(msg('download_failed', { download_id: 'a', code: 'ALL_SOURCES_FAILED', error: 'all sources failed: VOE: 404 Not Found' }));
    dispatch(msg('download_failed', { download_id: 'b', code: 'SOMETHING_NEW', error: 'a reason this UI has no text for' }));
    await nextTick();
    const reasons = wrapper.findAll('[data-test="failed"] [data-test="reason"]').map((e) => e.text());
    expect(reasons).toContain('Alle Quellen wurden versucht und sind fehlgeschlagen.');
    expect(reasons).toContain('a reason this UI has no text for');
    expect(wrapper.get('[data-test="failed"] [data-test="reason-detail"]').text()).toBe('all sources failed: VOE: 404 Not Found');
  });

  it('drops removed items, follows start/stop, and asks for one refresh when an event cannot be applied in place', async () => {
    const { store, wrapper, refreshes } = setup();
    dispatch(msg('download_removed', { download_id: 'c' }));
    dispatch(msg('queue_stopped', {}));
    await nextTick();
    expect(ids(wrapper, 'pending')).toEqual(['a', 'b']);
    expect(store.state.status.is_running).toBe(false);
    dispatch(msg('queue_started', {}));
    expect(store.state.status.is_running).toBe(true);

    expect(refreshes()).toBe(0);
    dispatch(msg('download_progress', { download_id: 'unknown', percent: 5 }));
    expect(refreshes()).toBe(1);

    // a full item in download_added is shown without a refresh
    dispatch(msg('download_added', { item: item('d', 4) }));
    await nextTick();
    expect(ids(wrapper, 'pending')).toEqual(['a', 'b', 'd']);
    expect(refreshes()).toBe(1);
  });

  it('queue_status updates the running state and statistics, and refreshes only when its counts disagree', () => {
    const { store, refreshes } = setup();
    const stats = (pending: number, failed: number) => ({
      total_items: pending + failed,
      pending_count: pending,
      active_count: 0,
      completed_count: 0,
      failed_count: failed,
      total_downloaded_mb: 12.5,
      average_speed_mbps: 2,
      estimated_time_remaining: 40,
    });
    dispatch(msg('queue_status', { is_running: false, is_paused: true, statistics: stats(3, 0) }));
    expect(store.state.status.is_running).toBe(false);
    expect(store.state.statistics?.total_downloaded_mb).toBe(12.5);
    expect(refreshes()).toBe(0);
    // e.g. a retry elsewhere: a failed item went back to pending, which only the counts tell
    dispatch(msg('queue_status', { is_running: true, is_paused: false, statistics: stats(4, 0) }));
    expect(refreshes()).toBe(1);
  });

  it('statistics that arrive before the first load (the socket joined first) ask again only when the load disagrees', () => {
    const stats = (pending: number) => ({ ...queueResponse([]).statistics, pending_count: pending, total_items: pending });
    for (const [announced, loaded, expected] of [
      [3, 3, 0],
      [4, 3, 1],
    ] as const) {
      let refreshes = 0;
      const store = createQueueStore(() => refreshes++);
      store.apply(msg('queue_status', { is_running: false, is_paused: false, held_reason: null, statistics: stats(announced) }));
      expect(refreshes).toBe(0); // the load on its way brings the lists
      const res = queueResponse([item('a', 1), item('b', 2), item('c', 3)]);
      store.load({ ...res, statistics: stats(loaded) });
      expect(refreshes, `announced ${announced}, loaded ${loaded}`).toBe(expected);
    }
  });

  it('stops listening once unmounted', async () => {
    const { store, wrapper } = setup();
    wrapper.unmount();
    dispatch(msg('download_removed', { download_id: 'a' }));
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['a', 'b', 'c']);
  });
});
