/** The state of an NFO batch (POST /api/nfo/batch/create, GET /api/nfo/batch/status/{id}). */
export type NfoBatchStatus = 'queued' | 'running' | 'success' | 'failed' | 'skipped';

export interface NfoBatch {
  batch_id: string;
  /** The totals below are final only once this is true. */
  finished: boolean;
  total: number;
  successful: number;
  failed: number;
  skipped: number;
  queued: number;
  results: {
    serie_id: string;
    serie_folder: string | null;
    success: boolean;
    message: string;
    nfo_path: string | null;
    status: NfoBatchStatus;
  }[];
}
