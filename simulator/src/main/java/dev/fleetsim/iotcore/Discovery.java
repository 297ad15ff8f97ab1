package dev.fleetsim.iotcore;

import dev.fleetsim.iotcore.ResourceJournal.Entry;
import dev.fleetsim.iotcore.ResourceJournal.Kind;
import dev.fleetsim.pki.Pem;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * Finds a run's resources by its id alone, for {@code fleetsim cleanup --run-id} when the record is lost: the run's
 * group {@code fleetsim-<run>} and its things, their certificates, the policy {@code fleetsim-<run>} and its targets,
 * groups and jobs named {@code <run>-…}, and the run's CA (subject {@code CN=fleetsim <run>}).
 */
public final class Discovery {
    private final IotClient iot;

    public Discovery(IotClient iot) {
        this.iot = iot;
    }

    public ResourceJournal.Contents find(String runId) {
        List<Entry> entries = new ArrayList<>();
        String prefix = runId + "-";
        iot.listJobsPaginator(r -> r.maxResults(250)).jobs().forEach(j -> {
            if (j.jobId().startsWith(prefix)) {
                entries.add(new Entry(Kind.job, j.jobId(), null));
            }
        });
        String policy = "fleetsim-" + runId;
        try {
            iot.listTargetsForPolicyPaginator(r -> r.policyName(policy))
                    .targets()
                    .forEach(t -> entries.add(new Entry(Kind.policyAttachment, policy, t)));
            entries.add(new Entry(Kind.policy, policy, null));
        } catch (ResourceNotFoundException none) {
            // no policy: made before it, or cleaned up already
        }
        String group = IotCoreSetup.runGroup(runId);
        try {
            for (String thing : iot.listThingsInThingGroupPaginator(r -> r.thingGroupName(group))
                    .things()) {
                for (String principal : iot.listThingPrincipalsPaginator(r -> r.thingName(thing))
                        .principals()) {
                    entries.add(new Entry(Kind.thingPrincipal, thing, principal));
                    if (principal.contains(":cert/")) {
                        entries.add(new Entry(
                                Kind.certificate, principal.substring(principal.indexOf(":cert/") + 6), principal));
                    }
                }
                entries.add(new Entry(Kind.thing, thing, null));
            }
        } catch (ResourceNotFoundException none) {
            // no run group
        }
        iot.listThingGroupsPaginator(r -> r.namePrefixFilter(prefix))
                .thingGroups()
                .forEach(g -> entries.add(new Entry(Kind.thingGroup, g.groupName(), null)));
        entries.add(new Entry(Kind.thingGroup, group, null));
        iot.listCACertificatesPaginator(r -> {}).certificates().forEach(c -> {
            String pem = iot.describeCACertificate(r -> r.certificateId(c.certificateId()))
                    .certificateDescription()
                    .certificatePem();
            String subject = Pem.certificate(pem).getSubjectX500Principal().getName();
            if (subject.contains("CN=fleetsim " + runId + ",") || subject.endsWith("CN=fleetsim " + runId)) {
                entries.add(new Entry(Kind.caCertificate, c.certificateId(), null));
            }
        });
        return new ResourceJournal.Contents(runId, "", "", entries);
    }
}
