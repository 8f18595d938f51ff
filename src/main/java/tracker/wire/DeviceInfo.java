package tracker.wire;

/**
 * What a DEVICE_INFO_RESPONSE carries. For device -1 only {@code deviceCount} and
 * {@code available} are meaningful.
 */
public record DeviceInfo(
        long totalDramBytes,
        long totalL1Bytes,
        int archType,
        int dramChannels,
        int dramBytesPerChannel,
        int l1BytesPerCore,
        boolean available,
        int deviceCount) {

    public static DeviceInfo unavailable(int deviceCount) {
        return new DeviceInfo(0, 0, 0, 0, 0, 0, false, deviceCount);
    }
}
