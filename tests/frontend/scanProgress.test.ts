import { describe, expect, it } from 'vitest';
import { installScanProgress, scanProgress } from '../../frontend/src/stores/scanProgress.ts';
import { dispatch } from '../../frontend/src/realtime/socket.ts';
import { msg } from './fixtures.ts';

describe('rescan progress', () => {
  it('follows scan_progress (done / total, the current series) until scan_complete', () => {
    const off = installScanProgress();
    try {
      dispatch(msg('scan_progress', { current: null, done: 0, total: 40 }));
      expect(scanProgress).toMatchObject({ running: true, done: 0, total: 40, current: null });
      dispatch(msg('scan_progress', { current: 'Frieren', done: 12, total: 40 }));
      expect(scanProgress).toMatchObject({ running: true, done: 12, total: 40, current: 'Frieren' });
      dispatch(msg('scan_complete', { series: 40, missing: 3, failures: [], failure_count: 0 }));
      expect(scanProgress).toMatchObject({ running: false, done: 0, total: 0, current: null });
    } finally {
      off();
    }
  });
});
