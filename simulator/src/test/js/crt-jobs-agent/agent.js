// The AWS IoT Device Client's job conversation (source/jobs/JobsFeature.cpp) on the AWS Common Runtime it is built
// on: MQTT 3.1.1 over mTLS with ALPN x-amzn-mqtt-ca, a persistent session, keep-alive 1200 s; subscribe start-next
// accepted/rejected, notify-next, +/update accepted/rejected; start-next once; for each new execution IN_PROGRESS with
// an empty statusDetails, run the runCommand step, then SUCCEEDED/FAILED with reason, stdout and stderr. Exits 0
// after <jobCount> jobs reached a terminal update that was accepted.
// Usage: node agent.js <thingName> <host> <port> <caPath> <certPath> <keyPath> <jobCount>
const { mqtt, iot, iotjobs } = require('aws-iot-device-sdk-v2');
const { execFileSync } = require('child_process');
const [thingName, host, port, caPath, certPath, keyPath, jobCount] = process.argv.slice(2);

const token = () => [...Array(10)].map(() => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(Math.random() * 62)]).join('');
const last = (s) => (s.length > 1024 ? s.slice(s.length - 1024) : s);
const log = (m) => console.log(m);

async function main() {
  const builder = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder_from_path(certPath, keyPath)
    .with_certificate_authority_from_path(undefined, caPath)
    .with_endpoint(host)
    .with_port(Number(port))
    .with_client_id(thingName)
    .with_clean_session(false)
    .with_keep_alive_seconds(1200);
  // The Device Client dials 443, where the CRT offers ALPN x-amzn-mqtt-ca; offer it on the test's port too.
  builder.tls_ctx_options.alpn_list = ['x-amzn-mqtt-ca'];
  const connection = new mqtt.MqttClient().new_connection(builder.build());
  await connection.connect();
  log('connected');
  const jobs = new iotjobs.IotJobsClient(connection);
  const pending = new Map();
  let done = 0;
  let lastSeen = null;

  const update = (jobId, status, statusDetails) => new Promise((resolve) => {
    const attempt = async (delay) => {
      const clientToken = token();
      pending.set(clientToken, (code) => {
        pending.delete(clientToken);
        if (code === 'accepted') return resolve('accepted');
        log(`update ${jobId} ${status} rejected ${code}`);
        if (code === 'RequestThrottled' || code === 'InternalError') return setTimeout(() => attempt(delay * 2), delay);
        resolve(code);
      });
      await jobs.publishUpdateJobExecution({ thingName, jobId, status, statusDetails, clientToken }, mqtt.QoS.AtLeastOnce);
    };
    attempt(200);
  });

  const run = async (execution) => {
    if (!execution) return;
    const key = execution.jobId + '#' + execution.executionNumber;
    if (key === lastSeen) return; // JobsFeature::isDuplicateNotification
    lastSeen = key;
    log(`job ${execution.jobId}`);
    const doc = execution.jobDocument;
    await update(execution.jobId, iotjobs.model.JobStatus.IN_PROGRESS, {});
    const argv = doc.steps[0].action.input.command.split(',');
    let code = 0;
    let stdout = '';
    let stderr = '';
    try {
      stdout = execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      code = e.status;
      stdout = e.stdout || '';
      stderr = e.stderr || '';
    }
    const details = { reason: `Job exited with status: ${code}` };
    if (stdout && (doc.includeStdOut === true || doc.includeStdOut === 'true')) details.stdout = last(stdout);
    if (stderr) details.stderr = last(stderr);
    const status = code === 0 ? iotjobs.model.JobStatus.SUCCEEDED : iotjobs.model.JobStatus.FAILED;
    const result = await update(execution.jobId, status, details);
    log(`reported ${status} ${result}`);
    if (result === 'accepted' && ++done === Number(jobCount)) {
      await connection.disconnect();
      process.exit(0);
    }
  };

  const answer = (code) => (error, response) => {
    if (error || !response || !response.clientToken) return;
    const callback = pending.get(response.clientToken);
    if (callback) callback(code === 'accepted' ? 'accepted' : response.code);
  };
  await jobs.subscribeToStartNextPendingJobExecutionAccepted({ thingName }, mqtt.QoS.AtLeastOnce, (e, r) => run(r && r.execution));
  await jobs.subscribeToStartNextPendingJobExecutionRejected({ thingName }, mqtt.QoS.AtLeastOnce, (e, r) => log('start-next rejected ' + (r && r.code)));
  await jobs.subscribeToNextJobExecutionChangedEvents({ thingName }, mqtt.QoS.AtLeastOnce, (e, r) => run(r && r.execution));
  await jobs.subscribeToUpdateJobExecutionAccepted({ thingName, jobId: '+' }, mqtt.QoS.AtLeastOnce, answer('accepted'));
  await jobs.subscribeToUpdateJobExecutionRejected({ thingName, jobId: '+' }, mqtt.QoS.AtLeastOnce, answer('rejected'));
  await jobs.publishStartNextPendingJobExecution({ thingName }, mqtt.QoS.AtLeastOnce);
  log('waiting for jobs');
}

main().catch((e) => { log('error ' + (e && e.message ? e.message : e)); process.exit(1); });
setTimeout(() => { log('timeout'); process.exit(2); }, 60000);
