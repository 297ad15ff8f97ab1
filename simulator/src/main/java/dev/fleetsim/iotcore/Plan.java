package dev.fleetsim.iotcore;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.scenario.Scenario;
import dev.fleetsim.target.IotCoreSettings;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run will do to an account, worked out before it does anything: control-plane calls per API (setup, the run,
 * cleanup), the setup's wall time at the account's quotas, MQTT messages and connection-minutes, and what those cost
 * at list prices. Printed before a run against a real account, which then needs {@code --yes}.
 */
public record Plan(
        Map<String, Long> setupCalls,
        Map<String, Long> cleanupCalls,
        double setupSeconds,
        String bottleneck,
        long mqttMessages,
        double connectionMinutes,
        long jobExecutions) {

    /** US East (N. Virginia) list prices, USD (AWS IoT Core and AWS IoT Device Management pricing pages). */
    static final double PRICE_PER_MILLION_MESSAGES = 1.00;

    static final double PRICE_PER_MILLION_CONNECTION_MINUTES = 0.08;
    static final double PRICE_PER_JOB_EXECUTION = 0.003;

    /**
     * MQTT messages of one job execution on the device side, metered both ways: notify-next, StartNextPending request
     * and answer, two UpdateJobExecution requests and answers (IN_PROGRESS, terminal), and the notify-next after.
     */
    static final int MESSAGES_PER_EXECUTION = 8;

    /** Per device and connection: SUBSCRIBE and its SUBACK, a GetPending/StartNext probe and its answer. */
    static final int MESSAGES_PER_CONNECT = 4;

    public static Plan of(Scenario scenario, IotCoreSettings settings, ApiQuotas quotas) {
        long n = scenario.fleet().count();
        boolean make = settings.provisioning() != IotCoreSettings.Provisioning.EXISTING;
        Map<String, Long> setup = new LinkedHashMap<>();
        long groups = 1
                + scenario.groups().size()
                + (scenario.jobs().stream().anyMatch(j -> j.targets().isEmpty()) ? 1 : 0);
        setup.put("CreateThingGroup", groups);
        long memberships = n
                + scenario.groups().stream().mapToLong(g -> g.to() - g.from()).sum()
                + (scenario.jobs().stream().anyMatch(j -> j.targets().isEmpty()) ? n : 0);
        if (make) {
            setup.put("CreatePolicy", 1L);
            setup.put("CreateThing", n);
            switch (settings.provisioning()) {
                case CREATE_KEYS_AND_CERTIFICATE -> setup.put("CreateKeysAndCertificate", n);
                case REGISTER_CERTIFICATES -> {
                    setup.put("GetRegistrationCode", 1L);
                    setup.put("RegisterCACertificate", 1L);
                    setup.put("RegisterCertificate", n);
                }
                default -> setup.put("RegisterCertificateWithoutCA", n);
            }
            setup.put("AttachPolicy", n);
            setup.put("AttachThingPrincipal", n);
        } else {
            memberships -= n;
        }
        setup.put("AddThingToThingGroup", memberships);
        setup.put("DescribeEndpoint", 1L);
        setup.put("CreateJob", (long) scenario.jobs().size());
        double seconds = 0;
        String slowest = "";
        for (Map.Entry<String, Long> e : setup.entrySet()) {
            double s = e.getValue() / quotas.rate(e.getKey());
            if (s > seconds) {
                seconds = s;
                slowest = e.getKey();
            }
        }
        Map<String, Long> cleanup = new LinkedHashMap<>();
        cleanup.put("CancelJob", (long) scenario.jobs().size());
        cleanup.put("DeleteJob", (long) scenario.jobs().size());
        if (make) {
            cleanup.put("DetachPolicy", n);
            cleanup.put("DetachThingPrincipal", n);
            cleanup.put("UpdateCertificate", n);
            cleanup.put("DeleteCertificate", n);
            cleanup.put("DeleteThing", n);
            cleanup.put("DeletePolicy", 1L);
        }
        cleanup.put("DeleteThingGroup", groups);
        long executions = n * scenario.jobs().size();
        Duration length = scenario.duration() != null ? scenario.duration() : scenario.timeout();
        double minutes = n * Math.max(1, length.toSeconds() / 60.0);
        long messages = executions * MESSAGES_PER_EXECUTION + n * MESSAGES_PER_CONNECT;
        return new Plan(setup, cleanup, seconds, slowest, messages, minutes, executions);
    }

    /** USD at the list prices above; the real bill depends on region, tier and free tier. */
    public double estimatedCost() {
        return mqttMessages / 1e6 * PRICE_PER_MILLION_MESSAGES
                + connectionMinutes / 1e6 * PRICE_PER_MILLION_CONNECTION_MINUTES
                + jobExecutions * PRICE_PER_JOB_EXECUTION;
    }

    public void print(PrintWriter out) {
        out.println("plan");
        out.printf("  setup calls       %s%n", setupCalls);
        out.printf(
                "  setup time        about %.0f s at the account's quotas (slowest: %s)%n", setupSeconds, bottleneck);
        out.printf(
                "  MQTT              about %,d messages, up to %,.0f connection-minutes%n",
                mqttMessages, connectionMinutes);
        out.printf("  job executions    %,d%n", jobExecutions);
        out.printf(
                "  estimated cost    USD %.4f at us-east-1 list prices (messages $%.2f/M, connection-minutes $%.2f/M,"
                        + " job executions $%.3f each)%n",
                estimatedCost(),
                PRICE_PER_MILLION_MESSAGES,
                PRICE_PER_MILLION_CONNECTION_MINUTES,
                PRICE_PER_JOB_EXECUTION);
        out.printf("  cleanup calls     %s%n", cleanupCalls);
        out.flush();
    }
}
