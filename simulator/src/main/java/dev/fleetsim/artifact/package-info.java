/**
 * Artifacts as an operator handles them: hashed, signed with the code-signing key (ECDSA P-256, SHA-256), uploaded
 * through the AWS SDK's S3 client, and described by the job-document fragment devices verify against (spec §6.3).
 */
package dev.fleetsim.artifact;
