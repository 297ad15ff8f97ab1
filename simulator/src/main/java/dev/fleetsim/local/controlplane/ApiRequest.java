package dev.fleetsim.local.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request to the local AWS APIs, transport-neutral.
 *
 * @param method HTTP method
 * @param path the path without the query, as sent (percent-encoded; the router decodes each segment)
 * @param query query parameters
 * @param headers request headers, names in lower case
 * @param body the JSON body, or an empty object
 * @param dataPlane whether the request is for {@code iot-jobs-data} (by port or by SigV4 credential scope, §1.1)
 */
public record ApiRequest(
        String method,
        String path,
        Map<String, List<String>> query,
        Map<String, String> headers,
        JsonNode body,
        boolean dataPlane) {

    public String queryParam(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }
}
