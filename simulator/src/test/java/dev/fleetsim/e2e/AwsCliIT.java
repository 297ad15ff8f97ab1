package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The AWS CLI (Debian's {@code awscli}, which {@code .ci/run} installs) against the local control plane and jobs data
 * plane with {@code --endpoint-url}. Skipped where the CLI is not installed.
 */
class AwsCliIT {
    private static final Path AWS = Path.of("/usr/bin/aws");

    private record Result(int exitCode, String out, String err) {
        JsonNode json() {
            return JobsJson.readTree(out);
        }
    }

    private static Result aws(String endpoint, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(AWS.toString(), "--endpoint-url", endpoint, "--output", "json"));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("AWS_ACCESS_KEY_ID", "local");
        pb.environment().put("AWS_SECRET_ACCESS_KEY", "local");
        pb.environment().put("AWS_DEFAULT_REGION", "us-east-1");
        pb.environment().put("AWS_PAGER", "");
        pb.environment().put("AWS_CONFIG_FILE", "/dev/null");
        pb.environment().put("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out, err);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theAwsCliWorksUnchanged() throws Exception {
        assumeTrue(Files.isExecutable(AWS), "the AWS CLI is not installed (apt-get install awscli)");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS)) {
            String cp = stack.controlPlaneEndpoint();
            assertThat(aws(cp, "iot", "create-thing", "--thing-name", "cli-1")
                            .json()
                            .get("thingArn")
                            .textValue())
                    .isEqualTo("arn:aws:iot:us-east-1:000000000000:thing/cli-1");
            aws(cp, "iot", "create-thing-group", "--thing-group-name", "cli-g");
            assertThat(aws(
                                    cp,
                                    "iot",
                                    "add-thing-to-thing-group",
                                    "--thing-group-name",
                                    "cli-g",
                                    "--thing-name",
                                    "cli-1")
                            .exitCode())
                    .isZero();
            Result created = aws(
                    cp,
                    "iot",
                    "create-job",
                    "--job-id",
                    "cli-job",
                    "--targets",
                    "arn:aws:iot:us-east-1:000000000000:thinggroup/cli-g",
                    "--document",
                    "{\"op\":\"x\"}",
                    "--timeout-config",
                    "inProgressTimeoutInMinutes=10");
            assertThat(created.exitCode()).as(created.err()).isZero();
            JsonNode job =
                    aws(cp, "iot", "describe-job", "--job-id", "cli-job").json().get("job");
            assertThat(job.get("status").textValue()).isEqualTo("IN_PROGRESS");
            assertThat(job.get("jobProcessDetails").get("numberOfQueuedThings").intValue())
                    .isEqualTo(1);
            assertThat(job.get("createdAt").textValue())
                    .as("the CLI parsed the epoch-seconds timestamp")
                    .startsWith("20");

            String dp = stack.jobsDataPlaneEndpoint();
            JsonNode pending = aws(dp, "iot-jobs-data", "get-pending-job-executions", "--thing-name", "cli-1")
                    .json();
            assertThat(pending.get("queuedJobs").get(0).get("jobId").textValue())
                    .isEqualTo("cli-job");
            JsonNode started = aws(
                            dp,
                            "iot-jobs-data",
                            "start-next-pending-job-execution",
                            "--thing-name",
                            "cli-1",
                            "--status-details",
                            "step=one")
                    .json()
                    .get("execution");
            assertThat(started.get("status").textValue()).isEqualTo("IN_PROGRESS");
            assertThat(started.get("jobDocument").textValue())
                    .as("a string on the HTTPS data plane")
                    .isEqualTo("{\"op\":\"x\"}");
            JsonNode updated = aws(
                            dp,
                            "iot-jobs-data",
                            "update-job-execution",
                            "--thing-name",
                            "cli-1",
                            "--job-id",
                            "cli-job",
                            "--status",
                            "SUCCEEDED",
                            "--include-job-execution-state")
                    .json();
            assertThat(updated.get("executionState").get("status").textValue()).isEqualTo("SUCCEEDED");
            Result again = aws(
                    dp,
                    "iot-jobs-data",
                    "update-job-execution",
                    "--thing-name",
                    "cli-1",
                    "--job-id",
                    "cli-job",
                    "--status",
                    "SUCCEEDED");
            assertThat(again.exitCode()).isNotZero();
            assertThat(again.err()).contains("InvalidStateTransitionException");

            assertThat(aws(cp, "iot", "describe-job", "--job-id", "cli-job")
                            .json()
                            .get("job")
                            .get("status")
                            .textValue())
                    .isEqualTo("COMPLETED");
            Result missing = aws(cp, "iot", "describe-job", "--job-id", "nope");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.err()).contains("ResourceNotFoundException");
            assertThat(aws(cp, "iot", "list-jobs", "--status", "COMPLETED")
                            .json()
                            .get("jobs"))
                    .hasSize(1);
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theAwsCliUploadsListsDownloadsAndPresignsOnTheArtifactStore(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assumeTrue(Files.isExecutable(AWS), "the AWS CLI is not installed (apt-get install awscli)");
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral()).get(60, TimeUnit.SECONDS)) {
            String s3 = stack.s3Endpoint();
            byte[] content = new byte[3_000_000];
            new java.util.Random(3).nextBytes(content);
            Path file = dir.resolve("fw.bin");
            Files.write(file, content);

            assertThat(aws(s3, "s3", "mb", "s3://firmware").exitCode()).isZero();
            Result put = aws(s3, "s3", "cp", file.toString(), "s3://firmware/releases/fw 2.0.bin");
            assertThat(put.exitCode()).as(put.err()).isZero();
            assertThat(aws(s3, "s3api", "list-objects-v2", "--bucket", "firmware")
                            .json()
                            .get("Contents")
                            .get(0)
                            .get("Size")
                            .asLong())
                    .isEqualTo(content.length);
            Path back = dir.resolve("back.bin");
            assertThat(aws(s3, "s3", "cp", "s3://firmware/releases/fw 2.0.bin", back.toString())
                            .exitCode())
                    .isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(content);

            String url = aws(s3, "s3", "presign", "s3://firmware/releases/fw 2.0.bin", "--expires-in", "300")
                    .out()
                    .trim();
            HttpResponse<byte[]> got = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(got.statusCode()).isEqualTo(200);
            assertThat(got.body()).isEqualTo(content);

            Result missing = aws(s3, "s3api", "head-object", "--bucket", "firmware", "--key", "nope");
            assertThat(missing.exitCode()).isNotZero();
            assertThat(missing.err()).contains("404");

            // Over 8 MB the CLI uploads in parts (CreateMultipartUpload, UploadPart, CompleteMultipartUpload).
            byte[] image = new byte[21_000_000];
            new java.util.Random(4).nextBytes(image);
            Path big = dir.resolve("image.bin");
            Files.write(big, image);
            Result multipart = aws(s3, "s3", "cp", big.toString(), "s3://firmware/images/image.bin");
            assertThat(multipart.exitCode()).as(multipart.err()).isZero();
            assertThat(aws(s3, "s3api", "head-object", "--bucket", "firmware", "--key", "images/image.bin")
                            .json()
                            .get("ETag")
                            .asText())
                    .matches("\"[0-9a-f]{32}-3\"");
            Path bigBack = dir.resolve("image-back.bin");
            assertThat(aws(s3, "s3", "cp", "s3://firmware/images/image.bin", bigBack.toString())
                            .exitCode())
                    .isZero();
            assertThat(Files.readAllBytes(bigBack)).isEqualTo(image);
            String started = aws(s3, "s3api", "create-multipart-upload", "--bucket", "firmware", "--key", "left.bin")
                    .json()
                    .get("UploadId")
                    .asText();
            assertThat(aws(s3, "s3api", "list-multipart-uploads", "--bucket", "firmware")
                            .json()
                            .get("Uploads")
                            .get(0)
                            .get("UploadId")
                            .asText())
                    .isEqualTo(started);
            assertThat(aws(
                                    s3,
                                    "s3api",
                                    "abort-multipart-upload",
                                    "--bucket",
                                    "firmware",
                                    "--key",
                                    "left.bin",
                                    "--upload-id",
                                    started)
                            .exitCode())
                    .isZero();
        }
    }
}
