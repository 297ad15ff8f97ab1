/**
 * The AWS IoT Jobs protocol vocabulary shared by the virtual devices and the local Jobs service: device topics
 * ({@link dev.fleetsim.jobs.JobsTopic}), execution statuses and their legal transitions
 * ({@link dev.fleetsim.jobs.JobExecutionStatus}), rejection codes, the request, response and notification records
 * with AWS's exact JSON field names, and their codec ({@link dev.fleetsim.jobs.JobsJson}).
 *
 * <p>Everything here is pure: no I/O, no clocks, no threads. All types are immutable and safe to share between
 * threads. The contract is {@code shared/spec/iot-jobs.md}; section numbers in the Javadoc refer to it.
 */
package dev.fleetsim.jobs;
