import { describe, expect, it } from 'vitest';
import { mount } from '@vue/test-utils';
import ChannelsEditor from '../../frontend/src/components/ChannelsEditor.vue';
import { NOTIFY_EVENTS } from '../../backend/src/rules/notifyEventTypes.ts';
import type { Webhook } from '../../frontend/src/api/types.ts';

describe('the notification channels editor', () => {
  it("offers the server's events, each by its text, and a new channel wants all of them", async () => {
    const channel: Webhook = { type: 'generic', url: 'http://127.0.0.1:9/hook', enabled: true, events: ['download_failed'] };
    const w = mount(ChannelsEditor, { props: { modelValue: [channel], savedIds: [] } });
    const boxes = w.findAll('.events label');
    expect(boxes).toHaveLength(NOTIFY_EVENTS.length);
    for (const b of boxes) expect(b.text()).not.toMatch(/^event\./);
    expect(boxes.map((b) => (b.find('input').element as HTMLInputElement).checked)).toEqual(
      NOTIFY_EVENTS.map((e) => e === 'download_failed'),
    );

    const add = w.findAll('button').find((b) => b.text() === 'Add channel')!;
    await add.trigger('click');
    const [[channels]] = w.emitted('update:modelValue') as [[Webhook[]]];
    expect(channels.at(-1)!.events).toEqual([...NOTIFY_EVENTS]);
  });
});
