package dev.fleetsim.metrics;

import java.util.Optional;

/** A phase of a device's work on one job execution, as the {@code phase} label and scenario files name it. */
public enum Phase {
    /** TCP (and TLS) connect to CONNACK. */
    CONNECT("connect"),
    /** First notification of the execution to the device's IN_PROGRESS being accepted. */
    NOTIFY_TO_START("notify-to-start"),
    /** The artifact's transfer and verification. */
    DOWNLOAD("download"),
    /** The simulated install. */
    INSTALL("install"),
    /** The last phase's end to the terminal status being accepted. */
    REPORT("report"),
    /** The job's intended start (its scheduled creation) to the terminal status being accepted. */
    END_TO_END("end-to-end");

    private final String label;

    Phase(String label) {
        this.label = label;
    }

    /** The label value, also the name scenario files use. */
    public String label() {
        return label;
    }

    public static Optional<Phase> byLabel(String label) {
        for (Phase p : values()) {
            if (p.label.equals(label)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** Every label in declaration order, comma-separated. */
    public static String labels() {
        StringBuilder b = new StringBuilder();
        for (Phase p : values()) {
            b.append(b.length() == 0 ? "" : ", ").append(p.label);
        }
        return b.toString();
    }
}
