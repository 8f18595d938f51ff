package tracker.server;

/**
 * How much memory a device has for one group of live records (device, kind, type): the one
 * place {@code tracker top} asks, so that a source of capacities plugs in here alone. Today
 * it is the {@code --device-info} file ({@link DeviceCatalog}); a source that also reads sysfs
 * needs only to answer this. Bytes, or {@link TopFigures#UNKNOWN}. Implementations are
 * immutable and thread-safe.
 */
@FunctionalInterface
interface GroupCapacities {

    GroupCapacities NONE = (deviceId, kind, type) -> TopFigures.UNKNOWN;

    /**
     * @param kind BUFFER, CB or KERNEL
     * @param type a buffer's memory type, L1 for a CB, ALL for kernels
     */
    long capacityOf(int deviceId, String kind, String type);
}
