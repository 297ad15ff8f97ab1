package dev.fleetsim.device.handlers;

import java.util.List;

/** One step of a job, as a device carries it out. */
public sealed interface Step {
    /** A short name reported in {@code statusDetails.step}. */
    String name();

    /**
     * Fetch a file into the sandbox over HTTP(S), verified against what the document declares.
     *
     * @param sandboxPath where it goes, relative to the device's sandbox (already checked to stay inside)
     * @param expectedSize bytes the document declares ({@code size}, {@code filesize}, {@code codesign.rawPayloadSize})
     * @param sha256Hex the declared SHA-256 ({@code sha256}, {@code checksum.inline.value}), or null
     * @param signatureBase64 the code signature, DER ECDSA with SHA-256 ({@code codesign.signature},
     *     {@code sig-sha256-ecdsa}), or null
     */
    record Download(String url, String sandboxPath, Long expectedSize, String sha256Hex, String signatureBase64)
            implements Step {
        public Download(String url, String sandboxPath, Long expectedSize) {
            this(url, sandboxPath, expectedSize, null, null);
        }

        @Override
        public String name() {
            return "download";
        }
    }

    /** Install a firmware version. */
    record InstallFirmware(String version) implements Step {
        @Override
        public String name() {
            return "install";
        }
    }

    /** Install or remove packages. */
    record Packages(boolean install, List<String> packages) implements Step {
        @Override
        public String name() {
            return install ? "install-packages" : "remove-packages";
        }
    }

    /** Start, stop or restart services. */
    record Services(String action, List<String> services) implements Step {
        @Override
        public String name() {
            return action + "-services";
        }
    }

    /** Reboot the device. */
    record Reboot() implements Step {
        @Override
        public String name() {
            return "reboot";
        }
    }

    /** Run a command; its simulated output is returned in {@code statusDetails}. */
    record RunCommand(List<String> argv) implements Step {
        @Override
        public String name() {
            return "run-command";
        }
    }

    /** Rotate the device certificate. */
    record RotateCertificate() implements Step {
        @Override
        public String name() {
            return "rotate-certificate";
        }
    }

    /** Wipe the simulated state and reconnect with a clean session. */
    record FactoryReset() implements Step {
        @Override
        public String name() {
            return "factory-reset";
        }
    }

    /** A handler script the device does not model; carried out as a timed no-op. */
    record RunHandler(String handler, List<String> args) implements Step {
        @Override
        public String name() {
            return "run-handler";
        }
    }
}
