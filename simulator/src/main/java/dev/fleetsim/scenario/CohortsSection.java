package dev.fleetsim.scenario;

import com.hivemq.client.mqtt.MqttVersion;
import dev.fleetsim.device.behaviour.Behaviour;
import dev.fleetsim.device.behaviour.Distribution;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code cohorts}: slices of the fleet (by share, count, range or group) with their seeded behaviour: outcome weights,
 * time distributions, reboots, crashes, bandwidth. Every duration is simulated and scaled here to real time.
 */
final class CohortsSection {
    private CohortsSection() {}

    static List<Scenario.CohortSpec> read(Node list, LoadContext ctx) {
        List<Scenario.CohortSpec> out = new ArrayList<>();
        int next = 0;
        for (Node c : list.list()) {
            if (!c.mapping(
                    "name",
                    "share",
                    "count",
                    "range",
                    "group",
                    "outcomes",
                    "download",
                    "install",
                    "reboot",
                    "rebootDuringInstall",
                    "crashMidDownload",
                    "bandwidth",
                    "progressStep",
                    "mqttVersion")) {
                continue;
            }
            String name = c.get("name").required();
            int[] range;
            if (c.has("group")) {
                String group = c.get("group").text("");
                Scenario.GroupSpec g = ctx.groups.get(group);
                ctx.known(c.get("group"), "group", group, "fleet.groups", ctx.groups.keySet());
                range = g == null ? null : new int[] {g.from(), g.to()};
            } else {
                range = ctx.range(c, next);
                if (range != null) {
                    next = range[1];
                }
            }
            Behaviour behaviour = behaviour(c, name, ctx);
            long bandwidth = c.get("bandwidth").bitRate(0);
            int progress = (int) Math.round(c.get("progressStep").fraction(0) * 100);
            MqttVersion version = c.get("mqttVersion").mqttVersion(null);
            if (name != null && ctx.cohorts.containsKey(name)) {
                c.get("name").error("'" + name + "' is defined twice");
            }
            if (name != null && range != null) {
                Scenario.CohortSpec spec =
                        new Scenario.CohortSpec(name, range[0], range[1], behaviour, bandwidth, progress, version);
                ctx.cohorts.put(name, spec);
                out.add(spec);
            }
        }
        return out;
    }

    private static Behaviour behaviour(Node c, String name, LoadContext ctx) {
        Node o = c.get("outcomes");
        double succeed = 1;
        double fail = 0;
        double reject = 0;
        double hang = 0;
        if (o.mapping("succeed", "fail", "reject", "hang")) {
            succeed = o.get("succeed").number(0);
            fail = o.get("fail").number(0);
            reject = o.get("reject").number(0);
            hang = o.get("hang").number(0);
            if (succeed + fail + reject + hang <= 0) {
                o.error("give at least one positive weight of succeed, fail, reject or hang");
                succeed = 1;
            }
        }
        Distribution download = distribution(c.get("download"), Duration.ZERO, ctx);
        Distribution install = distribution(c.get("install"), Duration.ofSeconds(1), ctx);
        Distribution reboot = distribution(c.get("reboot"), Duration.ofSeconds(5), ctx);
        double rebootDuring = c.get("rebootDuringInstall").fraction(0);
        double crash = c.get("crashMidDownload").fraction(0);
        return new Behaviour(name, succeed, fail, reject, hang, download, install, rebootDuring, crash, reboot);
    }

    /** A duration, or {uniform: [a, b]}, {normal: {mean, stddev}}, {lognormal: {median, sigma}}, {exponential: m}. */
    static Distribution distribution(Node n, Duration fallback, LoadContext ctx) {
        if (n.isMissing()) {
            return Distribution.fixed(ctx.scaled(fallback));
        }
        if (n.json().isValueNode()) {
            return Distribution.fixed(ctx.scaled(n.duration(fallback)));
        }
        if (!n.mapping("fixed", "uniform", "normal", "lognormal", "exponential")
                || n.json().size() != 1) {
            n.error("give one of fixed, uniform, normal, lognormal or exponential");
            return Distribution.fixed(ctx.scaled(fallback));
        }
        if (n.has("fixed")) {
            return Distribution.fixed(ctx.scaled(n.get("fixed").duration(fallback)));
        }
        if (n.has("exponential")) {
            return new Distribution.Exponential(ctx.scaled(n.get("exponential").duration(fallback)));
        }
        if (n.has("uniform")) {
            List<Node> bounds = n.get("uniform").list();
            if (bounds.size() != 2) {
                n.get("uniform").error("write [min, max], e.g. [1s, 5s]");
                return Distribution.fixed(ctx.scaled(fallback));
            }
            Duration a = bounds.get(0).duration(fallback);
            Duration b = bounds.get(1).duration(fallback);
            if (a.compareTo(b) > 0) {
                n.get("uniform").error("min must not exceed max");
                return Distribution.fixed(ctx.scaled(fallback));
            }
            return new Distribution.Uniform(ctx.scaled(a), ctx.scaled(b));
        }
        if (n.has("normal")) {
            Node p = n.get("normal");
            p.mapping("mean", "stddev");
            return new Distribution.Normal(
                    ctx.scaled(p.get("mean").duration(fallback)),
                    ctx.scaled(p.get("stddev").duration(Duration.ZERO)));
        }
        Node p = n.get("lognormal");
        p.mapping("median", "sigma");
        double sigma = p.get("sigma").number(0.5);
        return new Distribution.LogNormal(ctx.scaled(p.get("median").duration(fallback)), sigma);
    }
}
