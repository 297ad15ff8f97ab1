package dev.fleetsim.local.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.jobs.RecordingOutbound.Message;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device API and notification rules of the local Jobs service, on a fixed clock with a recording outbound.
 * Spec §2.3–§2.9, §3.7 and the §2.9.3 reference sequence.
 */
class JobsServiceTest {
    private static final String P = "$aws/things/t1/jobs";
    private static final long NOW = 1_700_000_000L;

    private final RecordingOutbound outbound = new RecordingOutbound();
    private JobsService service;

    @BeforeEach
    void start() throws Exception {
        service = new JobsService(Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC), outbound);
        service.registerThings(List.of("t1", "t2")).get(5, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        service.close();
    }

    @Test
    void referenceSequenceOfSection293() throws Exception {
        createJob("job1", "t1");
        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/notify", P + "/notify-next");
        assertThat(m.get(0).json()).isEqualTo(json("""
                {"jobs":{"QUEUED":[{"jobId":"job1","queuedAt":%d,"lastUpdatedAt":%d,"versionNumber":1,
                 "executionNumber":1}]},"timestamp":%d}""".formatted(NOW, NOW, NOW)));
        JsonNode next = m.get(1).json().get("execution");
        assertThat(next.get("jobId").textValue()).isEqualTo("job1");
        assertThat(next.get("status").textValue()).isEqualTo("QUEUED");
        assertThat(next.get("versionNumber").intValue()).isEqualTo(1);
        assertThat(next.get("jobDocument").isObject()).isTrue();
        assertThat(next.get("jobDocument").get("job").textValue()).isEqualTo("job1");

        createJob("job2", "t1");
        m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/notify");
        assertThat(jobIds(m.get(0).json(), "QUEUED")).containsExactly("job1", "job2");

        request("c1", P + "/start-next", "{\"clientToken\":\"s1\"}");
        m = outbound.take();
        assertThat(topics(m))
                .as("QUEUED -> IN_PROGRESS of the head notifies nobody")
                .containsExactly(P + "/start-next/accepted");
        assertThat(m.get(0).clientId()).isEqualTo("c1");
        assertThat(m.get(0).json().get("execution").get("status").textValue()).isEqualTo("IN_PROGRESS");
        assertThat(m.get(0).json().get("execution").get("versionNumber").intValue())
                .isEqualTo(2);
        assertThat(m.get(0).json().get("execution").get("startedAt").longValue())
                .isEqualTo(NOW);

        createJob("job3", "t1");
        m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/notify");
        assertThat(jobIds(m.get(0).json(), "IN_PROGRESS")).containsExactly("job1");
        assertThat(jobIds(m.get(0).json(), "QUEUED")).containsExactly("job2", "job3");
        assertThat(fieldNames(m.get(0).json().get("jobs"))).containsExactly("IN_PROGRESS", "QUEUED");

        request("c1", P + "/job1/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":2}");
        m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/job1/update/accepted", P + "/notify", P + "/notify-next");
        assertThat(jobIds(m.get(1).json(), "QUEUED")).containsExactly("job2", "job3");
        assertThat(m.get(1).json().get("jobs").has("IN_PROGRESS")).isFalse();
        assertThat(m.get(2).json().get("execution").get("jobId").textValue()).isEqualTo("job2");

        request("c1", P + "/job3/update", "{\"status\":\"IN_PROGRESS\"}");
        m = outbound.take();
        assertThat(topics(m))
                .as("a non-head going IN_PROGRESS becomes the head: notify-next only")
                .containsExactly(P + "/job3/update/accepted", P + "/notify-next");
        assertThat(m.get(1).json().get("execution").get("jobId").textValue()).isEqualTo("job3");
        assertThat(m.get(1).json().get("execution").get("status").textValue()).isEqualTo("IN_PROGRESS");
        assertThat(m.get(1).json().get("execution").get("versionNumber").intValue())
                .isEqualTo(2);

        request("c1", P + "/job2/update", "{\"status\":\"REJECTED\"}");
        m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/job2/update/accepted", P + "/notify");
        assertThat(jobIds(m.get(1).json(), "IN_PROGRESS")).containsExactly("job3");

        request("c1", P + "/job3/update", "{\"status\":\"SUCCEEDED\"}");
        m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/job3/update/accepted", P + "/notify", P + "/notify-next");
        assertThat(m.get(1).json()).isEqualTo(json("{\"jobs\":{},\"timestamp\":" + NOW + "}"));
        assertThat(m.get(2).json()).isEqualTo(json("{\"timestamp\":" + NOW + "}"));
    }

    @Test
    void startNextWithNothingPendingIsAcceptedWithoutExecution() throws Exception {
        request("c1", P + "/start-next", "{\"clientToken\":\"ct\"}");

        List<Message> m = outbound.take();
        assertThat(m).hasSize(1);
        assertThat(m.get(0).topic()).isEqualTo(P + "/start-next/accepted");
        assertThat(m.get(0).json()).isEqualTo(json("{\"timestamp\":" + NOW + ",\"clientToken\":\"ct\"}"));
    }

    @Test
    void describeNextWithAZeroBytePayloadAndNothingPendingIsAccepted() throws Exception {
        service.onDeviceRequest("c1", P + "/$next/get", new byte[0]);
        barrier();

        List<Message> m = outbound.take();
        assertThat(m.get(0).topic()).isEqualTo(P + "/$next/get/accepted");
        assertThat(m.get(0).json()).isEqualTo(json("{\"timestamp\":" + NOW + "}"));
    }

    @Test
    void startNextTwiceReturnsTheSameInProgressExecutionUnchanged() throws Exception {
        createJob("job1", "t1");
        outbound.take();

        request("c1", P + "/start-next", "{\"statusDetails\":{\"step\":\"one\"}}");
        request("c1", P + "/start-next", "{\"statusDetails\":{\"step\":\"two\"}}");

        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/start-next/accepted", P + "/start-next/accepted");
        JsonNode second = m.get(1).json().get("execution");
        assertThat(second.get("versionNumber").intValue()).isEqualTo(2);
        assertThat(second.get("statusDetails")).isEqualTo(json("{\"step\":\"one\"}"));
    }

    @Test
    void staleExpectedVersionIsVersionMismatchWithExecutionStateAndNoChange() throws Exception {
        createJob("job1", "t1");
        request(
                "c1",
                P + "/job1/update",
                "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":\"1\","
                        + "\"statusDetails\":{\"step\":\"download\"}}");
        outbound.take();

        request("c1", P + "/job1/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":1,\"clientToken\":\"ct-7\"}");

        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/job1/update/rejected");
        JsonNode rejected = m.get(0).json();
        assertThat(rejected.get("code").textValue()).isEqualTo("VersionMismatch");
        assertThat(rejected.get("clientToken").textValue()).isEqualTo("ct-7");
        assertThat(rejected.get("timestamp").longValue()).isEqualTo(NOW);
        assertThat(rejected.get("executionState")).isEqualTo(json("""
                {"status":"IN_PROGRESS","statusDetails":{"step":"download"},"versionNumber":2}"""));
        assertThat(service.describeJob("job1").get().orElseThrow().count(JobExecutionStatus.IN_PROGRESS))
                .isEqualTo(1);
    }

    @Test
    void updateAfterATerminalStatusIsInvalidStateTransitionWithExecutionState() throws Exception {
        createJob("job1", "t1");
        request("c1", P + "/job1/update", "{\"status\":\"SUCCEEDED\"}");
        outbound.take();

        request("c1", P + "/job1/update", "{\"status\":\"IN_PROGRESS\",\"clientToken\":\"again\"}");

        JsonNode rejected = single(P + "/job1/update/rejected");
        assertThat(rejected.get("code").textValue()).isEqualTo("InvalidStateTransition");
        assertThat(rejected.get("clientToken").textValue()).isEqualTo("again");
        assertThat(rejected.get("executionState")).isEqualTo(json("{\"status\":\"SUCCEEDED\",\"versionNumber\":2}"));
        JobView job = service.describeJob("job1").get().orElseThrow();
        assertThat(job.status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(job.completedAt()).isEqualTo(Instant.ofEpochSecond(NOW));
    }

    @Test
    void updateAnswerIncludesStateAndDocumentOnlyWhenAsked() throws Exception {
        createJob("job1", "t1");
        outbound.take();

        request(
                "c1",
                P + "/job1/update",
                "{\"status\":\"IN_PROGRESS\",\"includeJobExecutionState\":true,"
                        + "\"includeJobDocument\":true,\"clientToken\":\"i\"}");

        JsonNode accepted = single(P + "/job1/update/accepted");
        assertThat(accepted.get("executionState")).isEqualTo(json("{\"status\":\"IN_PROGRESS\",\"versionNumber\":2}"));
        assertThat(accepted.get("jobDocument")).isEqualTo(json("{\"job\":\"job1\"}"));
        assertThat(accepted.get("clientToken").textValue()).isEqualTo("i");
    }

    @Test
    void unknownJobIsResourceNotFound() throws Exception {
        request("c1", P + "/nope/get", "{\"clientToken\":\"ct-9\"}");
        request("c1", P + "/nope/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"ct-10\"}");

        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/nope/get/rejected", P + "/nope/update/rejected");
        assertThat(m.get(0).json())
                .isEqualTo(json("{\"code\":\"ResourceNotFound\",\"message\":"
                        + m.get(0).json().get("message") + ",\"clientToken\":\"ct-9\",\"timestamp\":" + NOW + "}"));
        assertThat(m.get(1).json().get("code").textValue()).isEqualTo("ResourceNotFound");
    }

    @Test
    void describeSelectsByExecutionNumberAndCanLeaveOutTheDocument() throws Exception {
        createJob("job1", "t1");
        outbound.take();

        request("c1", P + "/job1/get", "{\"executionNumber\":\"1\",\"includeJobDocument\":false}");
        request("c1", P + "/job1/get", "{\"executionNumber\":2}");

        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(P + "/job1/get/accepted", P + "/job1/get/rejected");
        assertThat(m.get(0).json().get("execution").has("jobDocument")).isFalse();
        assertThat(m.get(0).json().get("execution").get("executionNumber").longValue())
                .isEqualTo(1);
    }

    @Test
    void getPendingListsInProgressAndQueuedSeparately() throws Exception {
        createJob("job1", "t1");
        createJob("job2", "t1");
        request("c1", P + "/job2/update", "{\"status\":\"IN_PROGRESS\"}");
        outbound.take();

        request("c1", P + "/get", "{\"clientToken\":\"g\"}");

        JsonNode accepted = single(P + "/get/accepted");
        assertThat(accepted.get("inProgressJobs").get(0).get("jobId").textValue())
                .isEqualTo("job2");
        assertThat(accepted.get("queuedJobs").get(0).get("jobId").textValue()).isEqualTo("job1");
        assertThat(accepted.get("inProgressJobs").get(0).has("status")).isFalse();
    }

    @Test
    void getPendingAndNotifyListAtMostTenExecutions() throws Exception {
        for (int i = 0; i < 12; i++) {
            createJob("many" + i, "t1");
        }
        List<Message> notifications = outbound.take();
        JsonNode lastNotify = notifications.stream()
                .filter(m -> m.topic().equals(P + "/notify"))
                .reduce((a, b) -> b)
                .orElseThrow()
                .json();
        assertThat(lastNotify.get("jobs").get("QUEUED")).hasSize(10);

        request("c1", P + "/get", "{}");
        JsonNode accepted = single(P + "/get/accepted");
        assertThat(accepted.get("queuedJobs")).hasSize(10);
        assertThat(accepted.get("queuedJobs").get(0).get("jobId").textValue()).isEqualTo("many0");
    }

    @Test
    void badRequestsAreRejectedAndTheServiceKeepsAnswering() throws Exception {
        createJob("job1", "t1");
        outbound.take();

        request("c1", P + "/job1/update", "{oops");
        request("c1", P + "/job1/update", "{\"clientToken\":\"x\"}");
        request("c1", P + "/whatever", "{\"clientToken\":\"w\"}");
        request("c1", P + "/notify", "{}");
        request("c1", P + "/job1/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"ok\"}");

        List<Message> m = outbound.take();
        assertThat(topics(m))
                .startsWith(
                        P + "/job1/update/rejected",
                        P + "/job1/update/rejected",
                        P + "/whatever/rejected",
                        P + "/notify/rejected",
                        P + "/job1/update/accepted");
        assertThat(m.get(0).json().get("code").textValue()).isEqualTo("InvalidJson");
        assertThat(m.get(1).json().get("code").textValue()).isEqualTo("InvalidRequest");
        assertThat(m.get(1).json().get("clientToken").textValue()).isEqualTo("x");
        assertThat(m.get(2).json().get("code").textValue()).isEqualTo("InvalidTopic");
        assertThat(m.get(2).json().get("clientToken").textValue()).isEqualTo("w");
        assertThat(m.get(3).json().get("code").textValue()).isEqualTo("InvalidTopic");
        assertThat(m.get(4).json().get("clientToken").textValue()).isEqualTo("ok");
    }

    @Test
    void answersGoToTheRequesterAndNotificationsOnlyToTheThingsTopics() throws Exception {
        createJob("job1", "t1", "t2");
        List<Message> created = outbound.take();
        assertThat(created).allMatch(msg -> msg.clientId() == null);
        assertThat(topics(created))
                .containsExactlyInAnyOrder(
                        P + "/notify",
                        P + "/notify-next",
                        "$aws/things/t2/jobs/notify",
                        "$aws/things/t2/jobs/notify-next");

        request("device-t2", "$aws/things/t2/jobs/job1/update", "{\"status\":\"SUCCEEDED\"}");

        List<Message> m = outbound.take();
        assertThat(m.get(0).clientId()).isEqualTo("device-t2");
        assertThat(m.subList(1, m.size()))
                .allMatch(msg -> msg.clientId() == null && msg.topic().startsWith("$aws/things/t2/"));
    }

    // ---------------------------------------------------------------- helpers

    private void createJob(String jobId, String... things) throws Exception {
        service.createJob(new CreateJobSpec(jobId, List.of(things), "{\"job\":\"" + jobId + "\"}", null))
                .get(5, TimeUnit.SECONDS);
    }

    private void request(String clientId, String topic, String payload) throws Exception {
        service.onDeviceRequest(clientId, topic, payload.getBytes(StandardCharsets.UTF_8));
        barrier();
    }

    /** The engine runs tasks in order: once a later task ran, the request has been answered. */
    private void barrier() throws Exception {
        service.describeJob("none").get(5, TimeUnit.SECONDS);
    }

    private JsonNode single(String topic) {
        List<Message> m = outbound.take();
        assertThat(topics(m)).containsExactly(topic);
        return m.get(0).json();
    }

    private static List<String> topics(List<Message> messages) {
        return messages.stream().map(Message::topic).toList();
    }

    private static List<String> jobIds(JsonNode notify, String status) {
        List<String> ids = new java.util.ArrayList<>();
        notify.get("jobs").get(status).forEach(s -> ids.add(s.get("jobId").textValue()));
        return ids;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static JsonNode json(String text) {
        return JobsJson.readTree(text);
    }
}
