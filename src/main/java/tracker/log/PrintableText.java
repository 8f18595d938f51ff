package tracker.log;

/**
 * Text from other people's processes (command lines, tag values) made safe to print on a
 * terminal or in a log line: every control character (C0, DEL, C1) is written as {@code \xHH},
 * so an escape sequence cannot drive the reader's terminal and a newline cannot forge a line.
 * Everything else, non-ASCII letters and backslashes included, stays as it is.
 */
public final class PrintableText {

    private PrintableText() {
    }

    public static String of(String text) {
        int first = firstToEscape(text);
        if (first < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
        for (int i = first; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                out.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xF, 16));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static int firstToEscape(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (isControl(c)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isControl(char c) {
        return c < 0x20 || c >= 0x7F && c < 0xA0;
    }
}
