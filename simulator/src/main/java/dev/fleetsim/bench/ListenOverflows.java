package dev.fleetsim.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel's count of handshake packets dropped because a listening socket's accept queue was full ({@code TcpExt
 * ListenOverflows} in {@code /proc/net/netstat}, for this network namespace). A dropped final ACK costs little (the
 * client's CONNECT carries it again), a dropped SYN costs its client a retransmit after 1 s, so a few of them decide a
 * connect storm's duration. mosquitto listens with a backlog of 100.
 */
final class ListenOverflows {
    private static final Path NETSTAT = Path.of("/proc/net/netstat");

    private ListenOverflows() {}

    /** The count so far, or -1 where the kernel does not say. */
    static long now() {
        try {
            return parse(Files.readAllLines(NETSTAT));
        } catch (IOException e) {
            return -1; // no /proc here
        }
    }

    /** The {@code ListenOverflows} value of {@code /proc/net/netstat}'s lines (a line of names, then of values). */
    static long parse(List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("TcpExt:") && lines.get(i + 1).startsWith("TcpExt:")) {
                String[] names = lines.get(i).split(" ");
                String[] values = lines.get(i + 1).split(" ");
                for (int k = 1; k < names.length && k < values.length; k++) {
                    if (names[k].equals("ListenOverflows")) {
                        try {
                            return Long.parseLong(values[k]);
                        } catch (NumberFormatException e) {
                            return -1;
                        }
                    }
                }
            }
        }
        return -1;
    }

    /** A line on the drops since {@code before}, or null when there were none (or nobody counts them). */
    static String since(long before) {
        long after = now();
        if (before < 0 || after < 0 || after == before) {
            return null;
        }
        return String.format(
                "  the kernel turned away %,d handshake packets at a full accept queue meanwhile (ListenOverflows):"
                        + " a dropped SYN waits for the client's retransmit, 1 s",
                after - before);
    }
}
