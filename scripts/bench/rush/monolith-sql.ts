/** The monolith baseline's tables and its one selling statement (monolith-app.ts runs it). */

/** An event's seats and every order, confirmed or rejected. */
export const SCHEMA = `
  create table events (
    id uuid primary key,
    capacity integer not null check (capacity > 0),
    seats_sold integer not null default 0 check (seats_sold between 0 and capacity)
  );
  create table orders (
    id uuid primary key,
    event_id uuid not null,
    buyer_id uuid not null,
    quantity integer not null,
    status text not null check (status in ('confirmed', 'rejected')),
    created_at timestamptz not null default now()
  );`;

/**
 * The whole sale: take the seats if they fit, and record the order as confirmed or rejected, in
 * one statement (one round trip, one commit). The conditional UPDATE is what prevents oversell.
 */
export const SELL = {
  name: 'sell',
  text: `with s as (
           update events set seats_sold = seats_sold + $2
           where id = $1 and seats_sold + $2 <= capacity returning id
         )
         insert into orders (id, event_id, buyer_id, quantity, status)
         select $3, $1, $4, $2, case when exists (select 1 from s) then 'confirmed' else 'rejected' end
         returning status`,
};
