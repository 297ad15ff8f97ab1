/**
 * The local artifact store: the S3 REST subset devices and tools need (buckets, put/get/head/list/delete objects,
 * ranges and conditional GETs), SigV4 verification of header-signed and presigned requests, S3's XML errors, objects on
 * disk served zero-copy, fault policies for download tests, and the presigner behind the Jobs service's
 * {@code ${aws:iot:s3-presigned-url:…}} placeholders.
 */
package dev.fleetsim.local.s3;
