package dev.fleetsim.testing;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.device.handlers.JobDocuments;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.pki.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The job feature of the AWS IoT Device Client (awslabs/aws-iot-device-client v1.10, {@code source/jobs/JobsFeature.cpp}
 * and {@code JobEngine.cpp}), played message by message over a second MQTT client (Eclipse Paho, MQTT 3.1.1 as the
 * Device Client's aws-c-mqtt speaks it):
 *
 * <ol>
 *   <li>CONNECT with the thing name as client id, a persistent session ({@code cleanSession=false}) and keep-alive
 *       1200 s, over TLS with a client certificate and ALPN {@code x-amzn-mqtt-ca} (the Device Client always dials
 *       443);
 *   <li>SUBSCRIBE {@code start-next/accepted}, {@code start-next/rejected}, {@code notify-next},
 *       {@code +/update/accepted}, {@code +/update/rejected};
 *   <li>PUBLISH {@code start-next} once ({@code {}}); afterwards it never polls, it waits for {@code notify-next};
 *   <li>for an execution that is not a duplicate (job id, execution number and document with presigned query strings
 *       ignored): an invalid document is REJECTED with its reason; otherwise IN_PROGRESS with an empty
 *       {@code statusDetails}, the steps run as processes, then SUCCEEDED or FAILED with {@code reason},
 *       {@code stdout} (when {@code includeStdOut}) and {@code stderr}, each the last 1,024 characters;
 *   <li>every update carries a fresh random 10-character client token, is matched on the answer with that token,
 *       waits for an answer, and is retried only on {@code RequestThrottled} and {@code InternalError} or when no
 *       answer came, with exponential backoff (10 s to 640 s in the Device Client; {@link #backoffMillis} here).
 * </ol>
 *
 * <p>Payloads keep the Device Client's field order: {@code {"status":…,"clientToken":…,"statusDetails":{…}}}.
 */
public final class DeviceClientAgent implements AutoCloseable {
    /** The Device Client's answer wait per attempt. */
    private static final long ANSWER_WAIT_MILLIS = 10_000;

    private static final int MAX_STATUS_DETAIL = 1024;
    private static final String TOKEN_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /** One message received. */
    public record Message(String topic, String payload) {
        public JsonNode json() {
            return JobsJson.readTree(payload);
        }
    }

    /** The outcome of one update, after retries. */
    public enum UpdateResult {
        ACCEPTED,
        NON_RETRYABLE
    }

    private final String thingName;
    private final String prefix;
    private final Path handlerDir;
    private final MqttClient client;
    private final AlpnSockets sockets;
    private final BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
    private final SecureRandom random = new SecureRandom();
    /** Every message published, in order. */
    public final List<Message> sent = new CopyOnWriteArrayList<>();
    /** Every rejection code received on an update. */
    public final List<String> rejections = new CopyOnWriteArrayList<>();

    private long backoffMillis = 500;
    private String lastJobId;
    private long lastExecutionNumber = -1;
    private String lastDocument;

    private DeviceClientAgent(String thingName, Path handlerDir, MqttClient client, AlpnSockets sockets) {
        this.thingName = thingName;
        this.prefix = "$aws/things/" + thingName + "/jobs";
        this.handlerDir = handlerDir;
        this.client = client;
        this.sockets = sockets;
    }

    /**
     * Connects as the Device Client does and subscribes; does not publish start-next yet.
     *
     * @param handlerDir the jobs handler directory ({@code jobs.handler-directory}); it and its handlers must be mode
     *     700, as the Device Client requires
     */
    public static DeviceClientAgent connect(
            String thingName,
            String host,
            int port,
            String certificatePem,
            String privateKeyPem,
            X509Certificate rootCa,
            Path handlerDir)
            throws Exception {
        AlpnSockets sockets = new AlpnSockets(sslContext(certificatePem, privateKeyPem, rootCa));
        MqttClient client = new MqttClient("ssl://" + host + ":" + port, thingName, new MemoryPersistence());
        DeviceClientAgent agent = new DeviceClientAgent(thingName, handlerDir, client, sockets);
        client.setCallback(new MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {}

            @Override
            public void messageArrived(String topic, MqttMessage message) {
                agent.inbox.add(new Message(topic, new String(message.getPayload(), StandardCharsets.UTF_8)));
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(false);
        options.setKeepAliveInterval(1200);
        options.setSocketFactory(sockets);
        options.setHttpsHostnameVerificationEnabled(false); // done by AlpnSockets, which must own SSLParameters
        options.setAutomaticReconnect(false);
        client.connect(options);
        String p = agent.prefix;
        client.subscribe(
                new String[] {
                    p + "/start-next/accepted",
                    p + "/start-next/rejected",
                    p + "/notify-next",
                    p + "/+/update/accepted",
                    p + "/+/update/rejected"
                },
                new int[] {1, 1, 1, 1, 1});
        return agent;
    }

    /** The ALPN protocol the TLS handshake selected, or "" when none was. */
    public String negotiatedProtocol() {
        return sockets.last == null ? "" : String.valueOf(sockets.last.getApplicationProtocol());
    }

    /** Scales the Device Client's 10 s first retry delay down for tests. */
    public DeviceClientAgent backoffMillis(long millis) {
        this.backoffMillis = millis;
        return this;
    }

    /** {@code PublishStartNextPendingJobExecution}: the request with only ThingName set serializes to {@code {}}. */
    public void publishStartNext() throws MqttException {
        publish(prefix + "/start-next", "{}");
    }

    /**
     * The next message on {@code start-next/accepted} or {@code notify-next}, whether or not it carries an execution.
     */
    public Message nextJobMessage(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = deadline - System.nanoTime();
            Message m = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) {
                return null;
            }
            if (m.topic().endsWith("/start-next/accepted") || m.topic().endsWith("/notify-next")) {
                return m;
            }
        }
    }

    /** Waits for an execution that is not a duplicate of the last one taken (JobsFeature::isDuplicateNotification). */
    public JsonNode awaitNewExecution(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            Message m = left <= 0 ? null : nextJobMessage(left);
            if (m == null) {
                return null;
            }
            JsonNode execution = m.json().get("execution");
            if (execution == null || isDuplicate(execution)) {
                continue;
            }
            lastJobId = execution.get("jobId").asText();
            lastExecutionNumber = execution.get("executionNumber").asLong();
            lastDocument = withoutPresignedQueries(execution.get("jobDocument").toString());
            return execution;
        }
    }

    private boolean isDuplicate(JsonNode execution) {
        return execution.get("jobId").asText().equals(lastJobId)
                && execution.get("executionNumber").asLong() == lastExecutionNumber
                && withoutPresignedQueries(execution.get("jobDocument").toString())
                        .equals(lastDocument);
    }

    /** JobsFeature::compareJobDocuments: S3 URLs compared without their presigned query strings. */
    static String withoutPresignedQueries(String document) {
        return document.replaceAll(
                "(https://[^.\\s\"]+\\.s3[.-](?:[^.\\s\"]+\\.)?amazonaws\\.com/[^?\\s\"]+)(\\?[^\"\\s]+)?", "$1");
    }

    /** JobsFeature::initJob then executeJob: validate, IN_PROGRESS, run the steps, the terminal update. */
    public UpdateResult runJob(JsonNode execution) throws Exception {
        String jobId = execution.get("jobId").asText();
        JsonNode document = execution.get("jobDocument");
        String invalid = validate(document);
        if (invalid != null) {
            return update(jobId, "REJECTED", Map.of("reason", "Unable to execute job, invalid job document provided!"));
        }
        update(jobId, "IN_PROGRESS", Map.of());
        Execution result = execSteps(document);
        Map<String, String> details = new java.util.LinkedHashMap<>();
        details.put("reason", result.reason());
        if (!result.stdout().isEmpty() && truthy(document.get("includeStdOut"))) {
            details.put("stdout", last(result.stdout()));
        }
        if (!result.stderr().isEmpty()) {
            details.put("stderr", last(result.stderr()));
        }
        return update(jobId, result.exitCode() == 0 ? "SUCCEEDED" : "FAILED", details);
    }

    /** PlainJobDocument::Validate, for the 1.0 schema. */
    private static String validate(JsonNode document) {
        if (document == null || !"1.0".equals(document.path("version").asText(null))) {
            return "version must be 1.0";
        }
        JsonNode steps = document.get("steps");
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            return "steps are required";
        }
        for (JsonNode step : steps) {
            JsonNode action = step.get("action");
            if (action == null || !action.hasNonNull("name") || !action.hasNonNull("type")) {
                return "every step needs an action with a name and a type";
            }
            String type = action.get("type").asText();
            if (type.equals("runHandler") && !action.path("input").hasNonNull("handler")) {
                return "runHandler needs input.handler";
            }
            if (type.equals("runCommand") && !action.path("input").hasNonNull("command")) {
                return "runCommand needs input.command";
            }
            if (!type.equals("runHandler") && !type.equals("runCommand")) {
                return "unknown action type " + type;
            }
        }
        return null;
    }

    private record Execution(int exitCode, String reason, String stdout, String stderr) {}

    /** JobEngine::exec_steps: in order, stop at the first failure unless ignoreStepFailure; finalStep after success. */
    private Execution execSteps(JsonNode document) throws IOException, InterruptedException {
        StringBuilder stdout = new StringBuilder();
        StringBuilder stderr = new StringBuilder();
        int status = 0;
        List<JsonNode> actions = new ArrayList<>();
        document.get("steps").forEach(step -> actions.add(step.get("action")));
        for (JsonNode action : actions) {
            int code = exec(action, stdout, stderr);
            if (code != 0 && !"true".equals(action.path("ignoreStepFailure").asText("false"))) {
                status = code;
                break;
            }
        }
        if (status == 0 && document.has("finalStep")) {
            status = exec(document.get("finalStep").get("action"), stdout, stderr);
        }
        return new Execution(status, "Job exited with status: " + status, stdout.toString(), stderr.toString());
    }

    private int exec(JsonNode action, StringBuilder stdout, StringBuilder stderr)
            throws IOException, InterruptedException {
        JsonNode input = action.get("input");
        List<String> argv = new ArrayList<>();
        if (action.get("type").asText().equals("runCommand")) {
            argv.addAll(JobDocuments.commandArgv(input.get("command").asText()));
        } else {
            Path handler = handlerDir.resolve(input.get("handler").asText());
            Set<PosixFilePermission> mode700 = PosixFilePermissions.fromString("rwx------");
            if (!Files.getPosixFilePermissions(handlerDir).equals(mode700)
                    || !Files.getPosixFilePermissions(handler).equals(mode700)) {
                stderr.append("handler ").append(handler).append(" and its directory must be mode 700\n");
                return 1;
            }
            argv.add(handler.toString());
            if (input.has("args")) {
                input.get("args").forEach(a -> argv.add(a.asText()));
            }
        }
        Process process = new ProcessBuilder(argv).start();
        stdout.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        stderr.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
        return process.waitFor();
    }

    private static boolean truthy(JsonNode node) {
        return node != null && (node.asBoolean(false) || "true".equals(node.asText()));
    }

    private static String last(String text) {
        return text.length() <= MAX_STATUS_DETAIL ? text : text.substring(text.length() - MAX_STATUS_DETAIL);
    }

    /**
     * JobsFeature::publishUpdateJobExecutionStatusWithRetry: a fresh token per attempt, matched on the answer; retry
     * only on RequestThrottled, InternalError or no answer.
     */
    public UpdateResult update(String jobId, String status, Map<String, String> details) throws Exception {
        long delay = backoffMillis;
        while (true) {
            String token = newToken();
            publish(prefix + "/" + jobId + "/update", updatePayload(status, token, details));
            String code = awaitUpdateAnswer(token);
            if ("accepted".equals(code)) {
                return UpdateResult.ACCEPTED;
            }
            if (code != null) {
                rejections.add(code);
                if (!code.equals("RequestThrottled") && !code.equals("InternalError")) {
                    return UpdateResult.NON_RETRYABLE;
                }
            }
            Thread.sleep(delay);
            delay = Math.min(delay * 2, 64 * backoffMillis);
        }
    }

    private static String updatePayload(String status, String token, Map<String, String> details) {
        JsonStringEncoder json = JsonStringEncoder.getInstance();
        StringBuilder b = new StringBuilder("{\"status\":\"")
                .append(status)
                .append("\",\"clientToken\":\"")
                .append(token)
                .append("\",\"statusDetails\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : details.entrySet()) {
            b.append(first ? "" : ",")
                    .append('"')
                    .append(json.quoteAsString(e.getKey()))
                    .append("\":\"")
                    .append(json.quoteAsString(e.getValue()))
                    .append('"');
            first = false;
        }
        return b.append("}}").toString();
    }

    /** "accepted", a rejection code, or null when no answer with {@code token} came in time. */
    private String awaitUpdateAnswer(String token) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ANSWER_WAIT_MILLIS);
        List<Message> other = new ArrayList<>();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                Message m = left <= 0 ? null : inbox.poll(left, TimeUnit.NANOSECONDS);
                if (m == null) {
                    return null;
                }
                boolean answer =
                        m.topic().endsWith("/update/accepted") || m.topic().endsWith("/update/rejected");
                if (!answer || !token.equals(m.json().path("clientToken").asText(null))) {
                    other.add(m);
                    continue;
                }
                return m.topic().endsWith("/accepted")
                        ? "accepted"
                        : m.json().path("code").asText();
            }
        } finally {
            // Notifications that arrived meanwhile stay queued for the job loop, in order.
            List<Message> rest = new ArrayList<>();
            inbox.drainTo(rest);
            other.stream().filter(m -> !m.topic().contains("/update/")).forEach(inbox::add);
            rest.forEach(inbox::add);
        }
    }

    private String newToken() {
        StringBuilder b = new StringBuilder(10);
        for (int i = 0; i < 10; i++) {
            b.append(TOKEN_CHARS.charAt(random.nextInt(TOKEN_CHARS.length())));
        }
        return b.toString();
    }

    private void publish(String topic, String payload) throws MqttException {
        sent.add(new Message(topic, payload));
        MqttMessage message = new MqttMessage(payload.getBytes(StandardCharsets.UTF_8));
        message.setQos(1);
        client.publish(topic, message);
    }

    public String thingName() {
        return thingName;
    }

    @Override
    public void close() throws MqttException {
        if (client.isConnected()) {
            client.disconnect(1_000);
        }
        client.close();
    }

    private static SSLContext sslContext(String certificatePem, String privateKeyPem, X509Certificate rootCa)
            throws Exception {
        char[] password = "dc".toCharArray();
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry(
                "device", Pem.privateKey(privateKeyPem), password, new Certificate[] {Pem.certificate(certificatePem)});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, password);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root-ca", rootCa);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return context;
    }

    /**
     * A TLS socket that always offers ALPN {@code x-amzn-mqtt-ca} and verifies the server's name, as the CRT does on
     * 443. Paho replaces the socket's SSLParameters (for SNI) just before the handshake, which would drop both; this
     * wrapper puts them back.
     */
    private static final class AlpnSocket extends SSLSocket {
        private final SSLSocket ssl;

        AlpnSocket(SSLSocket ssl) {
            this.ssl = ssl;
            setSSLParameters(ssl.getSSLParameters());
        }

        @Override
        public void setSSLParameters(SSLParameters parameters) {
            parameters.setApplicationProtocols(new String[] {"x-amzn-mqtt-ca"});
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            ssl.setSSLParameters(parameters);
        }

        @Override
        public SSLParameters getSSLParameters() {
            return ssl.getSSLParameters();
        }

        @Override
        public String getApplicationProtocol() {
            return ssl.getApplicationProtocol();
        }

        @Override
        public void connect(java.net.SocketAddress endpoint, int timeout) throws IOException {
            ssl.connect(endpoint, timeout);
        }

        @Override
        public void connect(java.net.SocketAddress endpoint) throws IOException {
            ssl.connect(endpoint);
        }

        @Override
        public java.io.InputStream getInputStream() throws IOException {
            return ssl.getInputStream();
        }

        @Override
        public java.io.OutputStream getOutputStream() throws IOException {
            return ssl.getOutputStream();
        }

        @Override
        public synchronized void close() throws IOException {
            ssl.close();
        }

        @Override
        public boolean isConnected() {
            return ssl.isConnected();
        }

        @Override
        public boolean isClosed() {
            return ssl.isClosed();
        }

        @Override
        public synchronized void setSoTimeout(int timeout) throws java.net.SocketException {
            ssl.setSoTimeout(timeout);
        }

        @Override
        public synchronized int getSoTimeout() throws java.net.SocketException {
            return ssl.getSoTimeout();
        }

        @Override
        public void setTcpNoDelay(boolean on) throws java.net.SocketException {
            ssl.setTcpNoDelay(on);
        }

        @Override
        public InetAddress getInetAddress() {
            return ssl.getInetAddress();
        }

        @Override
        public int getPort() {
            return ssl.getPort();
        }

        @Override
        public int getLocalPort() {
            return ssl.getLocalPort();
        }

        @Override
        public java.net.SocketAddress getRemoteSocketAddress() {
            return ssl.getRemoteSocketAddress();
        }

        @Override
        public java.net.SocketAddress getLocalSocketAddress() {
            return ssl.getLocalSocketAddress();
        }

        @Override
        public void shutdownInput() throws IOException {
            ssl.shutdownInput();
        }

        @Override
        public void shutdownOutput() throws IOException {
            ssl.shutdownOutput();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return ssl.getSupportedCipherSuites();
        }

        @Override
        public String[] getEnabledCipherSuites() {
            return ssl.getEnabledCipherSuites();
        }

        @Override
        public void setEnabledCipherSuites(String[] suites) {
            ssl.setEnabledCipherSuites(suites);
        }

        @Override
        public String[] getSupportedProtocols() {
            return ssl.getSupportedProtocols();
        }

        @Override
        public String[] getEnabledProtocols() {
            return ssl.getEnabledProtocols();
        }

        @Override
        public void setEnabledProtocols(String[] protocols) {
            ssl.setEnabledProtocols(protocols);
        }

        @Override
        public javax.net.ssl.SSLSession getSession() {
            return ssl.getSession();
        }

        @Override
        public void addHandshakeCompletedListener(javax.net.ssl.HandshakeCompletedListener listener) {
            ssl.addHandshakeCompletedListener(listener);
        }

        @Override
        public void removeHandshakeCompletedListener(javax.net.ssl.HandshakeCompletedListener listener) {
            ssl.removeHandshakeCompletedListener(listener);
        }

        @Override
        public void startHandshake() throws IOException {
            ssl.startHandshake();
        }

        @Override
        public void setUseClientMode(boolean mode) {
            ssl.setUseClientMode(mode);
        }

        @Override
        public boolean getUseClientMode() {
            return ssl.getUseClientMode();
        }

        @Override
        public void setNeedClientAuth(boolean need) {
            ssl.setNeedClientAuth(need);
        }

        @Override
        public boolean getNeedClientAuth() {
            return ssl.getNeedClientAuth();
        }

        @Override
        public void setWantClientAuth(boolean want) {
            ssl.setWantClientAuth(want);
        }

        @Override
        public boolean getWantClientAuth() {
            return ssl.getWantClientAuth();
        }

        @Override
        public void setEnableSessionCreation(boolean flag) {
            ssl.setEnableSessionCreation(flag);
        }

        @Override
        public boolean getEnableSessionCreation() {
            return ssl.getEnableSessionCreation();
        }
    }

    /** TLS sockets that offer ALPN {@code x-amzn-mqtt-ca} and verify the server's name, as the CRT does on 443. */
    private static final class AlpnSockets extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        volatile AlpnSocket last;

        AlpnSockets(SSLContext context) {
            this.delegate = context.getSocketFactory();
        }

        private Socket configure(Socket socket) {
            last = new AlpnSocket((SSLSocket) socket);
            return last;
        }

        @Override
        public Socket createSocket() throws IOException {
            // Paho connects this unconnected socket itself, to the host name it was given (SNI, name checks).
            return configure(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String h, int p, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, h, p, autoClose));
        }

        @Override
        public Socket createSocket(String h, int p) throws IOException {
            return configure(delegate.createSocket(h, p));
        }

        @Override
        public Socket createSocket(String h, int p, InetAddress local, int localPort) throws IOException {
            return configure(delegate.createSocket(h, p, local, localPort));
        }

        @Override
        public Socket createSocket(InetAddress h, int p) throws IOException {
            return configure(delegate.createSocket(h, p));
        }

        @Override
        public Socket createSocket(InetAddress h, int p, InetAddress local, int localPort) throws IOException {
            return configure(delegate.createSocket(h, p, local, localPort));
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }
    }
}
