package tracker.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion",
        description = "Prints the bash completion script, for tracker on PATH and cli/tracker in the checkout: "
                + "source <(tracker completion). A copy is kept in cli/tracker_completion.bash.")
final class CompletionCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().print(script());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }

    static String script() {
        return CompletionScript.bash(TrackerCommand.commandLine());
    }
}
