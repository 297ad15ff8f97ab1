package dev.fleetsim.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;

/** {@code fleetsim --version}: the Maven project version, filtered into {@code fleetsim-version.properties}. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
        Properties p = new Properties();
        try (InputStream in = VersionProvider.class.getResourceAsStream("/fleetsim-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        }
        return new String[] {
            "fleetsim " + p.getProperty("version", "unknown"),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
