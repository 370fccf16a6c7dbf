-- Episode mapping (issue 18): how a series' provider numbering (the library's season/episode)
-- names TMDB's episodes in the NFOs, for anime whose provider seasons differ from TMDB's.
-- mode: auto (absolute numbering when the seasons' lengths differ, else season by season),
-- season (same numbers), absolute (the n-th regular episode is TMDB's n-th), episode_group
-- (a TMDB episode group's groups are the provider's seasons, in order).
create table episode_mapping_settings (
  series_id integer primary key references series(id) on delete cascade,
  mode text not null default 'auto' check (mode in ('auto', 'season', 'absolute', 'episode_group')),
  episode_group_id text check (episode_group_id ~ '^[0-9a-f]{24}$'),
  updated_at timestamptz not null default now(),
  check (mode <> 'episode_group' or episode_group_id is not null)
);

-- The user's corrections: one provider episode named as one TMDB episode, whatever the mode says.
create table episode_mapping_overrides (
  series_id integer not null references series(id) on delete cascade,
  season integer not null check (season >= 0),
  episode integer not null check (episode >= 0),
  tmdb_season integer not null check (tmdb_season >= 0),
  tmdb_episode integer not null check (tmdb_episode >= 0),
  primary key (series_id, season, episode)
);
