package tracker.faults;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import tracker.wire.Frame;
import tracker.wire.FrameCodec;
import tracker.wire.MessageType;
import tracker.wire.WireVersion;

/**
 * What hostile connections send, as generated pieces of a byte stream, and what the daemon
 * must count of it. Valid frames of hostile connections only ever name devices below
 * {@link #HOSTILE_DEVICES} and pids that no process here can have (or pid 1), so that they
 * never touch what the well-behaved clients hold.
 */
final class HostileInput {

    static final int FRAME = WireVersion.V3.frameBytes();
    /** Hostile frames that are valid use devices 0 .. 999; the well-behaved clients use 1000 and up. */
    static final int HOSTILE_DEVICES = 1000;
    /** Bad frames among the last twenty that make the daemon drop a connection (PROTOCOL: resynchronise or drop). */
    static final int BAD_TO_CLOSE = 10;
    static final int BAD_WINDOW = 20;
    /** Sizes above this (1 TiB, more than any device holds) are corrupt frames to the daemon. */
    static final long MAX_ALLOCATION = 1L << 40;

    private HostileInput() {
    }

    /** One part of a hostile stream. */
    sealed interface Piece {
        byte[] bytes();
    }

    /** A whole frame at a frame boundary, its reply fields zero: well-formed, or breaking exactly one rule. */
    record Whole(Frame frame, boolean bad, String what) implements Piece {
        @Override
        public byte[] bytes() {
            return FrameCodec.encodeRequest(WireVersion.V3, frame);
        }

        @Override
        public String toString() {
            return (bad ? "BAD " + what : "ok ") + " " + frame;
        }
    }

    /** Bytes after which the stream is no longer aligned on frames: garbage, a cut frame, shorter frames. */
    record Unaligned(byte[] bytes, String what) implements Piece {
        @Override
        public String toString() {
            return what + " (" + bytes.length + " bytes)";
        }
    }

    /**
     * A hostile connection: its pieces, how its bytes are cut into writes, and whether it
     * vanishes at once after its last write (closing with replies unread, which may cost it
     * what the daemon had not read yet) instead of ending its output and waiting for the
     * daemon to finish.
     */
    record Stream(List<Piece> pieces, long writeSeed, boolean abrupt) {
        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            pieces.forEach(p -> out.writeBytes(p.bytes()));
            return out.toByteArray();
        }

        /**
         * The malformed frames the daemon must count on this connection: exact over the
         * aligned prefix (ten bad among the last twenty drop the connection), and at most one
         * per frame slot or tail after the first unaligned piece. A connection that vanishes
         * may lose what the daemon had not read: then only the most is known.
         */
        Bounds malformed() {
            Bounds bounds = malformedIfRead();
            return abrupt ? new Bounds(0, bounds.max()) : bounds;
        }

        private Bounds malformedIfRead() {
            int window = 0;
            long counted = 0;
            for (int i = 0; i < pieces.size(); i++) {
                Piece piece = pieces.get(i);
                if (piece instanceof Whole whole) {
                    window = (window << 1 | (whole.bad() ? 1 : 0)) & ((1 << BAD_WINDOW) - 1);
                    if (whole.bad()) {
                        counted++;
                        if (Integer.bitCount(window) >= BAD_TO_CLOSE) {
                            return new Bounds(counted, counted);
                        }
                    }
                } else {
                    long rest = 0;
                    for (Piece later : pieces.subList(i, pieces.size())) {
                        rest += later.bytes().length;
                    }
                    return new Bounds(counted, counted + rest / FRAME + (rest % FRAME == 0 ? 0 : 1));
                }
            }
            return new Bounds(counted, counted);
        }

        @Override
        public String toString() {
            return (abrupt ? "AbruptStream" : "Stream") + pieces;
        }
    }

    record Bounds(long min, long max) {
        Bounds plus(Bounds other) {
            return new Bounds(min + other.min, max + other.max);
        }
    }

    /** pid 1 (alive, never reaped) or a pid above any pid_max (2^22): a dead process. */
    static Arbitrary<Integer> pids() {
        return Arbitraries.frequencyOf(Tuple.of(1, Arbitraries.just(1)),
                Tuple.of(4, Arbitraries.integers().between(5_000_000, Integer.MAX_VALUE)));
    }

    static Arbitrary<Frame> validFrames() {
        Arbitrary<MessageType> types = Arbitraries.frequencyOf(
                Tuple.of(30, Arbitraries.just(MessageType.ALLOC)), Tuple.of(20, Arbitraries.just(MessageType.FREE)),
                Tuple.of(8, Arbitraries.just(MessageType.CB_ALLOC)), Tuple.of(6, Arbitraries.just(MessageType.CB_FREE)),
                Tuple.of(6, Arbitraries.just(MessageType.KERNEL_LOAD)),
                Tuple.of(5, Arbitraries.just(MessageType.KERNEL_UNLOAD)),
                Tuple.of(8, Arbitraries.just(MessageType.QUERY)),
                Tuple.of(4, Arbitraries.just(MessageType.DEVICE_INFO_QUERY)),
                Tuple.of(1, Arbitraries.just(MessageType.DUMP_REMAINING)),
                Tuple.of(1, Arbitraries.just(MessageType.DUMP_KERNELS)));
        return Combinators.combine(types, Arbitraries.integers().between(0, HOSTILE_DEVICES - 1),
                        Arbitraries.longs().between(1, MAX_ALLOCATION), Arbitraries.integers().between(0, 4),
                        pids(), Arbitraries.longs(), Arbitraries.longs())
                .as((type, device, size, memory, pid, bufferId, timestamp) -> switch (type) {
                    case ALLOC -> new Frame(type.code(), device, size, memory, pid, bufferId, timestamp);
                    case CB_ALLOC -> new Frame(type.code(), device, size, 0, pid, bufferId, timestamp);
                    case KERNEL_LOAD -> new Frame(type.code(), device, size, memory % 3, pid, bufferId, timestamp);
                    case FREE, CB_FREE, KERNEL_UNLOAD -> new Frame(type.code(), device, size, 0, pid, bufferId, 0);
                    case QUERY -> new Frame(type.code(), device, 0, 0, pid, 0, 0);
                    case DEVICE_INFO_QUERY -> new Frame(type.code(), memory == 0 ? -1 : device, 0, 0, pid, 0, 0);
                    default -> new Frame(type.code(), 0, 0, 0, pid, 0, 0);
                });
    }

    /** Frames that break one rule of the protocol each. */
    static Arbitrary<Whole> badFrames() {
        Arbitrary<Integer> liveSetTypes = Arbitraries.of(1, 2, 8, 9, 10, 11);
        Arbitrary<Integer> absurdDevices = Arbitraries.oneOf(Arbitraries.integers().between(Integer.MIN_VALUE, -2),
                Arbitraries.integers().between(1024, Integer.MAX_VALUE), Arbitraries.of(-1, 1024, 4096, 65535));
        Arbitrary<Long> absurdSizes = Arbitraries.oneOf(Arbitraries.just(0L),
                Arbitraries.longs().between(MAX_ALLOCATION + 1, Long.MAX_VALUE),
                Arbitraries.longs().between(Long.MIN_VALUE, -1), Arbitraries.just(-1L));
        Arbitrary<Integer> device = Arbitraries.integers().between(0, HOSTILE_DEVICES - 1);
        Arbitrary<Long> ids = Arbitraries.longs();
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(13, 255)),
                                device, pids(), ids)
                        .as((type, d, pid, id) -> new Whole(new Frame(type, d, 4096, 0, pid, id, 1), true,
                                "unknown type " + type)),
                Combinators.combine(Arbitraries.of(4, 7), device, pids())
                        .as((type, d, pid) -> new Whole(new Frame(type, d, 0, 0, pid, 0, 0), true,
                                "reply type " + type + " from a client")),
                Combinators.combine(liveSetTypes, absurdDevices, pids(), ids)
                        .as((type, d, pid, id) -> new Whole(new Frame(type, d, 4096, 0, pid, id, 1), true,
                                "device " + d)),
                Combinators.combine(absurdDevices, pids())
                        .as((d, pid) -> new Whole(new Frame(MessageType.QUERY.code(), d, 0, 0, pid, 0, 0), true,
                                "QUERY of device " + d)),
                Combinators.combine(Arbitraries.of(1, 8, 10), device, absurdSizes, pids(), ids)
                        .as((type, d, size, pid, id) -> new Whole(new Frame(type, d, size, 0, pid, id, 1), true,
                                "size " + Long.toUnsignedString(size))),
                Combinators.combine(Arbitraries.of(1, 10), device, Arbitraries.integers().between(5, 255), pids(), ids)
                        .as((type, d, memory, pid, id) -> new Whole(new Frame(type, d, 4096, memory, pid, id, 1), true,
                                "buffer_type " + memory)),
                Combinators.combine(liveSetTypes, device, Arbitraries.integers().between(Integer.MIN_VALUE, 0), ids)
                        .as((type, d, pid, id) -> new Whole(new Frame(type, d, 4096, 0, pid, id, 1), true,
                                "pid " + pid)));
    }

    static Arbitrary<Unaligned> unalignedPieces() {
        Arbitrary<Unaligned> garbage = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(1, 3000))
                .as((seed, length) -> {
                    byte[] bytes = new byte[length];
                    new Random(seed).nextBytes(bytes);
                    return new Unaligned(bytes, "garbage");
                });
        Arbitrary<Unaligned> truncated = Combinators.combine(validFrames(), Arbitraries.integers().between(1, FRAME - 1))
                .as((frame, length) -> new Unaligned(java.util.Arrays.copyOf(
                        FrameCodec.encodeRequest(WireVersion.V3, frame), length), "first " + length + " bytes of " + frame));
        Arbitrary<Unaligned> shorter = Combinators.combine(Arbitraries.of(WireVersion.V1, WireVersion.V2),
                        validFrames().list().ofMinSize(1).ofMaxSize(12))
                .as((version, frames) -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    frames.forEach(f -> out.writeBytes(FrameCodec.encodeRequest(version, f)));
                    return new Unaligned(out.toByteArray(), frames.size() + " " + version.label() + " frames");
                });
        return Arbitraries.frequencyOf(Tuple.of(2, garbage), Tuple.of(2, truncated), Tuple.of(1, shorter));
    }

    static Arbitrary<Piece> pieces() {
        return Arbitraries.frequencyOf(
                Tuple.of(10, validFrames().map(f -> new Whole(f, false, ""))),
                Tuple.of(6, badFrames()),
                Tuple.of(1, unalignedPieces()));
    }

    static Arbitrary<Stream> streams() {
        return Combinators.combine(pieces().list().ofMinSize(1).ofMaxSize(40), Arbitraries.longs(),
                        Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(false)), Tuple.of(1, Arbitraries.just(true))))
                .as(Stream::new);
    }
}
