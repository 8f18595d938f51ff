package tracker.store;

import java.time.Instant;

/**
 * One state-changing message as the history keeps it.
 *
 * @param refCountAfter the record's reference count after the message (0: gone)
 * @param unknownFree   a free of a record that was not live (allocated before tracking
 *                      began, or already reaped)
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
        boolean unknownFree) {
}
