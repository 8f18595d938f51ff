package tracker.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

class VersionSnifferTest {

    static byte[] frames(WireVersion version, int count) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            out.writeBytes(FrameCodec.encodeRequest(version,
                    new Frame(MessageType.ALLOC.code(), 0, 4096, 0, 777, 0x1000L * (i + 1), 123)));
        }
        return out.toByteArray();
    }

    @Test
    void recognisesV1FramesReadAsV3() {
        assertEquals(WireVersion.V1, VersionSniffer.shorterVersionIn(frames(WireVersion.V1, 4), 0, WireVersion.V3));
    }

    @Test
    void recognisesV2FramesReadAsV3() {
        assertEquals(WireVersion.V2, VersionSniffer.shorterVersionIn(frames(WireVersion.V2, 4), 0, WireVersion.V3));
    }

    @Test
    void recognisesV1FramesReadAsV2() {
        assertEquals(WireVersion.V1, VersionSniffer.shorterVersionIn(frames(WireVersion.V1, 4), 0, WireVersion.V2));
    }

    @Test
    void neverFiresOnWellFramedStreams() {
        for (WireVersion version : WireVersion.values()) {
            byte[] bytes = frames(version, 4);
            for (int i = 0; i < 4; i++) {
                assertNull(VersionSniffer.shorterVersionIn(bytes, i * version.frameBytes(), version), version + " " + i);
            }
        }
    }
}
