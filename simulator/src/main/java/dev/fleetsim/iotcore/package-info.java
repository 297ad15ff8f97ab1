/**
 * AWS IoT Core as a run's target: endpoints and credentials from the AWS SDK's chain, control-plane calls paced under
 * the account's quotas, device identities made per run ({@code provisioning}), every resource named after the run and
 * recorded in {@code resources.json} as it is made, and {@code fleetsim cleanup} from that record.
 */
package dev.fleetsim.iotcore;
