package dev.fleetsim.device.download;

import java.nio.file.Path;
import java.security.PublicKey;

/**
 * One artifact to fetch.
 *
 * @param url http or https URL (a presigned URL keeps its query as is)
 * @param sink file to write into (inside the device's sandbox), or null to hash and discard
 * @param expectedSize bytes the document declares, or null
 * @param sha256Hex the SHA-256 the document declares, or null
 * @param signature the code signature (DER ECDSA over the payload), or null
 * @param signer the key that must have made {@code signature}; a signature without a key fails
 * @param maxBytes largest body accepted (a document cannot make a device fill its disk)
 * @param bytesPerSecond this device's bandwidth, 0 for unlimited
 * @param progressStepPercent report progress each time this many percent more arrived (0: never)
 */
public record DownloadRequest(
        String url,
        Path sink,
        Long expectedSize,
        String sha256Hex,
        byte[] signature,
        PublicKey signer,
        long maxBytes,
        long bytesPerSecond,
        int progressStepPercent) {}
