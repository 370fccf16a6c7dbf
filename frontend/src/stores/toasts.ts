/**
 * Short notices in a corner: finished and failed jobs, saved settings, API errors. The same notice again is counted ("×3"), not stacked.
 */
import { reactive } from 'vue';

export type ToastKind = 'success' | 'error' | 'info';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  /** How often this notice came while it was shown. */
  count: number;
}

export const toasts = reactive<Toast[]>([]);
const timers = new Map<number, ReturnType<typeof setTimeout>>();
let next = 1;

export function toast(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 8000 : 4000): void {
  const same = toasts.find((x) => x.kind === kind && x.text === text);
  const id = same?.id ?? next++;
  if (same) {
    same.count += 1;
    clearTimeout(timers.get(id));
  } else {
    toasts.push({ id, kind, text, count: 1 });
    if (toasts.length > 5) for (const old of toasts.splice(0, toasts.length - 5)) clearTimeout(timers.get(old.id));
  }
  timers.set(
    id,
    setTimeout(() => dismiss(id), ms),
  );
}

export function dismiss(id: number): void {
  clearTimeout(timers.get(id));
  timers.delete(id);
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
