package dev.fleetsim.iotcore;

import dev.fleetsim.iotcore.ResourceJournal.Entry;
import dev.fleetsim.iotcore.ResourceJournal.Kind;
import dev.fleetsim.net.ParallelCalls;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CACertificateStatus;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.DeleteConflictException;
import software.amazon.awssdk.services.iot.model.InvalidRequestException;
import software.amazon.awssdk.services.iot.model.IotException;
import software.amazon.awssdk.services.iot.model.LimitExceededException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;

/**
 * Deletes what a run made, from its {@link ResourceJournal}, in the order IoT Core allows: jobs (cancelled and
 * deleted with force), policy and thing attachments, certificates (INACTIVE, then deleted), things, thing groups, the
 * policy, and the run's CA. Idempotent: a resource already gone counts as done, so cleanup can be run again after a
 * crash of the run or of cleanup itself. Calls go through the target's {@link Pacer} like every other call.
 */
public final class Cleanup {
    /** The kinds in the order they are deleted (and reported). */
    private static final List<Kind> ORDER = List.of(
            Kind.job,
            Kind.policyAttachment,
            Kind.thingPrincipal,
            Kind.certificate,
            Kind.thing,
            Kind.thingGroup,
            Kind.policy,
            Kind.caCertificate);

    /** Resources deleted at once. */
    static final int PARALLEL = 16;

    /** What cleanup did: deleted per kind, already gone, and failures it could not get past. */
    public record Result(Map<Kind, Integer> deleted, int alreadyGone, List<String> failures) {
        public boolean complete() {
            return failures.isEmpty();
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            deleted.forEach((k, n) -> {
                if (n > 0) {
                    b.append(b.length() == 0 ? "" : ", ").append(n).append(' ').append(k);
                }
            });
            return (b.length() == 0 ? "nothing to delete" : "deleted " + b)
                    + (alreadyGone > 0 ? "; " + alreadyGone + " already gone" : "")
                    + (failures.isEmpty() ? "" : "; " + failures.size() + " failed, first: " + failures.get(0));
        }
    }

    private final IotClient iot;
    private final Consumer<String> out;

    public Cleanup(IotClient iot, Consumer<String> out) {
        this.iot = iot;
        this.out = out;
    }

    public Result run(ResourceJournal.Contents contents) {
        Map<Kind, List<Entry>> byKind = new LinkedHashMap<>();
        for (Kind k : Kind.values()) {
            byKind.put(k, new ArrayList<>());
        }
        distinct(contents.entries()).forEach(e -> byKind.get(e.kind()).add(e));
        Map<Kind, Integer> deleted = new LinkedHashMap<>();
        for (Kind k : ORDER) {
            deleted.put(k, 0);
        }
        int gone = 0;
        List<String> failures = new ArrayList<>();
        try {
            for (List<List<Entry>> phase : phases(byKind)) {
                for (List<Outcome> unit : ParallelCalls.map("fleetsim-cleanup", PARALLEL, phase, this::attempt)) {
                    for (Outcome o : unit) {
                        if (o.failure() != null) {
                            failures.add(o.kind() + ": " + o.failure());
                        } else if (o.deleted()) {
                            deleted.merge(o.kind(), 1, Integer::sum);
                        } else {
                            gone++;
                        }
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add("interrupted");
        } catch (ExecutionException e) {
            failures.add(e.getCause().getMessage()); // attempt() answers every failure itself; this is a bug's path
        }
        return new Result(deleted, gone, failures);
    }

    /**
     * The order IoT Core allows, as phases of units: a phase starts when the one before has ended; the units of a phase
     * run in parallel, the entries of a unit in turn. A certificate's detachments and its deletion form one unit, so
     * certificates are deleted while other certificates are still being detached: cleanup takes the slowest API's time
     * rather than the sum of them.
     */
    private static List<List<List<Entry>>> phases(Map<Kind, List<Entry>> byKind) {
        Map<String, List<Entry>> byCertificate = new LinkedHashMap<>();
        byKind.get(Kind.certificate).forEach(c -> byCertificate.put(c.arn(), new ArrayList<>()));
        List<List<Entry>> detachments = new ArrayList<>();
        for (Kind k : List.of(Kind.policyAttachment, Kind.thingPrincipal)) {
            for (Entry e : byKind.get(k)) {
                List<Entry> chain = byCertificate.get(e.arn());
                if (chain != null) {
                    chain.add(e);
                } else {
                    detachments.add(List.of(e)); // attached to something the run did not make
                }
            }
        }
        for (Entry c : byKind.get(Kind.certificate)) {
            byCertificate.get(c.arn()).add(c);
        }
        detachments.addAll(byCertificate.values());
        return List.of(
                units(byKind.get(Kind.job)),
                detachments,
                units(byKind.get(Kind.thing)),
                units(byKind.get(Kind.thingGroup)),
                units(byKind.get(Kind.policy)),
                units(byKind.get(Kind.caCertificate)));
    }

    private static List<List<Entry>> units(List<Entry> entries) {
        return entries.stream().map(List::of).toList();
    }

    private static List<Entry> distinct(List<Entry> entries) {
        Map<String, Entry> unique = new LinkedHashMap<>();
        entries.forEach(e -> unique.putIfAbsent(e.kind() + "|" + e.id() + "|" + e.arn(), e));
        return new ArrayList<>(unique.values());
    }

    /** What deleting one resource came to: deleted, already gone (neither), or a failure it could not get past. */
    private record Outcome(Kind kind, boolean deleted, String failure) {}

    /** Deletes a unit's entries in turn; a failure does not stop the ones after it. */
    private List<Outcome> attempt(List<Entry> unit) throws InterruptedException {
        List<Outcome> outcomes = new ArrayList<>(unit.size());
        for (Entry e : unit) {
            try {
                outcomes.add(new Outcome(e.kind(), delete(e), null));
            } catch (RuntimeException failure) {
                outcomes.add(new Outcome(e.kind(), false, failure.getMessage()));
            }
        }
        return outcomes;
    }

    /** Deletes one resource; true when it was there, false when it was already gone. */
    private boolean delete(Entry e) throws InterruptedException {
        try {
            switch (e.kind()) {
                case job -> deleteJob(e.id());
                case policyAttachment ->
                    iot.detachPolicy(r -> r.policyName(e.id()).target(e.arn()));
                case thingPrincipal ->
                    iot.detachThingPrincipal(r -> r.thingName(e.id()).principal(e.arn()));
                case certificate -> {
                    iot.updateCertificate(r -> r.certificateId(e.id()).newStatus(CertificateStatus.INACTIVE));
                    retryConflicts(() ->
                            iot.deleteCertificate(r -> r.certificateId(e.id()).forceDelete(true)));
                }
                case thing -> retryConflicts(() -> iot.deleteThing(r -> r.thingName(e.id())));
                case thingGroup -> iot.deleteThingGroup(r -> r.thingGroupName(e.id()));
                case policy -> retryConflicts(() -> iot.deletePolicy(r -> r.policyName(e.id())));
                case caCertificate -> {
                    iot.updateCACertificate(r -> r.certificateId(e.id()).newStatus(CACertificateStatus.INACTIVE));
                    iot.deleteCACertificate(r -> r.certificateId(e.id()));
                }
            }
            return true;
        } catch (ResourceNotFoundException gone) {
            return false;
        }
    }

    /** Cancels a job (force: executions in progress too) and deletes it; IoT allows 10 deletions in progress. */
    private void deleteJob(String jobId) throws InterruptedException {
        try {
            iot.cancelJob(r -> r.jobId(jobId).force(true).comment("fleetsim cleanup"));
        } catch (IotException e) {
            if (e.statusCode() != 400 && e.statusCode() != 409) {
                throw e; // 400/409: a job already terminal cannot be cancelled; it can be deleted
            }
        }
        for (int attempt = 0; ; attempt++) {
            try {
                iot.deleteJob(r -> r.jobId(jobId).force(true));
                return;
            } catch (LimitExceededException e) {
                if (attempt >= 60) {
                    throw e;
                }
                TimeUnit.SECONDS.sleep(1);
            }
        }
    }

    /** AWS detaches asynchronously: a delete may see an attachment for a moment. */
    private void retryConflicts(Runnable call) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                call.run();
                return;
            } catch (DeleteConflictException | InvalidRequestException e) {
                if (attempt >= 10) {
                    throw e;
                }
                out.accept("cleanup: waiting for AWS to finish detaching (" + e.getMessage() + ")");
                TimeUnit.MILLISECONDS.sleep(500L * (attempt + 1));
            }
        }
    }
}
