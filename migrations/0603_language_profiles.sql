-- Language profiles: per series the ordered languages and the cutoff (null: the config's), and
-- whether files below the cutoff are upgraded. Per episode the language of the file on disk (null:
-- unknown, e.g. found on disk) and when its page was last read for a better language.
alter table series
  add column languages text[],
  add column language_cutoff text,
  add column upgrades_enabled boolean not null default true;
alter table episodes
  add column file_language text,
  add column upgrade_checked_at timestamptz;
