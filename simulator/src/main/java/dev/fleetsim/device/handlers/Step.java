package dev.fleetsim.device.handlers;

import java.util.List;

/** One step of a job, as a device carries it out. */
public sealed interface Step {
    /** A short name reported in {@code statusDetails.step}. */
    String name();

    /** Fetch a file into the sandbox (a timed no-op until the download path lands; the URL is checked). */
    record Download(String url, String sandboxPath, Long expectedSize) implements Step {
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
