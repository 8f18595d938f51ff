package tracker.cli;

import picocli.CommandLine.Option;

/** {@code --pid P}, shared by the commands that can answer for one process: a host pid, 1 or more. */
final class PidOption {

    @Option(names = "--pid", paramLabel = "PID", converter = CountConverter.Pid.class,
            description = "Only this process (its pid on this host).")
    Integer pid;
}
