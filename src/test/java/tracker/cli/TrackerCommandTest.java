package tracker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** A command line holding one subcommand must behave as the full one for that subcommand's arguments. */
class TrackerCommandTest {

    @Test
    void everySubcommandIsNamedAsItsAnnotationNamesIt() {
        for (Map.Entry<String, Class<?>> entry : TrackerCommand.SUBCOMMANDS.entrySet()) {
            assertEquals(entry.getValue().getAnnotation(Command.class).name(), entry.getKey());
        }
        List<String> names = new ArrayList<>(TrackerCommand.SUBCOMMANDS.keySet());
        names.add("help");
        assertEquals(names, List.copyOf(TrackerCommand.commandLine().getSubcommands().keySet()));
    }

    private static String run(CommandLine commandLine, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return "exit " + exit + "\nout:\n" + out + "err:\n" + err;
    }

    @Test
    void helpUsageErrorsAndUnknownCommandsReadTheSame() {
        List<String[]> cases = new ArrayList<>();
        for (String name : TrackerCommand.SUBCOMMANDS.keySet()) {
            cases.add(new String[] {name, "--help"});
            cases.add(new String[] {name, "--no-such-option"});
        }
        cases.add(new String[] {"history", "--limit", "-1", "--db", "/nonexistent/tracker"});
        cases.add(new String[] {"dump", "--db", "/nonexistent/tracker"});
        cases.add(new String[] {"no-such-command"});
        cases.add(new String[] {"--help"});
        cases.add(new String[] {"--version"});
        cases.add(new String[] {});
        for (String[] args : cases) {
            assertEquals(run(TrackerCommand.commandLine(), args), run(TrackerCommand.commandLineFor(args), args),
                    String.join(" ", args));
        }
    }
}
