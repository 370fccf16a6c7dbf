-- Users: the setup creates the admin; the admin creates the others.
create table users (
  id serial primary key,
  username text not null unique check (length(username) between 1 and 64),
  password_hash text not null,
  role text not null check (role in ('admin', 'user')),
  -- tokens issued before this instant are revoked (password change), except keep_jti
  tokens_valid_after timestamptz not null default '-infinity',
  keep_jti uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Revoked tokens (logout), kept until the token would have expired anyway.
create table revoked_tokens (
  jti uuid primary key,
  user_id integer references users(id) on delete cascade,
  expires_at timestamptz not null,
  revoked_at timestamptz not null default now()
);
create index revoked_tokens_expires_at on revoked_tokens (expires_at);

-- Small key/value state shared by all processes (scheduler last run, caches' versions, ...).
create table app_state (
  key text primary key,
  value jsonb not null,
  updated_at timestamptz not null default now()
);
