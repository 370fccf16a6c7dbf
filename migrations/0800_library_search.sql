-- The library search is done here, not in the browser: GET /api/anime?q= matches the name, the
-- folder or the key (case-insensitive; a LIKE pattern the server builds with LIKE's wildcards
-- escaped). Otherwise the same answer as 0602_monitoring.sql's version, which this replaces.
drop function if exists library_list_page(text, boolean, int, int);

create or replace function library_list_page(sort_by text, only_missing boolean, page_size int, page_offset int, name_like text,
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
      where (not only_missing or c.n > 0) and (name_like is null or s.name ilike name_like or s.folder ilike name_like or s.key ilike name_like)
      window w as (order by case when sort_by = 'missing_episodes' then coalesce(c.n, 0) end desc,
        case when sort_by = 'id' then s.id end, lower(s.name), s.id)
      order by rn limit page_size offset page_offset) p;
    if total_count is null then
      select count(*) into total_count from series s
      where (not only_missing or (s.monitored and exists (select 1 from episodes e where e.series_id = s.id and e.on_provider
        and not e.is_downloaded and e.monitored))) and (name_like is null or s.name ilike name_like or s.folder ilike name_like or s.key ilike name_like);
    end if;
  else
    select array_agg(p.id order by p.rn), max(p.t) into ids, total_count from (
      select s.id, row_number() over (order by case when sort_by = 'id' then s.id end, lower(s.name), s.id) as rn,
        count(*) over () as t
      from series s where (name_like is null or s.name ilike name_like or s.folder ilike name_like or s.key ilike name_like)
      order by rn limit page_size offset page_offset) p;
    if total_count is null then
      select count(*) into total_count from series s where (name_like is null or s.name ilike name_like or s.folder ilike name_like or s.key ilike name_like);
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
