package dev.fleetsim.scenario;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.device.behaviour.Distribution;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScenarioLoaderTest {
    @TempDir
    Path dir;

    private Path file(String text) throws IOException {
        Path f = dir.resolve("s.yaml");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void everyProblemIsReportedAtOnceWithLineColumnAndSuggestions() throws IOException {
        Path f = file("""
                name: many
                jbos: []
                fleet:
                  count: 100
                  groups:
                    - {name: canary, share: 10%}
                cohorts:
                  - name: slow
                    share: 95%
                    bandwidth: 2Mbs
                  - name: rest
                    share: 10%
                artifacts:
                  - {name: fw, size: 8MiB}
                jobs:
                  - jobId: j1
                    artifact: fw2
                    targets: [canry]
                    document: {operation: install}
                    abortConfig:
                      criteriaList:
                        - {failureType: FAILED, action: CANCEL, thresholdPercentag: 10}
                    jobExecutionsRolloutConfig: {maximumPerMinut: 10}
                expect:
                  - latency: {phase: end-to-edn, p99: "< 5s"}
                """);

        assertThatThrownBy(() -> ScenarioLoader.load(f))
                .isInstanceOf(ScenarioException.class)
                .satisfies(e -> assertThat(e.getMessage().lines())
                        .contains(
                                f + ":2:1: jbos: unknown key 'jbos' at the top level; did you mean 'jobs'?",
                                f + ":10:5: cohorts[0].bandwidth: '2Mbs' is not a bit rate; write a number and a"
                                        + " unit: bps, kbps, Mbps or Gbps (e.g. 2Mbps)",
                                f + ":12:5: cohorts[1].share: the shares and counts so far add up to more than the"
                                        + " fleet's 100 devices",
                                f + ":17:5: jobs[0].artifact: no artifact 'fw2' in artifacts; did you mean 'fw'?",
                                f + ":18:15: jobs[0].targets[0]: 'canry' is neither a thing of this fleet nor a"
                                        + " group in fleet.groups; did you mean 'canary'?",
                                f + ":22:49: jobs[0].abortConfig.criteriaList[0].thresholdPercentag: unknown key"
                                        + " 'thresholdPercentag' in jobs[0].abortConfig.criteriaList[0]; did you mean"
                                        + " 'thresholdPercentage'?",
                                f + ":23:34: jobs[0].jobExecutionsRolloutConfig.maximumPerMinut: unknown key"
                                        + " 'maximumPerMinut' in jobs[0].jobExecutionsRolloutConfig; did you mean"
                                        + " 'maximumPerMinute'?",
                                f + ":25:15: expect[0].latency.phase: unknown phase 'end-to-edn'; did you mean"
                                        + " 'end-to-end'?"));
    }

    @Test
    void recurringJobsExpandAndTimesAreSimulatedUnderTheTimeScale() throws Exception {
        Scenario s = ScenarioLoader.load(file("""
                name: soak
                duration: 1h
                target: {local: {timeScale: 60}}
                fleet: {count: 10}
                cohorts:
                  - {name: all, share: 100%, install: 2m, download: {uniform: [1m, 3m]}}
                jobs:
                  - {jobId: push, at: 5m, every: 10m, times: 3, document: {operation: reboot}}
                actions:
                  - {at: 1m, every: 20m, times: 2, disconnectStorm: {share: 10%, for: 30s}}
                """));

        assertThat(s.jobs())
                .extracting(Scenario.JobSpec::jobId, Scenario.JobSpec::at)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("push-1", Duration.ofMinutes(5)),
                        org.assertj.core.groups.Tuple.tuple("push-2", Duration.ofMinutes(15)),
                        org.assertj.core.groups.Tuple.tuple("push-3", Duration.ofMinutes(25)));
        assertThat(s.jobs().get(1).request().get("jobId").asText()).isEqualTo("push-2");
        assertThat(s.actions())
                .extracting(Scenario.ActionSpec::at)
                .containsExactly(Duration.ofMinutes(1), Duration.ofMinutes(21));
        // Phase durations are simulated: at 60x a 2-minute install takes 2 real seconds.
        assertThat(s.cohorts().get(0).behaviour().install()).isEqualTo(new Distribution.Fixed(Duration.ofSeconds(2)));
        assertThat(s.cohorts().get(0).behaviour().download())
                .isEqualTo(new Distribution.Uniform(Duration.ofSeconds(1), Duration.ofSeconds(3)));
        assertThat(s.real(s.duration())).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void jobsTakeAwsCreateJobFieldsVerbatim() throws Exception {
        Scenario s = ScenarioLoader.load(file("""
                name: aws
                fleet: {count: 3, groups: [{name: all, share: 100%}]}
                jobs:
                  - jobId: tmpl
                    targets: [all]
                    targetSelection: CONTINUOUS
                    jobTemplateArn: "arn:aws:iot:us-east-1::jobtemplate/AWS-Run-Command:1.0"
                    documentParameters: {command: "uptime"}
                    timeoutConfig: {inProgressTimeoutInMinutes: 5}
                    jobExecutionsRetryConfig:
                      criteriaList: [{failureType: TIMED_OUT, numberOfRetries: 2}]
                    schedulingConfig: {endBehavior: CANCEL}
                    presignedUrlConfig: {roleArn: "arn:aws:iam::000000000000:role/x", expiresInSec: 300}
                """));

        var request = AwsShapes.createJob(s.jobs().get(0).request());
        assertThat(request.jobId()).isEqualTo("tmpl");
        assertThat(request.targetSelectionAsString()).isEqualTo("CONTINUOUS");
        assertThat(request.documentParameters()).containsEntry("command", "uptime");
        assertThat(request.jobExecutionsRetryConfig().criteriaList().get(0).numberOfRetries())
                .isEqualTo(2);
        assertThat(request.presignedUrlConfig().expiresInSec()).isEqualTo(300L);
    }

    @Test
    void namesOfStatusesKindsAndReferencesAreListedInOneOrder() throws IOException {
        Path f = file("""
                name: lists
                fleet: {count: 10, groups: [{name: ab, share: 10%}, {name: ba, share: 10%}]}
                cohorts:
                  - {name: c, group: bb}
                jobs:
                  - {jobId: j, document: {operation: x}}
                actions:
                  - {at: 1m, offline: {cohort: d, for: 1m}, restartBroker: {for: 5s}}
                  - {at: 2m, cancelJob: {jobId: k}}
                  - {at: 3m, restartBroker: }
                expect:
                  - {job: j, status: DONE, executions: {SUCEEDED: 1}}
                """);

        assertThatThrownBy(() -> ScenarioLoader.load(f))
                .isInstanceOf(ScenarioException.class)
                .satisfies(e -> assertThat(e.getMessage().lines())
                        .containsExactly(
                                // ab and ba are both one edit from bb: the alphabetically first is suggested.
                                f + ":4:15: cohorts[0].group: no group 'bb' in fleet.groups; did you mean 'ab'?",
                                f + ":8:5: actions[0]: give exactly one of cancelJob, addThingsToGroup, offline,"
                                        + " disconnectStorm or restartBroker",
                                f + ":9:26: actions[1].cancelJob.jobId: no job 'k' in jobs; did you mean 'j'?",
                                f + ":12:14: expect[0].status: a job status is one of IN_PROGRESS, CANCELED,"
                                        + " COMPLETED, DELETION_IN_PROGRESS, SCHEDULED",
                                f + ":12:41: expect[0].executions.SUCEEDED: unknown key 'SUCEEDED' in"
                                        + " expect[0].executions; did you mean 'SUCCEEDED'?"));
    }

    @Test
    void seriesWithoutTimesRunUntilTheEndAndARealDurationOnTheCommandLineWins() throws Exception {
        Path f = file("""
                name: soak
                duration: 1h
                target: {local: {timeScale: 60, retention: {completedJobs: 5, completedFor: 1d}}}
                fleet: {count: 10}
                jobs:
                  - {jobId: push, at: 5m, every: 10m, document: {operation: reboot}}
                actions:
                  - {at: 0m, every: 30m, disconnectStorm: {share: 10%, for: 30s}}
                """);

        Scenario s = ScenarioLoader.load(f);
        // 5m, 15m … 55m fit before the end at 1h; the storm at 0m and 30m.
        assertThat(s.jobs()).hasSize(6);
        assertThat(s.jobs().get(5).jobId()).isEqualTo("push-6");
        assertThat(s.actions())
                .extracting(Scenario.ActionSpec::at)
                .containsExactly(Duration.ZERO, Duration.ofMinutes(30));
        assertThat(s.retention().completedJobs()).isEqualTo(5);
        assertThat(s.retention().completedFor()).isEqualTo(Duration.ofDays(1));

        // Two real minutes at 60x: two simulated hours, twelve jobs, and a timeout that leaves the run its length.
        Scenario longer = ScenarioLoader.load(f, Duration.ofMinutes(2));
        assertThat(longer.duration()).isEqualTo(Duration.ofHours(2));
        assertThat(longer.jobs()).hasSize(12);
        assertThat(longer.timeout()).isGreaterThanOrEqualTo(Duration.ofMinutes(7));
    }

    @Test
    void aSeriesWithoutTimesNeedsADurationAndBadRetentionIsNamed() throws IOException {
        Path f = file("""
                name: endless
                target: {local: {retention: {completedJobs: 0, completedFor: 0s, keep: 1}}}
                fleet: {count: 10}
                jobs:
                  - {jobId: push, every: 10m, document: {operation: reboot}}
                  - {jobId: other, times: 2, document: {operation: reboot}}
                """);

        assertThatThrownBy(() -> ScenarioLoader.load(f))
                .isInstanceOf(ScenarioException.class)
                .satisfies(e -> assertThat(e.getMessage())
                        .contains("target.local.retention.keep: unknown key 'keep'")
                        .contains("target.local.retention.completedJobs:")
                        .contains("target.local.retention.completedFor: must be a positive duration")
                        .contains("jobs[0].times: required with every (how many jobs in the series, e.g. 24), unless"
                                + " the scenario has a duration")
                        .contains("jobs[1].every: required with times: the interval between jobs"));
    }

    @Test
    void mqttVersionAndKeepAliveAreReadForTheFleetAndPerCohortAndBadOnesNamed() throws Exception {
        Scenario s = ScenarioLoader.load(file("""
                name: mixed
                duration: 1m
                fleet: {count: 10, mqttVersion: 5, keepAlive: 20m}
                cohorts:
                  - {name: legacy, count: 4, mqttVersion: 3.1.1}
                  - {name: current, count: 6}
                """));
        assertThat(s.fleet().mqttVersion()).isEqualTo(MqttVersion.MQTT_5_0);
        assertThat(s.fleet().keepAlive()).isEqualTo(Duration.ofMinutes(20));
        assertThat(s.cohorts())
                .extracting(Scenario.CohortSpec::mqttVersion)
                .containsExactly(MqttVersion.MQTT_3_1_1, null);
        assertThat(ScenarioLoader.load(file("name: d\nduration: 1m\nfleet: {count: 1}\n"))
                        .fleet())
                .extracting(Scenario.FleetSpec::mqttVersion, Scenario.FleetSpec::keepAlive)
                .containsExactly(MqttVersion.MQTT_5_0, Duration.ofSeconds(60));

        Path f = file("""
                name: bad
                duration: 1m
                fleet: {count: 10, mqttVersion: 4, keepAlive: 10s}
                cohorts:
                  - {name: legacy, count: 4, mqttVersion: "3.1"}
                """);
        assertThatThrownBy(() -> ScenarioLoader.load(f))
                .isInstanceOf(ScenarioException.class)
                .satisfies(e -> assertThat(e.getMessage().lines())
                        .contains(
                                f + ":3:20: fleet.mqttVersion: '4' is not an MQTT version; write 5 or 3.1.1",
                                f + ":3:36: fleet.keepAlive: must be whole seconds from 30s to 1200s (IoT Core's"
                                        + " keep-alive range)",
                                f + ":5:30: cohorts[0].mqttVersion: '3.1' is not an MQTT version; write 5 or 3.1.1"));
    }

    @Test
    void sessionsAreCleanUnlessThePersistentOnesAreAskedForAndABadValueIsNamed() throws Exception {
        assertThat(ScenarioLoader.load(file("name: d\nduration: 1m\nfleet: {count: 1}\n"))
                        .fleet()
                        .sessions())
                .isEqualTo(Scenario.Sessions.clean);
        assertThat(ScenarioLoader.load(file("name: d\nduration: 1m\nfleet: {count: 1, sessions: persistent}\n"))
                        .fleet()
                        .sessions())
                .isEqualTo(Scenario.Sessions.persistent);
        Path f = file("name: d\nduration: 1m\nfleet: {count: 1, sessions: sticky}\n");
        assertThatThrownBy(() -> ScenarioLoader.load(f))
                .isInstanceOf(ScenarioException.class)
                .hasMessageContaining(f + ":3:")
                .hasMessageContaining("fleet.sessions")
                .hasMessageContaining("clean")
                .hasMessageContaining("persistent");
    }
}
