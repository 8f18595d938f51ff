package tracker.server;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@link TopFigures} off the ledger's in-memory state: the group totals and high-water
 * marks it keeps per event, each holder's live bytes and peak, and the sampled activity. Costs
 * one pass over the processes holding memory. Ledger thread only; stateless.
 */
final class TopFiguresReader {

    private TopFiguresReader() {
    }

    static TopFigures of(Ledger ledger, GroupCapacities capacities, RecentActivity activity, long reapsThisRun,
                         long nowMicros) {
        List<TopFigures.Holder> holders = new ArrayList<>();
        for (ProcessRecord process : ledger.processesHoldingRecords()) {
            String pid = process.identity.resolved() ? Integer.toString(process.identity.pid())
                    : "ns:" + process.identity.reportedPid();
            String command = process.identity.command() == null ? "" : process.identity.command();
            holders.add(new TopFigures.Holder(pid, command, process.tags.tags(),
                    process.peaks.liveTotal(), process.peaks.peakTotal(), process.peaks.liveByDevice()));
        }
        return new TopFigures(nowMicros, activity.uptimeSeconds(nowMicros), ledger.events(),
                activity.eventsPerSecond(nowMicros, ledger.events()),
                activity.reapsLastMinute(nowMicros, reapsThisRun), ledger.groups(capacities), holders);
    }
}
