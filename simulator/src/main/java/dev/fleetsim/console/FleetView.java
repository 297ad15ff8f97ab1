package dev.fleetsim.console;

import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.jobs.JobExecutionStatus;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The console's picture of the fleet, fed by the devices' events on their loops: one byte per device for the grid
 * (what it is doing with its current execution, and whether it is offline), the execution and step in hand, and its
 * last MQTT messages. Writers are the devices' loops (one per device); the console's loop reads without a lock (opaque
 * byte reads: a cell is at worst one frame late). Memory is bounded: {@link #KEPT_MESSAGES} messages a device; a
 * message keeps the payload array the client already made (no copy on the device's loop), decoded only when shown
 * and then cut to {@link #KEPT_PAYLOAD} bytes.
 */
public final class FleetView implements DeviceListener {
    /** A cell's low bits: the device's work, as the grid colours it. */
    public enum Cell {
        NOT_CONNECTED,
        IDLE,
        QUEUED,
        DOWNLOADING,
        INSTALLING,
        OTHER_STEP,
        SUCCEEDED,
        FAILED,
        REJECTED,
        REMOVED;

        static Cell of(JobExecutionStatus status) {
            return switch (status) {
                case SUCCEEDED -> SUCCEEDED;
                case FAILED -> FAILED;
                case REJECTED -> REJECTED;
                case IN_PROGRESS -> OTHER_STEP;
                case QUEUED -> QUEUED;
                default -> REMOVED;
            };
        }
    }

    /** A cell's high bit: the device has no connection now (its work is kept below). */
    public static final int OFFLINE = 0x10;

    static final int KEPT_MESSAGES = 8;
    static final int KEPT_PAYLOAD = 600;

    private static final VarHandle CELLS = MethodHandles.arrayElementVarHandle(byte[].class);

    /** One MQTT message as the drill-down shows it. */
    public record Message(long nanoTime, boolean sent, String topic, String payload) {}

    /** A message as kept: the payload as the client had it. */
    private record Kept(long nanoTime, boolean sent, String topic, byte[] payload) {}

    private final List<String> thingNames;
    private final Map<String, Integer> index;
    private final byte[] cells;
    private final String[] jobIds;
    private final String[] steps;
    private final Kept[][] messages;
    private final int[] nextMessage;

    public FleetView(List<String> thingNames) {
        this.thingNames = List.copyOf(thingNames);
        this.index = new HashMap<>(thingNames.size() * 2);
        for (int i = 0; i < thingNames.size(); i++) {
            index.put(thingNames.get(i), i);
        }
        int n = thingNames.size();
        this.cells = new byte[n];
        for (int i = 0; i < n; i++) {
            cells[i] = (byte) (Cell.NOT_CONNECTED.ordinal() | OFFLINE);
        }
        this.jobIds = new String[n];
        this.steps = new String[n];
        this.messages = new Kept[n][];
        this.nextMessage = new int[n];
    }

    public int size() {
        return cells.length;
    }

    public String thingName(int i) {
        return thingNames.get(i);
    }

    public List<String> thingNames() {
        return thingNames;
    }

    /** The device's index, or -1 for a thing not of this fleet. */
    public int indexOf(String thingName) {
        Integer i = index.get(thingName);
        return i == null ? -1 : i;
    }

    /** The cell of device {@code i}: a {@link Cell} ordinal, with {@link #OFFLINE} set when it has no connection. */
    public int cell(int i) {
        return (byte) CELLS.getOpaque(cells, i) & 0xFF;
    }

    /** Copies every cell into {@code into} (of {@link #size()} bytes). */
    public void copyCells(byte[] into) {
        for (int i = 0; i < cells.length; i++) {
            into[i] = (byte) CELLS.getOpaque(cells, i);
        }
    }

    /** The execution device {@code i} works on (or last worked on), or null. */
    public String jobId(int i) {
        return jobIds[i];
    }

    /** The step of the current execution, or null. */
    public String step(int i) {
        return steps[i];
    }

    /** The device's last messages, oldest first; read it on the device's loop. */
    public List<Message> messages(int i) {
        Kept[] ring = messages[i];
        List<Message> out = new ArrayList<>();
        if (ring == null) {
            return out;
        }
        int next = nextMessage[i];
        for (int k = 0; k < ring.length; k++) {
            Kept m = ring[(next + k) % ring.length];
            if (m != null) {
                out.add(new Message(m.nanoTime(), m.sent(), m.topic(), text(m.payload())));
            }
        }
        return out;
    }

    /**
     * Sets device {@code i}'s cell from outside the devices (a standalone stack: what its Jobs service and broker
     * say), with the execution it shows.
     */
    public void set(int i, Cell work, boolean online, String jobId) {
        jobIds[i] = jobId;
        CELLS.setOpaque(cells, i, (byte) (work.ordinal() | (online ? 0 : OFFLINE)));
    }

    // ------------------------------------------------------------ events (on the device's loop)

    private void work(String thing, Cell cell) {
        int i = indexOf(thing);
        if (i >= 0) {
            int old = (byte) CELLS.getOpaque(cells, i);
            CELLS.setOpaque(cells, i, (byte) ((old & OFFLINE) | cell.ordinal()));
        }
    }

    private void online(String thing, boolean online) {
        int i = indexOf(thing);
        if (i >= 0) {
            int old = (byte) CELLS.getOpaque(cells, i);
            int work = old & ~OFFLINE;
            if (online && work == Cell.NOT_CONNECTED.ordinal()) {
                work = Cell.IDLE.ordinal();
            }
            CELLS.setOpaque(cells, i, (byte) (work | (online ? 0 : OFFLINE)));
        }
    }

    @Override
    public void connectEnd(String thingName, long nanoTime) {
        online(thingName, true);
    }

    @Override
    public void disconnected(String thingName, long nanoTime) {
        online(thingName, false);
    }

    @Override
    public void connectFailed(String thingName, long nanoTime, Throwable cause) {
        online(thingName, false);
    }

    @Override
    public void jobReceived(String thingName, String jobId, long executionNumber, long nanoTime) {
        int i = indexOf(thingName);
        if (i >= 0) {
            jobIds[i] = jobId;
            steps[i] = null;
        }
        work(thingName, Cell.QUEUED);
    }

    @Override
    public void phaseStart(String thingName, String jobId, String phase, long nanoTime) {
        int i = indexOf(thingName);
        if (i >= 0) {
            steps[i] = phase;
        }
        work(
                thingName,
                switch (phase) {
                    case "download" -> Cell.DOWNLOADING;
                    case "install" -> Cell.INSTALLING;
                    default -> Cell.OTHER_STEP;
                });
    }

    @Override
    public void statusReported(String thingName, String jobId, JobExecutionStatus status, long nanoTime) {
        if (status == JobExecutionStatus.IN_PROGRESS) {
            int i = indexOf(thingName);
            if (i >= 0 && (cell(i) & ~OFFLINE) == Cell.QUEUED.ordinal()) {
                work(thingName, Cell.OTHER_STEP);
            }
            return;
        }
        int i = indexOf(thingName);
        if (i >= 0) {
            steps[i] = null;
        }
        work(thingName, Cell.of(status));
    }

    @Override
    public void jobCanceled(String thingName, String jobId, long executionNumber, long nanoTime) {
        int i = indexOf(thingName);
        if (i >= 0) {
            steps[i] = null;
        }
        work(thingName, Cell.REMOVED);
    }

    @Override
    public void messageSent(String thingName, String topic, byte[] payload, long nanoTime) {
        keep(thingName, new Kept(nanoTime, true, topic, payload));
    }

    @Override
    public void messageReceived(String thingName, String topic, byte[] payload, long nanoTime) {
        keep(thingName, new Kept(nanoTime, false, topic, payload));
    }

    private void keep(String thing, Kept m) {
        int i = indexOf(thing);
        if (i < 0) {
            return;
        }
        Kept[] ring = messages[i];
        if (ring == null) {
            ring = new Kept[KEPT_MESSAGES];
            messages[i] = ring;
        }
        ring[nextMessage[i]] = m;
        nextMessage[i] = (nextMessage[i] + 1) % KEPT_MESSAGES;
    }

    private static String text(byte[] payload) {
        int n = Math.min(payload.length, KEPT_PAYLOAD);
        String s = new String(payload, 0, n, StandardCharsets.UTF_8);
        return payload.length > KEPT_PAYLOAD ? s + "… (" + payload.length + " bytes)" : s;
    }
}
