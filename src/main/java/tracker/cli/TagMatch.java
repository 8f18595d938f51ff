package tracker.cli;

/**
 * One {@code --tag}: a process matches when it has the tag {@code key}, with {@code value}
 * unless that is null. The first {@code =} ends the key; the value may hold more of them.
 */
record TagMatch(String key, String value) {

    static final class Converter implements picocli.CommandLine.ITypeConverter<TagMatch> {
        @Override
        public TagMatch convert(String text) {
            int equals = text.indexOf('=');
            String key = equals < 0 ? text : text.substring(0, equals);
            if (key.isEmpty()) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + text + "' has no tag key: KEY=VALUE, or KEY for any value");
            }
            return new TagMatch(key, equals < 0 ? null : text.substring(equals + 1));
        }
    }
}
