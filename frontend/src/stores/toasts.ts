/** Short notices in a corner: finished and failed jobs, saved settings, API errors. */
import { reactive } from 'vue';

export type ToastKind = 'success' | 'error' | 'info';
export interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

export const toasts = reactive<Toast[]>([]);
let next = 1;

export function toast(text: string, kind: ToastKind = 'info', ms = kind === 'error' ? 8000 : 4000): void {
  const id = next++;
  toasts.push({ id, kind, text });
  if (toasts.length > 5) toasts.splice(0, toasts.length - 5);
  setTimeout(() => dismiss(id), ms);
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
