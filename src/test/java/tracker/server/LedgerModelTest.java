package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import tracker.proc.ProcessIdentity;
import tracker.reaper.ReapReason;
import tracker.reaper.StoredReapTarget;
import tracker.store.Database;
import tracker.store.ProcessRow;
import tracker.store.StoreWriter;
import tracker.store.StoredState;
import tracker.store.Queries;
import tracker.wire.DeviceTotals;
import tracker.wire.MessageType;

/**
 * The ledger against a model of a few lines: random frames of several processes (repeats,
 * frees of unknown keys, frames for processes already reaped, as a connection that cached
 * them sends), deaths, reaps, commits, clean restarts and kill -9 restarts (a restart reloads
 * what was committed to a real H2 file, as the daemon's start does; a kill -9 loses what was
 * not cut). After every step QUERY totals, the live records and the counters agree with the
 * model, and no record's owner is ended; after every commit the stored live set (what dump
 * and stats read), the audit and the stored counters agree too.
 */
class LedgerModelTest {

    private static final int PROCESSES = 4;
    private static final int DEVICES = 2;
    private static final MessageType[] TYPES = {MessageType.ALLOC, MessageType.FREE, MessageType.CB_ALLOC,
            MessageType.CB_FREE, MessageType.KERNEL_LOAD, MessageType.KERNEL_UNLOAD};
    private static final int[] BUFFER_TYPES = {0, 1, 3}; // DRAM, L1, L1_SMALL

    sealed interface Step {
    }

    record Frame(int process, MessageType type, int device, long buffer, long size, int bufferType) implements Step {
    }

    record Die(int process) implements Step {
    }

    record Reap() implements Step {
    }

    record Commit() implements Step {
    }

    record CleanRestart() implements Step {
    }

    record Kill9() implements Step {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> frame = Combinators.combine(Arbitraries.integers().between(0, PROCESSES - 1),
                Arbitraries.of(TYPES), Arbitraries.integers().between(0, DEVICES - 1),
                Arbitraries.longs().between(1, 5), Arbitraries.of(64L, 4096L, 1L << 20),
                Arbitraries.of(0, 1, 2)).as((p, t, d, b, s, bt) -> new Frame(p, t, d, b * 0x1000, s, BUFFER_TYPES[bt]));
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(20, frame),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, PROCESSES - 1).map(Die::new)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(new Reap())),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(new Commit())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new CleanRestart())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Kill9())));
        return step.list().ofMinSize(5).ofMaxSize(40);
    }

    @Property(tries = 12, shrinking = ShrinkingMode.BOUNDED)
    void theLedgerAgreesWithTheModelAcrossReapsAndRestarts(@ForAll("steps") List<Step> steps) throws IOException {
        Path directory = Files.createTempDirectory("tracker-ledger-model");
        try (Harness harness = new Harness(directory)) {
            for (int i = 0; i < steps.size(); i++) {
                harness.apply(steps.get(i));
                harness.check("after step " + i + " " + steps.get(i) + " of " + steps);
            }
        } finally {
            try (var files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    private enum Life { ALIVE, DEAD, ENDED }

    /** A live record as both sides see it: owner's pid, kind, device, buffer, size, ref count. */
    record Held(int pid, String kind, int device, long buffer, long size, int refCount) {
    }

    /** The daemon's parts that hold state, and the model beside them. */
    private static final class Harness implements AutoCloseable {
        private final Path database;
        private Database db;
        private StoreWriter writer;
        private Ledger ledger;
        private ProcessRegistry registry;
        private long nextReapId;
        private long now = 1_000_000;
        /** what each pid's connection resolved it to this run (a connection keeps it after a reap) */
        private final Map<Integer, ProcessRecord> cached = new HashMap<>();

        private final Life[] life = new Life[PROCESSES];
        /** (pid, kind, device, buffer) to {size, refCount} */
        private Map<List<Object>, long[]> live = new TreeMap<>(Harness::compareKeys);
        private long events;
        private long deadFrames;
        private Map<List<Object>, long[]> committedLive = new TreeMap<>(Harness::compareKeys);
        private long committedEvents;
        private long committedDeadFrames;
        private final List<Held> pendingAudit = new ArrayList<>();
        private final List<Held> committedAudit = new ArrayList<>();

        Harness(Path directory) {
            this.database = directory.resolve("tracker");
            java.util.Arrays.fill(life, Life.ALIVE);
            open();
        }

        private static int compareKeys(List<Object> a, List<Object> b) {
            return a.toString().compareTo(b.toString());
        }

        private static int pid(int process) {
            return 40_000 + process;
        }

        private static ProcessIdentity identity(int process) {
            return new ProcessIdentity(pid(process), pid(process), 7_000 + process, 1000, "model " + process);
        }

        /** As TrackerDaemon.startOnOpenDatabase: reap what died, reload what was committed. */
        private void open() {
            db = Database.open(database, Database.Access.READ_WRITE);
            writer = StoreWriter.of(db);
            Map<ProcessRow, ReapReason> dead = new java.util.LinkedHashMap<>();
            for (ProcessRow row : db.jdbi().withHandle(Queries::processesHoldingRecords)) {
                if (life[row.pid() - pid(0)] != Life.ALIVE) {
                    dead.put(row, ReapReason.DEAD_AT_STARTUP);
                }
            }
            new StoredReapTarget(db, () -> now++).reap(dead);
            for (int p = 0; p < PROCESSES; p++) {
                if (life[p] != Life.ALIVE) {
                    reapInModel(p);
                    committedLive = copy(live);
                    committedAudit.addAll(pendingAudit);
                    pendingAudit.clear();
                }
            }
            StoredState state = StoredState.load(db.jdbi());
            registry = new ProcessRegistry(state.nextProcessId(), "boot");
            ledger = new Ledger(state.nextChunkId(), state.nextSegmentSeq(), state.counters(), Map.of(), line -> { });
            nextReapId = state.nextReapId();
            ledger.restoreAll(state, registry);
            cached.clear();
            checkStored();
        }

        void apply(Step step) {
            now += 10;
            if (step instanceof Frame frame) {
                frame(frame);
            } else if (step instanceof Die die) {
                if (life[die.process()] == Life.ALIVE) {
                    life[die.process()] = Life.DEAD;
                }
            } else if (step instanceof Reap) {
                reap();
            } else if (step instanceof Commit) {
                commit();
            } else if (step instanceof CleanRestart) {
                commit();
                db.close();
                open();
            } else if (step instanceof Kill9) {
                db.close(); // nothing more is cut: what the ledger held is lost
                live = copy(committedLive);
                events = committedEvents;
                deadFrames = committedDeadFrames;
                pendingAudit.clear();
                for (int p = 0; p < PROCESSES; p++) {
                    if (life[p] == Life.ENDED) {
                        life[p] = Life.DEAD; // its reap was not committed: the start-up pass reaps it again
                    }
                }
                open();
            }
        }

        private void frame(Frame frame) {
            int p = frame.process();
            ProcessRecord record = cached.get(p);
            if (life[p] != Life.ALIVE && record == null) {
                return; // a dead process reaches the ledger only through a connection that resolved it before
            }
            if (record == null) {
                record = registry.intern(identity(p), now);
                cached.put(p, record);
            }
            ledger.apply(new Event(frame.type(), frame.device(), frame.size(), frame.bufferType(), record,
                    frame.buffer(), 0, now));
            events++;
            if (life[p] == Life.ENDED) {
                deadFrames++;
                return;
            }
            String kind = switch (frame.type()) {
                case CB_ALLOC, CB_FREE -> "CB";
                case KERNEL_LOAD, KERNEL_UNLOAD -> "KERNEL";
                default -> "BUFFER";
            };
            List<Object> key = List.of(pid(p), kind, frame.device(), frame.buffer());
            long[] held = live.get(key);
            if (frame.type().allocates()) {
                if (held != null) {
                    held[1]++;
                } else {
                    long slot = kind.equals("BUFFER") ? frame.bufferType() : kind.equals("CB") ? 5 : 6;
                    live.put(key, new long[] {frame.size(), 1, slot});
                }
            } else if (held != null && --held[1] == 0) {
                live.remove(key);
            }
        }

        /** Every process found dead is reaped, as the reaper's pass does through the ledger thread. */
        private void reap() {
            for (int p = 0; p < PROCESSES; p++) {
                if (life[p] != Life.DEAD) {
                    continue;
                }
                ProcessRecord record = cached.get(p);
                if (record == null) {
                    int pid = pid(p);
                    record = ledger.processesHoldingRecords().stream().filter(r -> r.identity.pid() == pid)
                            .findFirst().orElse(null);
                }
                if (record != null && ledger.process(record.id) != null) {
                    if (ledger.reap(record, "EXITED", nextReapId, now) != null) {
                        nextReapId++;
                    }
                    registry.forget(record);
                }
                reapInModel(p);
            }
        }

        private void reapInModel(int p) {
            var it = live.entrySet().iterator();
            while (it.hasNext()) {
                var entry = it.next();
                if (entry.getKey().get(0).equals(pid(p))) {
                    pendingAudit.add(held(entry.getKey(), entry.getValue()));
                    it.remove();
                }
            }
            life[p] = Life.ENDED;
        }

        private void commit() {
            writer.write(ledger.cut());
            committedLive = copy(live);
            committedEvents = events;
            committedDeadFrames = deadFrames;
            committedAudit.addAll(pendingAudit);
            pendingAudit.clear();
            checkStored();
        }

        private static Map<List<Object>, long[]> copy(Map<List<Object>, long[]> from) {
            Map<List<Object>, long[]> copy = new TreeMap<>(Harness::compareKeys);
            from.forEach((key, value) -> copy.put(key, value.clone()));
            return copy;
        }

        private static Held held(List<Object> key, long[] value) {
            return new Held((Integer) key.get(0), (String) key.get(1), (Integer) key.get(2), (Long) key.get(3),
                    value[0], (int) value[1]);
        }

        private static List<Held> sorted(List<Held> rows) {
            return rows.stream().sorted(Comparator.comparing(Held::toString)).toList();
        }

        private static List<Held> rowsOf(Map<List<Object>, long[]> set) {
            List<Held> rows = new ArrayList<>();
            set.forEach((key, value) -> rows.add(held(key, value)));
            return sorted(rows);
        }

        void check(String where) {
            for (int device = 0; device < DEVICES; device++) {
                long[] slots = new long[7];
                for (var entry : live.entrySet()) {
                    if (entry.getKey().get(2).equals(device)) {
                        slots[(int) entry.getValue()[2]] += entry.getValue()[0];
                    }
                }
                assertEquals(new DeviceTotals(slots[0], slots[1], slots[3], slots[4], slots[5], slots[6]),
                        ledger.totals(device), "QUERY totals of device " + device + " " + where);
            }
            List<Held> records = new ArrayList<>();
            for (LiveRecord record : ledger.liveRecords()) {
                assertFalse(record.owner.ended, "a record of an ended process " + record.key + " " + where);
                assertFalse(life[record.owner.identity.pid() - pid(0)] == Life.ENDED,
                        "a record owned by a reaped process " + where);
                records.add(new Held(record.owner.identity.pid(), record.key.kind().name(), record.key.deviceId(),
                        record.key.bufferId(), record.size, record.refCount));
            }
            assertEquals(rowsOf(live), sorted(records), "live records " + where);
            assertEquals(events, ledger.events(), "events " + where);
            assertEquals(deadFrames, ledger.framesForDeadProcesses(), "frames for dead processes " + where);
        }

        /** What dump and stats read, the audit, and the counters, as committed. */
        private void checkStored() {
            db.jdbi().useHandle(handle -> {
                List<Held> stored = handle.createQuery("SELECT p.pid, a.kind, a.device_id, a.buffer_id, a.size,"
                                + " a.ref_count FROM allocations a JOIN processes p ON p.id = a.process_id")
                        .map((rs, ctx) -> new Held(rs.getInt(1), rs.getString(2), rs.getInt(3), rs.getLong(4),
                                rs.getLong(5), rs.getInt(6))).list();
                assertEquals(rowsOf(committedLive), sorted(stored), "stored live set");
                assertEquals(0L, handle.createQuery("SELECT COUNT(*) FROM allocations a JOIN processes p"
                        + " ON p.id = a.process_id WHERE p.ended_at IS NOT NULL").mapTo(Long.class).one(),
                        "stored records of ended processes");
                List<Held> audit = handle.createQuery("SELECT r.pid, x.kind, x.device_id, x.buffer_id, x.size,"
                                + " x.ref_count FROM reaped_allocations x JOIN reaps r ON r.id = x.reap_id")
                        .map((rs, ctx) -> new Held(rs.getInt(1), rs.getString(2), rs.getInt(3), rs.getLong(4),
                                rs.getLong(5), rs.getInt(6))).list();
                assertEquals(sorted(committedAudit), sorted(audit), "audit");
                Map<String, Long> counters = Queries.counters(handle);
                assertEquals(committedEvents, counters.getOrDefault("events", 0L), "stored events");
                assertEquals(committedDeadFrames, counters.getOrDefault("frames_for_dead_processes", 0L),
                        "stored frames_for_dead_processes");
            });
        }

        @Override
        public void close() {
            db.close();
        }
    }
}
