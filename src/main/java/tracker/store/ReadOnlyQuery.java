package tracker.store;

import java.sql.Connection;
import java.sql.SQLException;
import org.h2.command.Command;
import org.h2.command.CommandContainer;
import org.h2.command.Prepared;
import org.h2.command.dml.Explain;
import org.h2.command.query.Query;
import org.h2.engine.SessionLocal;
import org.h2.jdbc.JdbcConnection;
import org.h2.message.DbException;

/**
 * Decides, with H2's own parser, whether a text is exactly one read-only query: {@code SELECT},
 * {@code WITH ... SELECT}, {@code TABLE}, {@code VALUES}, or {@code EXPLAIN [ANALYZE]} of one,
 * without {@code FOR UPDATE} and without anything H2 itself knows to change state ({@code NEXT
 * VALUE FOR}, {@code SET(@v, ...)}, {@code FILE_WRITE}). The text is parsed in the session of
 * the reader that will run it, so that parsing, which may evaluate constant parts, already
 * runs with the reader's rights; nothing is executed here.
 *
 * <p>The wall is the reader's privileges (V5); this is the first line, which gives a clear
 * refusal and catches what privileges do not: a reader may lock rows with {@code FOR UPDATE}
 * (H2 asks no UPDATE right for it; a nested one is caught by {@link QueryTextCheck}) and make
 * session-local tables. H2 only: it reads H2's command objects. Stateless, thread-safe.
 */
public final class ReadOnlyQuery {

    private ReadOnlyQuery() {
    }

    /**
     * @param reader an embedded H2 connection (see {@link Database#readerConnection})
     * @throws RefusedQueryException saying what was refused
     * @throws SQLException when the text is not valid SQL, or the reader may not read what it names
     */
    public static void check(Connection reader, String sql) throws SQLException {
        SessionLocal session = (SessionLocal) reader.unwrap(JdbcConnection.class).getSession();
        Command command;
        try {
            command = session.prepareLocal(sql);
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        }
        try {
            if (!(command instanceof CommandContainer)) {
                throw new RefusedQueryException("refused: more than one statement; tracker sql runs exactly one query");
            }
            Prepared prepared = session.prepare(sql);
            Prepared query = prepared instanceof Explain explain ? explain.getCommand() : prepared;
            if (!(query instanceof Query select)) {
                throw new RefusedQueryException("refused: " + firstWord(sql) + " is not a query; tracker sql runs"
                        + " queries only (one SELECT, WITH ... SELECT, TABLE, VALUES, or EXPLAIN of one)");
            }
            if (select.getForUpdate() != null) {
                throw new RefusedQueryException("refused: FOR UPDATE locks rows the daemon writes; tracker sql only reads");
            }
            if (!prepared.isReadOnly()) {
                throw new RefusedQueryException("refused: the query changes state (a sequence, a variable, a file);"
                        + " tracker sql only reads");
            }
        } catch (DbException e) {
            throw DbException.toSQLException(e);
        } finally {
            command.close();
        }
    }

    private static String firstWord(String sql) {
        String trimmed = sql.strip();
        int end = 0;
        while (end < trimmed.length() && Character.isLetter(trimmed.charAt(end))) {
            end++;
        }
        return end == 0 ? "the statement" : trimmed.substring(0, end).toUpperCase(java.util.Locale.ROOT);
    }
}
