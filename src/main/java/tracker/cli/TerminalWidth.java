package tracker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * The width tables are cut to unless the command line says: COLUMNS when it is a whole number
 * above 0, else the width of the terminal standard output goes to, else none (a pipe or a file
 * gets its lines whole). Found where the user runs the command and passed on to where it runs,
 * the daemon included, as {@link #OPTION}. String.concat, not +: see {@link Main#controlSocketOf}.
 */
final class TerminalWidth {

    /** The option of {@link TableWidthOptions} that carries the width. */
    static final String OPTION = "--width";

    private static final Path STANDARD_OUTPUT = Path.of("/proc/self/fd/1");

    private TerminalWidth() {
    }

    /**
     * {@code args} with the width of this output added after the command's name, when there is
     * one and they ask for no width (nor --wide) themselves.
     */
    static String[] added(String[] args, String columnsVariable) {
        for (String arg : args) {
            if (arg.equals(OPTION) || arg.startsWith(OPTION.concat("=")) || arg.equals("--wide")) {
                return args;
            }
        }
        OptionalInt width = of(columnsVariable);
        if (width.isEmpty()) {
            return args;
        }
        String[] out = new String[args.length + 1];
        out[0] = args[0];
        out[1] = OPTION.concat("=").concat(Integer.toString(width.getAsInt()));
        System.arraycopy(args, 1, out, 2, args.length - 1);
        return out;
    }

    /** COLUMNS when it is a width, else the terminal's; empty when standard output is no terminal. */
    static OptionalInt of(String columnsVariable) {
        OptionalInt given = parse(columnsVariable);
        return given.isPresent() ? given : ofStandardOutput();
    }

    /** A whole number above 0; empty for anything else, which COLUMNS then does not count as. */
    static OptionalInt parse(String text) {
        if (text == null) {
            return OptionalInt.empty();
        }
        try {
            int value = Integer.parseInt(text.trim());
            return value > 0 ? OptionalInt.of(value) : OptionalInt.empty();
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The width of the terminal standard output goes to, as {@code stty size} reads it from
     * that terminal; empty when standard output is a pipe, a file, or a terminal of no size.
     * Only then is a process started: output to a pipe costs one readlink.
     */
    private static OptionalInt ofStandardOutput() {
        Path target;
        try {
            target = Files.readSymbolicLink(STANDARD_OUTPUT);
        } catch (IOException | UnsupportedOperationException e) {
            return OptionalInt.empty();
        }
        String name = target.toString();
        if (!name.startsWith("/dev/pts/") && !name.startsWith("/dev/tty") && !name.equals("/dev/console")) {
            return OptionalInt.empty();
        }
        try {
            Process stty = new ProcessBuilder("stty", "size").redirectInput(target.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String size = new String(stty.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (!stty.waitFor(5, TimeUnit.SECONDS) || stty.exitValue() != 0) {
                stty.destroy();
                return OptionalInt.empty();
            }
            // "ROWS COLUMNS"; "0 0" for a terminal that was given no size
            int space = size.indexOf(' ');
            return space < 0 ? OptionalInt.empty() : parse(size.substring(space + 1));
        } catch (IOException e) {
            return OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalInt.empty();
        }
    }

    /** {@link #OPTION}'s value: a width, 1 or more. Thread-safe. */
    static final class Converter implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String text) {
            OptionalInt width = parse(text);
            if (width.isEmpty()) {
                throw new picocli.CommandLine.TypeConversionException("'" + text + "' is not a width (1 or more)");
            }
            return width.getAsInt();
        }
    }
}
