-- Monitoring: what automatic downloads (rescans, the watchlist) may fetch. Series that exist now
-- keep today's behaviour: everything monitored, specials included.
alter table series
  add column monitored boolean not null default true,
  add column monitor_specials boolean not null default true;  -- default of season 0 (new series: the config's)
alter table episodes add column monitored boolean not null default true;

-- A season's own flag (new episodes of the season take it); absent: monitored, season 0 per monitor_specials.
create table series_seasons (
  series_id integer not null references series(id) on delete cascade,
  season integer not null check (season >= 0),
  monitored boolean not null,
  primary key (series_id, season)
);

-- The library list counts only monitored missing episodes (badges, sort, the "missing" filter).
create or replace function library_list_page(sort_by text, only_missing boolean, page_size int, page_offset int,
  out total_count int, out page_json text)
language plpgsql stable as $$
declare
  ids int[];
begin
  if sort_by = 'missing_episodes' or only_missing then
    select array_agg(p.id order by p.rn), max(p.t) into ids, total_count from (
      select s.id, row_number() over w as rn, count(*) over () as t
      from series s left join (select e.series_id, count(*) as n from episodes e where e.on_provider and not e.is_downloaded and e.monitored
        group by e.series_id) c on c.series_id = s.id and s.monitored
      where not only_missing or c.n > 0
      window w as (order by case when sort_by = 'missing_episodes' then coalesce(c.n, 0) end desc,
        case when sort_by = 'id' then s.id end, lower(s.name), s.id)
      order by rn limit page_size offset page_offset) p;
    if total_count is null then
      select count(*) into total_count from series s
      where not only_missing or (s.monitored and exists (select 1 from episodes e where e.series_id = s.id and e.on_provider
        and not e.is_downloaded and e.monitored));
    end if;
  else
    select array_agg(p.id order by p.rn), max(p.t) into ids, total_count from (
      select s.id, row_number() over (order by case when sort_by = 'id' then s.id end, lower(s.name), s.id) as rn,
        count(*) over () as t
      from series s order by rn limit page_size offset page_offset) p;
    if total_count is null then
      select count(*) into total_count from series;
    end if;
  end if;
  select coalesce(json_agg(x), '[]')::text into page_json from (
    select s.key, s.name, s.site, s.folder, coalesce(m.missing, '{}'::json) as missing_episodes, s.link, s.year, s.provider,
      s.scan_error, to_char(s.last_scanned_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_scanned_at,
      s.monitored
    from unnest(coalesce(ids, '{}')) with ordinality as o(id, ord) join series s on s.id = o.id
    left join lateral (
      select json_object_agg(y.season, y.eps order by y.season) as missing from (
        select e.season, array_agg(e.episode order by e.episode) as eps from episodes e
        where e.series_id = s.id and s.monitored and e.on_provider and not e.is_downloaded and e.monitored group by e.season) y
    ) m on true
    order by o.ord) x;
end
$$;
