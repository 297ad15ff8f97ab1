package dev.fleetsim.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The device's "disk": installs and removals, files, and a factory reset back to nothing. */
class DeviceStateTest {
    @Test
    void aNewDeviceHasFactoryFirmwareAndNothingInstalled() {
        DeviceState.Snapshot fresh = new DeviceState().snapshot();

        assertThat(fresh.firmwareVersion()).isEqualTo(DeviceState.FACTORY_FIRMWARE);
        assertThat(fresh.packages()).isEmpty();
        assertThat(fresh.files()).isEmpty();
        assertThat(fresh.certificate()).isEqualTo("factory");
    }

    @Test
    void installsRemovalsAndFilesShowInTheSnapshotAndAFactoryResetWipesThem() {
        DeviceState disk = new DeviceState();
        disk.packages(false, List.of("never-installed")); // removing from an empty disk is no error
        disk.packages(true, List.of("nginx", "curl", "agent"));
        disk.packages(false, List.of("curl"));
        disk.file("bin/agent", "https://example.com/agent");
        disk.installFirmware("2.0.0");
        disk.jobDone();

        DeviceState.Snapshot after = disk.snapshot();
        assertThat(after.packages()).containsExactlyInAnyOrder("agent", "nginx");
        assertThat(after.files()).containsEntry("bin/agent", "https://example.com/agent");
        assertThat(after.firmwareVersion()).isEqualTo("2.0.0");

        disk.factoryReset();
        DeviceState.Snapshot reset = disk.snapshot();
        assertThat(reset.packages()).isEmpty();
        assertThat(reset.files()).isEmpty();
        assertThat(reset.firmwareVersion()).isEqualTo(DeviceState.FACTORY_FIRMWARE);
        assertThat(reset.jobsDone()).as("jobs done survive a reset").isEqualTo(1);

        disk.packages(true, List.of("again"));
        assertThat(disk.snapshot().packages()).containsExactly("again");
    }
}
