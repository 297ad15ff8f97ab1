package dev.fleetsim.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fleetsim.jobs.JobsTopic.Operation;
import dev.fleetsim.jobs.JobsTopic.Suffix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The topic map of spec §2.1. */
class JobsTopicTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "$aws/things/t1/jobs/get,                       GET_PENDING, ,      REQUEST",
        "$aws/things/t1/jobs/get/accepted,              GET_PENDING, ,      ACCEPTED",
        "$aws/things/t1/jobs/get/rejected,              GET_PENDING, ,      REJECTED",
        "$aws/things/t1/jobs/start-next,                START_NEXT,  ,      REQUEST",
        "$aws/things/t1/jobs/start-next/accepted,       START_NEXT,  ,      ACCEPTED",
        "$aws/things/t1/jobs/start-next/rejected,       START_NEXT,  ,      REJECTED",
        "$aws/things/t1/jobs/job-42/get,                DESCRIBE,    job-42, REQUEST",
        "$aws/things/t1/jobs/$next/get,                 DESCRIBE,    $next,  REQUEST",
        "$aws/things/t1/jobs/$next/get/accepted,        DESCRIBE,    $next,  ACCEPTED",
        "$aws/things/t1/jobs/job-42/get/rejected,       DESCRIBE,    job-42, REJECTED",
        "$aws/things/t1/jobs/job-42/update,             UPDATE,      job-42, REQUEST",
        "$aws/things/t1/jobs/job-42/update/accepted,    UPDATE,      job-42, ACCEPTED",
        "$aws/things/t1/jobs/job-42/update/rejected,    UPDATE,      job-42, REJECTED",
        "$aws/things/t1/jobs/notify,                    NOTIFY,      ,      REQUEST",
        "$aws/things/t1/jobs/notify-next,               NOTIFY_NEXT, ,      REQUEST",
    })
    void parsesEveryDeviceTopicAndFormatsItBack(String text, Operation operation, String jobId, Suffix suffix) {
        JobsTopic topic = JobsTopic.parse(text).orElseThrow();

        assertThat(topic.thingName()).isEqualTo("t1");
        assertThat(topic.operation()).isEqualTo(operation);
        assertThat(topic.jobId()).isEqualTo(jobId);
        assertThat(topic.suffix()).isEqualTo(suffix);
        assertThat(topic.toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "$aws/things/t1/jobs/unknown",
                "$aws/things/t1/jobs/job-42/delete",
                "$aws/things/t1/jobs/$next/update",
                "$aws/things/t1/jobs/job-42/update/maybe",
                "$aws/things/t1/jobs/a/b/c/d",
                "$aws/things/t1/jobs/",
                "$aws/things/bad thing/jobs/get",
                "$aws/things/t1/jobs/bad job/get"
            })
    void topicsUnderTheJobsPrefixThatNameNoApiAreInvalid(String text) {
        JobsTopic topic = JobsTopic.parse(text).orElseThrow();

        assertThat(topic.operation()).isEqualTo(Operation.INVALID);
        assertThat(topic.isRequest()).isFalse();
        assertThat(topic.toString()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "things/t1/jobs/get",
                "$aws/things/t1/shadow/get",
                "$aws/events/job/j1/completed",
                "$aws/things//jobs/get",
                "$aws/things/t1"
            })
    void topicsOutsideTheJobsPrefixAreNotJobsTopics(String text) {
        assertThat(JobsTopic.parse(text)).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void answerTopicsKeepTheNextLiteral() {
        JobsTopic describe = JobsTopic.describe("t1", JobsTopic.NEXT);

        assertThat(describe.accepted().toString()).isEqualTo("$aws/things/t1/jobs/$next/get/accepted");
        assertThat(describe.rejected().toString()).isEqualTo("$aws/things/t1/jobs/$next/get/rejected");
        assertThat(JobsTopic.update("t1", "j").isRequest()).isTrue();
        assertThat(JobsTopic.notifyNext("t1").isRequest()).isFalse();
    }

    @org.junit.jupiter.api.Test
    void identifierLimitsFollowTheModel() {
        assertThat(JobsTopic.isValidThingName("a".repeat(128))).isTrue();
        assertThat(JobsTopic.isValidThingName("a".repeat(129))).isFalse();
        assertThat(JobsTopic.isValidThingName("thing:with_colon-ok")).isTrue();
        assertThat(JobsTopic.isValidJobId("j".repeat(64))).isTrue();
        assertThat(JobsTopic.isValidJobId("j".repeat(65))).isFalse();
        assertThat(JobsTopic.isValidJobId("job:colon")).isFalse();
        assertThat(JobsTopic.isValidJobId(JobsTopic.NEXT)).isFalse();
    }
}
