package dev.fleetsim.local.identity;

import dev.fleetsim.local.jobs.CertificateIssuer;
import dev.fleetsim.pki.Pem;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

/**
 * The local stack's certificate authority, kept in {@code <stateDir>/ca/} so that device certificates stay valid
 * across restarts. Keys are ECDSA P-256 (fast handshakes for thousands of devices; AWS's CreateKeysAndCertificate
 * issues RSA 2048, which devices accept alike).
 *
 * <p>Files: {@code ca.pem} (give it to clients as the root CA), {@code ca-key.pem}, {@code server.p12} and
 * {@code trust.p12} (the broker's TLS listener; password {@value #STORE_PASSWORD}).
 */
public final class LocalCa implements CertificateIssuer {
    public static final String STORE_PASSWORD = "fleetsim";

    private final X509Certificate caCertificate;
    private final PrivateKey caKey;
    private final Path dir;
    private final SecureRandom random = new SecureRandom();

    private LocalCa(Path dir, X509Certificate caCertificate, PrivateKey caKey) {
        this.dir = dir;
        this.caCertificate = caCertificate;
        this.caKey = caKey;
    }

    /** Loads the CA from {@code dir}, creating it on first use, and (re)writes the broker's stores. */
    public static LocalCa open(Path dir, List<String> serverNames) {
        try {
            Files.createDirectories(dir);
            Path certFile = dir.resolve("ca.pem");
            Path keyFile = dir.resolve("ca-key.pem");
            LocalCa ca;
            if (Files.exists(certFile) && Files.exists(keyFile)) {
                ca = new LocalCa(
                        dir, Pem.certificate(Files.readString(certFile)), Pem.privateKey(Files.readString(keyFile)));
            } else {
                KeyPair keys = Pem.newEcKeyPair();
                X500Name name = new X500Name("CN=fleetsim local CA,O=fleetsim");
                Instant now = Instant.now();
                X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                                name,
                                BigInteger.valueOf(now.toEpochMilli()),
                                Date.from(now.minus(Duration.ofDays(1))),
                                Date.from(now.plus(Duration.ofDays(3650))),
                                name,
                                keys.getPublic())
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
                X509Certificate cert = sign(builder, keys.getPrivate());
                Files.writeString(certFile, Pem.encode(cert));
                Files.writeString(keyFile, Pem.encode(keys.getPrivate()));
                ca = new LocalCa(dir, cert, keys.getPrivate());
            }
            ca.writeServerStores(serverNames);
            return ca;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the local CA in " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot set up the local CA", e);
        }
    }

    public Path caCertificateFile() {
        return dir.resolve("ca.pem");
    }

    public Path serverKeyStore() {
        return dir.resolve("server.p12");
    }

    public Path trustStore() {
        return dir.resolve("trust.p12");
    }

    public X509Certificate caCertificate() {
        return caCertificate;
    }

    private void writeServerStores(List<String> serverNames)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        KeyPair keys = Pem.newEcKeyPair();
        List<GeneralName> names = new ArrayList<>();
        for (String n : serverNames) {
            boolean ip = n.chars().allMatch(c -> Character.isDigit(c) || c == '.') || n.contains(":");
            names.add(
                    ip
                            ? new GeneralName(
                                    GeneralName.iPAddress,
                                    InetAddress.getByName(n).getHostAddress())
                            : new GeneralName(GeneralName.dNSName, n));
        }
        // As a public server certificate has them (IoT Core's does): without key usage and extended key usage, the
        // JDK's trust manager on every device throws and catches an exception for each missing extension at every
        // handshake (a twentieth of a device's mutual-TLS connect CPU, measured with fleetsim bench connect).
        X509Certificate server = sign(
                builder("CN=" + serverNames.get(0), keys)
                        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                        .addExtension(
                                Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                        .addExtension(
                                Extension.subjectAlternativeName,
                                false,
                                new GeneralNames(names.toArray(GeneralName[]::new))),
                caKey);
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry(
                "server", keys.getPrivate(), STORE_PASSWORD.toCharArray(), new Certificate[] {server, caCertificate});
        store(keyStore, serverKeyStore());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("fleetsim-ca", caCertificate);
        store(trust, trustStore());
    }

    private static void store(KeyStore store, Path file) throws GeneralSecurityException, IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            store.store(out, STORE_PASSWORD.toCharArray());
        }
    }

    @Override
    public Issued issue() {
        try {
            KeyPair keys = Pem.newEcKeyPair();
            X509Certificate cert = sign(
                    builder("CN=AWS IoT Certificate", keys)
                            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)),
                    caKey);
            return new Issued(
                    Pem.certificateId(cert),
                    Pem.encode(cert),
                    Pem.encode(keys.getPublic()),
                    Pem.encode(keys.getPrivate()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot issue a device certificate", e);
        }
    }

    @Override
    public Issued issueFromCsr(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem == null ? "" : csrPem))) {
            Object o = parser.readObject();
            if (!(o instanceof PKCS10CertificationRequest csr)) {
                throw new IllegalArgumentException("certificateSigningRequest is not a PEM certificate request");
            }
            var jca = new JcaPKCS10CertificationRequest(csr);
            var verifier = new JcaContentVerifierProviderBuilder().build(jca.getPublicKey());
            if (!csr.isSignatureValid(verifier)) {
                throw new IllegalArgumentException("the certificate request's signature is not valid");
            }
            Instant now = Instant.now();
            X509Certificate cert = sign(
                    new JcaX509v3CertificateBuilder(
                                    caCertificate,
                                    new BigInteger(96, random),
                                    Date.from(now.minus(Duration.ofDays(1))),
                                    Date.from(now.plus(Duration.ofDays(3650))),
                                    new X500Name("CN=AWS IoT Certificate"),
                                    jca.getPublicKey())
                            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature)),
                    caKey);
            return new Issued(Pem.certificateId(cert), Pem.encode(cert), Pem.encode(jca.getPublicKey()), null);
        } catch (IOException | GeneralSecurityException | OperatorCreationException | PKCSException e) {
            throw new IllegalArgumentException("certificateSigningRequest cannot be read: " + e.getMessage());
        }
    }

    /** A code-signing key and its certificate (issued by this CA, extended key usage codeSigning). */
    public record CodeSigning(PrivateKey key, X509Certificate certificate, Path keyFile, Path certificateFile) {}

    /**
     * The stack's code-signing identity, created on first use and kept in the CA folder ({@code codesign.pem},
     * {@code codesign-key.pem}): {@code fleetsim artifact put --sign} signs with it, devices verify with the certificate.
     */
    public synchronized CodeSigning codeSigning() {
        Path certFile = dir.resolve("codesign.pem");
        Path keyFile = dir.resolve("codesign-key.pem");
        try {
            if (Files.exists(certFile) && Files.exists(keyFile)) {
                return new CodeSigning(
                        Pem.privateKey(Files.readString(keyFile)),
                        Pem.certificate(Files.readString(certFile)),
                        keyFile,
                        certFile);
            }
            KeyPair keys = Pem.newEcKeyPair();
            X509Certificate cert = sign(
                    builder("CN=fleetsim code signing,O=fleetsim", keys)
                            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                            .addExtension(
                                    Extension.extendedKeyUsage,
                                    false,
                                    new ExtendedKeyUsage(KeyPurposeId.id_kp_codeSigning)),
                    caKey);
            Files.writeString(keyFile, Pem.encode(keys.getPrivate()));
            Files.writeString(certFile, Pem.encode(cert));
            return new CodeSigning(keys.getPrivate(), cert, keyFile, certFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the code-signing key in " + dir, e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot set up the code-signing key", e);
        }
    }

    private X509v3CertificateBuilder builder(String subject, KeyPair keys) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(
                caCertificate,
                new BigInteger(96, random),
                Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(3650))),
                new X500Name(subject),
                keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }
}
