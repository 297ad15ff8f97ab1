package dev.fleetsim.local.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 9110 ranges and conditions as S3 applies them, on a 1,000-byte object. */
class HttpConditionsTest {
    private static final long SIZE = 1_000;

    @ParameterizedTest
    @CsvSource({
        "'bytes=0-9', 0, 10",
        "'bytes=990-', 990, 1000",
        "'bytes=-10', 990, 1000",
        "'bytes=-5000', 0, 1000",
        "'bytes=500-5000', 500, 1000",
        "'bytes=0-9223372036854775807', 0, 1000",
        "'bytes=0-99999999999999999999999', 0, 1000",
        "'bytes=999-999', 999, 1000"
    })
    void rangesWithinTheObject(String header, long start, long end) {
        assertThat(HttpConditions.parseRange(header, SIZE)).containsExactly(start, end);
    }

    @ParameterizedTest
    @ValueSource(strings = {"bytes=1000-", "bytes=1000-2000", "bytes=9223372036854775807-", "bytes=-0"})
    void rangesBeyondTheEndAreNotSatisfiable(String header) {
        assertThatThrownBy(() -> HttpConditions.parseRange(header, SIZE))
                .isInstanceOfSatisfying(S3Exception.class, e -> {
                    assertThat(e.status()).isEqualTo(416);
                    assertThat(e.code()).isEqualTo("InvalidRange");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"items=0-9", "bytes=0-9,20-29", "bytes=9-0", "bytes=a-b", "bytes=-", "bytes=1-2-3"})
    void rangesThatDoNotParseServeTheWholeObject(String header) {
        assertThat(HttpConditions.parseRange(header, SIZE)).isNull();
    }

    private static HttpHeaders headers(String name, String value) {
        return new DefaultHttpHeaders().set(name, value);
    }

    @Test
    void conditionalRequests() {
        String etag = "\"abc\"";
        Instant modified = Instant.parse("2026-01-01T12:00:00.500Z");
        assertThat(HttpConditions.preconditions(headers("If-Match", "\"other\""), etag, modified))
                .isEqualTo(HttpResponseStatus.PRECONDITION_FAILED);
        assertThat(HttpConditions.preconditions(headers("If-Match", "\"abc\""), etag, modified))
                .isNull();
        assertThat(HttpConditions.preconditions(headers("If-None-Match", "\"abc\""), etag, modified))
                .isEqualTo(HttpResponseStatus.NOT_MODIFIED);
        assertThat(HttpConditions.preconditions(
                        headers("If-Modified-Since", "Thu, 01 Jan 2026 12:00:00 GMT"), etag, modified))
                .as("the same second is not modified since")
                .isEqualTo(HttpResponseStatus.NOT_MODIFIED);
        assertThat(HttpConditions.preconditions(
                        headers("If-Unmodified-Since", "Thu, 01 Jan 2026 11:59:59 GMT"), etag, modified))
                .isEqualTo(HttpResponseStatus.PRECONDITION_FAILED);
        assertThat(HttpConditions.preconditions(headers("If-Modified-Since", "not a date"), etag, modified))
                .as("an unparseable date is ignored")
                .isNull();
        assertThat(HttpConditions.ifRangeFails(headers("If-Range", "\"other\""), etag, modified))
                .isTrue();
        assertThat(HttpConditions.ifRangeFails(headers("If-Range", "\"abc\""), etag, modified))
                .isFalse();
    }
}
