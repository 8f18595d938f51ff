package tracker.report;

/** Output formats of every query command. */
public enum Format {
    /** aligned columns with human-readable sizes, for a shell */
    TABLE,
    /** a JSON array of objects with exact bytes, for scripts */
    JSON,
    /** RFC 4180 with a header line and exact bytes, for spreadsheets */
    CSV,
    /** JUnit XML, for CI test reports: {@code tracker leaks} only */
    JUNIT,
    /** Chrome's Trace Event Format (JSON), for Perfetto UI and chrome://tracing: {@code tracker history} only */
    TRACE
}
