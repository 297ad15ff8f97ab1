package dev.fleetsim.gatling;

import io.gatling.javaapi.core.Simulation;

/**
 * A Gatling simulation of fleetsim devices: it starts its {@link IotJobsProtocol} before the run and stops it after
 * (a subclass that overrides {@link #after()} to read the service first calls {@code super.after()} last).
 */
public abstract class IotJobsSimulation extends Simulation {
    /** The simulation's protocol, built in a field initializer with {@link IotJobs#iotJobs()}. */
    protected abstract IotJobsProtocol iot();

    @Override
    public void before() {
        iot().start();
    }

    @Override
    public void after() {
        iot().stop();
    }
}
