package tracker.cli;

import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import java.util.Iterator;
import java.util.Set;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --socket-mode}: octal permissions such as {@code 0660} or {@code 660}. Thread-safe. */
final class SocketModeConverter implements ITypeConverter<Set<PosixFilePermission>> {

    @Override
    public Set<PosixFilePermission> convert(String text) {
        String octal = text.trim();
        if (!octal.matches("0?[0-7]{3}")) {
            throw new TypeConversionException("'" + text + "' is not an octal mode like 0660");
        }
        int bits = Integer.parseInt(octal, 8);
        StringBuilder letters = new StringBuilder();
        String all = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            letters.append((bits & (1 << (8 - i))) != 0 ? all.charAt(i) : '-');
        }
        return PosixFilePermissions.fromString(letters.toString());
    }

    /**
     * None: shell completion would otherwise offer the names of the permissions (the option's
     * type), which the option does not take.
     */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Collections.emptyIterator();
        }
    }
}
