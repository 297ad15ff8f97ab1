package dev.fleetsim.local.controlplane;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to an {@link ApiRequest}: a status, a JSON body, and for errors the {@code x-amzn-ErrorType}.
 *
 * @param errorType null on success
 */
public record ApiResponse(int status, JsonNode body, String errorType) {}
