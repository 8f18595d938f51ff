package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The help a person asks for: each way of asking prints the command's own usage, with every option. */
class HelpTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = TrackerCommand.commandLineFor(args);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everySubcommandPrintsItsOwnUsageForEachWayOfAsking() {
        for (String name : TrackerCommand.SUBCOMMANDS.keySet()) {
            CommandLine full = TrackerCommand.commandLine().getSubcommands().get(name);
            for (String[] ask : new String[][] {{name, "--help"}, {name, "-h"}, {"help", name}}) {
                Run run = run(ask);
                String what = String.join(" ", ask);
                assertEquals(0, run.exit(), what + ": " + run.err());
                assertTrue(run.out().startsWith("Usage: tracker " + name), what + ":\n" + run.out());
                assertEquals("", run.err(), what);
                for (OptionSpec option : full.getCommandSpec().options()) {
                    assertFalse(option.hidden(), name + " hides " + option.longestName() + " from its help");
                    assertTrue(run.out().contains(option.longestName()), what + " lists " + option.longestName()
                            + ":\n" + run.out());
                }
            }
        }
    }

    @Test
    void bareTrackerPrintsUsageAsAUsageError() {
        Run run = run();
        assertEquals(ExitCode.USAGE, run.exit());
        assertTrue(run.err().startsWith("Usage: tracker"), run.err());
        for (String name : TrackerCommand.SUBCOMMANDS.keySet()) {
            assertTrue(run.err().contains(name), name + " is listed:\n" + run.err());
        }
    }

    @Test
    void pruneHelpDoesNotAskForItsRequiredOption() {
        Run run = run("prune", "--help");
        assertEquals(0, run.exit(), run.err());
        assertTrue(run.out().contains("--older-than"), run.out());
    }
}
