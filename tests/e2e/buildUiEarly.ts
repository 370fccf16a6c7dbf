/**
 * Starts building the UI when the run starts, in a process of its own beside the first test files,
 * instead of when the first browser file needs it; that file waits for this build (builtUi's lock).
 */
import { builtUi } from './builtUi.js';

let building: Promise<unknown> | null = null;

export function setup() {
  // a failed build is reported by the browser files: each tries again and fails with its output
  building = builtUi().catch(() => undefined);
}

export async function teardown() {
  await building;
}
