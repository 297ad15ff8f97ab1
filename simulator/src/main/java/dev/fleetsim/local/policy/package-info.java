/**
 * AWS IoT Core policies: documents ({@link dev.fleetsim.local.policy.IotPolicy}), their evaluation for a connection
 * ({@link dev.fleetsim.local.policy.PolicyEvaluator}: explicit deny wins, an allow is needed, wildcards {@code *} and
 * {@code ?}, policy variables, conditions), and the default device policy of a certificate with none attached
 * ({@link dev.fleetsim.local.policy.DefaultPolicy}). Pure: no I/O, no threads; everything is immutable and safe to share.
 */
package dev.fleetsim.local.policy;
