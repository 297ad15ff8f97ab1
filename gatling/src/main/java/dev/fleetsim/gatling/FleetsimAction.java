package dev.fleetsim.gatling;

import com.typesafe.scalalogging.Logger;
import io.gatling.commons.stats.KO$;
import io.gatling.commons.stats.OK$;
import io.gatling.commons.util.Clock;
import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.stats.StatsEngine;
import io.gatling.core.structure.ScenarioContext;
import java.util.function.UnaryOperator;
import org.slf4j.LoggerFactory;
import scala.Option;

/**
 * A Gatling action written in Java: it records requests into Gatling's statistics (OK, or KO with a message) and hands
 * the session on. {@link Action#$bang} runs the next action on the virtual user's own event loop, so completing from
 * a device's loop is safe. The Scala logging plumbing the trait asks for is satisfied here once.
 */
abstract class FleetsimAction implements Action {
    private final Logger logger = Logger.apply(LoggerFactory.getLogger(getClass()));
    private final String name;
    protected final Action next;
    protected final StatsEngine stats;
    protected final Clock clock;

    FleetsimAction(String name, ScenarioContext ctx, Action next) {
        this.name = name;
        this.next = next;
        this.stats = ctx.coreComponents().statsEngine();
        this.clock = ctx.coreComponents().clock();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Logger logger() {
        return logger;
    }

    @Override
    public void com$typesafe$scalalogging$StrictLogging$_setter_$logger_$eq(Logger ignored) {
        // the logger is final above
    }

    /** Records one request (epoch milliseconds); {@code error} null is OK. */
    protected void record(Session session, String request, long startMillis, long endMillis, String error) {
        stats.logResponse(
                session.scenario(),
                session.groups(),
                request,
                startMillis,
                Math.max(startMillis, endMillis),
                error == null ? OK$.MODULE$ : KO$.MODULE$,
                Option.empty(),
                error == null ? Option.empty() : Option.apply(error));
    }

    /** Records the request, updates the session, and goes on (marked failed on KO). */
    protected void complete(
            Session session, String request, long startMillis, String error, UnaryOperator<Session> update) {
        long end = clock.nowMillis();
        record(session, request, startMillis, end, error);
        Session s = update.apply(session).logGroupRequestTimings(startMillis, end);
        next.$bang(error == null ? s : s.markAsFailed());
    }

    /** Goes on without recording anything (a user error such as no device in the session is a crash). */
    protected void crash(Session session, String request, String message) {
        stats.logRequestCrash(session.scenario(), session.groups(), request, message);
        next.$bang(session.markAsFailed());
    }
}
