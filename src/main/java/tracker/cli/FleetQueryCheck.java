package tracker.cli;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.NativeQuery;
import org.postgresql.core.Parser;
import tracker.store.RefusedQueryException;

/**
 * The first line of {@code tracker sql} on a fleet store: whether a text is exactly one query
 * ({@code SELECT}, {@code WITH ... SELECT}, {@code TABLE}, {@code VALUES}, or {@code EXPLAIN}
 * of one) that neither locks rows ({@code FOR UPDATE / SHARE}) nor changes any ({@code
 * INSERT}, {@code UPDATE}, {@code DELETE} or {@code MERGE} in a {@code WITH}, {@code SELECT
 * ... INTO}). Read off the words outside literals, quoted names and comments, by PostgreSQL's
 * lexical rules; a false refusal (a column called so) is possible and harmless.
 *
 * <p>The wall is behind it: the query runs in a {@code READ ONLY} transaction, which the
 * server keeps from writing any table or sequence, as the role the URL names, whose privileges
 * decide the rest (files, other sessions, settings). This check gives a clear refusal first,
 * and refuses what a read-only transaction allows: a lock, and {@code COPY ... TO} a file (a
 * read, to the server). Stateless, thread-safe.
 */
final class FleetQueryCheck {

    private static final Set<String> QUERY_WORDS = Set.of("SELECT", "WITH", "TABLE", "VALUES");
    /** What {@code EXPLAIN} may take before its query, without parentheses. */
    private static final Set<String> EXPLAIN_WORDS = Set.of("ANALYZE", "ANALYSE", "VERBOSE");
    private static final Set<String> CHANGING_WORDS = Set.of("INSERT", "UPDATE", "DELETE", "MERGE");
    /** After FOR: the row-locking clauses (FOR UPDATE, FOR NO KEY UPDATE, FOR SHARE, FOR KEY SHARE). */
    private static final Set<String> LOCKING = Set.of("UPDATE", "NO", "SHARE", "KEY");

    private static final String ONLY_QUERIES = "tracker sql runs queries only (one SELECT, WITH ... SELECT, TABLE,"
            + " VALUES, or EXPLAIN of one)";

    private FleetQueryCheck() {
    }

    /**
     * @param connection the session that will run it: its {@code standard_conforming_strings}
     *                   says what a backslash in a literal means
     * @throws RefusedQueryException saying what was refused
     */
    static void check(Connection connection, String sql) throws SQLException {
        boolean standardStrings = connection.unwrap(BaseConnection.class).getStandardConformingStrings();
        List<Word> words = words(sql, standardStrings);
        // the driver sends each statement it finds as one of its own: refuse what it would split,
        // whatever the words say
        List<NativeQuery> statements = Parser.parseJdbcSql(sql, standardStrings, false, true, false, false);
        if (statements.size() > 1 || words.stream().anyMatch(word -> word.is(";"))) {
            throw new RefusedQueryException("refused: more than one statement; tracker sql runs exactly one query");
        }
        checkKind(words);
        for (int i = 0; i < words.size(); i++) {
            Word word = words.get(i);
            Word next = i + 1 < words.size() ? words.get(i + 1) : Word.NONE;
            if (word.is("FOR") && LOCKING.contains(next.keyword())) {
                throw new RefusedQueryException("refused: FOR " + next.keyword() + " locks rows the hosts' shippers"
                        + " write; tracker sql only reads");
            }
        }
        for (Word word : words) {
            if (CHANGING_WORDS.contains(word.keyword())) {
                throw new RefusedQueryException("refused: " + word.keyword() + " changes rows (in a WITH, too);"
                        + " tracker sql only reads");
            }
            if (word.is("INTO")) {
                throw new RefusedQueryException("refused: SELECT ... INTO makes a table; tracker sql only reads");
            }
        }
    }

    /** The statement must be a query, or EXPLAIN of one. */
    private static void checkKind(List<Word> words) {
        int i = 0;
        if (!words.isEmpty() && words.get(0).is("EXPLAIN")) {
            i = 1;
            if (i < words.size() && words.get(i).is("(")) {
                i = pastParentheses(words, i);
            } else {
                while (i < words.size() && EXPLAIN_WORDS.contains(words.get(i).keyword())) {
                    i++;
                }
            }
        }
        // a query may open with parentheses: (SELECT ...) UNION (SELECT ...)
        while (i < words.size() && words.get(i).is("(")) {
            i++;
        }
        if (i >= words.size()) {
            throw new RefusedQueryException("refused: no query; " + ONLY_QUERIES);
        }
        Word first = words.get(i);
        if (!QUERY_WORDS.contains(first.keyword())) {
            String what = first.keyword().isEmpty() ? "the statement" : first.keyword();
            throw new RefusedQueryException("refused: " + what + " is not a query; " + ONLY_QUERIES);
        }
    }

    private static int pastParentheses(List<Word> words, int open) {
        int depth = 0;
        for (int i = open; i < words.size(); i++) {
            if (words.get(i).is("(")) {
                depth++;
            } else if (words.get(i).is(")") && --depth == 0) {
                return i + 1;
            }
        }
        return words.size();
    }

    /**
     * A word of the text: a keyword or name as written without quotes (upper case), a quoted
     * name (never a keyword), or one punctuation character.
     */
    record Word(String text, boolean quoted) {
        static final Word NONE = new Word("", true);

        /** The keyword this word can be: empty for a quoted name. */
        String keyword() {
            return quoted ? "" : text;
        }

        boolean is(String keyword) {
            return !quoted && text.equals(keyword);
        }
    }

    /** The words of {@code sql}; literals, comments, numbers and parameters dropped. */
    static List<Word> words(String sql, boolean standardStrings) {
        List<Word> words = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'') {
                // a backslash escapes the next character when standard_conforming_strings is off
                i = pastLiteral(sql, i, !standardStrings);
            } else if (c == '"') {
                int end = pastQuotedName(sql, i);
                words.add(new Word(sql.substring(i + 1, Math.max(i + 1, end - 1)).replace("\"\"", "\""), true));
                i = end;
            } else if (c == '$' && dollarTagEnd(sql, i) > 0) {
                int tagEnd = dollarTagEnd(sql, i);
                String tag = sql.substring(i, tagEnd);
                int close = sql.indexOf(tag, tagEnd);
                i = close < 0 ? n : close + tag.length();
            } else if (sql.startsWith("--", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (sql.startsWith("/*", i)) {
                i = pastBlockComment(sql, i);
            } else if (Character.isLetter(c) || c == '_' || c >= 0x80) {
                int start = i;
                while (i < n && isWordPart(sql.charAt(i))) {
                    i++;
                }
                String word = sql.substring(start, i).toUpperCase(Locale.ROOT);
                if (word.equals("E") && i < n && sql.charAt(i) == '\'') {
                    i = pastLiteral(sql, i, true); // E'...' takes backslash escapes, always
                } else {
                    words.add(new Word(word, false));
                }
            } else if (Character.isDigit(c) || c == '$') {
                // a number, or a parameter $1
                i++;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '.')) {
                    i++;
                }
            } else {
                words.add(new Word(String.valueOf(c), false));
                i++;
            }
        }
        return words;
    }

    private static boolean isWordPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c >= 0x80;
    }

    /** Past the closing quote: a doubled quote is one quote; with escapes, a backslash escapes the next character. */
    private static int pastLiteral(String sql, int open, boolean escapes) {
        int i = open + 1;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            if (escapes && c == '\\') {
                i += 2;
            } else if (c == '\'') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                    i += 2;
                } else {
                    return i + 1;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    private static int pastQuotedName(String sql, int open) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == '"') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '"') {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return sql.length();
    }

    /** Past a block comment, which nests in PostgreSQL. */
    private static int pastBlockComment(String sql, int open) {
        int depth = 0;
        int i = open;
        while (i < sql.length()) {
            if (sql.startsWith("/*", i)) {
                depth++;
                i += 2;
            } else if (sql.startsWith("*/", i)) {
                i += 2;
                if (--depth == 0) {
                    return i;
                }
            } else {
                i++;
            }
        }
        return sql.length();
    }

    /** The end of a dollar quote's opening tag at {@code dollar} ($$ or $tag$), or -1 when it is none. */
    private static int dollarTagEnd(String sql, int dollar) {
        int i = dollar + 1;
        if (i < sql.length() && sql.charAt(i) == '$') {
            return i + 1;
        }
        if (i >= sql.length() || !(Character.isLetter(sql.charAt(i)) || sql.charAt(i) == '_'
                || sql.charAt(i) >= 0x80)) {
            return -1;
        }
        while (i < sql.length() && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_'
                || sql.charAt(i) >= 0x80)) {
            i++;
        }
        return i < sql.length() && sql.charAt(i) == '$' ? i + 1 : -1;
    }
}
