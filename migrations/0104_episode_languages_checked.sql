-- When the episode_languages job last read an episode page (also when it listed no sources), so a
-- rescan does not fetch the same pages again and again.
alter table episodes add column languages_checked_at timestamptz;
