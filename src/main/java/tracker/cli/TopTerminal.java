package tracker.cli;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;

/**
 * The live, full-screen {@code tracker top}: the terminal in raw mode on its alternate screen,
 * the figures fetched every interval and drawn by JLine's {@link Display} (which rewrites only
 * the lines that changed), keys read between refreshes, and the layout redone when the terminal
 * is resized. The terminal is given back as it was on every way out. Not thread-safe.
 */
final class TopTerminal {

    /** How often keys and resizes are looked at between refreshes. */
    private static final long KEY_POLL_MS = 100;

    private final DaemonFigures source;
    private final TopView view;
    private final Duration interval;

    TopTerminal(DaemonFigures source, TopView view, Duration interval) {
        this.source = source;
        this.view = view;
        this.interval = interval;
    }

    /** Runs until {@code q} (or the end of input); the exit code. */
    int run() throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            AtomicBoolean resized = new AtomicBoolean();
            AtomicBoolean interrupted = new AtomicBoolean();
            terminal.handle(Terminal.Signal.WINCH, signal -> resized.set(true));
            // Ctrl+C quits like q, through the loop, so that the screen is given back
            terminal.handle(Terminal.Signal.INT, signal -> interrupted.set(true));
            Attributes saved = terminal.enterRawMode();
            terminal.puts(Capability.enter_ca_mode);
            terminal.puts(Capability.cursor_invisible);
            terminal.flush();
            try {
                return loop(terminal, resized, interrupted);
            } finally {
                terminal.puts(Capability.cursor_visible);
                terminal.puts(Capability.exit_ca_mode);
                terminal.setAttributes(saved);
                terminal.flush();
            }
        }
    }

    private int loop(Terminal terminal, AtomicBoolean resized, AtomicBoolean interrupted) throws IOException {
        Display display = new Display(terminal, true);
        Size size = terminal.getSize();
        display.resize(size.getRows(), size.getColumns());
        NonBlockingReader keys = terminal.reader();
        long nextRefresh = System.nanoTime() + interval.toNanos();
        boolean redraw = true;
        while (!interrupted.get()) {
            if (System.nanoTime() - nextRefresh >= 0) {
                refresh();
                nextRefresh = System.nanoTime() + interval.toNanos();
                redraw = true;
            }
            if (resized.getAndSet(false)) {
                size = terminal.getSize();
                display.clear();
                display.resize(size.getRows(), size.getColumns());
                redraw = true;
            }
            if (redraw) {
                draw(display, size);
                terminal.flush();
                redraw = false;
            }
            long untilRefresh = Math.max(1, (nextRefresh - System.nanoTime()) / 1_000_000);
            int key = keys.read(Math.min(KEY_POLL_MS, untilRefresh));
            switch (key) {
                case NonBlockingReader.READ_EXPIRED -> {
                }
                case NonBlockingReader.EOF, 'q', 'Q', 3 /* Ctrl+C */ -> {
                    return ExitCode.OK;
                }
                case 's', 'S' -> {
                    view.nextSort();
                    redraw = true;
                }
                case 'd', 'D' -> {
                    view.nextDevice();
                    redraw = true;
                }
                default -> {
                    // any other key: nothing
                }
            }
        }
        return ExitCode.OK;
    }

    private void refresh() {
        try {
            view.show(source.fetch());
        } catch (DaemonFigures.Unavailable e) {
            view.stale(e.getMessage() + " (showing the last figures; q quits)");
        }
    }

    private void draw(Display display, Size size) {
        // one column short of the edge: a full last column makes some terminals wrap
        List<AttributedString> lines = new ArrayList<>();
        for (String line : TopScreen.render(view, Math.max(1, size.getColumns() - 1), Math.max(1, size.getRows()))) {
            lines.add(new AttributedString(line));
        }
        display.update(lines, -1);
    }
}
