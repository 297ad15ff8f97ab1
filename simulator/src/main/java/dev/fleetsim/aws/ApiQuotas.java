package dev.fleetsim.aws;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * AWS IoT Core's default quotas that a fleet run meets: control-plane requests per second per API, and the message
 * broker's limits (spec §11.1). One table for both sides: the IoT Core target paces its calls and connects under it,
 * and {@code fleetsim local --strict} throttles with it.
 *
 * <p>Sources. Per-API rates for the registry (things, groups, principals, tags) are the defaults AWS Service Quotas
 * lists for service {@code iotcore} (quota codes such as {@code L-64CBACAC} CreateThing API TPS); certificate, policy
 * and job APIs are from "AWS IoT Core endpoints and quotas" and "AWS IoT Device Management endpoints and quotas" in the
 * AWS General Reference (https://docs.aws.amazon.com/general/latest/gr/iot-core.html). Accounts differ and AWS raises
 * quotas on request: read yours with {@code aws service-quotas list-service-quotas --service-code iotcore} and
 * override in the scenario ({@code target.iotCore.quotas}) or with {@code fleetsim local --quota API=N}.
 *
 * @param apiRates requests per second per control-plane API, by AWS's operation name
 * @param connectsPerSecond MQTT CONNECTs per second per account (500 in us-east-1, us-west-2 and eu-west-1, 100 in
 *     the other regions by default)
 * @param connectsPerClientIdPerSecond CONNECTs per second per client id
 * @param publishesPerConnectionPerSecond PUBLISHes per second per connection, inbound
 * @param subscriptionsPerSubscribe topic filters in one SUBSCRIBE
 * @param maxPayloadBytes largest PUBLISH payload
 * @param maxTopicSlashes forward slashes in a topic name or filter ({@code $aws/rules/…} is exempt from 3)
 * @param minKeepAliveSeconds the broker raises a smaller keep-alive to this
 * @param maxKeepAliveSeconds largest keep-alive accepted
 */
public record ApiQuotas(
        Map<String, Double> apiRates,
        double connectsPerSecond,
        double connectsPerClientIdPerSecond,
        double publishesPerConnectionPerSecond,
        int subscriptionsPerSubscribe,
        int maxPayloadBytes,
        int maxTopicSlashes,
        int minKeepAliveSeconds,
        int maxKeepAliveSeconds) {

    /** The rate of an API missing from the table: the lowest default any IoT control-plane API has. */
    public static final double UNLISTED_API_RATE = 10;

    /** Names of the broker limits, as overrides spell them. */
    public static final String CONNECTS_PER_SECOND = "connectsPerSecond";

    private static final Map<String, Double> DEFAULT_RATES = defaultRates();

    public ApiQuotas {
        apiRates = Collections.unmodifiableMap(new TreeMap<>(apiRates));
    }

    /** IoT Core's defaults for {@code region}. */
    public static ApiQuotas defaults(String region) {
        boolean large = region != null
                && switch (region) {
                    case "us-east-1", "us-west-2", "eu-west-1" -> true;
                    default -> false;
                };
        return new ApiQuotas(DEFAULT_RATES, large ? 500 : 100, 1, 100, 8, 128 * 1024, 7, 30, 1200);
    }

    /** The requests per second {@code operation} may make. */
    public double rate(String operation) {
        return apiRates.getOrDefault(operation, UNLISTED_API_RATE);
    }

    /**
     * These quotas with {@code overrides} applied: an API name (e.g. {@code CreateThing}) or
     * {@value #CONNECTS_PER_SECOND}, to a rate per second.
     *
     * @throws IllegalArgumentException naming an override that is neither a known API nor a broker limit, or a rate not
     *     above 0
     */
    public ApiQuotas with(Map<String, Double> overrides) {
        Map<String, Double> rates = new LinkedHashMap<>(apiRates);
        double connects = connectsPerSecond;
        for (Map.Entry<String, Double> e : overrides.entrySet()) {
            Objects.requireNonNull(e.getValue(), e.getKey());
            if (!(e.getValue() > 0)) {
                throw new IllegalArgumentException(e.getKey() + " must be above 0");
            }
            if (e.getKey().equals(CONNECTS_PER_SECOND)) {
                connects = e.getValue();
            } else if (DEFAULT_RATES.containsKey(e.getKey())) {
                rates.put(e.getKey(), e.getValue());
            } else {
                // A misspelt name would otherwise be a quota nothing reads.
                throw new IllegalArgumentException("'" + e.getKey() + "' is neither " + CONNECTS_PER_SECOND
                        + " nor one of the APIs with a quota: " + String.join(", ", DEFAULT_RATES.keySet()));
            }
        }
        return new ApiQuotas(
                rates,
                connects,
                connectsPerClientIdPerSecond,
                publishesPerConnectionPerSecond,
                subscriptionsPerSubscribe,
                maxPayloadBytes,
                maxTopicSlashes,
                minKeepAliveSeconds,
                maxKeepAliveSeconds);
    }

    private static Map<String, Double> defaultRates() {
        Map<String, Double> r = new LinkedHashMap<>();
        // Registry (Service Quotas, service code iotcore).
        r.put("CreateThing", 100.0);
        r.put("DescribeThing", 350.0);
        r.put("UpdateThing", 100.0);
        r.put("DeleteThing", 100.0);
        r.put("ListThings", 10.0);
        r.put("CreateThingGroup", 25.0);
        r.put("DescribeThingGroup", 100.0);
        r.put("UpdateThingGroup", 15.0);
        r.put("DeleteThingGroup", 15.0);
        r.put("ListThingGroups", 10.0);
        r.put("AddThingToThingGroup", 100.0);
        r.put("RemoveThingFromThingGroup", 100.0);
        r.put("ListThingsInThingGroup", 25.0);
        r.put("ListThingGroupsForThing", 100.0);
        r.put("CreateDynamicThingGroup", 5.0);
        r.put("DeleteDynamicThingGroup", 5.0);
        r.put("AttachThingPrincipal", 100.0);
        r.put("DetachThingPrincipal", 100.0);
        r.put("ListThingPrincipals", 10.0);
        r.put("ListPrincipalThings", 10.0);
        r.put("TagResource", 10.0);
        r.put("UntagResource", 10.0);
        r.put("ListTagsForResource", 10.0);
        r.put("DescribeEndpoint", 10.0);
        // Certificates and policies (General Reference, AWS IoT Core API throttling limits).
        r.put("CreateKeysAndCertificate", 10.0);
        r.put("CreateCertificateFromCsr", 15.0);
        r.put("RegisterCertificate", 10.0);
        r.put("RegisterCertificateWithoutCA", 10.0);
        r.put("RegisterCACertificate", 10.0);
        r.put("GetRegistrationCode", 10.0);
        r.put("DescribeCertificate", 10.0);
        r.put("DescribeCACertificate", 10.0);
        r.put("UpdateCertificate", 10.0);
        r.put("UpdateCACertificate", 10.0);
        r.put("DeleteCertificate", 10.0);
        r.put("DeleteCACertificate", 10.0);
        r.put("ListCertificates", 10.0);
        r.put("ListCACertificates", 10.0);
        r.put("CreatePolicy", 10.0);
        r.put("GetPolicy", 15.0);
        r.put("DeletePolicy", 10.0);
        r.put("AttachPolicy", 15.0);
        r.put("DetachPolicy", 15.0);
        r.put("ListAttachedPolicies", 15.0);
        r.put("ListTargetsForPolicy", 10.0);
        // Jobs (General Reference, AWS IoT Device Management: jobs API throttling).
        r.put("CreateJob", 10.0);
        r.put("DescribeJob", 10.0);
        r.put("ListJobs", 10.0);
        r.put("CancelJob", 10.0);
        r.put("DeleteJob", 10.0);
        r.put("UpdateJob", 10.0);
        r.put("AssociateTargetsWithJob", 10.0);
        r.put("ListJobExecutionsForJob", 10.0);
        r.put("ListJobExecutionsForThing", 10.0);
        r.put("DescribeJobExecution", 10.0);
        r.put("CancelJobExecution", 10.0);
        r.put("DeleteJobExecution", 10.0);
        r.put("CreateJobTemplate", 10.0);
        r.put("DescribeJobTemplate", 10.0);
        r.put("DeleteJobTemplate", 10.0);
        return r;
    }
}
