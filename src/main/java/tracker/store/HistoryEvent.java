package tracker.store;

import java.time.Instant;

/**
 * One state-changing message as the history keeps it, or a record a reap removed, as
 * {@code tracker history} shows it after the record's events ({@link #REAPED} and the like:
 * such a row has the reap's time, the reaped process, the record's device, address, type and
 * size, and ref count 0).
 *
 * @param size          for an allocation, its size; for a free, the size of the record it
 *                      released, when {@code recordKnown}
 * @param bufferType    as {@code size}: the memory type (kernel type for kernels) sent with
 *                      the allocation, or the released record's
 * @param refCountAfter the record's reference count after the message (0: gone)
 * @param unknownFree   a free of a record that was not live (allocated before tracking
 *                      began, or already reaped)
 * @param recordKnown   whether size and bufferType describe the record: always for an
 *                      allocation; for a free, only when it released a live record of its
 *                      sender (not for an unknown free, nor one of another process's record,
 *                      nor in history written before frees kept them)
 */
public record HistoryEvent(
        long processId,
        Integer pid,
        Instant receivedAt,
        int typeCode,
        int deviceId,
        int bufferType,
        long size,
        long bufferId,
        long clientTimestamp,
        int refCountAfter,
        boolean unknownFree,
        boolean recordKnown) {

    /** {@link #typeCode} of a buffer a reap removed: beyond the wire's codes, which fit in 4 bits. */
    public static final int REAPED = 0x100;
    /** {@link #typeCode} of a CB a reap removed. */
    public static final int REAPED_CB = 0x101;
    /** {@link #typeCode} of a kernel a reap removed. */
    public static final int REAPED_KERNEL = 0x102;
}
