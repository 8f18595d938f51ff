package tracker.faults;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tracker.proc.Liveness;
import tracker.proc.PeerResolver;
import tracker.proc.ProcFs;
import tracker.proc.ProcessIdentity;
import tracker.proc.ProcessProbe;

/**
 * Run in a JVM of its own under a low descriptor limit: uses up every file descriptor, as a
 * daemon at its limit has, then asks the daemon's /proc readers about itself (a live
 * process), then frees the descriptors and asks again. Prints
 * {@code at-limit <liveness> <start ticks the resolver found>} and {@code after <liveness>}.
 */
public final class ProbeAtDescriptorLimit {

    private ProbeAtDescriptorLimit() {
    }

    public static void main(String[] args) throws IOException {
        int self = ProcFs.selfPid();
        ProcFs procFs = new ProcFs();
        ProcessProbe probe = new ProcessProbe(procFs);
        PeerResolver resolver = new PeerResolver(procFs);
        long start = procFs.stat(self).orElseThrow().startTicks();
        // every class the questions need is loaded now: a class file cannot be opened without a descriptor
        System.out.println("start " + start + " " + probe.probe(self, start, probe.bootId()) + " "
                + resolver.resolve(self, self, 0).identity().startTicks());
        List<FileChannel> held = new ArrayList<>();
        String why = "";
        try {
            while (true) {
                held.add(FileChannel.open(Path.of("/dev/null")));
            }
        } catch (IOException full) {
            why = String.valueOf(full.getMessage());
        }
        Liveness atLimit = probe.probe(self, start, probe.bootId());
        ProcessIdentity identity = resolver.resolve(self, self, 0).identity();
        for (FileChannel channel : held) {
            channel.close();
        }
        System.out.println("full after " + held.size() + " descriptors: " + why);
        System.out.println("at-limit " + atLimit + " " + identity.startTicks());
        System.out.println("after " + probe.probe(self, start, probe.bootId()));
    }
}
