/** Crontab lines (Graphile Worker syntax) for fixed-time housekeeping. */
export function buildCrontab(): string {
  return [
    '0 4 * * * housekeeping ?jobKey=housekeeping&max=3',
    '30 5 * * * calendar_refresh ?jobKey=calendar_refresh&max=3',
    '15 * * * * queue_trim ?jobKey=queue_trim&max=3',
    // import lists (AniList, MyAnimeList) are read every hour
    '20 * * * * import_lists_sync ?jobKey=import_lists_sync&max=3',
  ].join('\n');
}
