package tracker.fleet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The password file of libpq ({@code ~/.pgpass}, or PGPASSFILE), read by its rules: lines
 * {@code hostname:port:database:username:password}, {@code *} matching anything in the first
 * four fields, {@code \:} and {@code \\} escaping, # starting a comment, the first match
 * winning, and a file that group or others may read ignored (libpq ignores it too).
 * The PostgreSQL JDBC driver reads the file too, but without the permission check and never
 * PGPASSWORD: the tracker finds the password here, in libpq's order (URL, PGPASSWORD, file).
 */
final class PgPass {

    private PgPass() {
    }

    /** The password for the connection, or null when the file is absent, unsafe or has no match. */
    static String lookup(Path file, String host, int port, String database, String user) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(PosixFilePermission.GROUP_READ) || mode.contains(PosixFilePermission.OTHERS_READ)
                    || mode.contains(PosixFilePermission.GROUP_WRITE) || mode.contains(PosixFilePermission.OTHERS_WRITE)) {
                return null;
            }
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                List<String> fields = split(line);
                if (fields.size() < 5) {
                    continue;
                }
                if (matches(fields.get(0), host) && matches(fields.get(1), Integer.toString(port))
                        && matches(fields.get(2), database) && matches(fields.get(3), user)) {
                    return fields.get(4);
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
        return null;
    }

    private static boolean matches(String field, String value) {
        return field.equals("*") || field.equals(value);
    }

    /** Splits on unescaped colons; the fifth field takes the rest of the line. */
    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
