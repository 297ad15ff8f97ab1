package dev.fleetsim.device;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientExecutorConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5Subscribe;
import dev.fleetsim.jobs.DescribeJobExecutionRequest;
import dev.fleetsim.jobs.DescribeJobExecutionResponse;
import dev.fleetsim.jobs.JobExecution;
import dev.fleetsim.jobs.JobExecutionStatus;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.jobs.JobsTopic;
import dev.fleetsim.jobs.NextJobExecutionChangedEvent;
import dev.fleetsim.jobs.RejectedError;
import dev.fleetsim.jobs.UpdateJobExecutionRequest;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One virtual device running the device side of AWS IoT Jobs over MQTT 5 with the HiveMQ MQTT client. This is the
 * thin agent of the walking skeleton: it takes each job, reports IN_PROGRESS, "installs" for
 * {@link DeviceConfig#installTime()}, and reports SUCCEEDED.
 *
 * <pre>
 *   NEW ─start─► CONNECTING ─CONNACK─► SUBSCRIBING ─SUBACK─► ASKING ($next/get) ─answer─► IDLE ◄──────────┐
 *                    │ failure                                                            │ execution      │
 *                    ▼                                                                    ▼                │
 *                 FAILED                                         STARTING (update IN_PROGRESS)            │
 *                                                                    │ accepted                           │
 *                                                                    ▼                                    │
 *                                                                INSTALLING ─timer─► REPORTING (SUCCEEDED) ┘
 * </pre>
 *
 * <p>Executions arrive by {@code notify-next} and by the {@code $next/get} answer; the same execution can arrive by
 * both, so the device de-duplicates on (jobId, executionNumber). Threading: all state is touched on {@link #loop}
 * only; MQTT callbacks are delivered there.
 */
public final class VirtualDevice {

    /** Where the device is in its life; see the class diagram. */
    public enum State {
        NEW,
        CONNECTING,
        SUBSCRIBING,
        ASKING,
        IDLE,
        STARTING,
        INSTALLING,
        REPORTING,
        FAILED,
        STOPPED
    }

    private final String thingName;
    private final EventLoop loop;
    private final DeviceConfig config;
    private final DeviceListener listener;
    private final Mqtt5AsyncClient client;

    private State state = State.NEW;
    private String currentJobId;
    private long currentExecutionNumber;
    private int currentVersion;
    private long tokens;
    /** The latest head announced while busy; taken up when the device is idle again. */
    private JobExecution parked;

    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    public VirtualDevice(
            String thingName, EventLoop loop, EventLoopGroup nettyGroup, DeviceConfig config, DeviceListener listener) {
        this.thingName = thingName;
        this.loop = loop;
        this.config = config;
        this.listener = listener;
        this.client = MqttClient.builder()
                .useMqttVersion5()
                .identifier(thingName)
                .serverHost(config.host())
                .serverPort(config.port())
                .executorConfig(MqttClientExecutorConfig.builder()
                        .nettyExecutor(nettyGroup)
                        .build())
                .buildAsync();
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED, this::onPublish, loop);
    }

    public String thingName() {
        return thingName;
    }

    /** The device's state; read it on the device's loop or accept a stale value. */
    public State state() {
        return state;
    }

    /** Completes when the device is connected, subscribed and has asked for pending work once. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Connects and starts the agent; safe from any thread. */
    public void start() {
        loop.execute(this::connect);
    }

    /** Disconnects; safe from any thread. */
    public CompletableFuture<Void> stop() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        loop.execute(() -> {
            boolean connected = state != State.NEW && state != State.FAILED && state != State.CONNECTING;
            state = State.STOPPED;
            if (!connected) {
                done.complete(null);
                return;
            }
            client.disconnect().whenComplete((v, e) -> done.complete(null));
        });
        return done;
    }

    private void connect() {
        assert loop.inEventLoop();
        state = State.CONNECTING;
        listener.connectStart(thingName, System.nanoTime());
        client.connectWith()
                .cleanStart(true)
                .keepAlive((int) config.keepAlive().toSeconds())
                .send()
                .whenCompleteAsync(
                        (connAck, error) -> {
                            if (error != null) {
                                state = State.FAILED;
                                listener.connectFailed(thingName, System.nanoTime(), error);
                                ready.completeExceptionally(error);
                                return;
                            }
                            listener.connectEnd(thingName, System.nanoTime());
                            subscribe();
                        },
                        loop);
    }

    private void subscribe() {
        state = State.SUBSCRIBING;
        String p = JobsTopic.prefix(thingName);
        Mqtt5Subscribe subscribe = Mqtt5Subscribe.builder()
                .addSubscription()
                .topicFilter(p + "/notify-next")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(p + "/+/get/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .addSubscription()
                .topicFilter(p + "/+/update/+")
                .qos(MqttQos.AT_LEAST_ONCE)
                .applySubscription()
                .build();
        client.subscribe(subscribe)
                .whenCompleteAsync(
                        (subAck, error) -> {
                            if (error != null) {
                                state = State.FAILED;
                                ready.completeExceptionally(error);
                                return;
                            }
                            state = State.ASKING;
                            send(
                                    JobsTopic.describe(thingName, JobsTopic.NEXT),
                                    new DescribeJobExecutionRequest(null, true, nextToken()));
                        },
                        loop);
    }

    private void onPublish(Mqtt5Publish publish) {
        assert loop.inEventLoop();
        if (state == State.STOPPED) {
            return;
        }
        JobsTopic topic = JobsTopic.parse(publish.getTopic().toString()).orElse(null);
        if (topic == null || !topic.thingName().equals(thingName)) {
            return; // §2.1: act only on topics of our own thing
        }
        byte[] payload = publish.getPayloadAsBytes();
        switch (topic.suffix()) {
            case REJECTED -> onRejected(topic, JobsJson.read(payload, RejectedError.class));
            case ACCEPTED -> onAccepted(topic, payload);
            case REQUEST -> {
                if (topic.operation() == JobsTopic.Operation.NOTIFY_NEXT) {
                    JobExecution next = JobsJson.read(payload, NextJobExecutionChangedEvent.class)
                            .execution();
                    if (state == State.IDLE) {
                        onExecution(next);
                    } else {
                        parked = next; // null when the queue drained
                    }
                }
            }
        }
    }

    private void onAccepted(JobsTopic topic, byte[] payload) {
        switch (topic.operation()) {
            case DESCRIBE -> {
                JobExecution execution = JobsJson.read(payload, DescribeJobExecutionResponse.class)
                        .execution();
                if (state == State.ASKING) {
                    listener.ready(thingName, System.nanoTime());
                    ready.complete(null);
                    parked = execution;
                    becomeIdle();
                } else {
                    onExecution(execution);
                }
            }
            case UPDATE -> onUpdateAccepted(topic.jobId());
            default -> {}
        }
    }

    private void onExecution(JobExecution execution) {
        if (execution == null
                || execution.status() == null
                || !execution.status().isPending()) {
            return;
        }
        if (execution.jobId().equals(currentJobId) && execution.executionNumber() == currentExecutionNumber) {
            return; // duplicate delivery of the execution already in hand
        }
        if (state != State.IDLE) {
            parked = execution;
            return;
        }
        currentJobId = execution.jobId();
        currentExecutionNumber = execution.executionNumber();
        currentVersion = execution.versionNumber();
        listener.jobReceived(thingName, currentJobId, currentExecutionNumber, System.nanoTime());
        if (execution.status() == JobExecutionStatus.IN_PROGRESS) {
            install(); // resumed after a restart: carry on where the service says we are
            return;
        }
        state = State.STARTING;
        sendUpdate(JobExecutionStatus.IN_PROGRESS, Map.of("step", "installing"));
    }

    private void onUpdateAccepted(String jobId) {
        if (!jobId.equals(currentJobId)) {
            return;
        }
        currentVersion++;
        if (state == State.STARTING) {
            listener.statusReported(thingName, jobId, JobExecutionStatus.IN_PROGRESS, System.nanoTime());
            install();
        } else if (state == State.REPORTING) {
            listener.statusReported(thingName, jobId, JobExecutionStatus.SUCCEEDED, System.nanoTime());
            becomeIdle();
        }
    }

    private void install() {
        state = State.INSTALLING;
        loop.schedule(
                () -> {
                    if (state == State.INSTALLING) {
                        state = State.REPORTING;
                        sendUpdate(JobExecutionStatus.SUCCEEDED, Map.of("step", "done"));
                    }
                },
                config.installTime().toNanos(),
                TimeUnit.NANOSECONDS);
    }

    private void onRejected(JobsTopic topic, RejectedError error) {
        listener.requestRejected(thingName, topic.operation(), error.code(), System.nanoTime());
        if (topic.operation() == JobsTopic.Operation.UPDATE && topic.jobId().equals(currentJobId)) {
            // The skeleton agent gives up on the execution and asks what is next; issue 4 refines per code.
            state = State.ASKING;
            send(
                    JobsTopic.describe(thingName, JobsTopic.NEXT),
                    new DescribeJobExecutionRequest(null, true, nextToken()));
        } else if (state == State.ASKING) {
            ready.complete(null);
            becomeIdle();
        }
    }

    private void becomeIdle() {
        state = State.IDLE;
        JobExecution next = parked;
        parked = null;
        onExecution(next);
    }

    private void sendUpdate(JobExecutionStatus status, Map<String, String> details) {
        send(
                JobsTopic.update(thingName, currentJobId),
                new UpdateJobExecutionRequest(
                        status, details, currentVersion, currentExecutionNumber, null, null, null, nextToken()));
    }

    private void send(JobsTopic topic, Object request) {
        client.publishWith()
                .topic(topic.toString())
                .qos(MqttQos.AT_LEAST_ONCE)
                .payload(JobsJson.write(request))
                .send();
    }

    private String nextToken() {
        return Long.toString(++tokens, 36);
    }
}
