package dev.fleetsim.local.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Policy evaluation against the examples of AWS IoT Core's policy documentation. */
class PolicyEvaluatorTest {
    private static final String ARN = "arn:aws:iot:us-east-1:123456789012:";
    private static final PolicyContext SENSOR =
            new PolicyContext("us-east-1", "123456789012", "sensor-1", "sensor-1", "Thermo", Map.of("floor", "3"));
    private static final PolicyContext STRANGER =
            new PolicyContext("us-east-1", "123456789012", "sensor-2", null, null, Map.of());

    private static boolean allows(String policy, String action, String resource, PolicyContext context) {
        return PolicyEvaluator.allows(List.of(IotPolicy.parse(policy)), action, resource, context);
    }

    @Test
    void connectOnlyWhenTheCertificateIsAttachedToTheThingTheClientIdNames() {
        String policy = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iot:Connect"],"Resource":["*"],
                 "Condition":{"Bool":{"iot:Connection.Thing.IsAttached":["true"]}}}]}""";

        assertThat(allows(policy, "iot:Connect", ARN + "client/sensor-1", SENSOR))
                .isTrue();
        assertThat(allows(policy, "iot:Connect", ARN + "client/sensor-2", STRANGER))
                .isFalse();
    }

    @Test
    void thingNameVariablesConfineADeviceToItsOwnTopicsAndDoNotResolveForStrangers() {
        String policy = """
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","Action":"iot:Publish",
                  "Resource":"arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/jobs/*"}]}""";

        assertThat(allows(policy, "iot:Publish", ARN + "topic/$aws/things/sensor-1/jobs/j1/update", SENSOR))
                .isTrue();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/$aws/things/sensor-2/jobs/j1/update", SENSOR))
                .isFalse();
        // The variable does not resolve when the client id names no attached thing: the statement does not match.
        assertThat(allows(policy, "iot:Publish", ARN + "topic/$aws/things/sensor-2/jobs/j1/update", STRANGER))
                .isFalse();
    }

    @Test
    void plusAndHashAreLiteralInPoliciesWhileStarAndQuestionMarkAreWildcards() {
        String policy = """
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","Action":"iot:Subscribe","Resource":"arn:aws:iot:us-east-1:123456789012:topicfilter/sensors/+/temp"},
                 {"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/logs/*"},
                 {"Effect":"Allow","Action":"iot:Receive","Resource":"arn:aws:iot:us-east-1:123456789012:topic/room?"}]}""";

        assertThat(allows(policy, "iot:Subscribe", ARN + "topicfilter/sensors/+/temp", SENSOR))
                .isTrue();
        assertThat(allows(policy, "iot:Subscribe", ARN + "topicfilter/sensors/a/temp", SENSOR))
                .isFalse();
        assertThat(allows(policy, "iot:Subscribe", ARN + "topicfilter/sensors/#", SENSOR))
                .isFalse();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/logs/a/b", SENSOR))
                .isTrue();
        assertThat(allows(policy, "iot:Receive", ARN + "topic/room1", SENSOR)).isTrue();
        assertThat(allows(policy, "iot:Receive", ARN + "topic/room12", SENSOR)).isFalse();
    }

    @Test
    void anExplicitDenyWinsOverEveryAllowAndNothingIsAllowedByDefault() {
        String policy = """
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","Action":"iot:*","Resource":"*"},
                 {"Effect":"Deny","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/admin/*"}]}""";

        assertThat(allows(policy, "iot:Publish", ARN + "topic/data/x", SENSOR)).isTrue();
        assertThat(allows(policy, "iot:Connect", ARN + "client/anything", STRANGER))
                .isTrue();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/admin/reboot", SENSOR))
                .isFalse();
        assertThat(PolicyEvaluator.allows(List.of(), "iot:Connect", ARN + "client/x", SENSOR))
                .isFalse();
    }

    @Test
    void specialCharacterVariablesAndConditionsOnThingTypeAndAttributes() {
        String policy = """
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","Action":"iot:Publish","Resource":"arn:aws:iot:us-east-1:123456789012:topic/odd/$(*)",
                  "Condition":{"StringEquals":{"iot:Connection.Thing.ThingTypeName":"Thermo",
                                               "iot:Connection.Thing.Attributes[floor]":"3"}}}]}""";

        assertThat(allows(policy, "iot:Publish", ARN + "topic/odd/*", SENSOR)).isTrue();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/odd/x", SENSOR)).isFalse();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/odd/*", STRANGER)).isFalse();
    }

    @Test
    void notActionAndNotResourceInvertTheMatch() {
        String policy = """
                {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","NotAction":"iot:Publish","Resource":"*"},
                 {"Effect":"Allow","Action":"iot:Publish","NotResource":"arn:aws:iot:us-east-1:123456789012:topic/secret"}]}""";

        assertThat(allows(policy, "iot:Subscribe", ARN + "topicfilter/secret", SENSOR))
                .isTrue();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/open", SENSOR)).isTrue();
        assertThat(allows(policy, "iot:Publish", ARN + "topic/secret", SENSOR)).isFalse();
    }

    @Test
    void theDefaultDevicePolicyIsAJobsDeviceForItsOwnThing() {
        IotPolicy policy = DefaultPolicy.of("us-east-1", "123456789012");
        List<IotPolicy> p = List.of(policy);

        assertThat(PolicyEvaluator.allows(p, "iot:Connect", ARN + "client/sensor-1", SENSOR))
                .isTrue();
        assertThat(PolicyEvaluator.allows(p, "iot:Connect", ARN + "client/sensor-2", STRANGER))
                .isFalse();
        assertThat(PolicyEvaluator.allows(
                        p, "iot:Subscribe", ARN + "topicfilter/$aws/things/sensor-1/jobs/notify-next", SENSOR))
                .isTrue();
        assertThat(PolicyEvaluator.allows(
                        p, "iot:Subscribe", ARN + "topicfilter/$aws/things/+/jobs/notify-next", SENSOR))
                .isFalse();
        assertThat(PolicyEvaluator.allows(p, "iot:Subscribe", ARN + "topicfilter/#", SENSOR))
                .isFalse();
        assertThat(PolicyEvaluator.allows(
                        p, "iot:Receive", ARN + "topic/$aws/things/sensor-1/jobs/j/get/accepted", SENSOR))
                .isTrue();
        assertThat(PolicyEvaluator.allows(
                        p,
                        "iot:Publish",
                        ARN + "topic/$aws/provisioning-templates/" + DefaultPolicy.ROTATION_TEMPLATE
                                + "/provision/json",
                        SENSOR))
                .isTrue();
        assertThat(PolicyEvaluator.allows(
                        p, "iot:Publish", ARN + "topic/$aws/provisioning-templates/other/provision/json", SENSOR))
                .isFalse();
        assertThat(PolicyEvaluator.allows(p, "iot:Publish", ARN + "topic/data/x", SENSOR))
                .isFalse();
    }

    @Test
    void malformedDocumentsAreRefusedAsCreatePolicyRefusesThem() {
        for (String bad : List.of(
                "",
                "[]",
                "{\"Version\":\"2012-10-17\"}",
                "{\"Statement\":[{\"Effect\":\"Maybe\",\"Action\":\"iot:Connect\",\"Resource\":\"*\"}]}",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Resource\":\"*\"}]}",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"Connect\",\"Resource\":\"*\"}]}",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\"}]}",
                "{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iot:Connect\",\"Resource\":\"*\","
                        + "\"Condition\":[]}]}")) {
            assertThatThrownBy(() -> IotPolicy.parse(bad))
                    .as(bad)
                    .isInstanceOf(IotPolicy.MalformedPolicyException.class);
        }
    }
}
