/** Types of scripts/build.mjs (the bench imports it). */
export function devToolsInstalled(): boolean;
export function buildStale(opts?: { force?: boolean; ui?: boolean }): Promise<void>;
export function uiOlderThanSources(stamp: string, uiDir: string, rulesDir: string): boolean;
