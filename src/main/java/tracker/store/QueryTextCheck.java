package tracker.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The second line behind the reader's privileges and {@link ReadOnlyQuery}: refusals read off
 * the words of the text (outside literals and comments, as H2's tokenizer skips them), for what
 * neither privileges nor the top-level command show. False refusals (a quoted column named
 * so) are possible and harmless. Stateless, thread-safe.
 *
 * <ul>
 *   <li>{@code FOR UPDATE} anywhere: H2 takes the row locks of a {@code FOR UPDATE} in a
 *       subquery or a {@code WITH} too, asks no UPDATE right for them, and the daemon's commits
 *       then wait on the locks.</li>
 *   <li>Calls of the functions that build one value of a size the query chooses, in one
 *       allocation nothing in H2 bounds: H2 has no per-query memory limit, {@code REPEAT('a',
 *       1000000000)} asks for a 1 GB buffer at once, and an OutOfMemoryError inside H2's
 *       statement execution makes H2 close the whole database (every session, the daemon's
 *       writer too). Any user may call them: privileges cannot help. Also {@code HASH} with
 *       its iteration count, which loops without checking for cancellation.</li>
 * </ul>
 */
public final class QueryTextCheck {

    /** Function name to why it is refused. */
    static final Map<String, String> UNBOUNDED = Map.of(
            "REPEAT", "builds a string of any length",
            "SPACE", "builds a string of any length",
            "LPAD", "builds a string of any length",
            "RPAD", "builds a string of any length",
            "SECURE_RAND", "builds a byte string of any length",
            "EXPAND", "decompresses to any size",
            "HASH", "runs any number of hash iterations, which a timeout cannot stop");

    private QueryTextCheck() {
    }

    /** @throws RefusedQueryException naming the first refused part of {@code sql} */
    public static void check(String sql) {
        List<String> tokens = tokens(sql);
        for (int i = 0; i < tokens.size(); i++) {
            String token = tokens.get(i);
            String next = i + 1 < tokens.size() ? tokens.get(i + 1) : "";
            if (token.equals("FOR") && next.equals("UPDATE")) {
                throw new RefusedQueryException("refused: FOR UPDATE locks rows the daemon writes; tracker sql only reads");
            }
            String why = UNBOUNDED.get(token);
            if (why != null && next.equals("(")) {
                throw new RefusedQueryException("refused: " + token + "() " + why
                        + " in the daemon's memory; tracker sql does not run it");
            }
        }
    }

    /**
     * Words (upper case; a quoted name's content too, since {@code "REPEAT"(...)} calls the
     * function) and single punctuation characters; literals and comments dropped.
     */
    static List<String> tokens(String sql) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        int n = sql.length();
        while (i < n) {
            char c = sql.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '\'') {
                i = pastQuoted(sql, i, c);
            } else if (c == '"' || c == '`') {
                int end = pastQuoted(sql, i, c);
                tokens.add(sql.substring(i + 1, Math.max(i + 1, end - 1)).replace(c + "" + c, "" + c)
                        .toUpperCase(Locale.ROOT));
                i = end;
            } else if (sql.startsWith("$$", i)) {
                int end = sql.indexOf("$$", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (sql.startsWith("--", i) || sql.startsWith("//", i)) {
                int end = sql.indexOf('\n', i);
                i = end < 0 ? n : end + 1;
            } else if (sql.startsWith("/*", i)) {
                int end = sql.indexOf("*/", i + 2);
                i = end < 0 ? n : end + 2;
            } else if (Character.isLetter(c) || c == '_') {
                int start = i;
                while (i < n && (Character.isLetterOrDigit(sql.charAt(i)) || sql.charAt(i) == '_')) {
                    i++;
                }
                tokens.add(sql.substring(start, i).toUpperCase(Locale.ROOT));
            } else {
                tokens.add(String.valueOf(c));
                i++;
            }
        }
        return tokens;
    }

    /** Past the closing quote; a doubled quote is an escaped one. */
    private static int pastQuoted(String sql, int open, char quote) {
        int i = open + 1;
        while (i < sql.length()) {
            if (sql.charAt(i) == quote) {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i++;
        }
        return i;
    }
}
