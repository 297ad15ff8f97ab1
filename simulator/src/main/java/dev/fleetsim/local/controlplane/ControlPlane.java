package dev.fleetsim.local.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.ApiQuotas;
import dev.fleetsim.local.jobs.ApiException;
import dev.fleetsim.local.jobs.CertificateIssuer;
import dev.fleetsim.local.jobs.JobsEngine;
import dev.fleetsim.local.jobs.JobsService;
import dev.fleetsim.local.jobs.LocalEndpoints;
import dev.fleetsim.net.TokenBucket;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AWS IoT's control plane ({@code iot}, REST-JSON, spec §4) and the HTTPS device data plane ({@code iot-jobs-data},
 * §4.8): a router from method and path to the handler of one API family, run on the Jobs service's engine thread.
 *
 * <pre>
 *   HttpApiServer ──ApiRequest──► ControlPlane ──route──► ThingsApi · GroupsApi · JobsApi · TemplatesApi ·
 *                                      │                   IdentitiesApi · EventsApi · DataPlaneApi
 *                                      └── on the engine thread; errors become AWS's error shape
 * </pre>
 *
 * <p>Handlers read and change state through the engine's API ({@link JobsEngine}, {@code Registry}); they hold no
 * state of their own beyond configuration.
 */
public final class ControlPlane {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    /** One handler: the request and its path parameters in, the JSON answer (null for an empty one) out. */
    @FunctionalInterface
    interface Handler {
        JsonNode handle(ApiRequest request, Map<String, String> path);
    }

    private record Route(String method, String[] segments, String operation, Handler handler) {
        Map<String, String> match(String requestMethod, String[] path) {
            if (!method.equals(requestMethod) || segments.length != path.length) {
                return null;
            }
            Map<String, String> params = new HashMap<>();
            for (int i = 0; i < segments.length; i++) {
                if (segments[i].startsWith("{")) {
                    params.put(segments[i].substring(1, segments[i].length() - 1), path[i]);
                } else if (!segments[i].equals(path[i])) {
                    return null;
                }
            }
            return params;
        }
    }

    /** Where the API families register their operations. */
    final class Routes {
        private final List<Route> target;

        private Routes(List<Route> target) {
            this.target = target;
        }

        /** {@code template} like {@code /things/{thingName}}; {@code operation} is AWS's name, e.g. CreateThing. */
        void add(String method, String template, String operation, Handler handler) {
            String[] segments =
                    template.equals("/") ? new String[0] : template.substring(1).split("/");
            target.add(new Route(method, segments, operation, handler));
        }
    }

    private final JobsService service;
    private final List<Route> controlRoutes = new ArrayList<>();
    private final List<Route> dataRoutes = new ArrayList<>();

    /** Strict mode's per-API quotas, or null. */
    private final ApiQuotas quotas;

    private final AccessKeyPair keys;
    /** Per-API token buckets of strict mode; touched on the engine thread only. */
    private final Map<String, TokenBucket> buckets = new HashMap<>();

    /**
     * @param quotas null, or strict mode: SigV4 verified with {@code keys}, and each control-plane API throttled at its
     *     quota with {@code ThrottlingException}, as IoT Core does
     */
    public ControlPlane(
            JobsService service,
            CertificateIssuer issuer,
            LocalEndpoints endpoints,
            ApiQuotas quotas,
            AccessKeyPair keys) {
        this.service = service;
        this.quotas = quotas;
        this.keys = keys;
        JobsEngine engine = service.engine();
        Routes control = new Routes(controlRoutes);
        new ThingsApi(engine).register(control);
        new GroupsApi(engine).register(control);
        new JobsApi(engine, service.statusDetailChars(), quotas != null).register(control);
        new TemplatesApi(engine).register(control);
        new IdentitiesApi(engine, issuer, endpoints).register(control);
        new PoliciesApi(engine).register(control);
        new TagsApi(engine).register(control);
        new EventsApi(engine).register(control);
        new DataPlaneApi(service.deviceApi()).register(new Routes(dataRoutes));
        operations().forEach(service.meters()::apiOperationKnown);
    }

    /** Routes and answers one request on the engine thread; errors become AWS's error shape. */
    public CompletableFuture<ApiResponse> handle(ApiRequest request) {
        return service.onEngine(engine -> {
            ApiResponse response = answer(engine, request);
            service.meters().apiRequest(operation(request), response.status());
            return response;
        });
    }

    private ApiResponse answer(JobsEngine engine, ApiRequest request) {
        Route route = route(request);
        if (route == null) {
            return error(new ApiException(
                    404, "ResourceNotFoundException", "No API at " + request.method() + " " + request.path()));
        }
        if (quotas != null && !request.dataPlane() && !bucket(route.operation()).tryTake()) {
            return error(new ApiException(400, "ThrottlingException", "Rate exceeded"));
        }
        try {
            JsonNode body = route.handler().handle(request, route.match(request.method(), split(request.path())));
            return new ApiResponse(200, body == null ? Params.JSON.createObjectNode() : body, null);
        } catch (ApiException e) {
            return error(e);
        } catch (RuntimeException e) {
            log.error("internal error answering {} {}", request.method(), request.path(), e);
            return error(new ApiException(500, "InternalFailureException", "internal error"));
        } finally {
            engine.flush();
        }
    }

    private Route route(ApiRequest request) {
        String[] path = split(request.path());
        for (Route route : request.dataPlane() ? dataRoutes : controlRoutes) {
            if (route.match(request.method(), path) != null) {
                return route;
            }
        }
        return null;
    }

    private TokenBucket bucket(String operation) {
        return buckets.computeIfAbsent(operation, op -> TokenBucket.perSecond(quotas.rate(op)));
    }

    /** Whether requests must be SigV4-signed with {@link #credentials} (strict mode). */
    public boolean strict() {
        return quotas != null;
    }

    /** The secret of an access key id, or null when unknown. */
    AccessKeyPair credentials(String accessKeyId) {
        return keys != null && keys.accessKeyId().equals(accessKeyId) ? keys : null;
    }

    /** AWS's operation name of a request, or {@code unknown}: a meter label with a bounded set of values. */
    String operation(ApiRequest request) {
        Route route = route(request);
        return route == null ? "unknown" : route.operation();
    }

    /** Every operation name the control plane and the data plane serve (for meters registered at zero). */
    public List<String> operations() {
        List<String> names = new ArrayList<>();
        controlRoutes.forEach(r -> names.add(r.operation()));
        dataRoutes.forEach(r -> names.add(r.operation()));
        names.add("unknown");
        return names;
    }

    /**
     * The path's segments, each percent-decoded: split first, so that an encoded {@code /} inside a segment (an ARN in
     * {@code /attached-policies/{target}}) stays in its segment.
     */
    private static String[] split(String rawPath) {
        if (rawPath.equals("/") || rawPath.isEmpty()) {
            return new String[0];
        }
        String[] segments = rawPath.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            segments[i] = QueryStringDecoder.decodeComponent(segments[i].replace("+", "%2B"));
        }
        return segments;
    }

    static ApiResponse error(ApiException e) {
        ObjectNode body = Params.JSON.createObjectNode();
        body.put("message", e.getMessage());
        if (e.resourceId() != null) {
            body.put("resourceId", e.resourceId());
        }
        if (e.resourceArn() != null) {
            body.put("resourceArn", e.resourceArn());
        }
        return new ApiResponse(e.status(), body, e.type());
    }
}
