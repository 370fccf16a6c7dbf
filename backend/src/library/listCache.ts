import type { Notifier } from '../db/notify.js';

interface Page {
  body: string;
  total: number;
}

const MAX_BYTES = 16 * 1024 * 1024;

/**
 * The library list's pages as PostgreSQL built them, kept until the library changes. A trigger on
 * `series` and `episodes` (migrations/0110) sends `library_changed` on every change, from any
 * process, and that drops every page. While the notification link is down nothing is served from
 * here (a change could go unheard), and a reconnect drops everything.
 */
export class LibraryListCache {
  private pages = new Map<string, Page>();
  private bytes = 0;
  private generation = 0;
  private listening = false;

  constructor(private notifier: Notifier) {}

  async start(): Promise<void> {
    await this.notifier.listen('library_changed', () => this.invalidate());
    this.notifier.onReconnect(() => this.invalidate());
    this.listening = true;
  }

  invalidate(): void {
    this.generation++;
    this.pages.clear();
    this.bytes = 0;
  }

  async get(key: string, load: () => Promise<Page>): Promise<Page> {
    const live = this.listening && this.notifier.connected;
    const hit = live ? this.pages.get(key) : undefined;
    if (hit) return hit;
    const generation = this.generation;
    const page = await load();
    // a change heard while the page was read may not be in it: keep it only if none was
    if (live && generation === this.generation && this.notifier.connected) this.keep(key, page);
    return page;
  }

  private keep(key: string, page: Page): void {
    const size = page.body.length;
    if (size > MAX_BYTES / 4) return;
    while (this.bytes + size > MAX_BYTES && this.pages.size > 0) {
      const [oldest, dropped] = this.pages.entries().next().value!;
      this.pages.delete(oldest);
      this.bytes -= dropped.body.length;
    }
    this.pages.set(key, page);
    this.bytes += size;
  }
}
