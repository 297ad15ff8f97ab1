package dev.fleetsim.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * The live heap by class, as {@code jcmd PID GC.class_histogram} prints it (a full collection first), read in-process
 * through the DiagnosticCommand MBean; two of them subtracted show what a set of objects (an idle fleet) costs, class
 * by class.
 */
final class HeapHistogram {
    private static final Pattern ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /** Instances and bytes of one class. */
    record Row(String className, long instances, long bytes) {}

    private final Map<String, Row> rows;

    private HeapHistogram(Map<String, Row> rows) {
        this.rows = rows;
    }

    /** Takes the histogram now; null where the JVM has no DiagnosticCommand MBean. */
    static HeapHistogram take() {
        try {
            String text = (String) ManagementFactory.getPlatformMBeanServer()
                    .invoke(
                            new ObjectName("com.sun.management:type=DiagnosticCommand"),
                            "gcClassHistogram",
                            new Object[] {new String[0]},
                            new String[] {String[].class.getName()});
            Map<String, Row> rows = new HashMap<>();
            for (String line : text.split("\n")) {
                Matcher m = ROW.matcher(line);
                if (m.find()) {
                    rows.put(m.group(3), new Row(m.group(3), Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
                }
            }
            return new HeapHistogram(rows);
        } catch (JMException | RuntimeException e) {
            return null;
        }
    }

    /** What grew since {@code before}, largest first, at most {@code limit} classes. */
    List<Row> growthSince(HeapHistogram before, int limit) {
        List<Row> grown = new ArrayList<>();
        for (Row r : rows.values()) {
            Row b = before.rows.get(r.className());
            long bytes = r.bytes() - (b == null ? 0 : b.bytes());
            long instances = r.instances() - (b == null ? 0 : b.instances());
            if (bytes > 0) {
                grown.add(new Row(r.className(), instances, bytes));
            }
        }
        grown.sort((x, y) -> Long.compare(y.bytes(), x.bytes()));
        return grown.subList(0, Math.min(limit, grown.size()));
    }

    long totalBytes() {
        return rows.values().stream().mapToLong(Row::bytes).sum();
    }
}
