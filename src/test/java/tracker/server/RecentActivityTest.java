package tracker.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The rates tracker top shows, from the ledger's per-second samples, on a clock given here. */
class RecentActivityTest {

    private static final long SECOND = 1_000_000;
    private static final long START = 1_764_000_000L * SECOND;

    @Test
    void eventsPerSecondCountFromTheNewestSampleAtLeastASecondOld() {
        RecentActivity activity = new RecentActivity(START, 10_000);
        assertEquals(0.0, activity.eventsPerSecond(START + SECOND / 2, 10_500), "no sample a second old yet");
        activity.note(START + SECOND + SECOND / 2, 11_000, 0);
        // the sample of second 1 (at 1.5 s, 11,000 events) is the newest a second old at 2.0 s
        assertEquals(1_000.0, activity.eventsPerSecond(START + 2 * SECOND, 11_500), 1e-9);
        activity.note(START + 2 * SECOND, 11_500, 0);
        assertEquals(0.0, activity.eventsPerSecond(START + 10 * SECOND, 11_500), 1e-9, "quiet: nothing new");
    }

    @Test
    void reapsCountOverTheLastMinuteOnly() {
        RecentActivity activity = new RecentActivity(START, 0);
        activity.note(START + 30 * SECOND, 0, 2);
        activity.note(START + 40 * SECOND, 0, 4);
        assertEquals(5, activity.reapsLastMinute(START + 50 * SECOND, 5), "younger than a minute: every reap");
        // a minute after second 30, its two reaps no longer count
        assertEquals(3, activity.reapsLastMinute(START + 95 * SECOND, 5));
        assertEquals(95, activity.uptimeSeconds(START + 95 * SECOND));
    }
}
