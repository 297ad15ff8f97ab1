package dev.fleetsim.target;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * A run against AWS IoT Core (scenario {@code target.iotCore}, or {@code fleetsim run --target iot-core}).
 *
 * @param region the account's region; null takes the SDK's default (AWS_REGION, the profile)
 * @param profile a named profile of the shared AWS config; null takes the SDK's default provider chain
 * @param endpointsFile a strict {@code fleetsim local}'s {@code endpoints.json}: endpoints, credentials and trust
 *     anchor from it (the IoT Core code path tested without AWS); null for AWS itself
 * @param mqttEndpoint {@code host} or {@code host:port}; null asks DescribeEndpoint(iot:Data-ATS), port 8883
 * @param controlPlaneEndpoint URL of the control plane; null is the SDK's default for the region
 * @param jobsDataPlaneEndpoint URL of the Jobs data plane; null asks DescribeEndpoint(iot:Jobs)
 * @param s3Endpoint URL of S3; null is the SDK's default
 * @param trustStore a PEM file of the CA certificates devices trust for the server; null is Amazon Root CA 1 and 3
 * @param provisioning how devices get their identities
 * @param existingDevices for {@link Provisioning#EXISTING}: a CSV of thing name, certificate PEM file, key PEM file
 * @param quotas per-API requests per second (and {@code connectsPerSecond}) other than AWS's defaults
 * @param presignRoleArn the IAM role IoT assumes to presign artifact URLs; null for fleetsim's own naming
 * @param cleanup delete what the run made when it ends
 * @param yes proceed against a real account without asking
 */
public record IotCoreSettings(
        String region,
        String profile,
        Path endpointsFile,
        String mqttEndpoint,
        String controlPlaneEndpoint,
        String jobsDataPlaneEndpoint,
        String s3Endpoint,
        Path trustStore,
        Provisioning provisioning,
        Path existingDevices,
        Map<String, Double> quotas,
        String presignRoleArn,
        boolean cleanup,
        boolean yes) {

    /** How a run's devices get their identities. */
    public enum Provisioning {
        /** CreateKeysAndCertificate per device: AWS makes the key; one call per device at its quota. */
        CREATE_KEYS_AND_CERTIFICATE,
        /** fleetsim's own CA makes keys and certificates here; RegisterCACertificate once, RegisterCertificate each. */
        REGISTER_CERTIFICATES,
        /** As registerCertificates, registered with RegisterCertificateWithoutCA (multi-account registration). */
        REGISTER_CERTIFICATES_WITHOUT_CA,
        /** The user's own things and certificates, from a file; nothing is created for them. */
        EXISTING;

        /** The name a scenario or {@code --provisioning} uses: {@code registerCertificatesWithoutCa}. */
        public String configName() {
            StringBuilder b = new StringBuilder();
            for (String word : name().toLowerCase(Locale.ROOT).split("_")) {
                b.append(b.length() == 0 ? word : Character.toUpperCase(word.charAt(0)) + word.substring(1));
            }
            return b.toString();
        }

        /** The mode of a {@link #configName()}, or null. */
        public static Provisioning of(String configName) {
            for (Provisioning p : values()) {
                if (p.configName().equals(configName)) {
                    return p;
                }
            }
            return null;
        }

        /** Every {@link #configName()}, comma-separated. */
        public static String configNames() {
            return String.join(
                    ", ", Arrays.stream(values()).map(Provisioning::configName).toList());
        }
    }

    public IotCoreSettings {
        quotas = quotas == null ? Map.of() : Map.copyOf(quotas);
        if (provisioning == null) {
            provisioning = Provisioning.REGISTER_CERTIFICATES;
        }
    }

    /** Whether this is AWS itself (not a strict local stack's endpoints file). */
    public boolean realAccount() {
        return endpointsFile == null;
    }
}
