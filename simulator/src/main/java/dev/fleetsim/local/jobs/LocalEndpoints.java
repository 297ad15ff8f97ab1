package dev.fleetsim.local.jobs;

/**
 * What {@code DescribeEndpoint} answers: the addresses (host:port) of the local listeners.
 *
 * @param mqttHost the MQTT endpoint devices connect to ({@code iot:Data-ATS})
 * @param jobsDataPlaneHost the HTTPS device data plane ({@code iot:Jobs})
 */
public record LocalEndpoints(String mqttHost, String jobsDataPlaneHost) {}
