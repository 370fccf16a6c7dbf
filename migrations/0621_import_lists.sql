-- Import lists (issue 18): a user's public AniList or MyAnimeList list, read on a schedule; new
-- entries become watchlist items of that user when the provider match is clear.
create table import_lists (
  id uuid primary key default gen_random_uuid(),
  user_id integer not null references users(id) on delete cascade,
  service text not null check (service in ('anilist', 'myanimelist')),
  username text not null check (username ~ '^[A-Za-z0-9_-]{2,32}$'),
  statuses text[] not null check (statuses <@ array['watching', 'planning'] and cardinality(statuses) > 0),
  enabled boolean not null default true,
  auto_download boolean not null default true,
  last_synced_at timestamptz,
  last_error text,
  created_at timestamptz not null default now(),
  unique (user_id, service, username)
);

-- Every list entry seen once, so only new ones are matched. outcome: added (a watchlist item was
-- made), exists (already on the watchlist), ambiguous (candidates listed for the user),
-- not_found (no provider series), resolved (the user picked a candidate), ignored.
create table import_list_entries (
  list_id uuid not null references import_lists(id) on delete cascade,
  external_id text not null,                 -- the AniList or MyAnimeList anime id
  title text not null,
  year integer,
  outcome text not null check (outcome in ('added', 'exists', 'ambiguous', 'not_found', 'resolved', 'ignored')),
  candidates jsonb not null default '[]',    -- ambiguous: [{provider, key, name, link, year, score}]
  anime_key text,
  seen_at timestamptz not null default now(),
  primary key (list_id, external_id)
);
