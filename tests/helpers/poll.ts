/**
 * The one polling helper of the suite: for a change that arrives asynchronously (a job the worker
 * runs, a NOTIFY from another process, a file another process writes) and has no event to wait on.
 * It proves that something happens, never that something does not: absence is shown with the
 * injected clock or by waiting for the event that would come after it. It is the suite's only
 * polling: vitest's `expect.poll` is not used (a check may assert instead of answering a boolean:
 * `until(() => { expect(x()).toMatchObject(y); return true; }, 'what')` retries the assertion and
 * names its last failure when it times out).
 */
export interface PollOptions {
  /** Give up after this long (ms); the test's own timeout should be longer. Default 30 s. */
  timeout?: number;
  /** Pause between checks (ms). Default 50. */
  interval?: number;
}

/**
 * Calls `check` until it answers a truthy value and resolves with that value; after `timeout`
 * rejects naming `what` and the last value seen (or the last error `check` threw). A number as
 * `opts` is the timeout.
 */
export async function until<T>(check: () => T | Promise<T>, what: string, opts: PollOptions | number = {}): Promise<NonNullable<T>> {
  const { timeout = 30_000, interval = 50 } = typeof opts === 'number' ? { timeout: opts } : opts;
  const deadline = Date.now() + timeout;
  let last: unknown;
  let lastError: unknown;
  for (;;) {
    try {
      last = await check();
      lastError = undefined;
      if (last) return last as NonNullable<T>;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const seen = lastError !== undefined ? `last error: ${String(lastError)}` : `last value: ${describe(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${seen})`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

function describe(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 500 ? `${s.slice(0, 500)}…` : s;
  } catch {
    return String(v);
  }
}
