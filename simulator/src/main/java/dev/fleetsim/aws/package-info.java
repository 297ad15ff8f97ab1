/**
 * AWS client plumbing both sides share: static key pairs and the AWS SDK clients ({@code IotClient},
 * {@code S3Client}) pointed at an endpoint override. Any thread.
 */
package dev.fleetsim.aws;
