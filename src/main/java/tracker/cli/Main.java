package tracker.cli;

/** Entry point of the {@code tracker} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        int code = TrackerCommand.commandLine().execute(args);
        if (!(args.length > 0 && args[0].equals("serve") && code == ExitCode.OK)) {
            System.exit(code);
        }
        System.exit(code);
    }
}
