import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import PendingList from '../../frontend/src/components/PendingList.vue';
import { createQueueStore } from '../../frontend/src/stores/queue.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import { item, queueResponse } from './fixtures.ts';

beforeEach(() => setLocale('en'));

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

  it('shows the priority of each item', () => {
    const wrapper = mount(PendingList, { props: { items: [item('a', 1, { priority: 'HIGH' }), item('b', 2)] } });
    expect(wrapper.get('[data-test="priority-a"]').text()).toBe('High');
    expect(wrapper.get('[data-test="priority-b"]').text()).toBe('Normal');
  });

  it('the store applies a move and returns the order /reorder wants', () => {
    const store = createQueueStore();
    store.load(queueResponse(items()));
    expect(store.movePending('d', 0)).toEqual(['d', 'a', 'b', 'c']);
    expect(store.movePending('a', 99)).toEqual(['d', 'b', 'c', 'a']);
    expect(store.state.status.pending_queue.map((i) => i.id)).toEqual(['d', 'b', 'c', 'a']);
  });
});
