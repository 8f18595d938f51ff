package tracker.proc;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks a process's tags out of its environment: every {@code TRACKER_TAG_<KEY>=<value>}
 * (the tag {@code KEY}, as written) and the CI variables of {@link #CI_VARIABLES} (under
 * their own names). No other variable is ever kept: the environment holds secrets.
 * Bounded: at most {@link #MAX_TAGS} tags, each key and each value at most
 * {@link #MAX_BYTES} bytes; a tag past the bounds is dropped whole and counted, never cut.
 * Stateless, thread-safe.
 */
public final class TagSelection {

    public static final String PREFIX = "TRACKER_TAG_";
    public static final int MAX_TAGS = 32;
    public static final int MAX_BYTES = 256;

    /** Who ran the process, as the common CI systems say it: README "Tags" lists them. */
    public static final List<String> CI_VARIABLES = List.of(
            // GitHub Actions
            "GITHUB_REPOSITORY", "GITHUB_WORKFLOW", "GITHUB_JOB", "GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT",
            "GITHUB_SHA", "GITHUB_REF_NAME", "RUNNER_NAME",
            // GitLab
            "CI_PROJECT_PATH", "CI_JOB_ID", "CI_JOB_NAME", "CI_PIPELINE_ID", "CI_COMMIT_SHA",
            // Jenkins
            "BUILD_TAG", "JOB_NAME", "BUILD_NUMBER",
            // Buildkite
            "BUILDKITE_JOB_ID", "BUILDKITE_PIPELINE_SLUG",
            // Slurm
            "SLURM_JOB_ID");

    private static final Set<String> CI = Set.copyOf(CI_VARIABLES);

    private TagSelection() {
    }

    /** The tags of an environment as {@code /proc/<pid>/environ} holds it: NUL-separated {@code NAME=value}. */
    public static ProcessTags of(byte[] environ) {
        Map<String, String> tags = new LinkedHashMap<>();
        int dropped = 0;
        int start = 0;
        while (start < environ.length) {
            int from = start;
            int end = from;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            start = end + 1;
            int equals = indexOf(environ, from, end, (byte) '=');
            if (equals <= from) {
                continue;
            }
            String name = new String(environ, from, equals - from, StandardCharsets.UTF_8);
            boolean prefixed = name.startsWith(PREFIX);
            String key = prefixed ? name.substring(PREFIX.length()) : CI.contains(name) ? name : null;
            // a name given twice: getenv finds the first, and so do tags
            if (key == null || key.isEmpty() || tags.containsKey(key)) {
                continue;
            }
            int keyBytes = equals - from - (prefixed ? PREFIX.length() : 0);
            int valueBytes = end - equals - 1;
            if (tags.size() >= MAX_TAGS || keyBytes > MAX_BYTES || valueBytes > MAX_BYTES) {
                dropped++;
            } else {
                tags.put(key, new String(environ, equals + 1, valueBytes, StandardCharsets.UTF_8));
            }
        }
        return new ProcessTags(tags, dropped, false);
    }

    private static int indexOf(byte[] bytes, int from, int to, byte wanted) {
        for (int i = from; i < to; i++) {
            if (bytes[i] == wanted) {
                return i;
            }
        }
        return -1;
    }
}
