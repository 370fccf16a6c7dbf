import { describe, expect, it, beforeEach } from 'vitest';
import { flushPromises, mount } from '@vue/test-utils';
import PendingList from '../../frontend/src/components/PendingList.vue';
import { createQueueStore } from '../../frontend/src/stores/queue.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import { session } from '../../frontend/src/stores/session.ts';
import { item, msg, queueResponse } from './fixtures.ts';

beforeEach(async () => {
  await setLocale('en');
  session.user = { id: 1, username: 'admin', role: 'admin' }; // an administrator sees every control
});

const items = () => [item('a', 1), item('b', 2), item('c', 3), item('d', 4)];

describe('pending list reorder', () => {
  it('drag and drop emits one move: before the row dropped on when moving up, after it when moving down', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const rows = wrapper.findAll('li');
    await rows[3].trigger('dragstart');
    await rows[1].trigger('dragover');
    expect(rows[1].classes()).toContain('over');
    await rows[1].trigger('drop');
    await rows[0].trigger('dragstart');
    await rows[2].trigger('drop');
    await rows[1].trigger('dragstart');
    await rows[3].trigger('drop');
    // d before b; a after c (before d); b after the last one (null: the end)
    expect(wrapper.emitted('move')).toEqual([
      ['d', 'b'],
      ['a', 'd'],
      ['b', null],
    ]);
  });

  it('a drop on the same place emits nothing', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const rows = wrapper.findAll('li');
    await rows[2].trigger('dragstart');
    await rows[2].trigger('drop');
    expect(wrapper.emitted('move')).toBeUndefined();
  });

  it('the move buttons reorder by keyboard; the ends are disabled', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const up = wrapper.findAll('[data-test="move-up"]');
    const down = wrapper.findAll('[data-test="move-down"]');
    expect(up[0].attributes('disabled')).toBeDefined();
    expect(down[3].attributes('disabled')).toBeDefined();
    await up[2].trigger('click');
    await down[0].trigger('click');
    expect(wrapper.emitted('move')).toEqual([
      ['c', 'b'],
      ['a', 'c'],
    ]);
  });

  it('the focus follows its item when the rows move (rows are places in the list, not items)', async () => {
    const wrapper = mount(PendingList, { props: { items: items() }, attachTo: document.body });
    const downOf = (id: string) => wrapper.get<HTMLButtonElement>(`li[data-id="${id}"] [data-test="move-down"]`).element;
    downOf('b').focus();
    expect(document.activeElement).toBe(downOf('b'));
    // the move as the store shows it: b after c
    await wrapper.setProps({ items: [item('a', 1), item('c', 3), item('b', 2), item('d', 4)] });
    await flushPromises();
    expect(document.activeElement).toBe(downOf('b'));
    expect(wrapper.get('li[data-id="b"]').attributes('data-index')).toBe('2');
    // at the end its move-down button is disabled: the focus goes to its move-up button
    await wrapper.setProps({ items: [item('a', 1), item('c', 3), item('d', 4), item('b', 2)] });
    await flushPromises();
    expect(document.activeElement).toBe(wrapper.get('li[data-id="b"] [data-test="move-up"]').element);
    // gone from the rows drawn: the focus leaves the list rather than stay on another item's control
    await wrapper.setProps({ items: [item('a', 1), item('c', 3), item('d', 4)] });
    await flushPromises();
    expect(wrapper.element.contains(document.activeElement)).toBe(false);
    wrapper.unmount();
  });

  it('shows the priority of each item in a labelled select that emits a change', async () => {
    const wrapper = mount(PendingList, { props: { items: [item('a', 1, { priority: 'HIGH' }), item('b', 2)] } });
    const a = wrapper.get<HTMLSelectElement>('[data-test="priority-a"]');
    const b = wrapper.get<HTMLSelectElement>('[data-test="priority-b"]');
    expect(a.element.value).toBe('HIGH');
    expect(b.element.value).toBe('NORMAL');
    expect(b.attributes('aria-label')).toBe('Priority of Frieren S01E02');
    expect(b.findAll('option').map((o) => o.text())).toEqual(['High', 'Normal', 'Low']);
    await b.setValue('HIGH');
    await a.setValue('HIGH'); // unchanged: nothing to send
    expect(wrapper.emitted('priority')).toEqual([['b', 'HIGH']]);
  });

  it('a priority change moves the item in the queue order, from the page or from realtime', async () => {
    let refreshes = 0;
    const store = createQueueStore(() => refreshes++);
    store.load(queueResponse([item('a', 1, { priority: 'HIGH' }), item('b', 2), item('c', 3), item('d', 4, { priority: 'LOW' })]));
    const wrapper = mount(PendingList, { props: { items: store.state.status.pending_queue } });
    const order = () => wrapper.findAll('li').map((li) => li.attributes('data-id'));

    store.setPriority('c', 'HIGH');
    await wrapper.setProps({ items: store.state.status.pending_queue });
    expect(order()).toEqual(['a', 'c', 'b', 'd']);
    expect(wrapper.get<HTMLSelectElement>('[data-test="priority-c"]').element.value).toBe('HIGH');

    // another tab changed one: queue_status carries the item and asks for the server's order once
    store.apply(
      msg('queue_status', {
        is_running: true,
        is_paused: false,
        order_changed: true,
        item: { ...item('a', 1), priority: 'LOW' },
        statistics: queueResponse(store.state.status.pending_queue).statistics,
      }),
    );
    await wrapper.setProps({ items: store.state.status.pending_queue });
    expect(order()).toEqual(['c', 'b', 'a', 'd']);
    expect(wrapper.get<HTMLSelectElement>('[data-test="priority-a"]').element.value).toBe('LOW');
    expect(refreshes).toBe(1);
  });

  it('the store applies a move and returns the order /reorder wants', () => {
    const store = createQueueStore();
    store.load(queueResponse(items()));
    expect(store.movePending('d', 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(store.movePending('a', 99)).toEqual(['d', 'b', 'c', 'a']);
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['d', 'b', 'c', 'a']);
  });
});

describe('a paged pending list', () => {
  it('moves before another item or to the end; pages append; counts are compared with what was asked for', () => {
    let refreshes = 0;
    const store = createQueueStore(() => refreshes++);
    const first = items();
    const res = queueResponse(first);
    res.statistics.pending_count = 6; // two more on the server than on this page
    store.load(res, 4);
    store.moveBefore('d', 'b');
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['a', 'd', 'b', 'c']);
    store.moveBefore('a', null);
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['d', 'b', 'c', 'a']);
    // a statistics message that agrees with the page held asks for nothing
    store.apply(msg('queue_status', { statistics: res.statistics }));
    expect(refreshes).toBe(0);
    // an item added beyond the loaded rows comes with its page, not at the end of this one
    store.apply(msg('download_added', { item: item('z', 9) }));
    expect(store.state.status.pending_queue).toHaveLength(4);
    store.appendPending([item('c', 3), item('e', 5), item('f', 6)], 8);
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['d', 'b', 'c', 'a', 'e', 'f']);
    store.apply(msg('queue_status', { statistics: { ...res.statistics, pending_count: 6 } }));
    expect(refreshes).toBe(0);
  });

  it('shows the total waiting, not the rows loaded', () => {
    const wrapper = mount(PendingList, { props: { items: items(), total: 10_000 } });
    expect(wrapper.findAll('li[data-id]')).toHaveLength(4);
    expect(wrapper.findAll('[data-test="move-down"]')[3].attributes('disabled')).toBeUndefined(); // more follow
  });
});

describe('pending list for a user account', () => {
  it('shows no reorder controls, and remove / priority only on the items they queued', () => {
    session.user = { id: 7, username: 'kid', role: 'user' };
    const list = [
      { ...item('mine', 1), added_by: 7 },
      { ...item('theirs', 2), added_by: 1 },
      { ...item('system', 3), added_by: null },
    ];
    const wrapper = mount(PendingList, { props: { items: list } });
    expect(wrapper.find('[data-test="move-up"]').exists()).toBe(false);
    expect(wrapper.find('li').attributes('draggable')).toBe('false');
    const rows = wrapper.findAll('li');
    expect(rows.map((r) => r.find('button.danger').exists())).toEqual([true, false, false]);
    expect(rows.map((r) => r.find('select').attributes('disabled') !== undefined)).toEqual([false, true, true]);
  });
});
