package dev.fleetsim.scenario;

import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.jobs.JobsTopic;
import java.time.Duration;
import java.util.IllegalFormatException;

/** {@code fleet}: how many devices, their thing names, connect pacing, TLS, and the thing groups they form. */
final class FleetSection {
    /** Largest fleet a scenario may ask for in one process. */
    static final int MAX_DEVICES = 1_000_000;

    private FleetSection() {}

    static Scenario.FleetSpec read(Node f, LoadContext ctx) {
        if (f.isMissing()) {
            f.error("required: the fleet's count at least");
            return null;
        }
        if (!f.mapping(
                "count",
                "thingNamePattern",
                "startIndex",
                "connectRate",
                "rampUp",
                "groups",
                "tls",
                "mqttVersion",
                "keepAlive",
                "sessions")) {
            return null;
        }
        int count = (int) f.get("count").integer(0, 1, MAX_DEVICES);
        ctx.count = count;
        if (!f.has("count")) {
            f.get("count").error("required");
        }
        String pattern = f.get("thingNamePattern").text(Scenario.FleetSpec.DEFAULT_PATTERN);
        int start = (int) f.get("startIndex").integer(0, 0, Integer.MAX_VALUE);
        int rate = (int) f.get("connectRate").integer(Scenario.FleetSpec.DEFAULT_CONNECT_RATE, 1, 1_000_000);
        Duration ramp = f.get("rampUp").duration(Duration.ZERO);
        boolean tls = f.get("tls").bool(false);
        MqttVersion version = f.get("mqttVersion").mqttVersion(MqttVersion.MQTT_5_0);
        Duration keepAlive = f.get("keepAlive").keepAlive(Scenario.FleetSpec.DEFAULT_KEEP_ALIVE);
        Scenario.Sessions sessions = f.get("sessions").oneOf(Scenario.Sessions.clean, Scenario.Sessions.class);
        Scenario.FleetSpec spec =
                new Scenario.FleetSpec(count, pattern, start, rate, ramp, tls, version, keepAlive, sessions);
        thingNames(f, spec, ctx);
        groups(f.get("groups"), ctx);
        return spec;
    }

    private static void thingNames(Node f, Scenario.FleetSpec spec, LoadContext ctx) {
        try {
            for (int i = 0; i < spec.count(); i++) {
                String thing = spec.thingName(i);
                if (!JobsTopic.isValidThingName(thing)) {
                    f.get("thingNamePattern")
                            .error("gives '" + thing + "', not a valid thing name (1-128 of a-z A-Z 0-9 : _ -)");
                    return;
                }
                ctx.thingNames.add(thing);
            }
            if (spec.count() > 0 && !ctx.thingNames.isEmpty() && ctx.thingNames.size() < spec.count()) {
                f.get("thingNamePattern").error("gives duplicate names; include the index, e.g. sim-%05d");
            }
        } catch (IllegalFormatException e) {
            f.get("thingNamePattern")
                    .error("'" + spec.thingNamePattern() + "' is not a format for one integer, e.g. sim-%05d");
        }
    }

    private static void groups(Node list, LoadContext ctx) {
        int next = 0;
        for (Node g : list.list()) {
            if (!g.mapping("name", "share", "count", "range")) {
                continue;
            }
            String name = g.get("name").required();
            int[] range = ctx.range(g, next);
            if (name != null && !name.matches("[a-zA-Z0-9:_-]{1,128}")) {
                g.get("name").error("a thing group name is 1-128 of a-z A-Z 0-9 : _ -");
            } else if (name != null && ctx.groups.containsKey(name)) {
                g.get("name").error("'" + name + "' is defined twice");
            } else if (name != null && range != null) {
                ctx.groups.put(name, new Scenario.GroupSpec(name, range[0], range[1]));
                next = Math.max(next, range[1]);
            }
        }
    }
}
