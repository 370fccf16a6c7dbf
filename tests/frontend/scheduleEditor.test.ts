import { describe, expect, it, beforeEach } from 'vitest';
import { mount } from '@vue/test-utils';
import ScheduleEditor from '../../frontend/src/components/ScheduleEditor.vue';
import { validateSchedule } from '../../frontend/src/components/schedule.ts';
import { setLocale } from '../../frontend/src/i18n/index.ts';
import type { SchedulerConfig } from '../../frontend/src/api/types.ts';

beforeEach(() => setLocale('en'));

const config = (over: Partial<SchedulerConfig> = {}): SchedulerConfig => ({
  enabled: true,
  interval_minutes: 60,
  schedule_time: '03:00',
  schedule_days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
  auto_download_after_rescan: false,
  ...over,
});

describe('schedule editor', () => {
  it('toggling day pills and saving emits the days in week order', async () => {
    const wrapper = mount(ScheduleEditor, { props: { config: config({ schedule_days: ['mon'] }) } });
    expect(wrapper.get('[data-day="mon"]').attributes('aria-pressed')).toBe('true');
    await wrapper.get('[data-day="fri"]').trigger('click');
    await wrapper.get('[data-day="wed"]').trigger('click');
    await wrapper.get('[data-day="mon"]').trigger('click');
    expect(wrapper.get('[data-day="mon"]').attributes('aria-pressed')).toBe('false');
    await wrapper.get('[data-test="sched-time"]').setValue('06:30');
    await wrapper.get('form').trigger('submit');
    const saved = wrapper.emitted('save')![0][0] as SchedulerConfig;
    expect(saved.schedule_days).toEqual(['wed', 'fri']);
    expect(saved.schedule_time).toBe('06:30');
  });

  it('refuses a bad time, no days and a zero interval, naming each field, and saves nothing', async () => {
    const wrapper = mount(ScheduleEditor, { props: { config: config({ schedule_days: ['sun'] }) } });
    await wrapper.get('[data-test="sched-time"]').setValue('24:61');
    await wrapper.get('[data-day="sun"]').trigger('click');
    await wrapper.get('[data-test="sched-interval"]').setValue('0');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')).toBeUndefined();
    expect(wrapper.get('[data-test="err-time"]').text()).toContain('HH:MM');
    expect(wrapper.get('[data-test="err-days"]').text()).toContain('at least one day');
    expect(wrapper.get('[data-test="err-interval"]').text()).toContain('at least 1 minute');
    expect(wrapper.get('[data-test="sched-time"]').attributes('aria-invalid')).toBe('true');

    // fixing them clears the messages and the save goes through
    await wrapper.get('[data-test="sched-time"]').setValue('23:59');
    await wrapper.get('[data-day="sat"]').trigger('click');
    await wrapper.get('[data-test="sched-interval"]').setValue('15');
    expect(wrapper.find('[data-test="err-time"]').exists()).toBe(false);
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')![0][0]).toMatchObject({ schedule_time: '23:59', schedule_days: ['sat'], interval_minutes: 15 });
  });

  it('an empty time means interval mode: the day pills are disabled and no day is required', async () => {
    const wrapper = mount(ScheduleEditor, { props: { config: config({ schedule_time: '', schedule_days: [] }) } });
    expect(wrapper.get('fieldset').attributes('disabled')).toBeDefined();
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('save')![0][0]).toMatchObject({ schedule_time: '', interval_minutes: 60 });
  });

  it('shows the next run and the server error it is given', () => {
    const wrapper = mount(ScheduleEditor, {
      props: {
        config: config(),
        status: { is_running: true, next_run: '2026-03-02T03:00:00Z', last_run: null, scan_in_progress: false },
        serverError: 'schedule_time must match HH:MM (00:00-23:59)',
      },
    });
    expect(wrapper.get('[data-test="next-run"]').text()).toMatch(/2026/);
    expect(wrapper.get('[role="alert"]').text()).toBe('schedule_time must match HH:MM (00:00-23:59)');
  });

  it('validates like the server', () => {
    expect(validateSchedule(config())).toEqual({});
    expect(validateSchedule(config({ schedule_time: '7:00' }))).toHaveProperty('schedule_time');
    expect(validateSchedule(config({ schedule_time: '00:00' }))).toEqual({});
    expect(validateSchedule(config({ interval_minutes: 1.5 }))).toHaveProperty('interval_minutes');
    expect(validateSchedule(config({ schedule_days: ['funday' as never] }))).toHaveProperty('schedule_days');
  });
});
