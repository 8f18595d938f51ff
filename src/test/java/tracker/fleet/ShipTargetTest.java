package tracker.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --ship-to URLs and where their password comes from: the URL, PGPASSWORD, then ~/.pgpass by libpq's rules. */
class ShipTargetTest {

    @TempDir
    Path home;

    private Map<String, String> env(String... pairs) {
        java.util.Map<String, String> env = new java.util.HashMap<>();
        env.put("HOME", home.toString());
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void postgresqlUrlBecomesAJdbcUrlWithItsUserAndPassword() {
        ShipTarget target = ShipTarget.parse("postgresql://ci:s%40cret@db.example.com:6543/fleet?sslmode=require",
                "runner-7", env("PGPASSWORD", "ignored"));
        assertEquals("jdbc:postgresql://db.example.com:6543/fleet?sslmode=require", target.jdbcUrl());
        assertEquals("ci", target.user());
        assertEquals("s@cret", target.password());
        assertEquals("runner-7", target.hostName());
        assertFalse(target.display().contains("s@cret"));
    }

    @Test
    void jdbcUrlsAndDefaults() {
        ShipTarget target = ShipTarget.parse("jdbc:postgresql://db/fleet?user=ci", null, env());
        assertEquals("jdbc:postgresql://db:5432/fleet", target.jdbcUrl());
        assertEquals("ci", target.user());
        assertNull(target.password());
        assertFalse(target.hostName().isBlank(), "the hostname by default");
    }

    @Test
    void passwordFromPgpasswordThenPgpass() throws Exception {
        assertEquals("from-env", ShipTarget.parse("postgresql://ci@db/fleet", null, env("PGPASSWORD", "from-env"))
                .password());
        Path pgpass = home.resolve(".pgpass");
        Files.writeString(pgpass, "# comment\nother:5432:*:ci:no\ndb:5432:fleet:ci:a\\:b\\\\c:d\n*:*:*:*:fallback\n");
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-------"));
        assertEquals("a:b\\c:d", ShipTarget.parse("postgresql://ci@db/fleet", null, env()).password());
        assertEquals("fallback", ShipTarget.parse("postgresql://ci@db:5433/fleet", null, env()).password());
        // libpq ignores a password file that others may read
        Files.setPosixFilePermissions(pgpass, PosixFilePermissions.fromString("rw-r--r--"));
        assertNull(ShipTarget.parse("postgresql://ci@db/fleet", null, env()).password());
    }

    @Test
    void notAPostgresqlUrlIsRefusedWithoutShowingItsPassword() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ShipTarget.parse("mysql://ci:hunter2@db/fleet", null, env()));
        assertTrue(refused.getMessage().startsWith("--ship-to must be a postgresql://"), refused.getMessage());
        assertFalse(refused.getMessage().contains("hunter2"), refused.getMessage());
    }
}
