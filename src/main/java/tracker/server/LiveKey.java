package tracker.server;

import tracker.wire.RecordKind;

/** A live record's identity: the same address on two devices, or in two kinds, is two records. */
record LiveKey(RecordKind kind, int deviceId, long bufferId) {
}
