package tracker.device;

import java.util.OptionalLong;

/**
 * The memory sizes of one device (a chip, as TT-Metal numbers them), and where they came from.
 *
 * @param deviceId            TT-Metal's logical device id
 * @param archType            the protocol's arch number (1 Grayskull, 2 Wormhole_B0, 3 Blackhole), 0 when unknown
 * @param dramBytes           the device's DRAM, when known
 * @param l1Bytes             the L1 of all its worker cores together, when known
 * @param dramChannels        0 when unknown
 * @param dramBytesPerChannel 0 when unknown
 * @param l1BytesPerCore      0 when unknown
 * @param source              where the figures came from: the {@code --device-info} file, or
 *                            {@code sysfs:<card type>} (the driver's card type and this
 *                            project's table of sizes per card type, see {@link CardSizes})
 */
public record DeviceCapacity(int deviceId, int archType, OptionalLong dramBytes, OptionalLong l1Bytes,
                             int dramChannels, long dramBytesPerChannel, int l1BytesPerCore, String source) {

    /** The capacity of {@code memory}: DRAM or L1. */
    public OptionalLong bytesOf(Memory memory) {
        return memory == Memory.DRAM ? dramBytes : l1Bytes;
    }
}
