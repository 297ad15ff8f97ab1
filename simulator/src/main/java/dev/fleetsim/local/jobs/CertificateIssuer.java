package dev.fleetsim.local.jobs;

/** Mints device identities for {@code CreateKeysAndCertificate}: a key pair and a certificate from the local CA. */
public interface CertificateIssuer {
    /**
     * @param certificateId the SHA-256 fingerprint of the certificate's DER encoding, 64 hex characters, as AWS uses
     */
    record Issued(String certificateId, String certificatePem, String publicKeyPem, String privateKeyPem) {}

    Issued issue();

    /**
     * Signs the public key of a PKCS#10 request (CreateCertificateFromCsr); the key stays with the device.
     *
     * @throws IllegalArgumentException when the request is not a valid, self-signed CSR in PEM
     */
    Issued issueFromCsr(String csrPem);
}
