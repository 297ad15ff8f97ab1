package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The answer's client token is found without a full parse, and falls back to the parser where that would be wrong. */
class SteppedDeviceTokenTest {
    private static String token(String json) {
        return SteppedDevice.clientToken(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theTokenOfACompactAnswerIsFoundWhereverItIs() {
        assertThat(token("{\"execution\":{\"jobId\":\"j\"},\"timestamp\":1,\"clientToken\":\"dev-7\"}"))
                .isEqualTo("dev-7");
        assertThat(token("{\"clientToken\":\"dev-8\",\"timestamp\":1}")).isEqualTo("dev-8");
    }

    @Test
    void escapesSpacesAndAbsenceGoToTheParser() {
        assertThat(token("{\"clientToken\":\"a\\\"b\"}")).isEqualTo("a\"b");
        assertThat(token("{ \"clientToken\" : \"spaced\" }")).isEqualTo("spaced");
        assertThat(token("{\"timestamp\":1}")).isEmpty();
    }
}
