package tracker.metrics;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Where {@code serve --metrics} listens: {@code HOST:PORT}, {@code [IPv6]:PORT}, or a port alone
 * (loopback, 127.0.0.1). Any address is taken, but only as given: nothing defaults to a
 * network interface.
 */
public record MetricsAddress(InetAddress address, int port) {

    /** @throws IllegalArgumentException with a one-line reason */
    public static MetricsAddress parse(String text) {
        String host;
        String port;
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            host = "127.0.0.1";
            port = text;
        } else {
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty()) {
                throw new IllegalArgumentException("--metrics " + text + ": no host (give 127.0.0.1:PORT, or a port"
                        + " alone for loopback)");
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--metrics " + text + ": not HOST:PORT");
        }
        if (number < 0 || number > 65_535) {
            throw new IllegalArgumentException("--metrics " + text + ": port outside 0..65535");
        }
        try {
            return new MetricsAddress(InetAddress.getByName(host), number);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--metrics " + text + ": unknown host " + host);
        }
    }

    public boolean loopback() {
        return address.isLoopbackAddress();
    }
}
