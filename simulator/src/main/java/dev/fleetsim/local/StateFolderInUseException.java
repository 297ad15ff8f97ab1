package dev.fleetsim.local;

import java.nio.file.Path;

/** A second local stack asked for a state folder another one is using. */
public final class StateFolderInUseException extends IllegalStateException {
    private final Path stateDir;
    private final String holder;

    StateFolderInUseException(Path stateDir, String holder) {
        super("the state folder " + stateDir + " is in use by " + holder
                + "; stop that stack first, or give this one another --state-dir");
        this.stateDir = stateDir;
        this.holder = holder;
    }

    public Path stateDir() {
        return stateDir;
    }

    public String holder() {
        return holder;
    }
}
