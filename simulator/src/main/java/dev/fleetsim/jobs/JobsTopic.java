package dev.fleetsim.jobs;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One topic of the Jobs device MQTT API (spec §2.1), parsed or to be formatted.
 *
 * <p>Prefix {@code P = $aws/things/{thingName}/jobs}:
 *
 * <pre>
 *   P/get                      GET_PENDING    request      P/get/accepted, P/get/rejected
 *   P/start-next               START_NEXT     request      P/start-next/accepted, …/rejected
 *   P/{jobId}/get              DESCRIBE       request      jobId may be the literal $next
 *   P/{jobId}/update           UPDATE         request
 *   P/notify                   NOTIFY         service-initiated
 *   P/notify-next              NOTIFY_NEXT    service-initiated
 *   P/anything-else            INVALID        answered with InvalidTopic on {topic}/rejected
 * </pre>
 *
 * @param thingName the thing named in the topic
 * @param operation what the topic addresses
 * @param jobId the job id for {@link Operation#DESCRIBE} and {@link Operation#UPDATE} (may be {@link #NEXT}), else null
 * @param suffix request, accepted answer or rejected answer
 * @param raw the topic text as received, for {@link Operation#INVALID} answers
 */
public record JobsTopic(String thingName, Operation operation, String jobId, Suffix suffix, String raw) {

    /** The literal job id that means "the next pending execution" in a describe. */
    public static final String NEXT = "$next";

    private static final String THINGS = "$aws/things/";
    private static final String JOBS = "/jobs/";
    private static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    private static final Pattern JOB_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    /** What a jobs topic addresses. */
    public enum Operation {
        GET_PENDING,
        START_NEXT,
        DESCRIBE,
        UPDATE,
        NOTIFY,
        NOTIFY_NEXT,
        /** Under the jobs prefix but mapping to no API: answered with {@code InvalidTopic}. */
        INVALID
    }

    /** Request topic, or one of its two answer topics. */
    public enum Suffix {
        REQUEST(""),
        ACCEPTED("/accepted"),
        REJECTED("/rejected");

        private final String text;

        Suffix(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    public JobsTopic {
        Objects.requireNonNull(thingName, "thingName");
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(suffix, "suffix");
    }

    public static JobsTopic getPending(String thingName) {
        return of(thingName, Operation.GET_PENDING, null);
    }

    public static JobsTopic startNext(String thingName) {
        return of(thingName, Operation.START_NEXT, null);
    }

    public static JobsTopic describe(String thingName, String jobId) {
        return of(thingName, Operation.DESCRIBE, jobId);
    }

    public static JobsTopic update(String thingName, String jobId) {
        return of(thingName, Operation.UPDATE, jobId);
    }

    public static JobsTopic notifyTopic(String thingName) {
        return of(thingName, Operation.NOTIFY, null);
    }

    /** {@code $aws/events/job/{jobId}/{event}} (spec §2.10), e.g. {@code completed}. */
    public static String jobEvent(String jobId, String event) {
        return "$aws/events/job/" + jobId + "/" + event;
    }

    /** {@code $aws/events/jobExecution/{jobId}/{event}} (spec §2.10), e.g. {@code succeeded}. */
    public static String jobExecutionEvent(String jobId, String event) {
        return "$aws/events/jobExecution/" + jobId + "/" + event;
    }

    public static JobsTopic notifyNext(String thingName) {
        return of(thingName, Operation.NOTIFY_NEXT, null);
    }

    private static JobsTopic of(String thingName, Operation operation, String jobId) {
        return new JobsTopic(thingName, operation, jobId, Suffix.REQUEST, null);
    }

    /** The prefix {@code $aws/things/{thingName}/jobs} of every jobs topic of a thing. */
    public static String prefix(String thingName) {
        return THINGS + thingName + "/jobs";
    }

    /** Whether the name is a legal thing name (§1.2). */
    public static boolean isValidThingName(String thingName) {
        return thingName != null && THING_NAME.matcher(thingName).matches();
    }

    /** Whether the id is a legal job id (§1.2); {@code $next} is not. */
    public static boolean isValidJobId(String jobId) {
        return jobId != null && JOB_ID.matcher(jobId).matches();
    }

    /**
     * Parses a topic. Returns empty when the topic is not under {@code $aws/things/{thingName}/jobs/}; returns an
     * {@link Operation#INVALID} topic when it is, but names no API.
     */
    public static Optional<JobsTopic> parse(String topic) {
        if (topic == null || !topic.startsWith(THINGS)) {
            return Optional.empty();
        }
        int thingEnd = topic.indexOf('/', THINGS.length());
        if (thingEnd < 0 || !topic.startsWith(JOBS, thingEnd)) {
            return Optional.empty();
        }
        String thingName = topic.substring(THINGS.length(), thingEnd);
        if (thingName.isEmpty()) {
            return Optional.empty();
        }
        String[] rest = topic.substring(thingEnd + JOBS.length()).split("/", -1);
        JobsTopic parsed = parseRest(thingName, rest);
        if (parsed == null || !isValidThingName(thingName)) {
            return Optional.of(new JobsTopic(thingName, Operation.INVALID, null, Suffix.REQUEST, topic));
        }
        return Optional.of(parsed);
    }

    private static JobsTopic parseRest(String thingName, String[] rest) {
        if (rest.length == 1) {
            return switch (rest[0]) {
                case "get" -> new JobsTopic(thingName, Operation.GET_PENDING, null, Suffix.REQUEST, null);
                case "start-next" -> new JobsTopic(thingName, Operation.START_NEXT, null, Suffix.REQUEST, null);
                case "notify" -> new JobsTopic(thingName, Operation.NOTIFY, null, Suffix.REQUEST, null);
                case "notify-next" -> new JobsTopic(thingName, Operation.NOTIFY_NEXT, null, Suffix.REQUEST, null);
                default -> null;
            };
        }
        if (rest.length == 2) {
            Suffix suffix = suffix(rest[1]);
            if (suffix != null && rest[0].equals("get")) {
                return new JobsTopic(thingName, Operation.GET_PENDING, null, suffix, null);
            }
            if (suffix != null && rest[0].equals("start-next")) {
                return new JobsTopic(thingName, Operation.START_NEXT, null, suffix, null);
            }
            return jobOperation(thingName, rest[0], rest[1], Suffix.REQUEST);
        }
        if (rest.length == 3) {
            Suffix suffix = suffix(rest[2]);
            return suffix == null ? null : jobOperation(thingName, rest[0], rest[1], suffix);
        }
        return null;
    }

    private static JobsTopic jobOperation(String thingName, String jobId, String verb, Suffix suffix) {
        if (verb.equals("get") && (jobId.equals(NEXT) || isValidJobId(jobId))) {
            return new JobsTopic(thingName, Operation.DESCRIBE, jobId, suffix, null);
        }
        if (verb.equals("update") && isValidJobId(jobId)) {
            return new JobsTopic(thingName, Operation.UPDATE, jobId, suffix, null);
        }
        return null;
    }

    private static Suffix suffix(String segment) {
        return switch (segment) {
            case "accepted" -> Suffix.ACCEPTED;
            case "rejected" -> Suffix.REJECTED;
            default -> null;
        };
    }

    /** The accepted-answer topic of this request topic. */
    public JobsTopic accepted() {
        return withSuffix(Suffix.ACCEPTED);
    }

    /** The rejected-answer topic of this request topic. */
    public JobsTopic rejected() {
        return withSuffix(Suffix.REJECTED);
    }

    private JobsTopic withSuffix(Suffix newSuffix) {
        return new JobsTopic(thingName, operation, jobId, newSuffix, raw);
    }

    /** Whether this is a request the service answers (get, start-next, describe, update). */
    public boolean isRequest() {
        return suffix == Suffix.REQUEST
                && switch (operation) {
                    case GET_PENDING, START_NEXT, DESCRIBE, UPDATE -> true;
                    case NOTIFY, NOTIFY_NEXT, INVALID -> false;
                };
    }

    /** The topic text. */
    @Override
    public String toString() {
        String base = switch (operation) {
            case GET_PENDING -> prefix(thingName) + "/get";
            case START_NEXT -> prefix(thingName) + "/start-next";
            case DESCRIBE -> prefix(thingName) + "/" + jobId + "/get";
            case UPDATE -> prefix(thingName) + "/" + jobId + "/update";
            case NOTIFY -> prefix(thingName) + "/notify";
            case NOTIFY_NEXT -> prefix(thingName) + "/notify-next";
            case INVALID -> raw;
        };
        return base + suffix.text();
    }
}
