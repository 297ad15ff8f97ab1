package dev.fleetsim.fleet;

/**
 * A disjoint slice of the fleet: {@code --shard i/n} takes the devices whose index modulo n is i (0-based), so n
 * processes (or pods) together run the whole fleet once.
 */
public record Shard(int index, int count) {
    public static final Shard ALL = new Shard(0, 1);

    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("a shard is i/n with 0 <= i < n");
        }
    }

    /** Parses {@code i/n}. */
    public static Shard parse(String text) {
        String[] parts = text == null ? new String[0] : text.split("/");
        try {
            if (parts.length == 2) {
                return new Shard(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new IllegalArgumentException("a shard is i/n with 0 <= i < n, e.g. 0/4: " + text);
    }

    public boolean contains(int deviceIndex) {
        return Math.floorMod(deviceIndex, count) == index;
    }
}
