import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { API_TYPES_FILE, generateApiTypes } from '../../scripts/apiTypes.js';

let current: string;
beforeAll(async () => {
  current = await generateApiTypes();
});

describe("the UI's API types", () => {
  it('frontend/src/api/schema.gen.ts is what `npm run gen:api-types` makes of the served OpenAPI document', async () => {
    const onDisk = await readFile(API_TYPES_FILE, 'utf8');
    // a mismatch: a route's zod schema changed; run `npm run gen:api-types` and commit the file
    expect(onDisk === current, 'frontend/src/api/schema.gen.ts is stale: run `npm run gen:api-types`').toBe(true);
  });

  it('carries the operations the UI calls, with their shapes', () => {
    expect(current).toContain('getQueueStatus: {');
    expect(current).toMatch(/postAuthLogin: \{[\s\S]*?access_token: string;/);
    // the paged lists declare the total's header (http/paging.ts setTotal), so tools see it
    expect(current).toMatch(/ getAnime: \{[\s\S]*?200: \{\s*headers: \{[^}]*"X-Total-Count": number;/);
  });
});
