import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
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

  it('only the realtime server writes to sockets: every other message goes through the typed bus', async () => {
    const src = path.resolve(import.meta.dirname, '../../backend/src');
    const files = (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const writers: string[] = [];
    for (const f of files) {
      const text = await readFile(path.join(src, f), 'utf8');
      if (/\.emit\(\s*'message'/.test(text)) writers.push(f.split(path.sep).join('/'));
    }
    expect(writers).toEqual(['realtime/server.ts']);
  });
});
