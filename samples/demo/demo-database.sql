-- The demo database of `make cluster` and `make demo`: made-up customers whose SSNs, card
-- numbers and e-mail addresses the demo DataConnection masks, and their orders. Deterministic
-- (no random()), so runs and screenshots repeat. SSNs use area numbers 900-999, which are never
-- issued; card numbers are 16-digit Visa-style test numbers with a valid Luhn check digit.
BEGIN;

CREATE TABLE customers (
    id          integer PRIMARY KEY,
    name        text NOT NULL,
    email       text NOT NULL,
    ssn         text NOT NULL,
    card_number text NOT NULL,
    city        text NOT NULL
);

CREATE TABLE orders (
    id           bigint PRIMARY KEY,
    customer_id  integer NOT NULL REFERENCES customers (id),
    placed_at    timestamptz NOT NULL,
    total_cents  integer NOT NULL CHECK (total_cents >= 0),
    status       text NOT NULL DEFAULT 'placed'
);

CREATE INDEX orders_customer_id ON orders (customer_id);

-- The Luhn check digit of a string of digits (used only while loading).
CREATE FUNCTION pg_temp.luhn_digit(digits text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT ((10 - sum(CASE WHEN i % 2 = 1
                           THEN (d * 2) / 10 + (d * 2) % 10
                           ELSE d END) % 10) % 10)::text
    FROM (SELECT substr(reverse(digits), i, 1)::int AS d, i
          FROM generate_series(1, length(digits)) AS i) AS positions
$$;

INSERT INTO customers (id, name, email, ssn, card_number, city)
SELECT n,
       first || ' ' || last,
       lower(first) || '.' || lower(last) || n || '@example.com',
       (900 + n % 100)::text || '-' || lpad(((n * 37) % 99 + 1)::text, 2, '0') || '-' || lpad(((n * 7919) % 9999 + 1)::text, 4, '0'),
       base || pg_temp.luhn_digit(base),
       (ARRAY['Lisbon', 'Porto', 'Braga', 'Coimbra', 'Faro'])[n % 5 + 1]
FROM generate_series(1, 1000) AS n,
     LATERAL (SELECT (ARRAY['Ana', 'Bruno', 'Carla', 'Duarte', 'Eva', 'Filipe', 'Gloria', 'Hugo'])[n % 8 + 1] AS first,
                     (ARRAY['Silva', 'Santos', 'Costa', 'Pereira', 'Ferreira', 'Almeida', 'Ribeiro'])[n % 7 + 1] AS last,
                     '411111' || lpad(((n * 104729) % 1000000000)::text, 9, '0') AS base) AS parts;

INSERT INTO orders (id, customer_id, placed_at, total_cents, status)
SELECT n,
       (n * 7) % 1000 + 1,
       timestamptz '2026-01-01 00:00:00+00' + make_interval(mins => (n * 53) % 480000),
       (n * 2654435761 % 50000)::integer + 100,
       (ARRAY['placed', 'paid', 'shipped', 'delivered', 'returned'])[n % 5 + 1]
FROM generate_series(1, 20000) AS n;

COMMIT;

ANALYZE customers;
ANALYZE orders;
