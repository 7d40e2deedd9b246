package io.tollgate.policy.access;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A token kept in a file only its owner can read (permissions 600): where a service keeps the
 * token nobody configured, where {@code tollgate up} keeps the tokens it generates, and where the
 * CLI finds them. Services and the CLI agree on the file names ({@link #OPERATOR}, {@link #ADMIN}).
 * A file that exists is reused, so a restart keeps the token; delete it to rotate.
 */
public final class TokenFile {

    /** File name of the operator token (metering-stream and budget-alerts). */
    public static final String OPERATOR = "operator-token";
    /** File name of the gateway's admin token. */
    public static final String ADMIN = "admin-token";

    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private TokenFile() {
    }

    /** What {@link #readOrCreate} found. */
    public record Resolved(AccessToken token, Path file, boolean created) {
    }

    /** The token in {@code file}; empty when there is no such file. */
    public static Optional<AccessToken> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(AccessToken.of(Files.readString(file, StandardCharsets.UTF_8), "token file " + file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read token file " + file + ": " + e.getMessage()
                    + "; it must be readable by the user running Tollgate", e);
        }
    }

    /** The token in {@code file}, or a new random one written there readable by its owner only. */
    public static Resolved readOrCreate(Path file) {
        Optional<AccessToken> existing = read(file);
        if (existing.isPresent()) {
            warnIfShared(file);
            return new Resolved(existing.get(), file, false);
        }
        AccessToken token = AccessToken.generate();
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", ownerOnly(dir));
            try {
                Files.writeString(temp, token.value() + "\n", StandardCharsets.UTF_8);
                // no REPLACE_EXISTING: when another process wrote the file first, both use its token
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                return new Resolved(read(file).orElseThrow(), file, false);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write token file " + file + ": " + e.getMessage()
                    + "; make its directory writable or configure the token instead", e);
        }
        return new Resolved(token, file, true);
    }

    /**
     * {@code configured} when set, else the token of {@code file} (created when missing); logs which,
     * naming the file's path and never the token.
     *
     * @param what     e.g. "operator token", for the log
     * @param variable the setting that configures it, e.g. TOLLGATE_OPERATOR_TOKEN, for the log
     */
    public static AccessToken configuredOrFile(Optional<AccessToken> configured, Path file, String what, String variable) {
        if (configured.isPresent()) {
            return configured.get();
        }
        Resolved resolved = readOrCreate(file);
        LOG.info("{} not configured ({}): {} {} (readable by its owner only); clients send it as "
                        + "'Authorization: Bearer <token>'", what, variable,
                resolved.created() ? "generated one into" : "using the one in", resolved.file().toAbsolutePath());
        return resolved.token();
    }

    private static FileAttribute<?>[] ownerOnly(Path dir) throws IOException {
        return Files.getFileStore(dir).supportsFileAttributeView("posix")
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
    }

    private static void warnIfShared(Path file) {
        try {
            if (Files.getFileStore(file).supportsFileAttributeView("posix")
                    && !OWNER_ONLY.containsAll(Files.getPosixFilePermissions(file))) {
                LOG.warn("token file {} can be read by other users ({}); restrict it with 'chmod 600 {}'",
                        file.toAbsolutePath(), PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file);
            }
        } catch (IOException e) {
            LOG.warn("cannot check the permissions of token file {}: {}", file.toAbsolutePath(), e.getMessage());
        }
    }
}
