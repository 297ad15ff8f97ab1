package dev.fleetsim.cli;

/** Process exit codes of {@code fleetsim}. */
public final class ExitCodes {
    public static final int OK = 0;
    /** The run completed but did not meet its expectations. */
    public static final int FAILED = 1;
    /** Bad input: scenario, options, ports. */
    public static final int BAD_INPUT = 2;

    private ExitCodes() {}
}
