package dev.fleetsim.bench;

import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.iotcore.IotCoreTarget;
import dev.fleetsim.local.Folders;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.LocalStackConfig;
import dev.fleetsim.target.IotCoreSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Fleet setup on the IoT Core path against a strict local stack at IoT Core's default quotas: devices made per second
 * (thing, group membership, identity, policy, principal) for one provisioning mode, against the rate the quotas allow,
 * which is the slowest per-device API's quota. The ceiling is the quota, not the machine: a ratio near 1 means setup
 * spends the account's quota without waste; above 1 is the first second's burst.
 */
public final class SetupBench {
    /** One mode's figures. */
    public record Result(
            IotCoreSettings.Provisioning mode,
            int devices,
            double setupSeconds,
            double boundPerSecond,
            String bound,
            double cleanupSeconds) {
        public double perSecond() {
            return devices / setupSeconds;
        }

        public double ratio() {
            return perSecond() / boundPerSecond;
        }
    }

    private final int devices;
    private final Consumer<String> progress;

    public SetupBench(int devices, Consumer<String> progress) {
        this.devices = devices;
        this.progress = progress;
    }

    /** The per-device APIs of a mode; the slowest one's quota bounds setup. */
    static List<String> perDeviceApis(IotCoreSettings.Provisioning mode) {
        String identity = switch (mode) {
            case CREATE_KEYS_AND_CERTIFICATE -> "CreateKeysAndCertificate";
            case REGISTER_CERTIFICATES -> "RegisterCertificate";
            case REGISTER_CERTIFICATES_WITHOUT_CA -> "RegisterCertificateWithoutCA";
            case EXISTING -> throw new IllegalArgumentException("existing devices are not made");
        };
        return List.of("CreateThing", "AddThingToThingGroup", identity, "AttachPolicy", "AttachThingPrincipal");
    }

    public List<Result> run(List<IotCoreSettings.Provisioning> modes) throws Exception {
        Path dir = Files.createTempDirectory("fleetsim-bench-setup-");
        ApiQuotas quotas = ApiQuotas.defaults("us-east-1");
        List<Result> results = new ArrayList<>();
        try (LocalStack stack = LocalStack.start(LocalStackConfig.ephemeral().toBuilder()
                        .stateDir(dir.resolve("stack"))
                        .alpnPort(LocalStackConfig.DISABLED)
                        .strictQuotas(quotas)
                        .build())
                .get(60, TimeUnit.SECONDS)) {
            Path endpoints = stack.stateDir().resolve(LocalStack.ENDPOINTS_FILE);
            for (IotCoreSettings.Provisioning mode : modes) {
                IotCoreSettings settings = new IotCoreSettings(
                        null, null, endpoints, null, null, null, null, null, mode, null, null, null, true, false);
                String runId = IotCoreTarget.newRunId();
                List<String> things = new ArrayList<>(devices);
                for (int i = 0; i < devices; i++) {
                    things.add(runId + "-" + String.format("bench-%05d", i));
                }
                String bound = perDeviceApis(mode).stream()
                        .min((a, b) -> Double.compare(quotas.rate(a), quotas.rate(b)))
                        .orElseThrow();
                IotCoreTarget target =
                        IotCoreTarget.open(settings, dir.resolve(mode.configName()), runId, "bench-00000", progress);
                long start = System.nanoTime();
                target.setup().orElseThrow().provision(things);
                double setup = (System.nanoTime() - start) / 1e9;
                progress.accept(String.format("%s: %,d devices made in %.1f s", mode.configName(), devices, setup));
                long cleanupStart = System.nanoTime();
                target.close(); // cleans up what it made, paced by the same quotas
                double cleanup = (System.nanoTime() - cleanupStart) / 1e9;
                results.add(new Result(mode, devices, setup, quotas.rate(bound), bound, cleanup));
            }
        } finally {
            Folders.deleteRecursively(dir);
        }
        return results;
    }
}
