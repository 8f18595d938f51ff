package tracker.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --tag KEY=VALUE} or {@code --tag KEY}, repeatable, shared by the commands that answer per process. */
final class TagOption {

    @Option(names = "--tag", paramLabel = "KEY[=VALUE]", converter = TagMatch.Converter.class,
            description = "Only processes with this tag (KEY=VALUE: with this value; KEY alone: with any value). "
                    + "Repeatable: every one must match.")
    List<TagMatch> tags = new ArrayList<>();

    TagFilter filter() {
        return new TagFilter(tags);
    }
}
