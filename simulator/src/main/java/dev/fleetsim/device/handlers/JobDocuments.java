package dev.fleetsim.device.handlers;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Recognises a job document and plans it (see {@link dev.fleetsim.device.handlers}). Formats, tried in order:
 *
 * <ol>
 *   <li>the AWS IoT Device Client schema ({@code version} 1.0, {@code steps}, {@code finalStep}; spec §8), which is
 *       also what AWS managed templates produce (§6.4): {@code runHandler} actions map by handler script
 *       ({@code download-file.sh}, {@code install-packages.sh}, {@code reboot.sh}, …), {@code runCommand} runs a
 *       command;
 *   <li>FreeRTOS OTA ({@code afr_ota}, §7.1): each file is downloaded over HTTP, then installed as firmware;
 *   <li>{@code {"operation": …}} documents: {@code download} ({@code url}, {@code directory}, {@code fileName}),
 *       {@code install} ({@code version} or {@code firmware.version}), {@code reboot}, {@code run-command}
 *       ({@code command}), {@code rotate-certificate}, {@code factory-reset}.
 * </ol>
 *
 * Anything else is rejected with a reason. Limits: at most {@value #MAX_STEPS} steps; only {@code http}/{@code https}
 * URLs; file paths are taken relative to the sandbox and must stay inside it.
 */
public final class JobDocuments {
    public static final int MAX_STEPS = 32;
    /** The largest artifact a device accepts to download (afr_ota {@code filesize}). */
    public static final long MAX_FILE_SIZE = 4L * 1024 * 1024 * 1024;

    private JobDocuments() {}

    public static JobPlan plan(JsonNode document) {
        if (document == null || !document.isObject()) {
            return JobPlan.reject("unknown", "the job document is not a JSON object");
        }
        try {
            if (document.has("steps") || document.has("finalStep")) {
                return deviceClient(document);
            }
            if (document.has("afr_ota")) {
                return afrOta(document.get("afr_ota"));
            }
            if (document.has("operation")) {
                return operation(document);
            }
        } catch (Rejection r) {
            return JobPlan.reject(r.kind, r.getMessage());
        }
        return JobPlan.reject("unknown", "no operation, steps or afr_ota in the job document");
    }

    private static JobPlan deviceClient(JsonNode doc) {
        String kind = "device-client";
        if (doc.has("version") && !"1.0".equals(doc.get("version").asText())) {
            throw new Rejection(
                    kind, "unsupported document version " + doc.get("version").asText());
        }
        List<Step> steps = new ArrayList<>();
        JsonNode list = doc.path("steps");
        if (!list.isMissingNode() && !list.isArray()) {
            throw new Rejection(kind, "steps must be a list");
        }
        for (JsonNode step : list) {
            steps.add(action(step.path("action"), kind));
        }
        if (doc.has("finalStep")) {
            steps.add(action(doc.path("finalStep").path("action"), kind));
        }
        if (steps.isEmpty()) {
            throw new Rejection(kind, "the document has no steps");
        }
        return of(kind, steps);
    }

    private static Step action(JsonNode action, String kind) {
        String type = action.path("type").asText("");
        JsonNode input = action.path("input");
        switch (type) {
            case "runCommand" -> {
                String command = input.path("command").asText("");
                if (command.isBlank()) {
                    throw new Rejection(kind, "runCommand needs input.command");
                }
                return new Step.RunCommand(commandArgv(command));
            }
            case "runHandler" -> {
                String handler = input.path("handler").asText("");
                List<String> args = new ArrayList<>();
                input.path("args").forEach(a -> args.add(a.asText()));
                return switch (handler) {
                    case "download-file.sh" -> {
                        if (args.size() < 2) {
                            throw new Rejection(kind, "download-file.sh needs a URL and a file path");
                        }
                        yield new Step.Download(url(args.get(0), kind), sandboxPath(args.get(1), kind), null);
                    }
                    case "install-packages.sh" -> new Step.Packages(true, words(args));
                    case "remove-packages.sh" -> new Step.Packages(false, words(args));
                    case "start-services.sh" -> new Step.Services("start", words(args));
                    case "stop-services.sh" -> new Step.Services("stop", words(args));
                    case "restart-services.sh" -> new Step.Services("restart", words(args));
                    case "reboot.sh" -> new Step.Reboot();
                    default -> {
                        if (handler.isBlank() || handler.contains("/") || handler.contains("..")) {
                            throw new Rejection(kind, "invalid handler name '" + handler + "'");
                        }
                        yield new Step.RunHandler(handler, args);
                    }
                };
            }
            default -> throw new Rejection(kind, "unsupported action type '" + type + "'");
        }
    }

    /** A runCommand's argv, as the Device Client splits it: at commas, where {@code \\,} is a literal comma. */
    public static List<String> commandArgv(String command) {
        List<String> argv = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (c == '\\' && i + 1 < command.length() && command.charAt(i + 1) == ',') {
                current.append(',');
                i++;
            } else if (c == ',') {
                argv.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        argv.add(current.toString());
        return argv;
    }

    private static JobPlan afrOta(JsonNode ota) {
        String kind = "afr_ota";
        JsonNode files = ota.path("files");
        if (!files.isArray() || files.isEmpty()) {
            throw new Rejection(kind, "afr_ota.files must list at least one file");
        }
        List<Step> steps = new ArrayList<>();
        for (JsonNode file : files) {
            String url = file.path("update_data_url").asText(null);
            if (url == null) {
                throw new Rejection(kind, "only HTTP OTA is supported: update_data_url is missing");
            }
            long size = file.path("filesize").asLong(-1);
            if (size < 0 || size > MAX_FILE_SIZE) {
                throw new Rejection(kind, "filesize must be 0-" + MAX_FILE_SIZE + " bytes");
            }
            String path = sandboxPath(file.path("filepath").asText("firmware.bin"), kind);
            String signature = file.has("sig-sha256-ecdsa")
                    ? base64(file.get("sig-sha256-ecdsa").asText(), "sig-sha256-ecdsa", kind)
                    : null;
            steps.add(new Step.Download(url(url, kind), path, size, null, signature));
            steps.add(new Step.InstallFirmware(ota.path("streamname").asText("ota")));
        }
        return of(kind, steps);
    }

    private static JobPlan operation(JsonNode doc) {
        String op = doc.path("operation").asText("").toLowerCase(Locale.ROOT);
        String kind = "operation";
        Step step = switch (op) {
            case "download" -> {
                String dir = doc.path("directory").asText("");
                String file = doc.path("fileName").asText("");
                if (file.isEmpty()) {
                    throw new Rejection(kind, "download needs fileName");
                }
                yield download(doc, sandboxPath(dir.isEmpty() ? file : dir + "/" + file, kind), kind);
            }
            case "install", "update", "firmware-update" -> {
                String version = doc.path("version")
                        .asText(doc.path("firmware").path("version").asText(""));
                if (version.isEmpty()) {
                    throw new Rejection(kind, "install needs version or firmware.version");
                }
                yield new Step.InstallFirmware(version);
            }
            case "reboot" -> new Step.Reboot();
            case "run-command", "runcommand" -> {
                String command = doc.path("command").asText("");
                if (command.isBlank()) {
                    throw new Rejection(kind, "run-command needs command");
                }
                yield new Step.RunCommand(Arrays.asList(command.split(",")));
            }
            case "rotate-certificate", "rotate_certificate" -> new Step.RotateCertificate();
            case "factory-reset", "factory_reset" -> new Step.FactoryReset();
            default ->
                throw new Rejection(
                        kind, "unknown operation '" + doc.path("operation").asText() + "'");
        };
        List<Step> steps = new ArrayList<>();
        if (step instanceof Step.InstallFirmware && doc.has("url")) {
            steps.add(download(doc, sandboxPath("firmware.bin", kind), kind));
        }
        steps.add(step);
        return of(kind, steps);
    }

    /**
     * A download with what the document declares to verify it: {@code size}; {@code sha256} or the JS jobs-agent
     * {@code checksum {hashAlgorithm, inline {value}}}; the AWS code-signing block {@code codesign {signature,
     * signatureAlgorithm, rawPayloadSize}} (spec §6.3).
     */
    private static Step.Download download(JsonNode doc, String sandboxPath, String kind) {
        Long size = doc.has("size") ? Long.valueOf(doc.get("size").asLong(-1)) : null;
        String sha256 = doc.has("sha256") ? doc.get("sha256").asText() : null;
        JsonNode checksum = doc.path("checksum");
        if (checksum.isObject()) {
            String algorithm =
                    checksum.path("hashAlgorithm").asText("").replace("-", "").toUpperCase(Locale.ROOT);
            if (!algorithm.equals("SHA256")) {
                throw new Rejection(
                        kind,
                        "unsupported checksum.hashAlgorithm '"
                                + checksum.path("hashAlgorithm").asText() + "' (SHA256 is supported)");
            }
            sha256 = checksum.path("inline").path("value").asText(null);
        }
        if (sha256 != null && !sha256.matches("[0-9a-fA-F]{64}")) {
            throw new Rejection(kind, "the SHA-256 must be 64 hex digits");
        }
        String signature = null;
        JsonNode codesign = doc.path("codesign");
        if (codesign.isObject()) {
            String algorithm = codesign.path("signatureAlgorithm").asText("SHA256withECDSA");
            String normalized = algorithm.toUpperCase(Locale.ROOT).replace("-", "");
            if (!normalized.contains("ECDSA") || !normalized.contains("SHA256")) {
                throw new Rejection(
                        kind,
                        "unsupported codesign.signatureAlgorithm '" + algorithm + "' (SHA256withECDSA is supported)");
            }
            signature = base64(codesign.path("signature").asText(""), "codesign.signature", kind);
            if (codesign.has("rawPayloadSize")) {
                size = codesign.get("rawPayloadSize").asLong(-1);
            }
        }
        if (size != null && (size < 0 || size > MAX_FILE_SIZE)) {
            throw new Rejection(kind, "the size must be 0-" + MAX_FILE_SIZE + " bytes");
        }
        return new Step.Download(url(doc.path("url").asText(""), kind), sandboxPath, size, sha256, signature);
    }

    private static String base64(String text, String field, String kind) {
        try {
            if (text.isEmpty() || Base64.getDecoder().decode(text).length == 0) {
                throw new IllegalArgumentException("empty");
            }
            return text;
        } catch (IllegalArgumentException e) {
            throw new Rejection(kind, field + " is not base64");
        }
    }

    private static JobPlan of(String kind, List<Step> steps) {
        if (steps.size() > MAX_STEPS) {
            throw new Rejection(kind, "at most " + MAX_STEPS + " steps");
        }
        return JobPlan.of(kind, steps);
    }

    /** Only http and https, with a host. */
    static String url(String text, String kind) {
        try {
            URI uri = new URI(text);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new Rejection(kind, "only http and https URLs are allowed: " + abbreviate(text));
            }
            if (uri.getHost() == null) {
                throw new Rejection(kind, "the URL has no host: " + abbreviate(text));
            }
            return text;
        } catch (URISyntaxException e) {
            throw new Rejection(kind, "not a valid URL: " + abbreviate(text));
        }
    }

    /**
     * A path inside the device's sandbox: absolute paths are taken relative to the sandbox root; after normalisation it
     * must not climb out of it.
     */
    static String sandboxPath(String text, String kind) {
        if (text == null || text.isBlank() || text.indexOf('\u0000') >= 0 || text.length() > 1024) {
            throw new Rejection(kind, "invalid file path");
        }
        String relative = text.replace('\\', '/');
        while (relative.startsWith("/")) {
            relative = relative.substring(1);
        }
        Path normalized = Path.of("sandbox").resolve(relative).normalize();
        if (!normalized.startsWith(Path.of("sandbox")) || normalized.equals(Path.of("sandbox"))) {
            throw new Rejection(kind, "the path escapes the device sandbox: " + abbreviate(text));
        }
        return Path.of("sandbox").relativize(normalized).toString();
    }

    private static List<String> words(List<String> args) {
        List<String> words = new ArrayList<>();
        for (String a : args) {
            for (String w : a.trim().split("\\s+")) {
                if (!w.isEmpty()) {
                    words.add(w);
                }
            }
        }
        return words;
    }

    private static String abbreviate(String text) {
        return text.length() <= 120 ? text : text.substring(0, 117) + "...";
    }

    /** Why a document is rejected; control flow only. */
    private static final class Rejection extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final String kind;

        Rejection(String kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }
    }
}
