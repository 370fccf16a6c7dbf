/** The running rescan's progress from the library room's scan_progress messages (series done / total, the current one). */
import { reactive } from 'vue';
import { onMessage } from '../realtime/socket.ts';

export const scanProgress = reactive({ running: false, done: 0, total: 0, current: null as string | null });

/** Listens for the whole session (App): the Library and Tasks pages show the same figures. */
export function installScanProgress(): () => void {
  const offs = [
    onMessage('scan_progress', (m) => {
      const d = m.data as Record<string, unknown>;
      scanProgress.running = true;
      scanProgress.done = typeof d.done === 'number' ? d.done : scanProgress.done;
      scanProgress.total = typeof d.total === 'number' ? d.total : scanProgress.total;
      scanProgress.current = typeof d.current === 'string' ? d.current : scanProgress.current;
    }),
    onMessage('scan_complete', () => Object.assign(scanProgress, { running: false, done: 0, total: 0, current: null })),
  ];
  return () => offs.forEach((off) => off());
}
