package tracker.device;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Tenstorrent cards the kernel driver (tt-kmd) exposes in sysfs, and the TT-Metal logical
 * device ids they probably carry.
 *
 * <p>The driver documents its attributes in tt-kmd's {@code docs/sysfs-attributes.md}: one
 * directory per PCIe device, {@code /sys/class/tenstorrent/tenstorrent!<N>/} for
 * {@code /dev/tenstorrent/<N>}, holding {@code tt_card_type} ("Card type identifier (e.g.,
 * "p150a", "n150")", Wormhole and Blackhole only, and only when the firmware reports it).
 * Grayskull cards and older firmware have no card type: their devices stay unknown.
 *
 * <p>Logical ids: TT-Metal numbers the chips a PCIe device reaches directly first, in the
 * driver's order, then the chips reached over Ethernet. So each {@code tenstorrent!<N>}, in
 * order of N, is one logical device, and the second chip of each n300 card (which has no PCIe
 * device of its own) follows all of them, in the same order. This is a guess that can be
 * wrong: with TT_METAL_VISIBLE_DEVICES set, on systems wired into meshes (T3000, Galaxy), or
 * if TT-Metal orders its chips otherwise; {@code --device-info} then gives the truth.
 * Stateless; thread-safe.
 */
final class TenstorrentSysfs {

    private static final Pattern DEVICE_DIRECTORY = Pattern.compile("tenstorrent!(\\d{1,6})");
    /** a card type is a short name: anything longer is not read as one */
    private static final int MAX_ATTRIBUTE_BYTES = 64;

    private TenstorrentSysfs() {
    }

    /** The capacities sysfs under {@code sysRoot} (normally {@code /sys}) gives, by logical device id. */
    static Map<Integer, DeviceCapacity> capacities(Path sysRoot) {
        Map<Integer, String> cardTypes = cardTypes(sysRoot.resolve("class").resolve("tenstorrent"));
        Map<Integer, DeviceCapacity> capacities = new TreeMap<>();
        List<CardSizes.Chip> remote = new ArrayList<>();
        int logicalId = 0;
        for (String cardType : cardTypes.values()) {
            Optional<CardSizes.Chip> chip = cardType == null ? Optional.empty() : CardSizes.of(cardType);
            if (chip.isPresent()) {
                capacities.put(logicalId, capacity(logicalId, chip.get(), cardType));
                if (chip.get().chipsPerCard() == 2) {
                    remote.add(chip.get());
                }
            }
            logicalId++;
        }
        for (CardSizes.Chip chip : remote) {
            capacities.put(logicalId, capacity(logicalId, chip, chip.cardType()));
            logicalId++;
        }
        return capacities;
    }

    private static DeviceCapacity capacity(int deviceId, CardSizes.Chip chip, String cardType) {
        return new DeviceCapacity(deviceId, chip.archType(), java.util.OptionalLong.of(chip.dramBytes()),
                java.util.OptionalLong.of(chip.l1Bytes()), chip.dramChannels(), chip.dramBytesPerChannel(),
                chip.l1BytesPerCore(), "sysfs:" + cardType);
    }

    /** Per driver device number, in order, its card type, or null when it has none (or it cannot be read). */
    private static Map<Integer, String> cardTypes(Path classDirectory) {
        Map<Integer, String> types = new TreeMap<>();
        if (!Files.isDirectory(classDirectory)) {
            return types;
        }
        try (var entries = Files.list(classDirectory)) {
            entries.forEach(entry -> {
                Matcher name = DEVICE_DIRECTORY.matcher(entry.getFileName().toString());
                if (name.matches()) {
                    types.put(Integer.parseInt(name.group(1)), readAttribute(entry.resolve("tt_card_type")));
                }
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            // a driver unloaded while listing: no device is known
            return new TreeMap<>();
        }
        return types;
    }

    private static String readAttribute(Path file) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0 || bytes.length > MAX_ATTRIBUTE_BYTES) {
                return null;
            }
            return new String(bytes, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            // missing (Grayskull, older firmware) or unreadable: this device stays unknown
            return null;
        }
    }
}
