package tracker.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.h2.jdbcx.JdbcConnectionPool;
import org.jdbi.v3.core.Jdbi;

/**
 * The embedded H2 database file: opens it, applies the migrations of {@code db/migrations}
 * (packaged in the jar), and hands out a {@link Jdbi}. Thread-safe.
 *
 * <p>H2 locks the file for one process: a second daemon, or a CLI that opens the file while
 * a daemon holds it, gets a {@link DatabaseUnavailableException}. Nothing listens on a
 * network port (no AUTO_SERVER).
 */
public final class Database implements AutoCloseable {

    /**
     * The isolation of a reader that reads several tables and must see them as of one commit.
     * H2's REPEATABLE READ is no such thing: each table is read as of its first read in the
     * transaction, so a commit landing between two reads shows half of itself. SNAPSHOT
     * ({@code org.h2.engine.Constants.TRANSACTION_SNAPSHOT}) is.
     */
    public static final int SNAPSHOT_ISOLATION = 6;

    /**
     * {@link #SNAPSHOT_ISOLATION} on H2; on PostgreSQL (a fleet store) REPEATABLE READ, which
     * there is a snapshot of the whole database as of the transaction's first read.
     */
    public static int snapshotIsolation(java.sql.Connection connection) throws java.sql.SQLException {
        return connection.getMetaData().getDatabaseProductName().equals("PostgreSQL")
                ? java.sql.Connection.TRANSACTION_REPEATABLE_READ : SNAPSHOT_ISOLATION;
    }

    /** How the file is opened. */
    public enum Access {
        /** creates the file if needed and migrates it: the daemon, reap and prune */
        READ_WRITE,
        /** never creates nor changes anything: the query commands */
        READ_ONLY
    }

    /**
     * Files opened for writing by this JVM. H2 locks a file against other processes only;
     * within one JVM a second open would share the first, so refuse it here.
     */
    private static final java.util.Set<Path> OPEN_FOR_WRITING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** The database user that may only read (see {@link #readerConnection}). */
    public static final String READER = "TRACKER_READER";

    private final Path path;
    private final JdbcConnectionPool pool;
    private final boolean writing;
    /** Made at first use: a one-shot reader that asks only for {@link #connection()} never pays Jdbi's start. */
    private volatile Jdbi jdbi;

    private Database(Path path, JdbcConnectionPool pool, boolean writing) {
        this.path = path;
        this.pool = pool;
        this.writing = writing;
    }

    /**
     * @param path the database path without H2's {@code .mv.db} suffix
     */
    public static Database open(Path path, Access access) {
        Path absolute = path.toAbsolutePath().normalize();
        if (access == Access.READ_WRITE) {
            if (!OPEN_FOR_WRITING.add(absolute)) {
                throw new DatabaseUnavailableException("database " + fileOf(absolute)
                        + " is in use by another process (is a 'tracker serve' already running on it?)", null);
            }
            try {
                DatabaseFiles.prepareForWriting(absolute.getParent());
            } catch (RuntimeException e) {
                OPEN_FOR_WRITING.remove(absolute);
                throw e;
            }
        } else if (!Files.exists(fileOf(absolute))) {
            throw new DatabaseUnavailableException("no database at " + fileOf(absolute)
                    + " (has 'tracker serve' run with this --db?)", null);
        } else {
            DatabaseFiles.checkForReading(absolute.getParent());
        }
        long sizeBefore = sizeOf(fileOf(absolute));
        if (access == Access.READ_WRITE && sizeBefore == 0) {
            deleteEmptyFile(fileOf(absolute), absolute);
        } else if (sizeBefore == 0) {
            throw new DatabaseUnavailableException(fileOf(absolute) + " is empty: no tracker database has been"
                    + " written to it yet", null);
        } else if (access == Access.READ_WRITE && sizeBefore > 0) {
            // looked at read-only first: H2 rewrites a file's header when it opens it for writing,
            // and a file that is not ours must be left exactly as it was
            try {
                requireTrackerDatabase(absolute);
            } catch (RuntimeException e) {
                OPEN_FOR_WRITING.remove(absolute);
                throw e;
            }
        }
        String url = "jdbc:h2:file:" + absolute
                + ";DB_CLOSE_ON_EXIT=FALSE"
                // commits reach the file at once: a kill -9 loses only the open commit window
                + ";WRITE_DELAY=0"
                // no trace file beside the database: errors reach the daemon's log instead
                + ";TRACE_LEVEL_FILE=0"
                // H2's 16 MB default page cache thrashes on large transactions (a big reap)
                + (access == Access.READ_WRITE ? ";CACHE_SIZE=131072" : "")
                + (access == Access.READ_ONLY ? ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE" : "");
        JdbcConnectionPool pool = JdbcConnectionPool.create(url, "tracker", "");
        pool.setMaxConnections(16);
        try {
            pool.getConnection().close();
        } catch (SQLException e) {
            pool.dispose();
            if (access == Access.READ_WRITE) {
                OPEN_FOR_WRITING.remove(absolute);
            }
            throw unavailable(absolute, e);
        }
        Database database = new Database(absolute, pool, access == Access.READ_WRITE);
        // a file that was there and holds no tracker schema is never taken over, nor read as empty
        if ((sizeBefore > 0 || access == Access.READ_ONLY) && !database.hasMigrationHistory()) {
            database.close();
            throw new DatabaseUnavailableException(sizeBefore == 0 ? fileOf(absolute) + " is empty: no tracker database"
                    + " has been written to it yet" : fileOf(absolute) + " is not a tracker database (it holds no"
                    + " migration history): truncated, damaged, or another application's file; it was left as it is",
                    null);
        }
        if (access == Access.READ_WRITE) {
            try {
                DatabaseFiles.makePrivate(fileOf(absolute));
                Flyway flyway = Flyway.configure()
                        .dataSource(pool)
                        .locations("classpath:db/migrations")
                        // the migrations that need the tracker's own encoding
                        .javaMigrations(new tracker.store.migration.V4__LiveRowsIntoSegments(),
                                new tracker.store.migration.V7__SealStoredBlobs())
                        .load();
                refuseNewerSchema(flyway, fileOf(absolute));
                flyway.migrate();
            } catch (DatabaseUnavailableException e) {
                database.close();
                throw e;
            } catch (RuntimeException e) {
                database.close();
                throw new DatabaseUnavailableException("cannot migrate " + fileOf(absolute) + ": " + rootMessage(e), e);
            }
        }
        return database;
    }

    /** A database written by a newer version: its schema is not one this version knows how to read. */
    private static void refuseNewerSchema(Flyway flyway, Path file) {
        for (org.flywaydb.core.api.MigrationInfo migration : flyway.info().all()) {
            if (migration.getState() == org.flywaydb.core.api.MigrationState.FUTURE_SUCCESS) {
                throw new DatabaseUnavailableException(file + " was written by a newer version of the tracker (schema "
                        + migration.getVersion() + "); this version does not know its schema", null);
            }
        }
    }

    /** Refuses, without writing a byte, a file that is not a tracker database. */
    private static void requireTrackerDatabase(Path absolute) {
        String url = "jdbc:h2:file:" + absolute + ";ACCESS_MODE_DATA=r;IFEXISTS=TRUE;TRACE_LEVEL_FILE=0";
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url, "tracker", "")) {
            if (!hasMigrationHistory(connection)) {
                throw new DatabaseUnavailableException(fileOf(absolute) + " is not a tracker database (it holds no"
                        + " migration history): truncated, damaged, or another application's file; it was left as it"
                        + " is", null);
            }
        } catch (SQLException e) {
            throw unavailable(absolute, e);
        }
    }

    private boolean hasMigrationHistory() {
        try (java.sql.Connection connection = pool.getConnection()) {
            return hasMigrationHistory(connection);
        } catch (SQLException e) {
            return false;
        }
    }

    private static boolean hasMigrationHistory(java.sql.Connection connection) {
        try (java.sql.PreparedStatement query = connection.prepareStatement("SELECT COUNT(*) FROM"
                     + " INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = 'flyway_schema_history'");
             java.sql.ResultSet rows = query.executeQuery()) {
            return rows.next() && rows.getLong(1) > 0;
        } catch (SQLException e) {
            return false;
        }
    }

    /** -1 when the file does not exist. */
    private static long sizeOf(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Only a missing or an empty file starts a new database. */
    private static void deleteEmptyFile(Path file, Path absolute) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            OPEN_FOR_WRITING.remove(absolute);
            throw new DatabaseUnavailableException("cannot replace the empty file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lets the members of {@code group} reach the daemon's command socket, which sits beside the
     * database: its directory becomes 0710 with that group (the file stays 0600).
     */
    public void shareDirectoryWith(java.nio.file.attribute.GroupPrincipal group) {
        DatabaseFiles.shareWithGroup(path.getParent(), group);
    }

    /** The file H2 keeps for {@code path}. */
    public static Path fileOf(Path path) {
        return Path.of(path.toString() + ".mv.db");
    }

    public Path path() {
        return path;
    }

    public Jdbi jdbi() {
        Jdbi made = jdbi;
        if (made == null) {
            synchronized (this) {
                made = jdbi;
                if (made == null) {
                    made = Jdbi.create(pool);
                    jdbi = made;
                }
            }
        }
        return made;
    }

    /**
     * A new session on this open database as {@link #READER}, the user that may only read the
     * tracker's tables and views (migration V5): what {@code tracker sql} runs a query in.
     * Never pooled: whatever a query leaves in its session (variables, settings) dies with it.
     * Each session executes lazily: a query's rows are computed as they are fetched, so a
     * large join streams instead of being built whole. The caller closes it.
     *
     * @throws DatabaseUnavailableException when the file predates the reader (a database
     *     written before V5 and opened read-only here, so not migrated)
     */
    public java.sql.Connection readerConnection() throws SQLException {
        java.util.Properties credentials = new java.util.Properties();
        credentials.setProperty("user", READER);
        credentials.setProperty("password", "");
        try {
            // IFEXISTS: never create a database; the other settings are the open database's
            return org.h2.Driver.load().connect("jdbc:h2:file:" + path + ";IFEXISTS=TRUE;LAZY_QUERY_EXECUTION=TRUE",
                    credentials);
        } catch (SQLException e) {
            if (e.getErrorCode() == ErrorCode.WRONG_USER_OR_PASSWORD) {
                throw new DatabaseUnavailableException("database " + fileOf(path) + " has no read-only query user yet:"
                        + " start 'tracker serve' on it once (it upgrades the file), then run 'tracker sql' again", e);
            }
            throw e;
        }
    }

    /** A connection of the pool, plain JDBC; the caller closes it. */
    public java.sql.Connection connection() throws SQLException {
        return pool.getConnection();
    }

    @Override
    public void close() {
        pool.dispose();
        if (writing) {
            OPEN_FOR_WRITING.remove(path);
        }
    }

    private static DatabaseUnavailableException unavailable(Path path, SQLException e) {
        String file = fileOf(path).toString();
        String message = switch (e.getErrorCode()) {
            case ErrorCode.DATABASE_ALREADY_OPEN_1 ->
                    "database " + file + " is in use by another process (is a 'tracker serve' already running on it?)";
            case ErrorCode.DATABASE_NOT_FOUND_WITH_IF_EXISTS_1, ErrorCode.DATABASE_NOT_FOUND_1 ->
                    "no database at " + file;
            case ErrorCode.WRONG_USER_OR_PASSWORD ->
                    file + " is not a tracker database (it does not know the tracker's database user)";
            case ErrorCode.FILE_CORRUPTED_1 -> "database " + file + " is corrupted: " + firstLine(e.getMessage());
            default -> "cannot open database " + file + ": " + firstLine(e.getMessage());
        };
        return new DatabaseUnavailableException(message, e);
    }

    static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return firstLine(String.valueOf(root.getMessage()));
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
