package tracker.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.ResultSet;
import org.h2.result.ResultInterface;

/**
 * What the {@link SqlViews} table functions return: H2's own result, dressed as a JDBC result
 * set. H2 accepts a Java table function only if its declared return type is a
 * {@link ResultSet}, and copies a plain result set row by row into a result of its own at
 * every call, which in a join is once per outer row; a returned object that is also one of
 * its own {@link ResultInterface}s it reads as it is. No class is both, so this interface
 * says it, and {@link #of} makes a proxy that forwards H2's calls to a
 * {@link org.h2.result.SimpleResult} sharing the cached rows. Nothing but H2 ever holds one:
 * the JDBC methods are refused.
 */
public interface SharedRows extends ResultSet, ResultInterface {

    @Override
    boolean next();

    @Override
    void close();

    @Override
    boolean isAfterLast();

    @Override
    boolean isClosed();

    @Override
    int getFetchSize();

    @Override
    void setFetchSize(int rows);

    static SharedRows of(ResultInterface rows) {
        return (SharedRows) Proxy.newProxyInstance(SharedRows.class.getClassLoader(),
                new Class<?>[] {SharedRows.class}, new Forward(rows));
    }

    /** Forwards to the result; the two calls made per row go straight through. */
    final class Forward implements InvocationHandler {
        private final ResultInterface rows;

        Forward(ResultInterface rows) {
            this.rows = rows;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] arguments) throws Throwable {
            String name = method.getName();
            if (arguments == null) {
                if (name.equals("next")) {
                    return rows.next();
                }
                if (name.equals("currentRow")) {
                    return rows.currentRow();
                }
            }
            if (method.getDeclaringClass() == Object.class) {
                return switch (name) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == arguments[0];
                    default -> "SharedRows[" + rows.getRowCount() + " rows]";
                };
            }
            Method target;
            try {
                target = ResultInterface.class.getMethod(name, method.getParameterTypes());
            } catch (NoSuchMethodException e) {
                throw new UnsupportedOperationException(name + " on H2's own result");
            }
            try {
                return target.invoke(rows, arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
