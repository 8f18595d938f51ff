package tracker.cli;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * Makes SIGTERM and SIGINT ask the daemon to stop, instead of ending the JVM: the stop then
 * returns its own exit status (0 when everything received was committed), where a JVM ended
 * by the signal would always exit 143 or 130. Through {@code sun.misc.Signal}, which the JDK
 * keeps for exactly this; reached by reflection so that the build stays free of warnings
 * about internal API. Where it is missing, the shutdown hook still stops the daemon cleanly.
 */
final class StopSignals {

    private StopSignals() {
    }

    /** @return true when both signals now call {@code stop} (on a thread of their own) */
    static boolean install(Runnable stop) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            InvocationHandler onSignal = (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                    Thread stopper = new Thread(stop, "tracker-stop-signal");
                    stopper.start();
                    return null;
                }
                return method.invoke(stop, args); // equals, hashCode, toString
            };
            Object proxy = Proxy.newProxyInstance(StopSignals.class.getClassLoader(), new Class<?>[] {handler}, onSignal);
            for (String name : new String[] {"TERM", "INT"}) {
                signal.getMethod("handle", signal, handler)
                        .invoke(null, signal.getConstructor(String.class).newInstance(name), proxy);
            }
            return true;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }
}
