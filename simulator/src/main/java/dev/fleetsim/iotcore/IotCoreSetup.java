package dev.fleetsim.iotcore;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import dev.fleetsim.net.ParallelCalls;
import dev.fleetsim.pki.Pem;
import dev.fleetsim.pki.RunCa;
import dev.fleetsim.target.FleetSetup;
import dev.fleetsim.target.IotCoreSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import javax.net.ssl.TrustManagerFactory;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.Tag;

/**
 * Makes a run's fleet on IoT Core: the run's thing group and least-privilege policy once (and its CA, when it registers
 * certificates), then per device CreateThing, AddThingToThingGroup, an identity, AttachPolicy and
 * AttachThingPrincipal. Devices are made many at a time, each call waiting for its API's token in the {@link Pacer},
 * so setup runs at the slowest API's quota rather than at the sum of them. Every resource is recorded in the
 * {@link ResourceJournal} before the call that makes it (or, for ids AWS chooses, right after).
 */
final class IotCoreSetup implements FleetSetup {
    /** Devices being made at once: enough to keep every API's bucket busy at its quota with ~50 ms round trips. */
    static final int PARALLEL_DEVICES = 32;

    static final String RUN_TAG = "fleetsim:run";

    private final IotClient iot;
    private final IotCoreSettings settings;
    private final String runId;
    private final ResourceJournal journal;
    private final RunCa ca;
    private final TrustManagerFactory trust;
    private final double connectsPerSecond;
    private volatile String runGroupArn;
    private volatile String policyName;
    private volatile String caCertificatePem;
    private volatile String accountId;
    private volatile String region;

    IotCoreSetup(
            IotClient iot,
            IotCoreSettings settings,
            String runId,
            ResourceJournal journal,
            RunCa ca,
            List<X509Certificate> trustAnchors,
            double connectsPerSecond,
            String region) {
        this.iot = iot;
        this.settings = settings;
        this.runId = runId;
        this.journal = journal;
        this.ca = ca;
        this.trust = Pem.trust(trustAnchors);
        this.connectsPerSecond = connectsPerSecond;
        this.region = region;
    }

    static String runGroup(String runId) {
        return "fleetsim-" + runId;
    }

    @Override
    public String prefix() {
        return settings.provisioning() == IotCoreSettings.Provisioning.EXISTING ? "" : runId + "-";
    }

    /** The account, known once the run's group exists (its ARN names it). */
    String accountId() {
        return accountId;
    }

    private List<Tag> tags() {
        return List.of(Tag.builder().key(RUN_TAG).value(runId).build());
    }

    /** The run's group, policy and (registerCertificates) CA: made once, before any device. */
    void prepare() {
        String group = runGroup(runId);
        journal.record(ResourceJournal.Kind.thingGroup, group, null);
        runGroupArn =
                iot.createThingGroup(r -> r.thingGroupName(group).tags(tags())).thingGroupArn();
        String[] arn = runGroupArn.split(":");
        region = arn[3];
        accountId = arn[4];
        if (settings.provisioning() == IotCoreSettings.Provisioning.EXISTING) {
            return;
        }
        policyName = "fleetsim-" + runId;
        journal.record(ResourceJournal.Kind.policy, policyName, null);
        iot.createPolicy(
                r -> r.policyName(policyName).policyDocument(policyDocument()).tags(tags()));
        if (settings.provisioning() == IotCoreSettings.Provisioning.REGISTER_CERTIFICATES) {
            String code = iot.getRegistrationCode(r -> {}).registrationCode();
            caCertificatePem = Pem.encode(ca.certificate());
            String verification = Pem.encode(ca.verificationCertificate(code));
            String id = Pem.certificateId(ca.certificate());
            journal.record(ResourceJournal.Kind.caCertificate, id, null);
            iot.registerCACertificate(r -> r.caCertificate(caCertificatePem)
                    .verificationCertificate(verification)
                    .setAsActive(true)
                    .allowAutoRegistration(false)
                    .tags(tags()));
        }
    }

    /**
     * Least privilege for a Jobs device (spec §2.11): connect as its own thing, publish, subscribe and receive on its
     * own thing's Jobs topics only.
     */
    String policyDocument() {
        String prefix = "arn:aws:iot:" + region + ":" + accountId + ":";
        String jobs = "$aws/things/${iot:Connection.Thing.ThingName}/jobs/";
        ObjectNode doc = JsonNodeFactory.instance.objectNode();
        doc.put("Version", "2012-10-17");
        ArrayNode statements = doc.putArray("Statement");
        statement(statements, "iot:Connect", prefix + "client/${iot:Connection.Thing.ThingName}");
        statement(statements, "iot:Publish", prefix + "topic/" + jobs + "*");
        statement(statements, "iot:Receive", prefix + "topic/" + jobs + "*");
        statement(statements, "iot:Subscribe", prefix + "topicfilter/" + jobs + "*");
        return doc.toString();
    }

    private static void statement(ArrayNode statements, String action, String resource) {
        ObjectNode s = statements.addObject();
        s.put("Effect", "Allow");
        s.put("Action", action);
        s.putArray("Resource").add(resource);
    }

    @Override
    public Function<String, MqttClientSslConfig> provision(List<String> thingNames) throws Exception {
        if (runGroupArn == null) {
            prepare();
        }
        if (settings.provisioning() == IotCoreSettings.Provisioning.EXISTING) {
            return existing(thingNames);
        }
        Map<String, MqttClientSslConfig> configs = new ConcurrentHashMap<>();
        try {
            ParallelCalls.map(
                    "fleetsim-iotcore-setup", PARALLEL_DEVICES, thingNames, thing -> configs.put(thing, device(thing)));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        return configs::get;
    }

    /** One device: its thing, group membership, identity, policy and principal. */
    private MqttClientSslConfig device(String thing) {
        journal.record(ResourceJournal.Kind.thing, thing, null);
        iot.createThing(r -> r.thingName(thing).attributePayload(a -> a.attributes(Map.of("fleetsimRun", runId))));
        iot.addThingToThingGroup(r -> r.thingGroupArn(runGroupArn).thingName(thing));
        String certificateArn;
        String certificatePem;
        String keyPem;
        if (settings.provisioning() == IotCoreSettings.Provisioning.CREATE_KEYS_AND_CERTIFICATE) {
            var keys = iot.createKeysAndCertificate(r -> r.setAsActive(true));
            journal.record(ResourceJournal.Kind.certificate, keys.certificateId(), keys.certificateArn());
            certificateArn = keys.certificateArn();
            certificatePem = keys.certificatePem();
            keyPem = keys.keyPair().privateKey();
        } else {
            KeyPair keys = Pem.newEcKeyPair();
            X509Certificate certificate = ca.issueClient(thing, keys.getPublic(), Duration.ofDays(30));
            certificatePem = Pem.encode(certificate);
            keyPem = Pem.encode(keys.getPrivate());
            String id = Pem.certificateId(certificate);
            certificateArn = "arn:aws:iot:" + region + ":" + accountId + ":cert/" + id;
            journal.record(ResourceJournal.Kind.certificate, id, certificateArn);
            String pem = certificatePem;
            if (settings.provisioning() == IotCoreSettings.Provisioning.REGISTER_CERTIFICATES) {
                certificateArn = iot.registerCertificate(r -> r.certificatePem(pem)
                                .caCertificatePem(caCertificatePem)
                                .status(CertificateStatus.ACTIVE))
                        .certificateArn();
            } else {
                certificateArn = iot.registerCertificateWithoutCA(
                                r -> r.certificatePem(pem).status(CertificateStatus.ACTIVE))
                        .certificateArn();
            }
        }
        String principal = certificateArn;
        journal.record(ResourceJournal.Kind.policyAttachment, policyName, principal);
        iot.attachPolicy(r -> r.policyName(policyName).target(principal));
        journal.record(ResourceJournal.Kind.thingPrincipal, thing, principal);
        iot.attachThingPrincipal(r -> r.thingName(thing).principal(principal));
        return Pem.mtls(keyPem, certificatePem, trust);
    }

    /** {@code existing}: the user's things, each line {@code thingName,certificate.pem,private.key}. */
    private Function<String, MqttClientSslConfig> existing(List<String> thingNames) throws IOException {
        Path file = settings.existingDevices();
        Map<String, MqttClientSslConfig> byName = new ConcurrentHashMap<>();
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                rows.add(line);
            }
        }
        for (int i = 0; i < rows.size(); i++) {
            String[] cells = rows.get(i).split(",");
            if (cells.length != 3) {
                throw new IllegalArgumentException(
                        file + ":" + (i + 1) + ": expected thingName,certificateFile,privateKeyFile");
            }
            Path dir = file.toAbsolutePath().getParent();
            byName.put(
                    cells[0].trim(),
                    Pem.mtls(
                            Files.readString(dir.resolve(cells[2].trim())),
                            Files.readString(dir.resolve(cells[1].trim())),
                            trust));
        }
        for (String thing : thingNames) {
            if (!byName.containsKey(thing)) {
                throw new IllegalArgumentException(file + " has no line for thing " + thing);
            }
        }
        return byName::get;
    }

    @Override
    public String createGroup(String name) {
        journal.record(ResourceJournal.Kind.thingGroup, name, null);
        return iot.createThingGroup(r -> r.thingGroupName(name).tags(tags())).thingGroupArn();
    }

    @Override
    public void markJob(ObjectNode createJobRequest) {
        ArrayNode tags = createJobRequest.withArray("tags");
        tags.addObject().put("key", RUN_TAG).put("value", runId);
        journal.record(ResourceJournal.Kind.job, createJobRequest.path("jobId").asText(), null);
    }

    @Override
    public double connectsPerSecond() {
        return connectsPerSecond;
    }
}
