package dev.fleetsim.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority that lives for one run, in memory: ECDSA P-256, it signs device certificates (registered with
 * the target by RegisterCertificate), the verification certificate RegisterCACertificate asks for, and the run's
 * code-signing certificate. Nothing of it is written to disk but the certificates the target is given.
 *
 * <p>Thread-safe: signing uses no shared mutable state.
 */
public final class RunCa {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final KeyPair keys;
    private final X509Certificate certificate;

    private RunCa(KeyPair keys, X509Certificate certificate) {
        this.keys = keys;
        this.certificate = certificate;
    }

    /** A new CA named {@code CN=fleetsim <name>}, valid for {@code validity} from an hour ago. */
    public static RunCa create(String name, Duration validity) {
        KeyPair keys = Pem.newEcKeyPair();
        X500Name subject = new X500Name("CN=fleetsim " + name + ",O=fleetsim");
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    subject,
                    serial(),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(validity)),
                    subject,
                    keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new RunCa(keys, sign(b, keys));
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the run's CA", e);
        }
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A device certificate for {@code publicKey}, {@code CN=commonName}, for TLS client authentication. */
    public X509Certificate issueClient(String commonName, PublicKey publicKey, Duration validity) {
        return issue(commonName, publicKey, validity, KeyPurposeId.id_kp_clientAuth);
    }

    /** A code-signing certificate for {@code publicKey}. */
    public X509Certificate issueCodeSigning(String commonName, PublicKey publicKey, Duration validity) {
        return issue(commonName, publicKey, validity, KeyPurposeId.id_kp_codeSigning);
    }

    /** RegisterCACertificate's proof of possession: a certificate whose common name is the registration code. */
    public X509Certificate verificationCertificate(String registrationCode) {
        return issue(registrationCode, Pem.newEcKeyPair().getPublic(), Duration.ofDays(1), null);
    }

    private X509Certificate issue(String commonName, PublicKey publicKey, Duration validity, KeyPurposeId purpose) {
        try {
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    certificate,
                    serial(),
                    Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(validity)),
                    new X500Name("CN=" + commonName),
                    publicKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (purpose != null) {
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            }
            return sign(b, keys);
        } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue a certificate for " + commonName, e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair signer)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter()
                .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
