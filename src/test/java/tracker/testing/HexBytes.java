package tracker.testing;

import java.io.ByteArrayOutputStream;

/** Byte arrays written out by hand as hex, for golden wire frames. */
public final class HexBytes {

    private HexBytes() {
    }

    /** Parses "01 00 ff ..." (whitespace and '|' are ignored) into bytes, in the order written. */
    public static byte[] of(String hex) {
        String digits = hex.replaceAll("[\\s|]", "");
        if (digits.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + hex);
        }
        byte[] bytes = new byte[digits.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(digits.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    public static byte[] zeros(int count) {
        return new byte[count];
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** "offset 17: expected 00, got 03" style description of the first difference, or null. */
    public static String firstDifference(byte[] expected, byte[] actual) {
        if (expected.length != actual.length) {
            return "length: expected " + expected.length + ", got " + actual.length;
        }
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                return String.format("offset %d: expected %02x, got %02x", i, expected[i] & 0xFF, actual[i] & 0xFF);
            }
        }
        return null;
    }
}
