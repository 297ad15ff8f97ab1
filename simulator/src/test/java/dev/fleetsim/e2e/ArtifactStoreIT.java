package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.local.s3.SigV4;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.TestDevice;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CommonPrefix;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The local artifact store against the real AWS SDK ({@code S3Client}, {@code S3Presigner}) and a plain HTTP client:
 * S3's operations, SigV4 both ways, S3's XML errors, and the Jobs service's presigned placeholders.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ArtifactStoreIT {
    /** The store's largest object here: room for a multipart object of two 5 MiB parts and a small one. */
    private static final long MAX_OBJECT = 12L << 20;

    private static LocalStack stack;
    private static S3Client s3;
    private static S3Presigner presigner;
    private static final HttpClient http = HttpClient.newHttpClient();
    private static final byte[] FIRMWARE = new byte[300_000];

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                        .maxObjectSize(MAX_OBJECT)
                        .build())
                .get(60, TimeUnit.SECONDS);
        s3 = LocalAws.s3(stack);
        presigner = LocalAws.presigner(stack);
        new Random(7).nextBytes(FIRMWARE);
        s3.createBucket(b -> b.bucket("firmware"));
        s3.putObject(b -> b.bucket("firmware").key("fw/device v2.bin"), RequestBody.fromBytes(FIRMWARE));
    }

    @AfterAll
    static void stop() {
        s3.close();
        presigner.close();
        stack.close();
    }

    private static HttpResponse<byte[]> get(String url, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String errorCode(HttpResponse<byte[]> response) {
        String body = new String(response.body(), StandardCharsets.UTF_8);
        int start = body.indexOf("<Code>");
        return start < 0 ? body : body.substring(start + 6, body.indexOf("</Code>"));
    }

    private static String presigned(String bucket, String key, Duration validity) {
        return presigner
                .presignGetObject(r -> r.signatureDuration(validity)
                        .getObjectRequest(g -> g.bucket(bucket).key(key)))
                .url()
                .toString();
    }

    @Test
    void putThenGetHeadAndRangeGiveTheSameBytes() {
        byte[] body = s3.getObjectAsBytes(b -> b.bucket("firmware").key("fw/device v2.bin"))
                .asByteArray();
        assertThat(body).isEqualTo(FIRMWARE);

        var head = s3.headObject(b -> b.bucket("firmware").key("fw/device v2.bin"));
        assertThat(head.contentLength()).isEqualTo(FIRMWARE.length);
        assertThat(head.eTag()).startsWith("\"").hasSize(34);
        assertThat(head.versionId()).isNotBlank();

        byte[] range = s3.getObjectAsBytes(
                        b -> b.bucket("firmware").key("fw/device v2.bin").range("bytes=1000-1999"))
                .asByteArray();
        assertThat(range).isEqualTo(java.util.Arrays.copyOfRange(FIRMWARE, 1000, 2000));
    }

    @Test
    void listObjectsV2PagesWithPrefixAndDelimiter() {
        s3.createBucket(b -> b.bucket("listing"));
        for (String k : List.of("a/1", "a/2", "a/3", "b/1", "c")) {
            s3.putObject(b -> b.bucket("listing").key(k), RequestBody.fromString(k));
        }
        ListObjectsV2Response top = s3.listObjectsV2(b -> b.bucket("listing").delimiter("/"));
        assertThat(top.commonPrefixes()).extracting(CommonPrefix::prefix).containsExactly("a/", "b/");
        assertThat(top.contents()).extracting(S3Object::key).containsExactly("c");

        ListObjectsV2Response page1 =
                s3.listObjectsV2(b -> b.bucket("listing").prefix("a/").maxKeys(2));
        assertThat(page1.contents()).extracting(S3Object::key).containsExactly("a/1", "a/2");
        assertThat(page1.isTruncated()).isTrue();
        ListObjectsV2Response page2 = s3.listObjectsV2(
                b -> b.bucket("listing").prefix("a/").maxKeys(2).continuationToken(page1.nextContinuationToken()));
        assertThat(page2.contents()).extracting(S3Object::key).containsExactly("a/3");
        assertThat(page2.isTruncated()).isFalse();

        s3.deleteObject(b -> b.bucket("listing").key("c"));
        assertThat(s3.listObjectsV2(b -> b.bucket("listing")).keyCount()).isEqualTo(4);
    }

    @Test
    void errorsAreS3sCodes() {
        assertThatThrownBy(() -> s3.getObject(b -> b.bucket("firmware").key("missing")))
                .isInstanceOf(NoSuchKeyException.class);
        assertThatThrownBy(() ->
                        s3.getObjectAsBytes(b -> b.bucket("no-such-bucket").key("k")))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchBucket");
                });
        assertThatThrownBy(() -> s3.createBucket(b -> b.bucket("firmware")))
                .isInstanceOfSatisfying(
                        S3Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("BucketAlreadyOwnedByYou"));
        try (S3Client wrongSecret = LocalAws.s3(stack, "not-the-secret")) {
            assertThatThrownBy(() -> wrongSecret.listBuckets()).isInstanceOfSatisfying(S3Exception.class, e -> {
                assertThat(e.statusCode()).isEqualTo(403);
                assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
            });
        }
    }

    @Test
    void oversizeUploadsAreRefusedAndLeaveNothingBehind() {
        assertThatThrownBy(() -> s3.putObject(
                        b -> b.bucket("firmware").key("huge.bin"),
                        RequestBody.fromBytes(new byte[(int) MAX_OBJECT + 1])))
                .isInstanceOfSatisfying(
                        S3Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("EntityTooLarge"));
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket("firmware").key("huge.bin")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    @Test
    void multipartUploadsFollowS3sPartRules() {
        byte[] part1 = new byte[5 << 20];
        byte[] part2 = new byte[5 << 20];
        byte[] part3 = new byte[1_000_000];
        new Random(11).nextBytes(part1);
        new Random(12).nextBytes(part2);
        new Random(13).nextBytes(part3);
        String id = s3.createMultipartUpload(
                        b -> b.bucket("firmware").key("big.bin").contentType("application/x-fw"))
                .uploadId();
        List<CompletedPart> done = new ArrayList<>();
        byte[][] bodies = {part1, part2, part3};
        for (int n = 1; n <= 3; n++) {
            int number = n;
            String etag = s3.uploadPart(
                            b -> b.bucket("firmware")
                                    .key("big.bin")
                                    .uploadId(id)
                                    .partNumber(number),
                            RequestBody.fromBytes(bodies[n - 1]))
                    .eTag();
            done.add(CompletedPart.builder().partNumber(n).eTag(etag).build());
        }
        assertThat(s3.listParts(b -> b.bucket("firmware").key("big.bin").uploadId(id))
                        .parts())
                .extracting(software.amazon.awssdk.services.s3.model.Part::size)
                .containsExactly((long) part1.length, (long) part2.length, (long) part3.length);
        // A small part that is not the last: EntityTooSmall, and the upload is still there.
        assertThatThrownBy(() -> s3.completeMultipartUpload(b -> b.bucket("firmware")
                        .key("big.bin")
                        .uploadId(id)
                        .multipartUpload(m -> m.parts(done.get(2), done.get(0)))))
                .isInstanceOfSatisfying(
                        S3Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidPartOrder"));
        assertThatThrownBy(() -> s3.completeMultipartUpload(b -> b.bucket("firmware")
                        .key("big.bin")
                        .uploadId(id)
                        .multipartUpload(m -> m.parts(
                                done.get(0),
                                CompletedPart.builder()
                                        .partNumber(2)
                                        .eTag("\"0000\"")
                                        .build()))))
                .isInstanceOfSatisfying(
                        S3Exception.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidPart"));
        String etag = s3.completeMultipartUpload(
                        b -> b.bucket("firmware").key("big.bin").uploadId(id).multipartUpload(m -> m.parts(done)))
                .eTag();

        // S3's multipart ETag: the MD5 of the parts' MD5s, then the part count.
        assertThat(etag).isEqualTo("\"" + md5OfMd5s(part1, part2, part3) + "-3\"");
        byte[] all =
                s3.getObjectAsBytes(b -> b.bucket("firmware").key("big.bin")).asByteArray();
        assertThat(all).hasSize(part1.length + part2.length + part3.length);
        assertThat(Arrays.copyOfRange(all, part1.length, part1.length + part2.length))
                .isEqualTo(part2);
        assertThat(s3.headObject(b -> b.bucket("firmware").key("big.bin")).contentType())
                .isEqualTo("application/x-fw");
        assertThatThrownBy(() ->
                        s3.listParts(b -> b.bucket("firmware").key("big.bin").uploadId(id)))
                .isInstanceOf(NoSuchUploadException.class);

        String aborted = s3.createMultipartUpload(b -> b.bucket("firmware").key("gone.bin"))
                .uploadId();
        s3.uploadPart(
                b -> b.bucket("firmware").key("gone.bin").uploadId(aborted).partNumber(1),
                RequestBody.fromBytes(part3));
        s3.abortMultipartUpload(b -> b.bucket("firmware").key("gone.bin").uploadId(aborted));
        assertThatThrownBy(() ->
                        s3.listParts(b -> b.bucket("firmware").key("gone.bin").uploadId(aborted)))
                .isInstanceOf(NoSuchUploadException.class);
        assertThatThrownBy(() -> s3.headObject(b -> b.bucket("firmware").key("gone.bin")))
                .isInstanceOf(NoSuchKeyException.class);
    }

    private static String md5OfMd5s(byte[]... parts) {
        try {
            MessageDigest all = MessageDigest.getInstance("MD5");
            for (byte[] p : parts) {
                all.update(MessageDigest.getInstance("MD5").digest(p));
            }
            return HexFormat.of().formatHex(all.digest());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void keysWithPathTricksStayInsideTheStore() throws IOException {
        Path state = stack.stateDir();
        long filesOutsideBefore = filesOutside(state);
        for (String key : List.of("../../escape.txt", "/etc/passwd", "a/../../b", "..\\..\\win")) {
            s3.putObject(b -> b.bucket("firmware").key(key), RequestBody.fromString("tricky " + key));
            assertThat(s3.getObjectAsBytes(b -> b.bucket("firmware").key(key)).asUtf8String())
                    .isEqualTo("tricky " + key);
        }
        assertThat(filesOutside(state)).isEqualTo(filesOutsideBefore);
        try (Stream<Path> files = Files.walk(state.resolve("s3"))) {
            assertThat(files.filter(Files::isRegularFile)
                            .map(p -> p.getFileName().toString()))
                    .allMatch(name -> name.matches("[0-9a-f]{64}(\\.[0-9a-f]{32}\\.obj|\\.json)"));
        }
    }

    private static long filesOutside(Path state) throws IOException {
        try (Stream<Path> files = Files.walk(state.getParent(), 2)) {
            return files.filter(p -> !p.startsWith(state)).count();
        }
    }

    @Test
    void presignedUrlsFromTheSdkWorkAndTamperingOrExpiryIsRefused() throws Exception {
        String url = presigned("firmware", "fw/device v2.bin", Duration.ofMinutes(5));
        HttpResponse<byte[]> ok = get(url);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(FIRMWARE);

        int at = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
        char flipped = url.charAt(at) == '0' ? '1' : '0'; // a different hex digit, whatever the signature is
        HttpResponse<byte[]> tampered = get(url.substring(0, at) + flipped + url.substring(at + 1));
        assertThat(tampered.statusCode()).isEqualTo(403);
        assertThat(errorCode(tampered)).isEqualTo("SignatureDoesNotMatch");

        HttpResponse<byte[]> otherKey = get(url.replace("device%20v2.bin", "device%20v3.bin"));
        assertThat(errorCode(otherKey)).isEqualTo("SignatureDoesNotMatch");

        String expired = SigV4.presignGet(
                AccessKeyPair.DEFAULT,
                "us-east-1",
                stack.s3Endpoint(),
                "/firmware/fw/device%20v2.bin",
                Instant.now().minusSeconds(120),
                60);
        HttpResponse<byte[]> late = get(expired);
        assertThat(late.statusCode()).isEqualTo(403);
        assertThat(errorCode(late)).isEqualTo("AccessDenied");
        assertThat(new String(late.body(), StandardCharsets.UTF_8)).contains("Request has expired");

        HttpResponse<byte[]> unsigned = get(stack.s3Endpoint() + "/firmware/fw/device%20v2.bin");
        assertThat(unsigned.statusCode()).isEqualTo(403);
        assertThat(errorCode(unsigned)).isEqualTo("AccessDenied");
    }

    @Test
    void conditionalAndRangedGetsFollowHttp() throws Exception {
        String url = presigned("firmware", "fw/device v2.bin", Duration.ofMinutes(5));
        String etag = get(url).headers().firstValue("ETag").orElseThrow();

        assertThat(get(url, "If-None-Match", etag).statusCode()).isEqualTo(304);
        HttpResponse<byte[]> mismatch = get(url, "If-Match", "\"0000\"");
        assertThat(mismatch.statusCode()).isEqualTo(412);
        assertThat(errorCode(mismatch)).isEqualTo("PreconditionFailed");

        HttpResponse<byte[]> tail = get(url, "Range", "bytes=-100");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.headers().firstValue("Content-Range"))
                .hasValue("bytes " + (FIRMWARE.length - 100) + "-" + (FIRMWARE.length - 1) + "/" + FIRMWARE.length);
        assertThat(tail.body())
                .isEqualTo(java.util.Arrays.copyOfRange(FIRMWARE, FIRMWARE.length - 100, FIRMWARE.length));

        HttpResponse<byte[]> beyond = get(url, "Range", "bytes=" + FIRMWARE.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(errorCode(beyond)).isEqualTo("InvalidRange");
    }

    @Test
    void jobDocumentPlaceholdersArePresignedAtEveryDelivery() throws Exception {
        try (IotClient iot = LocalAws.iot(stack);
                TestDevice device = TestDevice.connect("presign-1", stack.mqttPort())) {
            String arn = iot.createThing(r -> r.thingName("presign-1")).thingArn();
            iot.createJob(r -> r.jobId("presign-job")
                    .targets(arn)
                    .document("{\"url\":\"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/firmware/fw/device"
                            + " v2.bin}\"}")
                    .presignedUrlConfig(p -> p.roleArn("arn:aws:iam::000000000000:role/fleetsim-presign")
                            .expiresInSec(120L)));

            device.publish("$next/get", "{}");
            JsonNode execution = device.await("$next/get/accepted").json().get("execution");
            String url = execution.get("jobDocument").get("url").asText();
            assertThat(url)
                    .startsWith(stack.s3Endpoint() + "/firmware/fw/device%20v2.bin?")
                    .contains("X-Amz-Expires=120");
            assertThat(get(url).body()).isEqualTo(FIRMWARE);

            // The control plane keeps the placeholder (spec §6.2).
            assertThat(iot.getJobDocument(r -> r.jobId("presign-job")).document())
                    .contains("${aws:iot:s3-presigned-url:");
        }
    }

    @Test
    void documentSourceIsReadFromTheStoreOnceAtCreation() {
        try (IotClient iot = LocalAws.iot(stack)) {
            String arn = iot.createThing(r -> r.thingName("docsrc-1")).thingArn();
            s3.putObject(
                    b -> b.bucket("firmware").key("jobs/install.json"),
                    RequestBody.fromString("{\"operation\":\"install\",\"version\":\"7\"}"));
            String source = "https://s3.us-east-1.amazonaws.com/firmware/jobs/install.json";
            iot.createJob(r -> r.jobId("docsrc-job").targets(arn).documentSource(source));
            // Later edits of the object do not change the job.
            s3.putObject(b -> b.bucket("firmware").key("jobs/install.json"), RequestBody.fromString("{}"));

            assertThat(iot.getJobDocument(r -> r.jobId("docsrc-job")).document())
                    .isEqualTo("{\"operation\":\"install\",\"version\":\"7\"}");
            assertThat(iot.describeJob(r -> r.jobId("docsrc-job")).documentSource())
                    .isEqualTo(source);
            assertThatThrownBy(() -> iot.createJob(r -> r.jobId("docsrc-missing")
                            .targets(arn)
                            .documentSource("https://s3.amazonaws.com/firmware/jobs/none.json")))
                    .isInstanceOf(software.amazon.awssdk.services.iot.model.InvalidRequestException.class)
                    .hasMessageContaining("cannot be read");
        }
    }
}
