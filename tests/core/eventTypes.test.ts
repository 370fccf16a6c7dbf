import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES_FILE, generateEventTypes } from '../../scripts/eventTypes.js';
import { EVENTS } from '../../backend/src/realtime/events.js';
import { MESSAGE_TYPES } from '../../backend/src/realtime/events.js';

let current: string;
beforeAll(async () => {
  current = await generateEventTypes();
});

describe("the UI's realtime types", () => {
  it('frontend/src/realtime/events.gen.ts is what `npm run gen:event-types` makes of backend/src/realtime/events.ts', async () => {
    const onDisk = await readFile(EVENT_TYPES_FILE, 'utf8');
    // a mismatch: an event's payload changed; run `npm run gen:event-types` and commit the file
    expect(onDisk === current, 'frontend/src/realtime/events.gen.ts is stale: run `npm run gen:event-types`').toBe(true);
  });

  it('carries every message type of the map, with its room and the ids the UI reads', () => {
    for (const [room, types] of Object.entries(EVENTS))
      for (const type of Object.keys(types)) {
        expect(current).toContain(`  ${type}: components['schemas']['${type}'];`);
        expect(current).toContain(`  ${type}: '${room}',`);
      }
    expect(current).toMatch(/download_progress: \{\s*download_id: string;/);
    expect(MESSAGE_TYPES).toContain('episode_languages');
  });
});
