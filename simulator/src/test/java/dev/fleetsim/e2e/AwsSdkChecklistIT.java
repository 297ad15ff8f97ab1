package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.clock.VirtualClock;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.testing.LocalAws;
import dev.fleetsim.testing.TestDevice;
import dev.fleetsim.testing.TestDevice.Received;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.AbortAction;
import software.amazon.awssdk.services.iot.model.AbortConfig;
import software.amazon.awssdk.services.iot.model.AbortCriteria;
import software.amazon.awssdk.services.iot.model.Configuration;
import software.amazon.awssdk.services.iot.model.DescribeJobExecutionResponse;
import software.amazon.awssdk.services.iot.model.EventType;
import software.amazon.awssdk.services.iot.model.InvalidRequestException;
import software.amazon.awssdk.services.iot.model.InvalidStateTransitionException;
import software.amazon.awssdk.services.iot.model.Job;
import software.amazon.awssdk.services.iot.model.JobExecutionFailureType;
import software.amazon.awssdk.services.iot.model.JobExecutionStatus;
import software.amazon.awssdk.services.iot.model.JobExecutionSummaryForJob;
import software.amazon.awssdk.services.iot.model.JobStatus;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.RetryCriteria;
import software.amazon.awssdk.services.iot.model.RetryableFailureType;
import software.amazon.awssdk.services.iot.model.TargetSelection;

/**
 * The checklist of spec §13.6 (items 1–12) over real sockets: the AWS SDK for Java v2 {@code IotClient} as the
 * application, the HiveMQ MQTT client as the device, the local stack in between on a clock running 60× (a simulated
 * minute per real second).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AwsSdkChecklistIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static LocalStack stack;
    private static IotClient iot;

    @BeforeAll
    static void start() throws Exception {
        stack = LocalStack.start(LocalStackConfig.ephemeral().withClock(new VirtualClock(60)))
                .get(60, TimeUnit.SECONDS);
        iot = LocalAws.iot(stack);
        Configuration on = Configuration.builder().enabled(true).build();
        iot.updateEventConfigurations(
                r -> r.eventConfigurations(Map.of(EventType.JOB, on, EventType.JOB_EXECUTION, on)));
    }

    @AfterAll
    static void stop() {
        iot.close();
        stack.close();
    }

    private static String thing(String name) {
        return iot.createThing(r -> r.thingName(name)).thingArn();
    }

    private static TestDevice device(String name) throws Exception {
        TestDevice device = TestDevice.connect(name, stack.mqttPort());
        device.subscribe("notify");
        device.subscribe("notify-next");
        return device;
    }

    @Test
    void items1to4StartUpdateAndDrain() throws Exception {
        String arn = thing("c1");
        try (TestDevice d = device("c1")) {
            // 1. nothing pending: start-next is accepted without an execution
            d.publish("start-next", "{\"clientToken\":\"t1\"}");
            JsonNode empty = d.await("/start-next/accepted").json();
            assertThat(empty.has("execution")).isFalse();
            assertThat(empty.get("clientToken").textValue()).isEqualTo("t1");

            // 2. CreateJob → notify (QUEUED v1) and notify-next (document as an object) → start-next: IN_PROGRESS v2
            iot.createJob(r -> r.jobId("c1-job").targets(arn).document("{\"op\":\"update\",\"v\":2}"));
            JsonNode notify = d.await("/notify").json();
            assertThat(notify.get("jobs")
                            .get("QUEUED")
                            .get(0)
                            .get("versionNumber")
                            .intValue())
                    .isEqualTo(1);
            JsonNode next = d.await("/notify-next").json().get("execution");
            assertThat(next.get("jobDocument").get("v").intValue()).isEqualTo(2);
            d.publish("start-next", "{\"clientToken\":\"t2\"}");
            JsonNode started = d.await("/start-next/accepted").json().get("execution");
            assertThat(started.get("status").textValue()).isEqualTo("IN_PROGRESS");
            assertThat(started.get("versionNumber").intValue()).isEqualTo(2);
            assertThat(d.drain(Duration.ofMillis(300)))
                    .as("no notification for the head going IN_PROGRESS")
                    .isEmpty();

            // 3. progress with expectedVersion 2, then a stale version
            d.publish(
                    "c1-job/update",
                    "{\"status\":\"IN_PROGRESS\",\"expectedVersion\":2,"
                            + "\"statusDetails\":{\"progress\":\"50%\"},\"clientToken\":\"t3\"}");
            JsonNode accepted = d.await("/c1-job/update/accepted").json();
            assertThat(accepted.get("clientToken").textValue()).isEqualTo("t3");
            assertThat(accepted.has("timestamp")).isTrue();
            d.publish("c1-job/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":\"2\",\"clientToken\":\"t4\"}");
            JsonNode mismatch = d.await("/c1-job/update/rejected").json();
            assertThat(mismatch.get("code").textValue()).isEqualTo("VersionMismatch");
            assertThat(mismatch.get("executionState").get("versionNumber").intValue())
                    .isEqualTo(3);
            assertThat(mismatch.get("clientToken").textValue()).isEqualTo("t4");

            DescribeJobExecutionResponse described =
                    iot.describeJobExecution(r -> r.jobId("c1-job").thingName("c1"));
            assertThat(described.execution().statusDetails().detailsMap()).containsEntry("progress", "50%");
            assertThat(described.execution().thingArn()).isEqualTo(arn);

            // 4. SUCCEEDED → notify {jobs:{}} and notify-next {timestamp}; again → InvalidStateTransition
            d.publish("c1-job/update", "{\"status\":\"SUCCEEDED\",\"expectedVersion\":3}");
            d.await("/c1-job/update/accepted");
            assertThat(d.await("/notify").json().get("jobs")).isEmpty();
            JsonNode drained = d.await("/notify-next").json();
            assertThat(drained.size()).isEqualTo(1);
            assertThat(drained.has("timestamp")).isTrue();
            d.publish("c1-job/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"t5\"}");
            JsonNode terminal = d.await("/c1-job/update/rejected").json();
            assertThat(terminal.get("code").textValue()).isEqualTo("InvalidStateTransition");
            assertThat(terminal.get("executionState").get("status").textValue()).isEqualTo("SUCCEEDED");
        }
    }

    @Test
    void item5TwoJobsCompleteInOrderAndTheJobCompletes() throws Exception {
        String arn = thing("c5");
        try (TestDevice d = device("c5");
                TestDevice monitor = TestDevice.connect("monitor-c5", stack.mqttPort())) {
            monitor.client()
                    .subscribeWith()
                    .topicFilter("$aws/events/job/c5-a/#")
                    .send()
                    .get();
            iot.createJob(r -> r.jobId("c5-a").targets(arn).document("{\"n\":1}"));
            iot.createJob(r -> r.jobId("c5-b").targets(arn).document("{\"n\":2}"));
            d.publish("c5-a/update", "{\"status\":\"SUCCEEDED\"}");
            d.await("/c5-a/update/accepted");
            JsonNode next = null;
            for (int i = 0; i < 3 && next == null; i++) {
                JsonNode candidate = d.await("/notify-next").json().path("execution");
                if ("c5-b".equals(candidate.path("jobId").textValue())) {
                    next = candidate;
                }
            }
            assertThat(next).as("notify-next carries the second job").isNotNull();
            assertThat(iot.describeJob(r -> r.jobId("c5-a")).job().status()).isEqualTo(JobStatus.COMPLETED);
            Received completed = monitor.await("/completed");
            assertThat(completed.topic()).isEqualTo("$aws/events/job/c5-a/completed");
            assertThat(completed
                            .json()
                            .get("jobProcessDetails")
                            .get("numberOfSucceededThings")
                            .intValue())
                    .isEqualTo(1);
        }
    }

    @Test
    void item6StepTimerTimesOutAndTheRetryGetsExecutionNumber2() throws Exception {
        String arn = thing("c6");
        try (TestDevice d = device("c6")) {
            iot.createJob(r -> r.jobId("c6-job")
                    .targets(arn)
                    .document("{}")
                    .jobExecutionsRetryConfig(c -> c.criteriaList(RetryCriteria.builder()
                            .failureType(RetryableFailureType.TIMED_OUT)
                            .numberOfRetries(1)
                            .build())));
            d.publish("start-next", "{\"stepTimeoutInMinutes\":1}");
            d.await("/start-next/accepted");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            DescribeJobExecutionResponse retry;
            do {
                Thread.sleep(100);
                retry = iot.describeJobExecution(r -> r.jobId("c6-job").thingName("c6"));
            } while (retry.execution().executionNumber() == 1 && System.nanoTime() < deadline);
            assertThat(retry.execution().executionNumber()).isEqualTo(2L);
            assertThat(retry.execution().status()).isEqualTo(JobExecutionStatus.QUEUED);
            assertThat(iot.describeJobExecution(
                                    r -> r.jobId("c6-job").thingName("c6").executionNumber(1L))
                            .execution()
                            .status())
                    .isEqualTo(JobExecutionStatus.TIMED_OUT);
            assertThat(d.await("/notify-next")
                            .json()
                            .get("execution")
                            .get("executionNumber")
                            .longValue())
                    .as("the job's first delivery")
                    .isEqualTo(1);
            JsonNode next = d.await("/notify-next").json().get("execution");
            assertThat(next.get("executionNumber").longValue()).as("the retry").isEqualTo(2);
            assertThat(next.get("status").textValue()).isEqualTo("QUEUED");
        }
    }

    @Test
    void item7CancelJobExecutionNeedsForceForInProgress() throws Exception {
        String arn = thing("c7");
        try (TestDevice d = device("c7")) {
            iot.createJob(r -> r.jobId("c7-job").targets(arn).document("{}"));
            d.publish("c7-job/update", "{\"status\":\"IN_PROGRESS\"}");
            d.await("/c7-job/update/accepted");

            assertThatThrownBy(
                            () -> iot.cancelJobExecution(r -> r.jobId("c7-job").thingName("c7")))
                    .isInstanceOf(InvalidStateTransitionException.class)
                    .satisfies(e -> assertThat(((InvalidStateTransitionException) e).statusCode())
                            .isEqualTo(409));
            iot.cancelJobExecution(r -> r.jobId("c7-job").thingName("c7").force(true));
            assertThat(iot.describeJobExecution(r -> r.jobId("c7-job").thingName("c7"))
                            .execution()
                            .status())
                    .isEqualTo(JobExecutionStatus.CANCELED);

            d.publish("c7-job/update", "{\"status\":\"SUCCEEDED\",\"clientToken\":\"late\"}");
            assertThat(d.await("/c7-job/update/rejected").json().get("code").textValue())
                    .isEqualTo("InvalidStateTransition");
        }
    }

    @Test
    void item8ForceDeletedJobIsResourceNotFoundForTheDevice() throws Exception {
        String arn = thing("c8");
        try (TestDevice d = device("c8")) {
            iot.createJob(r -> r.jobId("c8-job").targets(arn).document("{}"));
            d.publish("c8-job/update", "{\"status\":\"IN_PROGRESS\"}");
            d.await("/c8-job/update/accepted");
            iot.deleteJob(r -> r.jobId("c8-job").force(true));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            boolean gone = false;
            while (!gone && System.nanoTime() < deadline) {
                try {
                    iot.describeJob(r -> r.jobId("c8-job"));
                    Thread.sleep(50);
                } catch (ResourceNotFoundException e) {
                    gone = true;
                }
            }
            assertThat(gone).isTrue();
            d.publish("c8-job/get", "{\"clientToken\":\"d\"}");
            assertThat(d.await("/c8-job/get/rejected").json().get("code").textValue())
                    .isEqualTo("ResourceNotFound");
        }
    }

    @Test
    void item9AbortCancelsQueuedOnlyOnceTheMinimumCompleted() throws Exception {
        String[] arns = new String[10];
        for (int i = 0; i < 10; i++) {
            arns[i] = thing("c9-" + i);
        }
        iot.createJob(r -> r.jobId("c9-job")
                .targets(arns)
                .document("{}")
                .abortConfig(AbortConfig.builder()
                        .criteriaList(AbortCriteria.builder()
                                .failureType(JobExecutionFailureType.FAILED)
                                .action(AbortAction.CANCEL)
                                .thresholdPercentage(40.0)
                                .minNumberOfExecutedThings(5)
                                .build())
                        .build()));
        try (TestDevice inProgress = TestDevice.connect("c9-9", stack.mqttPort())) {
            inProgress.publish("c9-job/update", "{\"status\":\"IN_PROGRESS\"}");
            inProgress.await("/c9-job/update/accepted");
        }
        String[] outcomes = {"FAILED", "FAILED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"};
        for (int i = 0; i < 5; i++) {
            try (TestDevice d = TestDevice.connect("c9-" + i, stack.mqttPort())) {
                d.publish("c9-job/update", "{\"status\":\"" + outcomes[i] + "\"}");
                d.await("/c9-job/update/accepted");
            }
        }
        Job job = iot.describeJob(r -> r.jobId("c9-job")).job();
        assertThat(job.status()).isEqualTo(JobStatus.CANCELED);
        assertThat(job.jobProcessDetails().numberOfCanceledThings()).isEqualTo(4);
        assertThat(job.jobProcessDetails().numberOfInProgressThings()).isEqualTo(1);
        assertThat(job.reasonCode()).isNotBlank();
    }

    @Test
    void item10ExponentialRolloutPerSimulatedMinute() throws Exception {
        String[] arns = new String[10];
        for (int i = 0; i < 10; i++) {
            arns[i] = thing("c10-" + i);
        }
        iot.createJob(r -> r.jobId("c10-job")
                .targets(arns)
                .document("{}")
                .jobExecutionsRolloutConfig(c -> c.maximumPerMinute(4)
                        .exponentialRate(e -> e.baseRatePerMinute(1)
                                .incrementFactor(2.0)
                                .rateIncreaseCriteria(ric -> ric.numberOfNotifiedThings(2)))));
        Instant created = iot.describeJob(r -> r.jobId("c10-job")).job().createdAt();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<JobExecutionSummaryForJob> executions;
        do {
            Thread.sleep(200);
            executions =
                    iot
                            .listJobExecutionsForJobPaginator(
                                    r -> r.jobId("c10-job").maxResults(3))
                            .executionSummaries()
                            .stream()
                            .toList();
        } while (executions.size() < 10 && System.nanoTime() < deadline);
        Map<Long, Integer> perMinute = new TreeMap<>();
        for (JobExecutionSummaryForJob e : executions) {
            long minute = Duration.between(created, e.jobExecutionSummary().queuedAt())
                    .toMinutes();
            perMinute.merge(minute, 1, Integer::sum);
        }
        // By hand (spec §5.2, each minute's rate is the one that holds at its start): minute 0 rate 1 (1 notified);
        // minute 1 still 1 (1 < 2 notified; 2 in all); minute 2: 2 notified, one increase, rate 2 (4 in all);
        // minute 3: 4 notified, two increases, rate 4 (8 in all); minute 4: rate 8 capped at 4, the last 2.
        assertThat(perMinute.values()).containsExactly(1, 1, 2, 4, 2);
    }

    @Test
    void item11PresignedPlaceholdersAreKeptByTheControlPlaneAndErrorsMapToSdkExceptions() {
        String arn = thing("c11");
        String placeholder = "{\"url\":\"${aws:iot:s3-presigned-url:https://s3.amazonaws.com/b/k}\"}";
        iot.createJob(r -> r.jobId("c11-job").targets(arn).document(placeholder));
        assertThat(iot.getJobDocument(r -> r.jobId("c11-job")).document()).isEqualTo(placeholder);
        iot.createJob(r -> r.jobId("c11-ok").targets(arn).document("{}"));
        assertThatThrownBy(
                        () -> iot.createJob(r -> r.jobId("c11-ok").targets(arn).document("{}")))
                .isInstanceOf(ResourceAlreadyExistsException.class);
        assertThatThrownBy(() -> iot.describeJob(r -> r.jobId("never"))).isInstanceOf(ResourceNotFoundException.class);
        assertThat(iot.getJobDocument(r -> r.jobId("c11-ok")).document()).isEqualTo("{}");
        assertThat(iot.describeJob(r -> r.jobId("c11-ok")).job().targetSelection())
                .isEqualTo(TargetSelection.SNAPSHOT);
        assertThat(iot.describeJob(r -> r.jobId("c11-ok")).job().createdAt()).isNotNull();
    }

    @Test
    void item12DuplicateDeliveryIsTheSameExecution() throws Exception {
        String arn = thing("c12");
        try (TestDevice d = device("c12")) {
            iot.createJob(r -> r.jobId("c12-job").targets(arn).document("{\"x\":1}"));
            JsonNode viaNotify = d.await("/notify-next").json().get("execution");
            d.publish("$next/get", "");
            JsonNode viaDescribe = d.await("/$next/get/accepted").json().get("execution");
            assertThat(viaDescribe.get("jobId")).isEqualTo(viaNotify.get("jobId"));
            assertThat(viaDescribe.get("executionNumber")).isEqualTo(viaNotify.get("executionNumber"));
            assertThat(viaDescribe.get("versionNumber")).isEqualTo(viaNotify.get("versionNumber"));
        }
    }

    @Test
    void templatesUpdatesAndTargetsThroughTheSdk() {
        String arn = thing("tpl-1");
        iot.createJobTemplate(r -> r.jobTemplateId("sdk-tpl")
                .description("firmware template")
                .document("{\"operation\":\"install\",\"version\":\"5\"}")
                .timeoutConfig(t -> t.inProgressTimeoutInMinutes(30L)));
        var template = iot.describeJobTemplate(r -> r.jobTemplateId("sdk-tpl"));
        assertThat(template.jobTemplateArn()).endsWith(":jobtemplate/sdk-tpl");
        assertThat(template.timeoutConfig().inProgressTimeoutInMinutes()).isEqualTo(30L);
        assertThat(template.createdAt()).isNotNull();
        assertThat(iot.listJobTemplates(r -> {}).jobTemplates())
                .extracting(t -> t.jobTemplateId())
                .contains("sdk-tpl");

        iot.createJob(r -> r.jobId("from-tpl").targets(arn).jobTemplateArn(template.jobTemplateArn()));
        assertThat(iot.getJobDocument(r -> r.jobId("from-tpl")).document()).contains("\"version\":\"5\"");
        iot.updateJob(
                r -> r.jobId("from-tpl").description("updated").timeoutConfig(t -> t.inProgressTimeoutInMinutes(45L)));
        Job updated = iot.describeJob(r -> r.jobId("from-tpl")).job();
        assertThat(updated.description()).isEqualTo("updated");
        assertThat(updated.timeoutConfig().inProgressTimeoutInMinutes()).isEqualTo(45L);
        assertThat(updated.jobTemplateArn()).isEqualTo(template.jobTemplateArn());

        var managed = iot.describeManagedJobTemplate(r -> r.templateName("AWS-Download-File"));
        assertThat(managed.documentParameters()).extracting(p -> p.key()).contains("downloadUrl", "filePath");
        iot.createJob(r -> r.jobId("managed-job")
                .targets(arn)
                .jobTemplateArn(managed.templateArn())
                .documentParameters(Map.of("downloadUrl", "https://example.com/f", "filePath", "/tmp/f")));
        assertThat(iot.describeJob(r -> r.jobId("managed-job")).job().documentParameters())
                .containsEntry("filePath", "/tmp/f");

        iot.createThingGroup(r -> r.thingGroupName("late-group"));
        String group =
                iot.describeThingGroup(r -> r.thingGroupName("late-group")).thingGroupArn();
        iot.createJob(r -> r.jobId("cont-2").targets(group).document("{}").targetSelection(TargetSelection.CONTINUOUS));
        String second =
                iot.createThingGroup(r -> r.thingGroupName("late-group-2")).thingGroupArn();
        iot.associateTargetsWithJob(r -> r.jobId("cont-2").targets(second));
        assertThat(iot.describeJob(r -> r.jobId("cont-2")).job().targets()).containsExactly(group, second);
        assertThatThrownBy(() ->
                        iot.associateTargetsWithJob(r -> r.jobId("from-tpl").targets(second)))
                .isInstanceOf(InvalidRequestException.class);

        iot.deleteJobTemplate(r -> r.jobTemplateId("sdk-tpl"));
        assertThatThrownBy(() -> iot.describeJobTemplate(r -> r.jobTemplateId("sdk-tpl")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void thingAttributesExecutionsAndDeletionThroughTheSdk() throws Exception {
        iot.createThing(r -> r.thingName("attr-1").attributePayload(a -> a.attributes(Map.of("model", "x1"))));
        iot.updateThing(r -> r.thingName("attr-1")
                .attributePayload(a -> a.attributes(Map.of("fw", "1")).merge(true)));
        assertThat(iot.describeThing(r -> r.thingName("attr-1")).attributes())
                .containsEntry("model", "x1")
                .containsEntry("fw", "1");
        assertThat(iot.describeThing(r -> r.thingName("attr-1")).version()).isEqualTo(2L);
        assertThat(iot.listThings(r -> r.attributeName("model").attributeValue("x1"))
                        .things())
                .extracting(t -> t.thingName())
                .containsExactly("attr-1");

        String arn = iot.describeThing(r -> r.thingName("attr-1")).thingArn();
        iot.createJob(r -> r.jobId("attr-job").targets(arn).document("{}"));
        assertThat(iot.listJobExecutionsForThing(r -> r.thingName("attr-1")).executionSummaries())
                .extracting(e -> e.jobId() + " " + e.jobExecutionSummary().status())
                .containsExactly("attr-job QUEUED");
        iot.cancelJob(r -> r.jobId("attr-job").reasonCode("OPERATOR_STOP").comment("no longer needed"));
        Job canceled = iot.describeJob(r -> r.jobId("attr-job")).job();
        assertThat(canceled.status()).isEqualTo(JobStatus.CANCELED);
        assertThat(canceled.reasonCode()).isEqualTo("OPERATOR_STOP");
        assertThat(canceled.comment()).isEqualTo("no longer needed");
        iot.deleteJobExecution(r -> r.jobId("attr-job").thingName("attr-1").executionNumber(1L));
        assertThatThrownBy(
                        () -> iot.describeJobExecution(r -> r.jobId("attr-job").thingName("attr-1")))
                .isInstanceOf(ResourceNotFoundException.class);
        iot.deleteThing(r -> r.thingName("attr-1"));
        assertThatThrownBy(() -> iot.describeThing(r -> r.thingName("attr-1")))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void thingsGroupsAndContinuousJobsThroughTheSdk() throws Exception {
        thing("g1");
        thing("g2");
        iot.createThingGroup(r -> r.thingGroupName("sdk-fleet"));
        iot.addThingToThingGroup(r -> r.thingGroupName("sdk-fleet").thingName("g1"));
        String groupArn =
                iot.describeThingGroup(r -> r.thingGroupName("sdk-fleet")).thingGroupArn();
        iot.createJob(
                r -> r.jobId("cont-job").targets(groupArn).document("{}").targetSelection(TargetSelection.CONTINUOUS));
        iot.addThingToThingGroup(r -> r.thingGroupName("sdk-fleet").thingName("g2"));
        assertThat(iot.listThingsInThingGroup(r -> r.thingGroupName("sdk-fleet"))
                        .things())
                .containsExactly("g1", "g2");
        assertThat(iot.listJobExecutionsForThing(r -> r.thingName("g2")).executionSummaries())
                .extracting(s -> s.jobId())
                .contains("cont-job");
        iot.removeThingFromThingGroup(r -> r.thingGroupName("sdk-fleet").thingName("g2"));
        assertThat(iot.describeJobExecution(r -> r.jobId("cont-job").thingName("g2"))
                        .execution()
                        .status())
                .isEqualTo(JobExecutionStatus.REMOVED);
        assertThat(iot.listJobs(r -> r.thingGroupName("sdk-fleet")).jobs())
                .extracting(j -> j.jobId())
                .containsExactly("cont-job");
        assertThat(iot.describeEndpoint(r -> r.endpointType("iot:Data-ATS")).endpointAddress())
                .startsWith("127.0.0.1:");
        assertThat(iot.listManagedJobTemplates(r -> {}).managedJobTemplates())
                .extracting(t -> t.templateName())
                .contains("AWS-Reboot", "AWS-Download-File", "AWS-Run-Command");
    }
}
