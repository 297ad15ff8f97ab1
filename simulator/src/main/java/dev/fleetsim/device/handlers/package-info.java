/**
 * Job handlers: recognise the job documents real fleets use (AWS managed templates and the AWS IoT Device Client
 * schema, the simple download document, FreeRTOS {@code afr_ota}, fleetsim's own operations) and turn them into a plan
 * of steps, or a reason to reject. Job documents are untrusted input: paths stay inside the device's sandbox, URLs
 * are http(s) only, sizes are bounded.
 *
 * <p>Threading: pure functions of the document.
 */
package dev.fleetsim.device.handlers;
