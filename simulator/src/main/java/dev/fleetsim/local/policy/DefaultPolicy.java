package dev.fleetsim.local.policy;

/**
 * The policy a certificate has when none is attached (outside strict mode): what a Jobs device needs and no more, the
 * policy AWS's Jobs samples and the AWS IoT Device Client's README give, written for the connection's own thing. It
 * connects only with the client id of a thing attached to its certificate; publishes, subscribes and receives on
 * that thing's Jobs topics and the fleet-provisioning topics of the built-in certificate-rotation template. On IoT
 * Core a certificate without a policy may do nothing; {@code --strict} does the same here.
 */
public final class DefaultPolicy {
    /** The fleet-provisioning template fleetsim's devices rotate certificates with (spec §9). */
    public static final String ROTATION_TEMPLATE = "fleetsim-rotation";

    private DefaultPolicy() {}

    /** The default device policy of an account and region, as a document. */
    public static IotPolicy of(String region, String accountId) {
        String arn = "arn:aws:iot:" + region + ":" + accountId + ":";
        String thing = "$aws/things/${iot:Connection.Thing.ThingName}/jobs/*";
        String certificates = "$aws/certificates/create*";
        String provision = "$aws/provisioning-templates/" + ROTATION_TEMPLATE + "/provision/*";
        String text = """
                {
                  "Version": "2012-10-17",
                  "Statement": [
                    {"Effect": "Allow", "Action": "iot:Connect",
                     "Resource": "%1$sclient/${iot:Connection.Thing.ThingName}"},
                    {"Effect": "Allow", "Action": ["iot:Publish", "iot:Receive"],
                     "Resource": ["%1$stopic/%2$s", "%1$stopic/%3$s", "%1$stopic/%4$s"]},
                    {"Effect": "Allow", "Action": "iot:Subscribe",
                     "Resource": ["%1$stopicfilter/%2$s", "%1$stopicfilter/%3$s", "%1$stopicfilter/%4$s"]}
                  ]
                }
                """.formatted(arn, thing, certificates, provision);
        return IotPolicy.parse(text);
    }
}
