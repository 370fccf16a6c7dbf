-- Library: one row per series (a folder under the anime directory), one per known episode.
create table series (
  id serial primary key,
  key text not null unique,                 -- provider slug, the primary identifier in the API
  name text not null,
  site text not null,                        -- e.g. aniworld.to
  provider text not null default 'aniworld', -- provider id in the registry
  folder text not null unique,               -- folder name under the anime directory
  link text not null default '',
  year integer,
  description text,
  cover_url text,
  genres text[] not null default '{}',
  last_scanned_at timestamptz,
  scan_error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Every episode the provider lists or the disk holds. Movies and specials are season 0.
create table episodes (
  id serial primary key,
  series_id integer not null references series(id) on delete cascade,
  season integer not null check (season >= 0),
  episode integer not null check (episode >= 0),
  title text,
  title_en text,
  languages text[] not null default '{}',   -- german_dub, german_sub, english_sub (aniworld) or the provider's codes
  on_provider boolean not null default true,
  is_downloaded boolean not null default false,
  file_path text,                           -- relative to the series folder
  file_size bigint,
  file_mtime timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (series_id, season, episode)
);
create index episodes_missing on episodes (series_id) where not is_downloaded;
