package tracker.server;

import tracker.wire.MessageType;

/** A decoded, validated, state-changing message, attributed to its process. Immutable. */
record Event(
        MessageType type,
        int deviceId,
        long size,
        int bufferType,
        ProcessRecord process,
        long bufferId,
        long clientTimestamp,
        long receivedMicros) {
}
