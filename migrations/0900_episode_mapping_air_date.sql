-- Episode mapping by air date (issue 18): mode air_date places each provider season on TMDB's
-- episodes ordered by air date, from the season's start date. The user's start dates per
-- provider season live here; without one, the day the provider first listed the season's
-- episode 1 (calendar_episodes, source 'provider') or the end of the previous season is used.
alter table episode_mapping_settings drop constraint episode_mapping_settings_mode_check;
alter table episode_mapping_settings
  add constraint episode_mapping_settings_mode_check
  check (mode in ('auto', 'season', 'absolute', 'episode_group', 'air_date'));

create table episode_mapping_season_starts (
  series_id integer not null references series(id) on delete cascade,
  season integer not null check (season > 0),
  start_date date not null,
  primary key (series_id, season)
);
