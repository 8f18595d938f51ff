package tracker.cli;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --socket-group}: the name of a group this system knows, checked when the command
 * line is read, so that a daemon bound to fail never starts. Blank means none (an empty
 * TRACKER_SOCKET_GROUP). Thread-safe.
 */
final class GroupConverter implements ITypeConverter<String> {

    @Override
    public String convert(String text) {
        String name = text.trim();
        if (name.isEmpty()) {
            return null;
        }
        try {
            FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(name);
            return name;
        } catch (UserPrincipalNotFoundException e) {
            throw new TypeConversionException("no group named '" + name + "' on this system");
        } catch (IOException e) {
            throw new TypeConversionException("cannot look up the group '" + name + "': " + e.getMessage());
        }
    }
}
