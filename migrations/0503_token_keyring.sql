-- Access tokens are signed by the newest key of this ring (its kid in the token header); older keys
-- keep verifying the tokens they signed until those expire, then they are deleted. Never backed up:
-- a restore voids every token anyway.
create table signing_keys (
  kid text primary key,
  secret text not null,
  created_at timestamptz not null default now()
);
comment on table signing_keys is 'aniworld:not-backed-up the access tokens'' signing keys';

-- A login: the browser holds the refresh token in an HttpOnly cookie, we keep its SHA-256.
-- Access tokens carry the session's id (sid); a logout deletes the row and revokes the sid.
create table refresh_sessions (
  id uuid primary key,
  user_id integer not null references users(id) on delete cascade,
  token_hash text not null unique,
  remember boolean not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  last_used_at timestamptz
);
create index refresh_sessions_user on refresh_sessions (user_id);
create index refresh_sessions_expires_at on refresh_sessions (expires_at);
comment on table refresh_sessions is 'aniworld:not-backed-up login sessions (refresh cookies)';

comment on column revoked_tokens.jti is 'a revoked access token (jti) or a whole login session (sid)';
