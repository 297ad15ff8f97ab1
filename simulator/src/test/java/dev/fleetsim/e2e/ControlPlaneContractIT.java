package dev.fleetsim.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.testing.LocalAws;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.InvalidRequestException;
import software.amazon.awssdk.services.iot.model.JobExecutionsRolloutConfig;

/**
 * The control plane's contract as the AWS SDK sees it: every List API pages with the member names of the SDK's model
 * (the SDK's own paginators walk three items one page at a time), and bad input is a 400 that names the problem,
 * never a 500 an SDK would retry.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ControlPlaneContractIT {
    private static LocalStack stack;
    private static IotClient iot;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        stack = LocalStack.start(LocalStackConfig.ephemeral()).join();
        iot = LocalAws.iot(stack);
        String arnPrefix = "arn:aws:iot:us-east-1:000000000000:";
        iot.createThingGroup(r -> r.thingGroupName("cp-group"));
        List<String> certificates = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String thing = "cp-" + i;
            iot.createThing(r -> r.thingName(thing));
            iot.addThingToThingGroup(r -> r.thingGroupName("cp-group").thingName(thing));
            iot.createThingGroup(r -> r.thingGroupName("cp-group-" + thing));
            iot.addThingToThingGroup(r -> r.thingGroupName("cp-group-" + thing).thingName("cp-0"));
            String cert = iot.createKeysAndCertificate(r -> r.setAsActive(true)).certificateArn();
            certificates.add(cert);
            iot.attachThingPrincipal(r -> r.thingName("cp-0").principal(cert));
            String policy = "cp-policy-" + i;
            iot.createPolicy(r -> r.policyName(policy)
                    .policyDocument("{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\","
                            + "\"Resource\":\"*\"}]}"));
            iot.attachPolicy(r -> r.policyName(policy).target(certificates.get(0)));
            iot.attachPolicy(r -> r.policyName("cp-policy-0").target(cert));
            iot.createJobTemplate(r ->
                    r.jobTemplateId("cp-template-" + thing).description("d").document("{}"));
        }
        for (int i = 0; i < 3; i++) { // once every thing is in the group
            String job = "cp-job-cp-" + i;
            iot.createJob(
                    r -> r.jobId(job).targets(arnPrefix + "thinggroup/cp-group").document("{}"));
        }
    }

    @AfterAll
    static void stop() {
        iot.close();
        stack.close();
    }

    @Test
    void everyListApiPagesAsTheSdksPaginatorExpects() {
        String cert =
                iot.listThingPrincipals(r -> r.thingName("cp-0")).principals().get(0);
        Map<String, Integer> counted = Map.ofEntries(
                Map.entry(
                        "ListThings",
                        iot.listThingsPaginator(r -> r.maxResults(1)).things().stream()
                                .filter(t -> t.thingName().matches("cp-[0-9]"))
                                .toList()
                                .size()),
                Map.entry(
                        "ListThingGroups",
                        iot.listThingGroupsPaginator(r -> r.maxResults(1)).thingGroups().stream()
                                .filter(g -> g.groupName().startsWith("cp-group-"))
                                .toList()
                                .size()),
                Map.entry(
                        "ListThingsInThingGroup",
                        iot
                                .listThingsInThingGroupPaginator(
                                        r -> r.thingGroupName("cp-group").maxResults(1))
                                .things()
                                .stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListThingGroupsForThing",
                        iot
                                        .listThingGroupsForThingPaginator(
                                                r -> r.thingName("cp-0").maxResults(1))
                                        .thingGroups()
                                        .stream()
                                        .toList()
                                        .size()
                                - 1),
                Map.entry(
                        "ListThingPrincipals",
                        iot
                                .listThingPrincipalsPaginator(
                                        r -> r.thingName("cp-0").maxResults(1))
                                .principals()
                                .stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListCertificates",
                        iot.listCertificatesPaginator(r -> r.pageSize(1)).certificates().stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListPolicies",
                        iot.listPoliciesPaginator(r -> r.pageSize(1)).policies().stream()
                                .filter(p -> p.policyName().startsWith("cp-policy-"))
                                .toList()
                                .size()),
                Map.entry(
                        "ListAttachedPolicies",
                        iot.listAttachedPoliciesPaginator(r -> r.target(cert).pageSize(1)).policies().stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListTargetsForPolicy",
                        iot
                                .listTargetsForPolicyPaginator(
                                        r -> r.policyName("cp-policy-0").pageSize(1))
                                .targets()
                                .stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListJobs",
                        iot.listJobsPaginator(r -> r.maxResults(1)).jobs().stream()
                                .filter(j -> j.jobId().startsWith("cp-job-"))
                                .toList()
                                .size()),
                Map.entry(
                        "ListJobExecutionsForJob",
                        iot
                                .listJobExecutionsForJobPaginator(
                                        r -> r.jobId("cp-job-cp-0").maxResults(1))
                                .executionSummaries()
                                .stream()
                                .toList()
                                .size()),
                Map.entry(
                        "ListJobExecutionsForThing",
                        iot
                                .listJobExecutionsForThingPaginator(
                                        r -> r.thingName("cp-0").maxResults(1))
                                .executionSummaries()
                                .stream()
                                .filter(e -> e.jobId().startsWith("cp-job-"))
                                .toList()
                                .size()),
                Map.entry(
                        "ListJobTemplates",
                        iot.listJobTemplatesPaginator(r -> r.maxResults(1)).jobTemplates().stream()
                                .filter(t -> t.jobTemplateId().startsWith("cp-template-"))
                                .toList()
                                .size()));
        counted.forEach((api, n) -> assertThat(n).as(api).isEqualTo(3));
        assertThat(iot.listManagedJobTemplatesPaginator(r -> r.maxResults(1)).managedJobTemplates().stream()
                        .toList())
                .hasSizeGreaterThan(3);
    }

    private static int status(String method, String pathAndQuery, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(stack.controlPlaneEndpoint() + pathAndQuery))
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json")
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    @Test
    void badInputIsAFourHundredThatNamesTheProblem() throws Exception {
        iot.createThing(r -> r.thingName("cp-bad"));
        assertThat(status("DELETE", "/things/cp-bad?expectedVersion=abc", null)).isEqualTo(400);
        assertThat(status("DELETE", "/things/cp-bad?expectedVersion=", null)).isEqualTo(400);
        assertThat(status("GET", "/jobs?status=BOGUS", null)).isEqualTo(400);
        assertThat(status("POST", "/things/cp-trailing", "{\"attributePayload\":{}}}"))
                .isEqualTo(400);
        assertThat(status(
                        "PATCH",
                        "/things/cp-bad",
                        "{\"attributePayload\":{\"attributes\":{\"a\":\"" + "x".repeat(801) + "\"}}}"))
                .isEqualTo(400);
        assertThat(status(
                        "POST",
                        "/thing-groups/cp-long",
                        "{\"thingGroupProperties\":{\"thingGroupDescription\":\"" + "d".repeat(2029) + "\"}}"))
                .isEqualTo(400);
        assertThat(status(
                        "PUT",
                        "/jobs/cp-rate",
                        "{\"targets\":[\"arn:aws:iot:us-east-1:000000000000:thing/cp-bad\"],"
                                + "\"document\":\"{}\",\"jobExecutionsRolloutConfig\":{\"maximumPerMinute\":\"5\"}}"))
                .isEqualTo(400);
        assertThatThrownBy(() -> iot.createJob(r -> r.jobId("cp-rate")
                        .targets("arn:aws:iot:us-east-1:000000000000:thing/cp-bad")
                        .document("{}")
                        .jobExecutionsRolloutConfig(JobExecutionsRolloutConfig.builder()
                                .maximumPerMinute(1_000_001)
                                .build())))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> iot.createJob(r -> r.jobId("cp-elsewhere")
                        .targets("arn:aws:iot:eu-west-1:999999999999:thing/cp-bad")
                        .document("{}")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("not in this account and region");
        assertThatThrownBy(() -> iot.createJob(r -> r.jobId("cp-both")
                        .targets("arn:aws:iot:us-east-1:000000000000:thing/cp-bad")
                        .document("{}")
                        .documentSource("https://s3.us-east-1.amazonaws.com/b/k")))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("not both");
    }
}
