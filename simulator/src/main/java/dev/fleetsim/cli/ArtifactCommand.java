package dev.fleetsim.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fleetsim.artifact.Artifact;
import dev.fleetsim.artifact.Artifacts;
import dev.fleetsim.aws.AccessKeyPair;
import dev.fleetsim.aws.AwsClients;
import dev.fleetsim.aws.S3Names;
import dev.fleetsim.jobs.JobsJson;
import dev.fleetsim.local.LocalStack;
import dev.fleetsim.local.s3.PlaceholderPresigner;
import dev.fleetsim.pki.Pem;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.s3.S3Client;

/** {@code fleetsim artifact}: artifacts in a running {@code fleetsim local}'s store. */
@Command(
        name = "artifact",
        mixinStandardHelpOptions = true,
        description = "Artifacts in a running 'fleetsim local' artifact store.",
        subcommands = {ArtifactCommand.Put.class})
final class ArtifactCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'fleetsim artifact put'");
    }

    @Command(
            name = "put",
            mixinStandardHelpOptions = true,
            description = "Uploads FILE (and signs it with the local stack's code-signing key, ECDSA P-256/SHA-256)"
                    + " through the S3 API, then prints the job-document fragment devices verify against and a"
                    + " presigned URL.")
    static final class Put implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The artifact to upload.")
        Path file;

        @Option(names = "--bucket", required = true, description = "Bucket (created when missing).")
        String bucket;

        @Option(names = "--key", description = "Object key (default: the file name).")
        String key;

        @Option(names = "--sign", description = "Sign with the local stack's code-signing key.")
        boolean sign;

        @Option(
                names = "--state-dir",
                paramLabel = "DIR",
                defaultValue = "./.fleetsim/local",
                description = "The running 'fleetsim local' state folder, with its endpoints.json"
                        + " (default ${DEFAULT-VALUE}).")
        Path stateDir;

        @Option(
                names = "--expires",
                paramLabel = "SECONDS",
                defaultValue = "3600",
                description = "Validity of the printed presigned URL (default ${DEFAULT-VALUE}).")
        long expires;

        @Override
        public Integer call() throws Exception {
            String objectKey = key != null ? key : file.getFileName().toString();
            List<String> problems = new ArrayList<>();
            if (Files.isDirectory(file)) {
                problems.add(file + " is a folder: give one file");
            } else if (!Files.isRegularFile(file)) {
                problems.add("no such file: " + file);
            }
            String bucketProblem = S3Names.bucketProblem(bucket);
            if (bucketProblem != null) {
                problems.add("--bucket " + bucket + ": " + bucketProblem);
            }
            String keyProblem = S3Names.keyProblem(objectKey);
            if (keyProblem != null) {
                problems.add("--key '" + objectKey + "': " + keyProblem);
            }
            if (expires < 1 || expires > 604_800) {
                problems.add("--expires must be 1-604800 seconds (at most 7 days, as S3 allows)");
            }
            if (!problems.isEmpty()) {
                throw new UserInputException(String.join(System.lineSeparator() + "fleetsim: ", problems));
            }
            Path endpointsFile = stateDir.resolve(LocalStack.ENDPOINTS_FILE);
            if (!Files.isRegularFile(endpointsFile)) {
                throw new UserInputException("no " + LocalStack.ENDPOINTS_FILE + " in " + stateDir
                        + ": start 'fleetsim local' first (or pass --state-dir of the running one)");
            }
            JsonNode endpoints;
            try {
                endpoints = JobsJson.mapper().readTree(endpointsFile.toFile());
            } catch (JsonProcessingException e) {
                throw new UserInputException(endpointsFile + " is not the JSON 'fleetsim local' writes ("
                        + e.getOriginalMessage() + " at line " + e.getLocation().getLineNr() + "): start the stack"
                        + " again to rewrite it");
            }
            String s3Endpoint = endpoints.path("s3").asText(null);
            if (s3Endpoint == null) {
                throw new UserInputException(endpointsFile + " names no s3 endpoint: is the local stack current?");
            }
            AccessKeyPair credentials = new AccessKeyPair(
                    endpoints.path("accessKeyId").asText(AccessKeyPair.DEFAULT.accessKeyId()),
                    endpoints.path("secretAccessKey").asText(AccessKeyPair.DEFAULT.secretAccessKey()));
            String region = endpoints.path("region").asText("us-east-1");
            PrivateKey signer = null;
            if (sign) {
                Path cert = Path.of(endpoints.path("codeSigningCertificate").asText(""));
                Path keyFile = cert.resolveSibling("codesign-key.pem");
                if (!Files.isRegularFile(keyFile)) {
                    throw new UserInputException("the local stack's code-signing key is not at " + keyFile);
                }
                signer = Pem.privateKey(Files.readString(keyFile));
            }
            Artifact artifact;
            try (S3Client s3 = AwsClients.s3(URI.create(s3Endpoint), region, AwsClients.credentials(credentials))) {
                artifact = Artifacts.upload(s3, bucket, objectKey, file, signer, true);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(
                    JobsJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(artifact.documentFragment()));
            String url = new PlaceholderPresigner(s3Endpoint, credentials, region, Clock.systemUTC())
                    .presign("s3://" + bucket + "/" + objectKey, expires);
            out.println();
            out.println("presigned URL (valid " + expires + " s): " + url);
            out.flush();
            return ExitCodes.OK;
        }
    }
}
