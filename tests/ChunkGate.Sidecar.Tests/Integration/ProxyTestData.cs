namespace ChunkGate.Sidecar.Tests.Integration;

/// <summary>The tables every proxy test database starts with.</summary>
internal static class ProxyTestData
{
    public const string Setup = """
        CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, balance numeric(12,2), born date, tags text[], photo bytea);
        INSERT INTO customers SELECT g, 'customer ' || g, g * 1.5, date '2000-01-01' + g, ARRAY['a' || g, 'b'], decode(repeat('ab', g), 'hex')
          FROM generate_series(1, 200) g;
        CREATE TABLE wide (id int PRIMARY KEY, payload text NOT NULL);
        INSERT INTO wide VALUES (1, repeat('x', 8192)), (2, repeat('y', 65536)), (3, repeat('z', 3000000));
        CREATE FUNCTION noisy() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RAISE NOTICE 'visible notice'; RETURN 1; END $$;
        CREATE TABLE inbox (id serial PRIMARY KEY, body text);
        """;
}
