package dev.fleetsim.gatling;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobsJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Reads the reports the simulations of this module's integration-test phase wrote (the Gatling plugin runs before
 * failsafe): request names are the Jobs operations and phases, OK/KO counts agree with what the local stack's
 * DescribeJob counted, and each KO path carries its reason.
 */
class GatlingReportIT {
    /** A row of the statistics table: name, total, OK and KO ("-" for none), never reaching the next row. */
    private static final Pattern ROW = Pattern.compile(
            "class=\"ellipsed-name\">([^<]+)</span>(?:(?!ellipsed-name).)*?col-2\">(\\d+)</td>"
                    + "\\s*<td class=\"value [a-z]+ col-3\">(\\d+|-)</td>"
                    + "\\s*<td class=\"value [a-z]+ col-4\">(\\d+|-)</td>",
            Pattern.DOTALL);

    private static final Pattern ERROR = Pattern.compile("error-col-1 total ko\">(.*?)<span", Pattern.DOTALL);

    record Counts(int total, int ok, int ko) {}

    private static Path report(String simulation) throws IOException {
        Path folder = Path.of("target", "gatling", simulation);
        try (Stream<Path> runs = Files.list(folder)) {
            return runs.filter(Files::isDirectory)
                    .max(Path::compareTo)
                    .orElseThrow()
                    .resolve("index.html");
        }
    }

    private static Map<String, Counts> requests(String html) {
        Map<String, Counts> out = new LinkedHashMap<>();
        Matcher m = ROW.matcher(html);
        while (m.find()) {
            out.putIfAbsent(m.group(1).strip(), new Counts(count(m.group(2)), count(m.group(3)), count(m.group(4))));
        }
        return out;
    }

    private static int count(String cell) {
        return cell.equals("-") ? 0 : Integer.parseInt(cell);
    }

    @Test
    void theStagedRolloutReportAgreesWithTheService() throws Exception {
        String html = Files.readString(report("staged"));
        Map<String, Counts> requests = requests(html);
        JsonNode service = JobsJson.mapper()
                .readTree(Path.of("target", "gatling", "staged-rollout-service.json")
                        .toFile());
        int devices = service.get("devices").asInt();

        assertThat(requests)
                .containsKeys(
                        "connect",
                        "subscribe",
                        "awaitJob",
                        "runJob",
                        "install",
                        "report",
                        "disconnect",
                        "CreateJob",
                        "awaitJobStatus");
        assertThat(requests.get("connect")).isEqualTo(new Counts(devices, devices, 0));
        // Every device's runJob is OK exactly when the service counts its execution SUCCEEDED.
        assertThat(requests.get("runJob").ok())
                .isEqualTo(service.get("succeeded").asInt());
        assertThat(requests.get("runJob").ko()).isEqualTo(service.get("failed").asInt());
        assertThat(requests.get("report").total()).isEqualTo(devices);
        assertThat(requests.get("CreateJob").ok()).isEqualTo(1);
    }

    @Test
    void eachKoPathCarriesItsReason() throws Exception {
        String html = Files.readString(report("ko"));
        Map<String, Counts> requests = requests(html);
        StringBuilder errors = new StringBuilder();
        Matcher m = ERROR.matcher(html);
        while (m.find()) {
            errors.append(m.group(1).strip()).append('\n');
        }

        assertThat(requests.get("awaitJob").ko()).isEqualTo(1);
        assertThat(requests.get("UpdateJobExecution").ko()).isEqualTo(1);
        assertThat(requests.get("download").ko()).isEqualTo(1);
        assertThat(errors.toString())
                .contains("no job announced within 2000 ms")
                .contains("VersionMismatch")
                .contains("ended FAILED");
    }
}
