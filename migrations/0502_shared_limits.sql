-- Limits shared by every web process (ROLE=web x N must not multiply them).
-- Fixed windows: anonymous requests per address, setup attempts per address.
create table rate_windows (
  key text primary key,
  hits integer not null,
  reset_at timestamptz not null
);
-- Failed logins per (account, address), per account and per address, counted for an hour.
create table login_failures (
  key text primary key,
  failures integer not null,
  first_at timestamptz not null,
  last_at timestamptz not null
);
-- Addresses an account logged in from successfully: never locked out by the account budget.
create table login_known_addresses (
  account text not null,
  address text not null,
  last_success_at timestamptz not null,
  primary key (account, address)
);
