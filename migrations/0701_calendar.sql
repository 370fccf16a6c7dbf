-- Air dates of library episodes (issue 17): from TMDB (the calendar_refresh job) or, for an
-- episode a provider newly lists without a TMDB date, the day it appeared there.
create table calendar_episodes (
  series_key text not null,
  season integer not null check (season >= 0),
  episode integer not null check (episode >= 0),
  title text,
  air_date date not null,
  source text not null check (source in ('tmdb', 'provider')),
  updated_at timestamptz not null default now(),
  primary key (series_key, season, episode)
);
create index calendar_episodes_air_date on calendar_episodes (air_date);
