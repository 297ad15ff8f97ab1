package dev.fleetsim.device.download;

import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Objects;

/**
 * How a cohort's devices download: the fleet's shared {@link Downloader}, and per device its sandbox (each device
 * writes under {@code sandboxRoot/<thing name>/}; null hashes and discards), bandwidth, code-signing key, progress
 * step and size limit.
 *
 * @param codeSigningKey the public key of the code-signing certificate the devices trust; signed artifacts fail
 *     without it
 * @param progressStepPercent an IN_PROGRESS update with {@code statusDetails.progress} every this many percent (0: off)
 */
public record DeviceDownloads(
        Downloader downloader,
        Path sandboxRoot,
        long bytesPerSecond,
        PublicKey codeSigningKey,
        int progressStepPercent,
        long maxBytes) {
    /** A device accepts no artifact larger than this unless told otherwise: 4 GiB. */
    public static final long DEFAULT_MAX_BYTES = 4L * 1024 * 1024 * 1024;

    public DeviceDownloads {
        Objects.requireNonNull(downloader, "downloader");
        if (progressStepPercent < 0 || progressStepPercent > 100) {
            throw new IllegalArgumentException("progressStepPercent must be 0-100");
        }
    }

    /** Hash-and-discard, unshaped, no progress reports. */
    public static DeviceDownloads discard(Downloader downloader, PublicKey codeSigningKey) {
        return new DeviceDownloads(downloader, null, 0, codeSigningKey, 0, DEFAULT_MAX_BYTES);
    }

    /**
     * The request for one download step of {@code thingName}: into its sandbox when there is one (the path resolved
     * and kept inside {@code sandboxRoot/<thing name>/}), verified against the document's size, SHA-256 and signature.
     *
     * @throws IllegalArgumentException when the path escapes the device's sandbox
     */
    public DownloadRequest request(
            String thingName, String url, String sandboxPath, Long expectedSize, String sha256Hex, byte[] signature) {
        Path sink = null;
        if (sandboxRoot != null) {
            Path root = sandboxRoot.resolve(thingName).normalize();
            Path target = root.resolve(sandboxPath).normalize();
            if (!target.startsWith(root) || target.equals(root)) {
                throw new IllegalArgumentException("the path escapes the device sandbox");
            }
            sink = target;
        }
        return new DownloadRequest(
                url,
                sink,
                expectedSize,
                sha256Hex,
                signature,
                codeSigningKey,
                maxBytes,
                bytesPerSecond,
                progressStepPercent);
    }
}
