package dev.fleetsim.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.cli.FleetsimCommand;
import dev.fleetsim.jobs.JobsJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** An artifact uploaded and signed as an operator does it: {@code fleetsim artifact put --sign}. */
public final class SignedArtifact {
    private SignedArtifact() {}

    /** What the command printed: the job-document fragment (url, size, sha256, codesign) and the text after it. */
    public record Upload(ObjectNode fragment, String output) {}

    public static Upload put(Path file, String bucket, String key, Path stateDir) {
        StringWriter out = new StringWriter();
        int exit = FleetsimCommand.commandLine()
                .setOut(new PrintWriter(out))
                .execute(
                        "artifact",
                        "put",
                        file.toString(),
                        "--bucket",
                        bucket,
                        "--key",
                        key,
                        "--sign",
                        "--state-dir",
                        stateDir.toString());
        String text = out.toString();
        assertThat(exit).as(text).isZero();
        return new Upload((ObjectNode) JobsJson.readTree(text.substring(0, text.indexOf("\n\npresigned URL"))), text);
    }
}
