package dev.fleetsim.local.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fleetsim.local.jobs.CertificateIssuer;
import dev.fleetsim.pki.Pem;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCaTest {
    @TempDir
    Path dir;

    @Test
    void theCaSurvivesARestartAndSignsWhatItIssues() throws Exception {
        LocalCa first = LocalCa.open(dir, List.of("localhost", "127.0.0.1"));
        LocalCa reopened = LocalCa.open(dir, List.of("localhost", "127.0.0.1"));
        assertThat(reopened.caCertificate()).isEqualTo(first.caCertificate());

        CertificateIssuer.Issued issued = reopened.issue();
        var certificate = Pem.certificate(issued.certificatePem());
        certificate.verify(first.caCertificate().getPublicKey());
        assertThat(issued.certificateId())
                .isEqualTo(Pem.certificateId(certificate))
                .hasSize(64);
        assertThat(Pem.privateKey(issued.privateKeyPem()).getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void csrsAreSignedAndGarbageIsRefused() throws Exception {
        LocalCa ca = LocalCa.open(dir, List.of("localhost"));
        String[] keyAndCsr = Pem.newKeyAndCsr("rotating-thing");

        CertificateIssuer.Issued issued = ca.issueFromCsr(keyAndCsr[1]);

        Pem.certificate(issued.certificatePem()).verify(ca.caCertificate().getPublicKey());
        assertThat(issued.privateKeyPem()).as("the key stays on the device").isNull();
        assertThatThrownBy(() -> ca.issueFromCsr(
                        "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ca.issueFromCsr("not pem")).isInstanceOf(IllegalArgumentException.class);
    }
}
