package dev.fleetsim.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fleetsim.device.DeviceListener;
import dev.fleetsim.net.EventLoops;
import dev.fleetsim.net.Ports;
import dev.fleetsim.scenario.LiveRun;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live console: a page, its assets and a Server-Sent Events stream served by the process on one Netty loop of its
 * own, and the presenter's actions as a small JSON API. Every request needs the console's random token (in the URL
 * fleetsim prints, then in a same-site cookie); a request from another origin is refused, and on a loopback address
 * so is a Host header that is not a loopback name (a DNS-rebinding page cannot reach it).
 *
 * <p>Frames go out a few times a second, one per client, built from what the run last published and the
 * {@link FleetView}: cells that changed since what that client last got, new samples, every job. A client whose socket
 * does not drain (a slow or hidden browser tab) is skipped until it does: nothing queues beyond the channel's
 * high-water mark, and the next frame it gets brings it straight to the latest state.
 */
public final class ConsoleServer implements LiveRun.Watcher, AutoCloseable {
    /** Frames per second to each client. */
    static final int FRAMES_PER_SECOND = 4;
    /** Outbound bytes a client may have waiting in the process before its frames are skipped. */
    static final int HIGH_WATER_MARK = 64 * 1024;
    /** And in the kernel: a small send buffer, so a stalled browser is noticed within seconds, not megabytes. */
    static final int SEND_BUFFER = 32 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String COOKIE = "fleetsim_console";
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html",
            "/console.js", "console.js",
            "/console.css", "console.css",
            "/uPlot.iife.min.js", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "/uPlot.min.css", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css");

    private final String bind;
    private final boolean loopback;
    private final String token;
    private final EventLoopGroup loop;
    private final Channel server;
    private final int port;
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    /** Blocking work of the API (the AWS SDK's synchronous calls): never on the console's loop. */
    private final ExecutorService calls = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fleetsim-console-calls");
        t.setDaemon(true);
        return t;
    });

    private final AtomicLong framesSent = new AtomicLong();
    private final AtomicLong framesSkipped = new AtomicLong();
    private final AtomicLong mostPending = new AtomicLong();
    private final AtomicLong cpuNanos = new AtomicLong();

    private volatile Frames frames;
    private volatile Actions actions;

    private ConsoleServer(String bind, int requestedPort) throws IOException, InterruptedException {
        this.bind = bind;
        this.loopback = InetAddress.getByName(bind).isLoopbackAddress();
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
        for (Map.Entry<String, String> asset : ASSETS.entrySet()) {
            assets.put(asset.getKey(), resource(asset.getValue()));
        }
        int claimed = Ports.claim("console", bind, requestedPort);
        this.loop = EventLoops.create(1, "fleetsim-console");
        this.server = new ServerBootstrap()
                .group(loop)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, SEND_BUFFER)
                .childOption(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(HIGH_WATER_MARK / 2, HIGH_WATER_MARK))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(new HttpServerCodec())
                                .addLast(new HttpObjectAggregator(1 << 20))
                                .addLast(new Handler());
                    }
                })
                .bind(new InetSocketAddress(bind, claimed))
                .sync()
                .channel();
        this.port = ((InetSocketAddress) server.localAddress()).getPort();
        loop.scheduleAtFixedRate(this::tick, 250, 1000 / FRAMES_PER_SECOND, TimeUnit.MILLISECONDS);
    }

    /**
     * Starts the console on {@code bind:port} (0: a free port).
     *
     * @throws dev.fleetsim.net.PortUnavailableException when the port is taken
     */
    public static ConsoleServer start(String bind, int port) throws IOException, InterruptedException {
        return new ConsoleServer(bind, port);
    }

    /** The address to open: with the token, so the browser is let in. */
    public String url() {
        String host = bind.contains(":") ? "[" + bind + "]" : bind;
        if (bind.equals("0.0.0.0") || bind.equals("::")) {
            host = "127.0.0.1";
        }
        return "http://" + host + ":" + port + "/?token=" + token;
    }

    public int port() {
        return port;
    }

    String token() {
        return token;
    }

    /** How the stream has done: frames written, frames skipped for clients that did not drain, most bytes waiting. */
    public record Stats(long framesSent, long framesSkipped, long mostPendingBytes, long cpuNanos, int clients) {}

    public Stats stats() {
        return new Stats(framesSent.get(), framesSkipped.get(), mostPending.get(), cpuNanos.get(), clients.size());
    }

    @Override
    public DeviceListener watch(LiveRun run) {
        FleetView view = new FleetView(run.thingNames());
        this.frames = new Frames(run, () -> view);
        this.actions = new Actions(run, () -> view, calls);
        return view;
    }

    /** Shows a standalone stack ({@code fleetsim local --ui}): its view follows the stack's registry. */
    public void watch(StackRun stack) {
        this.frames = new Frames(stack, stack::view);
        this.actions = new Actions(stack, stack::view, calls);
    }

    @Override
    public void close() {
        for (Client c : clients) {
            c.channel.close();
        }
        server.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        calls.shutdownNow();
    }

    // ------------------------------------------------------------ the stream

    /** One browser's stream, and what it was last sent. */
    static final class Client {
        final Channel channel;
        byte[] cells;
        long samplesSent;

        Client(Channel channel) {
            this.channel = channel;
        }
    }

    private void tick() {
        Frames f = frames;
        if (f == null) {
            return;
        }
        long cpuStart = threadCpu();
        f.sample();
        if (!clients.isEmpty()) {
            Frames.Shared shared = f.shared();
            for (Client c : clients) {
                if (!c.channel.isActive()) {
                    clients.remove(c);
                    continue;
                }
                long pending = c.channel.unsafe().outboundBuffer() == null
                        ? 0
                        : c.channel.unsafe().outboundBuffer().totalPendingWriteBytes();
                mostPending.accumulateAndGet(pending, Math::max);
                if (!c.channel.isWritable()) {
                    framesSkipped.incrementAndGet(); // it catches up with the next frame it can take
                    continue;
                }
                ObjectNode frame = f.frame(shared, c);
                byte[] bytes = ("data: " + frame + "\n\n").getBytes(StandardCharsets.UTF_8);
                c.channel.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(bytes)));
                framesSent.incrementAndGet();
            }
        }
        cpuNanos.addAndGet(threadCpu() - cpuStart);
    }

    private static long threadCpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    // ------------------------------------------------------------ requests

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            long cpuStart = threadCpu();
            try {
                handle(ctx, request);
            } finally {
                cpuNanos.addAndGet(threadCpu() - cpuStart);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        ctx.channel().attr(CLOSE_AFTER).set(!HttpUtil.isKeepAlive(request));
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        String refused = refusal(request, uri);
        if (refused != null) {
            respond(ctx, text(HttpResponseStatus.FORBIDDEN, refused));
            return;
        }
        boolean get = request.method().equals(HttpMethod.GET);
        if (!get && !request.headers().get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/json")) {
            // Only JSON is taken: a cross-site form can send text/plain or a form encoding, never JSON.
            respond(ctx, json(HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE, error("send application/json")));
            return;
        }
        if (get && ASSETS.containsKey(path)) {
            FullHttpResponse response = asset(path);
            if (path.equals("/") && uri.parameters().containsKey("token")) {
                // The URL's token becomes a same-site cookie: the page's own requests carry it, other sites' do not.
                response.headers()
                        .add(HttpHeaderNames.SET_COOKIE, COOKIE + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
            }
            respond(ctx, response);
        } else if (get && path.equals("/events")) {
            stream(ctx);
        } else if (frames == null) {
            respond(ctx, json(HttpResponseStatus.SERVICE_UNAVAILABLE, error("the run has not started yet")));
        } else if (get && path.equals("/api/state")) {
            respond(ctx, json(HttpResponseStatus.OK, frames.frame(frames.shared(), new Client(ctx.channel()))));
        } else if (get && path.equals("/api/things")) {
            ArrayNode names = JSON.createArrayNode();
            FleetView view = frames.view();
            for (int i = 0; i < view.size(); i++) {
                names.add(view.thingName(i));
            }
            respond(ctx, json(HttpResponseStatus.OK, names));
        } else if (get && path.equals("/api/templates")) {
            respond(ctx, json(HttpResponseStatus.OK, actions.templates()));
        } else if (get && path.startsWith("/api/devices/")) {
            actions.device(path.substring("/api/devices/".length()))
                    .whenComplete((body, failure) -> answer(ctx, body, failure));
        } else if (request.method().equals(HttpMethod.POST) && path.startsWith("/api/")) {
            JsonNode body;
            try {
                String text = request.content().toString(StandardCharsets.UTF_8);
                body = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
                if (!body.isObject()) {
                    throw new IOException("not an object");
                }
            } catch (IOException e) {
                respond(ctx, json(HttpResponseStatus.BAD_REQUEST, error("the body is not a JSON object")));
                return;
            }
            actions.post(path.substring("/api".length()), (ObjectNode) body)
                    .whenComplete((answer, failure) -> answer(ctx, answer, failure));
        } else {
            respond(ctx, text(HttpResponseStatus.NOT_FOUND, "no such page"));
        }
    }

    /** Why a request is refused (token, origin, host), or null. */
    private String refusal(FullHttpRequest request, QueryStringDecoder uri) {
        HttpHeaders h = request.headers();
        String host = h.get(HttpHeaderNames.HOST, "");
        if (loopback && !loopbackHost(host)) {
            return "this console answers to 127.0.0.1 or localhost only";
        }
        String origin = h.get(HttpHeaderNames.ORIGIN);
        if (origin != null && !origin.equals("http://" + host)) {
            return "requests from another origin are refused";
        }
        String given = uri.parameters().containsKey("token")
                ? uri.parameters().get("token").get(0)
                : h.get("X-Fleetsim-Token");
        if (given == null) {
            String cookies = h.get(HttpHeaderNames.COOKIE);
            if (cookies != null) {
                given = ServerCookieDecoder.STRICT.decode(cookies).stream()
                        .filter(c -> c.name().equals(COOKIE))
                        .map(c -> c.value())
                        .findFirst()
                        .orElse(null);
            }
        }
        if (given == null
                || !MessageDigest.isEqual(
                        given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            return "open the console with the URL fleetsim printed (it carries the console's token)";
        }
        return null;
    }

    private static boolean loopbackHost(String host) {
        String name = host.startsWith("[")
                ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        return name.equals("127.0.0.1") || name.equalsIgnoreCase("localhost") || name.equals("[::1]");
    }

    private void stream(ChannelHandlerContext ctx) {
        HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED)
                .set("X-Content-Type-Options", "nosniff");
        ctx.writeAndFlush(head);
        Client client = new Client(ctx.channel());
        clients.add(client);
        ctx.channel().closeFuture().addListener(f -> clients.remove(client));
    }

    private void answer(ChannelHandlerContext ctx, Object body, Throwable failure) {
        FullHttpResponse response;
        if (failure != null) {
            Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            response = json(HttpResponseStatus.BAD_REQUEST, error(Actions.message(cause)));
        } else if (body == null) {
            response = json(HttpResponseStatus.NOT_FOUND, error("not found"));
        } else {
            response = json(HttpResponseStatus.OK, (JsonNode) body);
        }
        ctx.executor().execute(() -> respond(ctx, response));
    }

    static ObjectNode error(String message) {
        ObjectNode e = JSON.createObjectNode();
        e.put("error", message);
        return e;
    }

    private FullHttpResponse asset(String path) {
        String name = ASSETS.get(path);
        String type = name.endsWith(".html")
                ? "text/html; charset=utf-8"
                : name.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
        return full(HttpResponseStatus.OK, type, assets.get(path));
    }

    private static FullHttpResponse json(HttpResponseStatus status, JsonNode body) {
        return full(status, "application/json", body.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        return full(status, "text/plain; charset=utf-8", (body + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static FullHttpResponse full(HttpResponseStatus status, String type, byte[] body) {
        ByteBuf content = Unpooled.wrappedBuffer(body);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        r.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, type)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Content-Type-Options", "nosniff")
                .set("X-Frame-Options", "DENY")
                .set(
                        "Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
                                + " frame-ancestors 'none'");
        return r;
    }

    private static void respond(ChannelHandlerContext ctx, FullHttpResponse response) {
        boolean close = Boolean.TRUE.equals(ctx.channel().attr(CLOSE_AFTER).get());
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response)
                .addListener(close ? ChannelFutureListener.CLOSE : ChannelFutureListener.CLOSE_ON_FAILURE);
    }

    /** The request asked to close the connection after its answer (HTTP/1.0, or {@code Connection: close}). */
    private static final AttributeKey<Boolean> CLOSE_AFTER = AttributeKey.valueOf("fleetsim.console.close");

    private static byte[] resource(String name) throws IOException {
        String path = name.startsWith("META-INF/") ? name : "dev/fleetsim/console/" + name;
        try (InputStream in = ConsoleServer.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("the console's asset " + path + " is missing from the jar");
            }
            return in.readAllBytes();
        }
    }
}
