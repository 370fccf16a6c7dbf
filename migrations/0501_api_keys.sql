-- API keys: each acts with its owner's role. Only the SHA-256 of a key is stored (keys are 32
-- random bytes, so no slow hash is needed); the prefix is shown in lists to tell keys apart.
create table api_keys (
  id serial primary key,
  user_id integer not null references users(id) on delete cascade,
  name text not null,
  prefix text not null,
  key_hash text not null unique,
  created_at timestamptz not null default now(),
  last_used_at timestamptz
);
create index api_keys_user on api_keys (user_id);
