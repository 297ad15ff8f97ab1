// Runs one job with the AWS IoT Device SDK for JavaScript v1 jobs agent, then exits.
// Usage: node agent.js <thingName> <host> <port> <caPath> <certPath> <keyPath>
// Prints "job <id> <document>" when a job arrives and "reported SUCCEEDED" after the update was sent.
const awsIot = require('aws-iot-device-sdk');
const [thingName, host, port, caPath, certPath, keyPath] = process.argv.slice(2);
const jobs = awsIot.jobs({ keyPath, certPath, caPath, clientId: thingName, host, port: Number(port), protocol: 'mqtts' });
const finish = (message, code) => {
  console.log(message);
  setTimeout(() => jobs.end(false, () => process.exit(code)), 1000);
};
jobs.on('error', (e) => console.log('error ' + e.message));
jobs.subscribeToJobs(thingName, 'install', (err, job) => {
  if (err) {
    return finish('job error ' + err, 1);
  }
  console.log('job ' + job.id + ' ' + JSON.stringify(job.document));
  job.inProgress({ step: 'installing' }, (e1) => {
    if (e1) {
      return finish('inProgress error ' + e1, 1);
    }
    job.succeeded({ step: 'done', agent: 'aws-iot-device-sdk-js' }, (e2) => finish(e2 ? 'error ' + e2 : 'reported SUCCEEDED', e2 ? 1 : 0));
  });
});
jobs.startJobNotifications(thingName, (err) => console.log(err ? 'notifications error ' + err : 'notifications started'));
setTimeout(() => finish('timeout', 2), 30000);
