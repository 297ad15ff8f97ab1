package dev.fleetsim.local.jobs;

import static dev.fleetsim.local.jobs.ApiException.invalidRequest;
import static dev.fleetsim.local.jobs.ApiException.notFound;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.config.AbortMath;
import dev.fleetsim.jobs.config.JobConfig;
import dev.fleetsim.jobs.config.RateIncrease;
import dev.fleetsim.jobs.config.Retention;
import dev.fleetsim.jobs.config.RetryMath;
import dev.fleetsim.jobs.config.RolloutMath;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The job engine of the local IoT Jobs service: jobs and executions, rollout (§5.1–5.2), abort (§5.4), timers
 * (§3.5), retries (§3.6), scheduling (§5.5), cancel and delete (§4.5), SNAPSHOT and CONTINUOUS targets (§5.3, §5.6),
 * and the side effects of every transition (§3.7): {@code notify}, {@code notify-next} and lifecycle events.
 *
 * <p>Engine thread only: {@link JobsService} owns the thread and hops every call onto it. Time-driven work happens in
 * {@link #tick()}, which the service calls periodically and tests call on a manual clock.
 */
public final class JobsEngine {
    /** At most this many executions in {@code get/accepted} and {@code notify} (spec §2.3, §2.9.1). */
    static final int MAX_LISTED = 10;
    /** With a scheduling configuration: 15, and only 5 during a maintenance window (§2.9.1, §5.5). */
    static final int MAX_LISTED_SCHEDULED = 15;

    static final int MAX_LISTED_IN_WINDOW = 5;
    /** Jobs that may be in DELETION_IN_PROGRESS at once (§4.5). */
    static final int MAX_DELETING = 10;
    /** Targets per job, including AssociateTargetsWithJob (§11). */
    static final int MAX_TARGETS = 100;

    final Clock clock;
    final Arns arns;
    final Registry registry;
    final Events events;
    /** Substitutes presigned-URL placeholders at each delivery; null until an artifact store exists. */
    DocumentPresigner presigner;

    /** Reads {@code documentSource} URLs at CreateJob; null until an artifact store exists. */
    DocumentSource documentSource;

    final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Map<String, ThingJobs> queues = new HashMap<>();
    final Map<String, JobTemplates.Template> templates = new LinkedHashMap<>();
    private final PriorityQueue<TimerEntry> timers = new PriorityQueue<>();
    private final JobsNotifier notifier;
    private long sequence;
    /** What changed since the last commit (journaled when the stack is durable). */
    final StateChanges changes = new StateChanges();

    /** Resource tags by ARN. */
    final Tags tags = new Tags(changes);

    private record TimerEntry(Instant deadline, Execution execution, long generation)
            implements Comparable<TimerEntry> {
        @Override
        public int compareTo(TimerEntry o) {
            return deadline.compareTo(o.deadline);
        }
    }

    /** Pending set and head of a thing before a change: what notify / notify-next compare against. */
    record Snapshot(ThingJobs thing, Set<Execution> pending, Execution head) {}

    /** When a higher exponential rate takes effect. */
    private final RateIncrease rateIncrease;
    /** How many finished jobs are kept, and for how long. */
    private Retention retention = Retention.DEFAULT;
    /** Finished jobs in the order they finished: the oldest is the first to go. */
    private final Map<String, Instant> finished = new LinkedHashMap<>();

    JobsEngine(Clock clock, Arns arns, JobsOutbound outbound, boolean eventsEnabled, RateIncrease rateIncrease) {
        this.rateIncrease = rateIncrease;
        this.clock = clock;
        this.arns = arns;
        this.registry = new Registry(arns, changes);
        this.events = new Events(eventsEnabled, this::eventsChanged);
        this.notifier = new JobsNotifier(outbound, events, arns, clock);
    }

    public Instant now() {
        return clock.instant();
    }

    void retention(Retention r) {
        this.retention = r;
    }

    /** The last execution sequence number handed out (journaled with each commit). */
    long sequence() {
        return sequence;
    }

    private void eventsChanged() {
        changes.put(StateChanges.Kind.EVENTS, "events", events);
    }

    public Registry registry() {
        return registry;
    }

    public Tags tags() {
        return tags;
    }

    public Arns arns() {
        return arns;
    }

    /** Which lifecycle events are published (UpdateEventConfigurations changes them). */
    public Events events() {
        return events;
    }

    /** Every job, in creation order (DELETION_IN_PROGRESS ones included until they are gone). */
    public Collection<Job> jobs() {
        return Collections.unmodifiableCollection(jobs.values());
    }

    /** The job, or null. */
    public Job findJob(String jobId) {
        return jobs.get(jobId);
    }

    // ================================================================== recovery

    /** The rollout targets of a job as journaled (for snapshots). */
    List<String> rolloutTargets(Job job) {
        return job.rolloutTargets;
    }

    /**
     * Installs recovered jobs and executions (executions in sequence order) and derives what the journal does not
     * hold: each job's counters, each thing's pending queue, the running timers and the targets still to roll out.
     */
    void restore(Map<String, Job> restored, Map<String, JsonNode> targets, List<Execution> executions, long seq) {
        this.sequence = seq;
        for (Job job : restored.values()) {
            JsonNode list = targets.get(job.jobId);
            List<String> names = new ArrayList<>();
            if (list != null) {
                list.forEach(n -> names.add(n.asText()));
            }
            job.rolloutTargets = List.copyOf(names);
            jobs.put(job.jobId, job);
        }
        for (Execution e : executions) {
            e.job.executions
                    .computeIfAbsent(e.thingName, k -> new ArrayList<>(1))
                    .add(e);
            sequence = Math.max(sequence, e.sequence);
        }
        for (Job job : jobs.values()) {
            for (Execution latest : job.latestExecutions()) {
                job.countMove(null, latest.status);
                if (latest.status.isPending()) {
                    queue(latest.thingName).add(latest);
                }
                if (latest.status == JobExecutionStatus.IN_PROGRESS && latest.deadline() != null) {
                    timers.add(new TimerEntry(latest.deadline(), latest, latest.timerGeneration));
                }
            }
            boolean rolling = (job.status == JobStatus.IN_PROGRESS || job.status == JobStatus.SCHEDULED) && !job.ended;
            if (rolling) {
                for (String thing : job.rolloutTargets.subList(
                        Math.min(job.polled, job.rolloutTargets.size()), job.rolloutTargets.size())) {
                    if (registry.findThing(thing) != null) {
                        job.pendingTargets.add(thing);
                    }
                }
            }
        }
    }

    // ================================================================== templates

    /** The custom template, or null. */
    public JobTemplates.Template template(String id) {
        return templates.get(id);
    }

    public Collection<JobTemplates.Template> templates() {
        return Collections.unmodifiableCollection(templates.values());
    }

    /** CreateJobTemplate: {@code ConflictException} when the id is taken. */
    public void putTemplate(JobTemplates.Template template) {
        if (templates.containsKey(template.jobTemplateId())) {
            throw ApiException.conflict("Job template " + template.jobTemplateId() + " already exists.");
        }
        templates.put(template.jobTemplateId(), template);
        changes.put(StateChanges.Kind.TEMPLATE, template.jobTemplateId(), template);
    }

    public void removeTemplate(String id) {
        templates.remove(id);
        changes.delete(StateChanges.Kind.TEMPLATE, id);
    }

    // ================================================================== things and groups with their job effects

    /** DeleteThing: its pending executions become REMOVED (a missing thing is not an error, as on AWS). */
    public void deleteThing(String name, Long expectedVersion) {
        if (registry.removeThing(name, expectedVersion) != null) {
            thingDeleted(name);
        }
    }

    /** AddThingToThingGroup: CONTINUOUS jobs on the group (or an ancestor) queue an execution now. */
    public void addThingToGroup(String thingName, String groupName) {
        if (registry.addToGroup(thingName, groupName)) {
            thingJoinedGroup(thingName, groupName);
        }
    }

    /** RemoveThingFromThingGroup: pending executions of CONTINUOUS jobs it no longer matches become REMOVED. */
    public void removeThingFromGroup(String thingName, String groupName) {
        if (registry.removeFromGroup(thingName, groupName)) {
            thingLeftGroup(thingName);
        }
    }

    /** DeleteThingGroup: its things leave it, with the same effects as RemoveThingFromThingGroup. */
    public void deleteGroup(String name) {
        List<String> members = registry.removeGroup(name);
        if (members != null) {
            members.forEach(this::thingLeftGroup);
        }
    }

    /**
     * CreateJob's {@code documentSource}: read once, now (§4.2), from the local artifact store, and checked like an
     * inline document.
     */
    public String fetchDocument(String url) {
        if (url.length() > 1350) {
            throw invalidRequest("documentSource must be 1-1350 characters");
        }
        if (documentSource == null) {
            throw invalidRequest("documentSource cannot be fetched: the local stack has no S3 store for " + url
                    + "; pass the document inline");
        }
        String text;
        try {
            text = documentSource.fetch(url);
        } catch (IllegalArgumentException e) {
            throw invalidRequest(e.getMessage());
        }
        try {
            if (!JobsJson.readTree(text).isObject()) {
                throw invalidRequest("the document at " + url + " is not a JSON object");
            }
        } catch (IllegalArgumentException e) {
            throw invalidRequest("the document at " + url + " is not valid JSON");
        }
        return text;
    }

    // ================================================================== jobs

    /** Everything CreateJob needs once the template and the request are merged and validated. */
    public record NewJob(
            String jobId,
            List<String> targets,
            String targetSelection,
            String document,
            String documentSource,
            String description,
            String jobTemplateArn,
            Map<String, String> documentParameters,
            JobConfig.PresignedUrl presignedUrl,
            JobConfig.Rollout rollout,
            JobConfig.Abort abort,
            JobConfig.Timeout timeout,
            JobConfig.Retry retry,
            JobConfig.Scheduling scheduling) {}

    public Job createJob(NewJob spec) {
        Job existing = jobs.get(spec.jobId());
        if (existing != null) {
            throw ApiException.alreadyExists("Job " + spec.jobId() + " already exists.", spec.jobId(), existing.jobArn);
        }
        if (spec.targets() == null || spec.targets().isEmpty()) {
            throw invalidRequest("targets must name at least one thing or thing group");
        }
        if (spec.targets().size() > MAX_TARGETS) {
            throw ApiException.limitExceeded("a job may have at most " + MAX_TARGETS + " targets");
        }
        String selection = spec.targetSelection() == null ? "SNAPSHOT" : spec.targetSelection();
        if (!selection.equals("SNAPSHOT") && !selection.equals("CONTINUOUS")) {
            throw invalidRequest("targetSelection must be SNAPSHOT or CONTINUOUS");
        }
        Set<String> things = resolveTargets(spec.targets());
        JsonNode document = parseDocument(spec.document());
        if (presigner == null && DocumentPresigner.hasPlaceholder(spec.document())) {
            throw invalidRequest("the job document uses ${aws:iot:s3-presigned-url:...} placeholders, but the"
                    + " local stack has no artifact store to presign against");
        }
        Instant now = now();
        Instant start = Schedules.parse(
                spec.scheduling() == null ? null : spec.scheduling().startTime(), "startTime");
        Instant end = Schedules.parse(
                spec.scheduling() == null ? null : spec.scheduling().endTime(), "endTime");
        Schedules.validate(now, start, end);
        Job job = new Job(
                spec.jobId(),
                arns.job(spec.jobId()),
                selection,
                spec.targets(),
                spec.document(),
                document,
                spec.documentSource(),
                spec.jobTemplateArn(),
                spec.documentParameters(),
                spec.scheduling(),
                start,
                end,
                now,
                changes);
        job.description = spec.description();
        job.presignedUrl = spec.presignedUrl();
        job.rollout = spec.rollout();
        job.abort = spec.abort();
        job.timeout = spec.timeout();
        job.retry = spec.retry();
        job.rolloutTargets = List.copyOf(things);
        job.pendingTargets.addAll(things);
        jobs.put(job.jobId, job);
        changes.job(job);
        changes.put(StateChanges.Kind.TARGETS, job.jobId, job.rolloutTargets);
        if (start != null && start.isAfter(now)) {
            job.status = JobStatus.SCHEDULED;
        } else {
            startRollout(job, now);
        }
        return job;
    }

    private JsonNode parseDocument(String document) {
        if (document == null) {
            throw invalidRequest("a job needs a document, a documentSource or a jobTemplateArn");
        }
        if (document.length() > JobConfig.MAX_DOCUMENT_CHARS) {
            throw invalidRequest("the job document exceeds " + JobConfig.MAX_DOCUMENT_CHARS + " characters");
        }
        JsonNode node;
        try {
            node = JobsJson.readTree(document);
        } catch (IllegalArgumentException e) {
            throw invalidRequest("the job document is not valid JSON");
        }
        if (node == null || !node.isObject()) {
            throw invalidRequest("the job document must be a JSON object");
        }
        return node;
    }

    /** Thing and thing-group ARNs (or plain names) → thing names, groups expanded with their children. */
    Set<String> resolveTargets(List<String> targets) {
        Set<String> things = new LinkedHashSet<>();
        for (String target : targets) {
            String[] arn = Arns.parse(target);
            if (arn != null && !target.startsWith(arns.prefix())) {
                throw invalidRequest("target " + target + " is not in this account and region (" + arns.accountId()
                        + ", " + arns.region() + ")");
            }
            String type = arn == null ? (registry.findGroup(target) != null ? "thinggroup" : "thing") : arn[0];
            String name = arn == null ? target : arn[1];
            switch (type) {
                case "thing" -> things.add(registry.thing(name).name);
                case "thinggroup" -> things.addAll(registry.thingsOfGroup(name, true));
                default -> throw invalidRequest("target " + target + " is neither a thing nor a thing group ARN");
            }
        }
        return things;
    }

    private void startRollout(Job job, Instant now) {
        changes.job(job);
        job.status = JobStatus.IN_PROGRESS;
        job.rolloutStart = now;
        job.lastUpdatedAt = now;
        rollOut(job, now);
        completeIfDone(job, now);
    }

    /**
     * Queues as many pending targets as this minute's budget allows (§5.1–5.2, §13.2), inside windows only. The budget
     * is the rate that held when the minute began, or under {@link RateIncrease#IMMEDIATE} the rate after every
     * notified thing.
     */
    private void rollOut(Job job, Instant now) {
        if (!job.isRollingOut() || !MaintenanceWindows.inWindow(job, now)) {
            return;
        }
        long minute = Math.max(0, Duration.between(job.rolloutStart, now).toMinutes());
        if (minute != job.window) {
            changes.job(job);
            job.window = minute;
            job.notifiedInWindow = 0;
            job.windowRate =
                    RolloutMath.ratePerMinute(job.rollout, job.notified, job.count(JobExecutionStatus.SUCCEEDED));
        }
        while (job.isRollingOut()) {
            int rate = rateIncrease == RateIncrease.NEXT_MINUTE
                    ? job.windowRate
                    : RolloutMath.ratePerMinute(job.rollout, job.notified, job.count(JobExecutionStatus.SUCCEEDED));
            if (job.notifiedInWindow >= rate) {
                break;
            }
            String thing = job.pendingTargets.poll();
            job.polled++;
            if (registry.findThing(thing) != null && job.latest(thing) == null) {
                queueExecution(job, thing, 1, 0, now);
                job.notified++;
                job.notifiedInWindow++;
                while (job.notifiedPerMinute.size() <= minute) {
                    job.notifiedPerMinute.add(0);
                }
                job.notifiedPerMinute.set((int) minute, job.notifiedPerMinute.get((int) minute) + 1);
            }
        }
    }

    private Execution queueExecution(Job job, String thingName, long executionNumber, int retryAttempt, Instant now) {
        ThingJobs thing = queue(thingName);
        Snapshot before = snapshot(thing);
        Execution previous = job.latest(thingName);
        Execution execution = new Execution(job, thingName, executionNumber, retryAttempt, ++sequence, now);
        job.executions.computeIfAbsent(thingName, k -> new ArrayList<>(1)).add(execution);
        job.countMove(previous == null ? null : previous.status, JobExecutionStatus.QUEUED);
        thing.add(execution);
        changes.execution(execution);
        changes.job(job); // notified counts
        notifyChanges(before);
        return execution;
    }

    ThingJobs queue(String thingName) {
        return queues.computeIfAbsent(thingName, ThingJobs::new);
    }

    /** The job, or {@code ResourceNotFoundException}. */
    public Job job(String jobId) {
        Job job = jobs.get(jobId);
        if (job == null) {
            throw notFound("Job " + jobId + " cannot be found.");
        }
        return job;
    }

    public void updateJob(
            Job job,
            String description,
            JobConfig.PresignedUrl presignedUrl,
            JobConfig.Rollout rollout,
            JobConfig.Abort abort,
            JobConfig.Timeout timeout,
            JobConfig.Retry retry) {
        if (job.status == JobStatus.DELETION_IN_PROGRESS) {
            throw ApiException.invalidStateTransition("Job " + job.jobId + " is being deleted.");
        }
        if (description != null) {
            job.description = description;
        }
        if (presignedUrl != null) {
            job.presignedUrl = presignedUrl;
        }
        if (rollout != null) {
            job.rollout = rollout;
        }
        if (abort != null) {
            job.abort = abort;
        }
        if (timeout != null) {
            // §3.5: the in-progress timer cannot change once an execution started; new starts use the new value.
            job.timeout = timeout;
        }
        if (retry != null) {
            job.retry = retry;
        }
        job.lastUpdatedAt = now();
        changes.job(job);
    }

    /** CancelJob (§4.5): QUEUED executions are canceled; with force, IN_PROGRESS ones too. */
    public void cancelJob(Job job, boolean force, String reasonCode, String comment) {
        switch (job.status) {
            case DELETION_IN_PROGRESS ->
                throw ApiException.invalidStateTransition("Job " + job.jobId + " is being deleted.");
            case COMPLETED -> throw ApiException.invalidStateTransition("Job " + job.jobId + " is already completed.");
            case CANCELED -> {
                if (!force || job.forceCanceled) {
                    throw ApiException.invalidStateTransition("Job " + job.jobId + " is already canceled.");
                }
            }
            case SCHEDULED, IN_PROGRESS -> {}
        }
        Instant now = now();
        boolean wasCanceled = job.status == JobStatus.CANCELED;
        changes.job(job);
        job.status = JobStatus.CANCELED;
        job.forceCanceled = job.forceCanceled || force;
        if (reasonCode != null) {
            job.reasonCode = reasonCode;
        }
        if (comment != null) {
            job.comment = comment;
        }
        job.lastUpdatedAt = now;
        job.pendingTargets.clear();
        if (!wasCanceled) {
            jobEvent(job, "cancellation_in_progress", "CANCELLATION_IN_PROGRESS");
        }
        cancelExecutions(job, force, now);
        jobEvent(job, "canceled", "CANCELED");
    }

    private void cancelExecutions(Job job, boolean force, Instant now) {
        for (List<Execution> list : new ArrayList<>(job.executions.values())) {
            Execution e = list.get(list.size() - 1);
            JobExecutionStatus.Cause cause =
                    force ? JobExecutionStatus.Cause.FORCE_CANCEL : JobExecutionStatus.Cause.CANCEL;
            if (e.status.canTransition(JobExecutionStatus.CANCELED, cause)) {
                e.forceCanceled = force && e.status == JobExecutionStatus.IN_PROGRESS;
                terminate(e, JobExecutionStatus.CANCELED, now, false);
            }
        }
    }

    /** DeleteJob (§4.5): DELETION_IN_PROGRESS now, gone at the next tick. */
    public void deleteJob(Job job, boolean force) {
        if (job.status == JobStatus.DELETION_IN_PROGRESS) {
            throw ApiException.invalidStateTransition("Job " + job.jobId + " is already being deleted.");
        }
        if (!force && job.status != JobStatus.COMPLETED && job.status != JobStatus.CANCELED) {
            throw ApiException.invalidStateTransition("Job " + job.jobId + " is " + job.status
                    + "; only COMPLETED or CANCELED jobs can be deleted without force.");
        }
        long deleting = jobs.values().stream()
                .filter(j -> j.status == JobStatus.DELETION_IN_PROGRESS)
                .count();
        if (deleting >= MAX_DELETING) {
            throw ApiException.limitExceeded("at most " + MAX_DELETING + " jobs may be in DELETION_IN_PROGRESS");
        }
        changes.job(job);
        job.status = JobStatus.DELETION_IN_PROGRESS;
        job.lastUpdatedAt = now();
        job.pendingTargets.clear();
        jobEvent(job, "deletion_in_progress", "DELETION_IN_PROGRESS");
    }

    private void finishDeletion(Job job) {
        for (List<Execution> list : new ArrayList<>(job.executions.values())) {
            for (Execution e : new ArrayList<>(list)) {
                removeExecution(e);
            }
        }
        jobs.remove(job.jobId);
        finished.remove(job.jobId);
        changes.delete(StateChanges.Kind.JOB, job.jobId); // its executions and targets go with it
        jobEvent(job, "deleted", "DELETED");
    }

    /** AssociateTargetsWithJob (§4.7): CONTINUOUS jobs in IN_PROGRESS only; new group members get executions. */
    public void associateTargets(Job job, List<String> targets) {
        if (!job.isContinuous() || job.status != JobStatus.IN_PROGRESS) {
            throw invalidRequest("targets can be added only to CONTINUOUS jobs in IN_PROGRESS");
        }
        Set<String> all = new LinkedHashSet<>(job.targets);
        all.addAll(targets);
        if (all.size() > MAX_TARGETS) {
            throw ApiException.limitExceeded("a job may have at most " + MAX_TARGETS + " targets");
        }
        Set<String> things = resolveTargets(targets);
        job.targets.clear();
        job.targets.addAll(all);
        changes.job(job);
        Instant now = now();
        for (String thing : things) {
            if (job.latest(thing) == null) {
                queueExecution(job, thing, 1, 0, now);
                job.notified++;
            }
        }
        job.lastUpdatedAt = now;
    }

    // ================================================================== groups → continuous jobs (§5.3)

    /** A thing joined a group: CONTINUOUS jobs that target the group (or an ancestor) queue an execution now. */
    private void thingJoinedGroup(String thingName, String groupName) {
        Instant now = now();
        Set<String> chain = new HashSet<>(registry.groupAndAncestors(groupName));
        for (Job job : jobs.values()) {
            if (!job.isContinuous() || job.status != JobStatus.IN_PROGRESS || !targetsAnyGroup(job, chain)) {
                continue;
            }
            Execution latest = job.latest(thingName);
            if (latest == null) {
                queueExecution(job, thingName, 1, 0, now);
                job.notified++;
            } else if (latest.status == JobExecutionStatus.REMOVED) {
                queueExecution(job, thingName, latest.executionNumber + 1, 0, now); // re-added: retries reset
            }
        }
    }

    /** A thing left a group: its pending executions of CONTINUOUS jobs it no longer matches become REMOVED. */
    private void thingLeftGroup(String thingName) {
        Instant now = now();
        for (Job job : jobs.values()) {
            if (!job.isContinuous()) {
                continue;
            }
            Execution latest = job.latest(thingName);
            if (latest != null && latest.status.isPending() && !stillTargeted(job, thingName)) {
                terminate(latest, JobExecutionStatus.REMOVED, now, false);
            }
        }
    }

    private boolean targetsAnyGroup(Job job, Set<String> groups) {
        for (String target : job.targets) {
            String[] arn = Arns.parse(target);
            String name = arn == null ? target : arn[1];
            if ((arn == null || arn[0].equals("thinggroup")) && groups.contains(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean stillTargeted(Job job, String thingName) {
        Registry.Thing thing = registry.findThing(thingName);
        if (thing == null) {
            return false;
        }
        Set<String> groups = new HashSet<>();
        for (String g : thing.groups) {
            groups.addAll(registry.groupAndAncestors(g));
        }
        for (String target : job.targets) {
            String[] arn = Arns.parse(target);
            String type = arn == null ? null : arn[0];
            String name = arn == null ? target : arn[1];
            if (("thing".equals(type) || type == null) && name.equals(thingName)) {
                return true;
            }
            if ((type == null || type.equals("thinggroup")) && groups.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** A thing was deleted: its pending executions become REMOVED. */
    private void thingDeleted(String thingName) {
        Instant now = now();
        for (Job job : jobs.values()) {
            Execution latest = job.latest(thingName);
            if (latest != null && latest.status.isPending()) {
                terminate(latest, JobExecutionStatus.REMOVED, now, false);
            }
            job.pendingTargets.remove(thingName);
        }
    }

    // ================================================================== executions

    /** An execution: the latest of the job on the thing when {@code executionNumber} is null; null when none. */
    public Execution find(String thingName, String jobId, Long executionNumber) {
        Job job = jobs.get(jobId);
        if (job == null || job.status == JobStatus.DELETION_IN_PROGRESS) {
            return null;
        }
        List<Execution> list = job.executions.get(thingName);
        if (list == null || list.isEmpty()) {
            return null;
        }
        if (executionNumber == null) {
            return list.get(list.size() - 1);
        }
        for (Execution e : list) {
            if (e.executionNumber == executionNumber) {
                return e;
            }
        }
        return null;
    }

    Execution head(String thingName) {
        ThingJobs thing = queues.get(thingName);
        return thing == null ? null : thing.head();
    }

    List<Execution> pending(String thingName) {
        ThingJobs thing = queues.get(thingName);
        return thing == null ? List.of() : thing.pending();
    }

    /**
     * A device update (MQTT or HTTPS data plane): status, details and step timer; legality and version are the
     * caller's checks. Terminal statuses trigger retries, abort evaluation and completion.
     */
    void deviceUpdate(
            Execution e, JobExecutionStatus status, Map<String, String> details, Long stepTimeoutMinutes, Instant now) {
        ThingJobs thing = queue(e.thingName);
        Snapshot before = snapshot(thing);
        boolean starting = e.status == JobExecutionStatus.QUEUED && status == JobExecutionStatus.IN_PROGRESS;
        if (status.isTerminal()) {
            e.replaceStatusDetails(details);
            terminateInSnapshot(e, status, now, true);
        } else {
            e.moveTo(status, now);
            e.replaceStatusDetails(details);
            if (starting) {
                startTimers(e, now);
            }
            if (stepTimeoutMinutes != null) {
                setStepTimer(e, stepTimeoutMinutes, now);
            }
            thing.reorder();
        }
        notifyChanges(before);
    }

    /** start-next on a QUEUED head (§2.4). */
    void start(Execution e, Map<String, String> details, Long stepTimeoutMinutes, Instant now) {
        deviceUpdate(e, JobExecutionStatus.IN_PROGRESS, details, stepTimeoutMinutes, now);
    }

    private void startTimers(Execution e, Instant now) {
        if (e.job.timeout != null && e.job.timeout.inProgressTimeoutInMinutes() != null) {
            e.inProgressDeadline = now.plus(Duration.ofMinutes(e.job.timeout.inProgressTimeoutInMinutes()));
            scheduleTimer(e);
        }
    }

    /** §3.5: each step timer replaces the previous one, never beyond the in-progress deadline; -1 clears it. */
    private void setStepTimer(Execution e, long minutes, Instant now) {
        if (minutes == -1) {
            e.stepDeadline = null;
        } else {
            Instant deadline = now.plus(Duration.ofMinutes(minutes));
            if (e.inProgressDeadline != null && deadline.isAfter(e.inProgressDeadline)) {
                deadline = e.inProgressDeadline;
            }
            e.stepDeadline = deadline;
        }
        scheduleTimer(e);
    }

    private void scheduleTimer(Execution e) {
        changes.execution(e);
        e.timerGeneration++;
        Instant deadline = e.deadline();
        if (deadline != null) {
            timers.add(new TimerEntry(deadline, e, e.timerGeneration));
        }
    }

    /** CancelJobExecution (§4.5). */
    public void cancelExecution(Execution e, boolean force, Integer expectedVersion, Map<String, String> details) {
        if (e.status.isTerminal()) {
            throw ApiException.invalidStateTransition("Job execution is already in a terminal state: " + e.status);
        }
        if (e.status == JobExecutionStatus.IN_PROGRESS && !force) {
            throw ApiException.invalidStateTransition("An IN_PROGRESS job execution can be canceled only with force.");
        }
        if (expectedVersion != null && expectedVersion != e.versionNumber) {
            throw ApiException.versionConflict(
                    "expected version " + expectedVersion + " but the current version is " + e.versionNumber);
        }
        e.replaceStatusDetails(details);
        e.forceCanceled = force && e.status == JobExecutionStatus.IN_PROGRESS;
        terminate(e, JobExecutionStatus.CANCELED, now(), false);
    }

    /** DeleteJobExecution (§4.5). */
    public void deleteExecution(Execution e, boolean force) {
        if (e.status == JobExecutionStatus.IN_PROGRESS && !force) {
            throw ApiException.invalidStateTransition("An IN_PROGRESS job execution can be deleted only with force.");
        }
        if (e.status == JobExecutionStatus.QUEUED && !force) {
            throw ApiException.invalidStateTransition("A QUEUED job execution can be deleted only with force.");
        }
        removeExecution(e);
        executionEvent(e, "deleted", "DELETED");
        completeIfDone(e.job, now());
    }

    private void removeExecution(Execution e) {
        ThingJobs thing = queue(e.thingName);
        Snapshot before = snapshot(thing);
        List<Execution> list = e.job.executions.get(e.thingName);
        boolean wasLatest = e.isLatest();
        list.remove(e);
        if (wasLatest) {
            Execution newLatest = list.isEmpty() ? null : list.get(list.size() - 1);
            e.job.countMove(e.status, newLatest == null ? null : newLatest.status);
        }
        if (list.isEmpty()) {
            e.job.executions.remove(e.thingName);
        }
        e.timerGeneration++;
        thing.remove(e);
        changes.delete(
                StateChanges.Kind.EXECUTION, StateChanges.executionId(e.job.jobId, e.thingName, e.executionNumber));
        notifyChanges(before);
    }

    /** Moves an execution to a terminal status with all side effects, in one notification window. */
    private void terminate(Execution e, JobExecutionStatus status, Instant now, boolean retryable) {
        ThingJobs thing = queue(e.thingName);
        Snapshot before = snapshot(thing);
        terminateInSnapshot(e, status, now, retryable);
        notifyChanges(before);
    }

    private void terminateInSnapshot(Execution e, JobExecutionStatus status, Instant now, boolean retryable) {
        e.moveTo(status, now);
        queue(e.thingName).reorder();
        executionEvent(e, status.name().toLowerCase(Locale.ROOT), status.name());
        Job job = e.job;
        if (retryable && job.status == JobStatus.IN_PROGRESS && e.isLatest() && shouldRetry(e)) {
            queueRetry(e, now);
        }
        evaluateAbort(job, now);
        completeIfDone(job, now);
    }

    private boolean shouldRetry(Execution e) {
        int failed = 0;
        int timedOut = 0;
        for (Execution previous : e.job.executions.get(e.thingName)) {
            if (previous != e) {
                if (previous.status == JobExecutionStatus.FAILED) {
                    failed++;
                } else if (previous.status == JobExecutionStatus.TIMED_OUT) {
                    timedOut++;
                }
            }
        }
        return RetryMath.shouldRetry(e.job.retry, e.status, failed, timedOut);
    }

    private void queueRetry(Execution e, Instant now) {
        Job job = e.job;
        Execution previous = e;
        Execution retry = new Execution(job, e.thingName, e.executionNumber + 1, e.retryAttempt + 1, ++sequence, now);
        job.executions.get(e.thingName).add(retry);
        changes.execution(retry);
        job.countMove(previous.status, JobExecutionStatus.QUEUED);
        queue(e.thingName).add(retry);
    }

    private void evaluateAbort(Job job, Instant now) {
        if (job.status != JobStatus.IN_PROGRESS || job.abort == null) {
            return;
        }
        JobConfig.AbortCriteria tripped = AbortMath.tripped(job.abort, job.counts());
        if (tripped == null) {
            return;
        }
        changes.job(job);
        job.status = JobStatus.CANCELED;
        job.reasonCode = "FAILURE_THRESHOLD_EXCEEDED";
        job.comment = "Job was canceled because the " + tripped.failureType() + " failure threshold of "
                + tripped.thresholdPercentage() + "% was exceeded after at least "
                + tripped.minNumberOfExecutedThings() + " executions completed.";
        job.lastUpdatedAt = now;
        job.pendingTargets.clear();
        jobEvent(job, "cancellation_in_progress", "CANCELLATION_IN_PROGRESS");
        // Abort cancels QUEUED executions (and queued retries) only; IN_PROGRESS ones keep running (§5.4).
        for (List<Execution> list : new ArrayList<>(job.executions.values())) {
            Execution latest = list.get(list.size() - 1);
            if (latest.status == JobExecutionStatus.QUEUED) {
                terminate(latest, JobExecutionStatus.CANCELED, now, false);
            }
        }
        jobEvent(job, "canceled", "CANCELED");
    }

    private void completeIfDone(Job job, Instant now) {
        if (job.status == JobStatus.IN_PROGRESS
                && !job.isContinuous()
                && job.pendingTargets.isEmpty()
                && job.pendingCount() == 0) {
            changes.job(job);
            job.status = JobStatus.COMPLETED;
            job.completedAt = now;
            job.lastUpdatedAt = now;
            jobEvent(job, "completed", "COMPLETED");
        }
    }

    // ================================================================== time

    /** Time-driven work: scheduled starts and ends, rollout budgets, timer expiry, finished deletions. */
    public void tick() {
        Instant now = now();
        for (Job job : new ArrayList<>(jobs.values())) {
            if (job.status == JobStatus.SCHEDULED && job.startTime != null && !now.isBefore(job.startTime)) {
                startRollout(job, now);
            }
            if (job.endTime != null && !job.ended && !now.isBefore(job.endTime)) {
                applyEndBehavior(job, now);
            }
            if (job.status == JobStatus.DELETION_IN_PROGRESS) {
                finishDeletion(job);
            } else {
                rollOut(job, now);
                completeIfDone(job, now);
                if ((job.status == JobStatus.COMPLETED || job.status == JobStatus.CANCELED)
                        && job.pendingCount() == 0) {
                    finished.putIfAbsent(job.jobId, job.completedAt != null ? job.completedAt : job.lastUpdatedAt);
                }
            }
        }
        expireFinished(now);
        while (!timers.isEmpty() && !timers.peek().deadline().isAfter(now)) {
            TimerEntry entry = timers.poll();
            Execution e = entry.execution();
            if (entry.generation() == e.timerGeneration && e.status == JobExecutionStatus.IN_PROGRESS) {
                terminate(e, JobExecutionStatus.TIMED_OUT, now, true);
            }
        }
        flush();
    }

    /**
     * Removes the finished jobs the {@link Retention} no longer keeps, first finished first. A job counts as finished
     * when it is COMPLETED or CANCELED with nothing pending; after a restart, in creation order.
     */
    private void expireFinished(Instant now) {
        Instant cutoff = now.minus(retention.completedFor());
        var it = finished.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Instant> oldest = it.next();
            if (finished.size() <= retention.completedJobs()
                    && oldest.getValue().isAfter(cutoff)) {
                return;
            }
            it.remove();
            Job job = jobs.get(oldest.getKey());
            if (job != null && (job.status == JobStatus.COMPLETED || job.status == JobStatus.CANCELED)) {
                changes.job(job);
                finishDeletion(job);
            }
        }
    }

    private void applyEndBehavior(Job job, Instant now) {
        changes.job(job);
        job.ended = true;
        String behavior = job.scheduling.endBehavior() == null ? "STOP_ROLLOUT" : job.scheduling.endBehavior();
        if (job.status != JobStatus.IN_PROGRESS && job.status != JobStatus.SCHEDULED) {
            return;
        }
        switch (behavior) {
            case "CANCEL" -> cancelJob(job, false, null, "Canceled at the scheduled end time.");
            case "FORCE_CANCEL" -> cancelJob(job, true, null, "Force-canceled at the scheduled end time.");
            default -> {
                job.pendingTargets.clear();
                job.lastUpdatedAt = now;
                completeIfDone(job, now);
            }
        }
    }

    // ================================================================== delivery

    /** The job document as a device receives it: presigned placeholders substituted afresh at each delivery. */
    JsonNode deliveredDocument(Job job) {
        if (presigner == null || !DocumentPresigner.hasPlaceholder(job.documentText)) {
            return job.document;
        }
        long expires = job.presignedUrl == null || job.presignedUrl.expiresInSec() == null
                ? 3600
                : job.presignedUrl.expiresInSec();
        return JobsJson.readTree(presigner.substitute(job.documentText, expires));
    }

    Snapshot snapshot(ThingJobs thing) {
        return notifier.snapshot(thing);
    }

    void notifyChanges(Snapshot before) {
        notifier.changes(before, head -> head.toDevice(deliveredDocument(head.job), now()));
    }

    private void jobEvent(Job job, String event, String status) {
        notifier.jobEvent(job, event, status);
    }

    private void executionEvent(Execution e, String event, String status) {
        notifier.executionEvent(e, event, status);
    }

    /**
     * Sends what the changes since the last flush queued, in order. Operations never flush themselves: the caller
     * answers the request first, then flushes, so a device sees its answer before the notifications it caused.
     */
    public void flush() {
        notifier.flush();
    }
}
