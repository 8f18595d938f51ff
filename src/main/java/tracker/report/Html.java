package tracker.report;

/**
 * Text made safe inside HTML and SVG, as element content and as a quoted attribute value:
 * {@code & < > " '} become character references, and control characters are written as
 * {@code \xHH} first (see {@link tracker.log.PrintableText}), so a command line or tag from
 * a client can neither open an element nor end an attribute. Stateless.
 */
public final class Html {

    private Html() {
    }

    public static String escape(Object value) {
        String text = tracker.log.PrintableText.of(String.valueOf(value));
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            String replacement = switch (text.charAt(i)) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (out != null) {
                out.append(replacement != null ? replacement : String.valueOf(text.charAt(i)));
            }
        }
        return out == null ? text : out.toString();
    }
}
