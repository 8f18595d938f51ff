package tracker.device;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Memory sizes per chip of each Tenstorrent card type, keyed by the card type the kernel
 * driver reports (see {@link TenstorrentSysfs}). Nominal figures, not read from the device:
 * TT-Metal's allocator reserves part of each memory for itself (firmware, dispatch, barriers)
 * and a harvested chip may have fewer worker cores, so what a program can allocate is somewhat
 * less. Where a figure is a guess it says so; {@code --device-info} replaces any of them.
 *
 * <p>Sources: DRAM is channels x bytes per channel as in TT-Metal's SoC descriptors
 * (Grayskull 8 x 1 GiB, Wormhole 12 x 1 GiB, Blackhole 4 GiB channels: 8 on p150, 7 on p100),
 * which agrees with the product pages (e75/e150 8 GB, n150 12 GB, n300 24 GB for two chips,
 * p100a 28 GB, p150 32 GB). L1 per worker core: Grayskull 1 MiB, Wormhole 1,464 KiB
 * (1,499,136 bytes), Blackhole 1.5 MiB, as in the SoC descriptors. Worker (Tensix) cores per
 * card from the product pages: e75 96, e150 120, n150 72, n300 128 (taken here as 64 per chip,
 * an assumption: the split is not documented per chip), p100a 120, p150 140.
 */
final class CardSizes {

    static final int GRAYSKULL = 1;
    static final int WORMHOLE_B0 = 2;
    static final int BLACKHOLE = 3;

    private static final long GIB = 1L << 30;

    /** One chip of a card type. */
    record Chip(String cardType, int chipsPerCard, int archType, int dramChannels, long dramBytesPerChannel,
                int workerCores, int l1BytesPerCore) {

        long dramBytes() {
            return dramChannels * dramBytesPerChannel;
        }

        long l1Bytes() {
            return (long) workerCores * l1BytesPerCore;
        }
    }

    /** Longest names first: a reported type is matched by its prefix ("p150a" is a p150). */
    private static final List<Chip> TABLE = List.of(
            new Chip("e150", 1, GRAYSKULL, 8, GIB, 120, 1 << 20),
            new Chip("e75", 1, GRAYSKULL, 8, GIB, 96, 1 << 20),
            new Chip("n150", 1, WORMHOLE_B0, 12, GIB, 72, 1_499_136),
            new Chip("n300", 2, WORMHOLE_B0, 12, GIB, 64, 1_499_136),
            new Chip("p100", 1, BLACKHOLE, 7, 4 * GIB, 120, 1_572_864),
            new Chip("p150", 1, BLACKHOLE, 8, 4 * GIB, 140, 1_572_864));

    private CardSizes() {
    }

    /** The sizes of one chip of the card the driver calls {@code reported}, or empty when not in the table. */
    static Optional<Chip> of(String reported) {
        String name = reported.strip().toLowerCase(Locale.ROOT);
        return TABLE.stream().filter(chip -> name.startsWith(chip.cardType())).findFirst();
    }
}
