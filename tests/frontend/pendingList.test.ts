import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import PendingList from '../../frontend/src/components/PendingList.vue';
import { createQueueStore } from '../../frontend/src/stores/queue.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import { session } from '../../frontend/src/stores/session.ts';
import { item, msg, queueResponse } from './fixtures.ts';

beforeEach(() => {
  setLocale('en');
  session.user = { id: 1, username: 'admin', role: 'admin' }; // an administrator sees every control
});

const items = () => [item('a', 1), item('b', 2), item('c', 3), item('d', 4)];

describe('pending list reorder', () => {
  it('drag and drop emits the new order of ids', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const rows = wrapper.findAll('li');
    await rows[3].trigger('dragstart');
    await rows[1].trigger('dragover');
    expect(rows[1].classes()).toContain('over');
    await rows[1].trigger('drop');
    expect(wrapper.emitted('reorder')).toEqual([[['a', 'd', 'b', 'c']]]);
  });

  it('a drop on the same place emits nothing', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const rows = wrapper.findAll('li');
    await rows[2].trigger('dragstart');
    await rows[2].trigger('drop');
    expect(wrapper.emitted('reorder')).toBeUndefined();
  });

  it('the move buttons reorder by keyboard; the ends are disabled', async () => {
    const wrapper = mount(PendingList, { props: { items: items() } });
    const up = wrapper.findAll('[data-test="move-up"]');
    const down = wrapper.findAll('[data-test="move-down"]');
    expect(up[0].attributes('disabled')).toBeDefined();
    expect(down[3].attributes('disabled')).toBeDefined();
    await up[2].trigger('click');
    await down[0].trigger('click');
    expect(wrapper.emitted('reorder')).toEqual([[['a', 'c', 'b', 'd']], [['b', 'a', 'c', 'd']]]);
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
    store.apply(msg('queue_status', { is_running: true, is_paused: false, order_changed: true, item: { ...item('a', 1), priority: 'LOW' },
      statistics: queueResponse(store.state.status.pending_queue).statistics }));
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

describe('pending list for a user account', () => {
  it('shows no reorder controls, and remove / priority only on the items they queued', () => {
    session.user = { id: 7, username: 'kid', role: 'user' };
    const list = [{ ...item('mine', 1), added_by: 7 }, { ...item('theirs', 2), added_by: 1 }, { ...item('system', 3), added_by: null }];
    const wrapper = mount(PendingList, { props: { items: list } });
    expect(wrapper.find('[data-test="move-up"]').exists()).toBe(false);
    expect(wrapper.find('li').attributes('draggable')).toBe('false');
    const rows = wrapper.findAll('li');
    expect(rows.map((r) => r.find('button.danger').exists())).toEqual([true, false, false]);
    expect(rows.map((r) => r.find('select').attributes('disabled') !== undefined)).toEqual([false, true, true]);
  });
});
