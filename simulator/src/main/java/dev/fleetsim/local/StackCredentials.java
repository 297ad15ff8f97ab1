package dev.fleetsim.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.jobs.JobsJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The strict stack's own access key pair: random, made once per state folder and kept in {@code credentials.json}
 * (owner-only), so a restarted stack verifies the same signatures. {@code endpoints.json} hands it to clients.
 */
final class StackCredentials {
    static final String FILE = "credentials.json";
    private static final String KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private StackCredentials() {}

    static AccessKeyPair open(Path stateDir) {
        Path file = stateDir.resolve(FILE);
        try {
            if (Files.exists(file)) {
                JsonNode json = JobsJson.mapper().readTree(file.toFile());
                return new AccessKeyPair(
                        json.path("accessKeyId").asText(),
                        json.path("secretAccessKey").asText());
            }
            SecureRandom random = new SecureRandom();
            AccessKeyPair keys =
                    new AccessKeyPair("AKIA" + text(random, KEY_ID_ALPHABET, 16), text(random, SECRET_ALPHABET, 40));
            Path temp = Files.createTempFile(stateDir, FILE, ".tmp");
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's own permissions protect it
            }
            Files.writeString(
                    temp,
                    JobsJson.mapper()
                            .createObjectNode()
                            .put("accessKeyId", keys.accessKeyId())
                            .put("secretAccessKey", keys.secretAccessKey())
                            .toPrettyString());
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            return keys;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the strict stack's credentials in " + file, e);
        }
    }

    private static String text(SecureRandom random, String alphabet, int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
