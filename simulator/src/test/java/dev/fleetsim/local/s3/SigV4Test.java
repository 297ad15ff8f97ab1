package dev.fleetsim.local.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetsim.aws.AccessKeyPair;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Signature Version 4 against the examples AWS publishes in the S3 API reference ("Signature Calculations for the
 * Authorization Header", "Authenticating Requests: Using Query Parameters", "Transferring Payload in Multiple
 * Chunks"): the signatures below are AWS's, not computed by the code under test.
 */
class SigV4Test {
    private static final AccessKeyPair AWS_EXAMPLE =
            new AccessKeyPair("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    private static final Instant SIGNED_AT = Instant.parse("2013-05-24T00:00:00Z");
    private static final String SCOPE = "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request";
    private static final String HOST = "examplebucket.s3.amazonaws.com";

    private static SigV4.Verified verify(SigV4.Request request, Instant now) {
        return SigV4.verify(request, id -> id.equals(AWS_EXAMPLE.accessKeyId()) ? AWS_EXAMPLE : null, now, now);
    }

    private static Map<String, List<String>> headers(String... nameValue) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.put(nameValue[i], List.of(nameValue[i + 1]));
        }
        return h;
    }

    private static String authorization(String signedHeaders, String signature) {
        return "AWS4-HMAC-SHA256 Credential=" + SCOPE + ",SignedHeaders=" + signedHeaders + ",Signature=" + signature;
    }

    /** AWS's "GET Object" example: the first 10 bytes of examplebucket/test.txt, signed 2013-05-24. */
    private static SigV4.Request rangedGet() {
        return new SigV4.Request(
                "GET",
                "/test.txt",
                "",
                headers(
                        "host",
                        HOST,
                        "range",
                        "bytes=0-9",
                        "x-amz-content-sha256",
                        SigV4.EMPTY_SHA256,
                        "x-amz-date",
                        "20130524T000000Z",
                        "authorization",
                        authorization(
                                "host;range;x-amz-content-sha256;x-amz-date",
                                "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")));
    }

    @Test
    void getObjectWithARange() {
        SigV4.Request request = rangedGet();

        assertThat(verify(request, SIGNED_AT).accessKeyId()).isEqualTo("AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void putObjectWithAReservedCharacterInTheKey() {
        SigV4.Request request = new SigV4.Request(
                "PUT",
                "/test%24file.text",
                "",
                headers(
                        "host", HOST,
                        "date", "Fri, 24 May 2013 00:00:00 GMT",
                        "x-amz-date", "20130524T000000Z",
                        "x-amz-storage-class", "REDUCED_REDUNDANCY",
                        "x-amz-content-sha256", "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
                        "authorization",
                                authorization(
                                        "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                                        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")));

        assertThat(verify(request, SIGNED_AT).payloadHash())
                .isEqualTo("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    }

    @Test
    void getBucketLifecycleWithAValuelessQueryParameter() {
        SigV4.Request request = new SigV4.Request(
                "GET",
                "/",
                "lifecycle",
                headers(
                        "host",
                        HOST,
                        "x-amz-date",
                        "20130524T000000Z",
                        "x-amz-content-sha256",
                        SigV4.EMPTY_SHA256,
                        "authorization",
                        authorization(
                                "host;x-amz-content-sha256;x-amz-date",
                                "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")));

        assertThat(verify(request, SIGNED_AT)).isNotNull();
    }

    @Test
    void listObjectsWithQueryParametersOutOfOrder() {
        SigV4.Request request = new SigV4.Request(
                "GET",
                "/",
                "max-keys=2&prefix=J",
                headers(
                        "host",
                        HOST,
                        "x-amz-date",
                        "20130524T000000Z",
                        "x-amz-content-sha256",
                        SigV4.EMPTY_SHA256,
                        "authorization",
                        authorization(
                                "host;x-amz-content-sha256;x-amz-date",
                                "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")));

        assertThat(verify(request, SIGNED_AT)).isNotNull();
    }

    @Test
    void aChangedSignatureOrHeaderIsSignatureDoesNotMatch() {
        String good = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
        String tampered = "0" + good.substring(1);
        for (String[] variant : new String[][] {{"bytes=0-9", tampered}, {"bytes=0-99", good}}) {
            SigV4.Request request = new SigV4.Request(
                    "GET",
                    "/test.txt",
                    "",
                    headers(
                            "host",
                            HOST,
                            "range",
                            variant[0],
                            "x-amz-content-sha256",
                            SigV4.EMPTY_SHA256,
                            "x-amz-date",
                            "20130524T000000Z",
                            "authorization",
                            authorization("host;range;x-amz-content-sha256;x-amz-date", variant[1])));
            assertThatThrownBy(() -> verify(request, SIGNED_AT)).isInstanceOfSatisfying(S3Exception.class, e -> {
                assertThat(e.status()).isEqualTo(403);
                assertThat(e.code()).isEqualTo("SignatureDoesNotMatch");
            });
        }
    }

    @Test
    void aHeaderSignatureOutsideTheAllowedSkewIsRefused() {
        SigV4.Request request = rangedGet();

        assertThatThrownBy(() -> verify(request, SIGNED_AT.plusSeconds(16 * 60)))
                .isInstanceOfSatisfying(
                        S3Exception.class, e -> assertThat(e.code()).isEqualTo("RequestTimeTooSkewed"));
    }

    private static SigV4.Request presigned() {
        return new SigV4.Request(
                "GET",
                "/test.txt",
                "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                        + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                        + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
                headers("host", HOST));
    }

    @Test
    void presignedUrlIsValidUntilItExpires() {
        assertThat(verify(presigned(), SIGNED_AT.plusSeconds(86_400))).isNotNull();
        assertThatThrownBy(() -> verify(presigned(), SIGNED_AT.plusSeconds(86_401)))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.code()).isEqualTo("AccessDenied");
                    assertThat(e.getMessage()).isEqualTo("Request has expired");
                });
    }

    /** AWS's chunked upload example: 66,560 bytes of 'a' in chunks of 65,536 and 1,024, then the final chunk. */
    static SigV4.Verified chunkedSeed() {
        SigV4.Request request = new SigV4.Request(
                "PUT",
                "/examplebucket/chunkObject.txt",
                "",
                headers(
                        "host", "s3.amazonaws.com",
                        "x-amz-date", "20130524T000000Z",
                        "x-amz-storage-class", "REDUCED_REDUNDANCY",
                        "x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                        "content-encoding", "aws-chunked",
                        "x-amz-decoded-content-length", "66560",
                        "content-length", "66824",
                        "authorization",
                                authorization(
                                        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
                                                + "x-amz-decoded-content-length;x-amz-storage-class",
                                        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9")));
        return verify(request, SIGNED_AT);
    }

    static final String[] CHUNK_SIGNATURES = {
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648",
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497",
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
    };

    @Test
    void chunkSignaturesChainFromTheSeedSignature() {
        SigV4.Verified seed = chunkedSeed();
        assertThat(seed.seedSignature()).isEqualTo("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

        byte[] first = new byte[65_536];
        byte[] second = new byte[1_024];
        Arrays.fill(first, (byte) 'a');
        Arrays.fill(second, (byte) 'a');
        String one = seed.chunkSignature(seed.seedSignature(), SigV4.sha256(first));
        String two = seed.chunkSignature(one, SigV4.sha256(second));
        String last = seed.chunkSignature(two, SigV4.sha256("".getBytes(StandardCharsets.UTF_8)));

        assertThat(new String[] {one, two, last}).containsExactly(CHUNK_SIGNATURES);
    }
}
