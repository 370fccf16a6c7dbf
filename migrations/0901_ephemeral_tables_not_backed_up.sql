-- Tables of running state, not of the user's data (issue 18): a backup leaves them out and a
-- restore leaves them as they are. A restored worker_pools would drop the live processes' pools
-- (and bring back dead ones); rate windows and login failures are counters of the last hour; the
-- TMDB cache is fetched again; pending media-server refreshes belong to jobs a backup does not
-- hold; the scan generation must move on, not go back, when a restore replaces the series.
comment on table worker_pools is 'aniworld:not-backed-up the worker processes running now';
comment on table rate_windows is 'aniworld:not-backed-up request counters of the current windows';
comment on table login_failures is 'aniworld:not-backed-up failed logins of the last hour';
comment on table tmdb_cache is 'aniworld:not-backed-up a cache of TMDB answers';
comment on table media_refresh_pending is 'aniworld:not-backed-up media-server refreshes waiting for their job';
comment on table library_scan_generation is 'aniworld:not-backed-up whether the scanner''s in-memory state is current';
