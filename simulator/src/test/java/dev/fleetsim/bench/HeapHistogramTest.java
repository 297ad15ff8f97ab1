package dev.fleetsim.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeapHistogramTest {
    /** A class only this test allocates, so its growth is known exactly. */
    private static final class Marker {
        @SuppressWarnings("unused")
        private final long a;

        @SuppressWarnings("unused")
        private final long b;

        Marker(long v) {
            a = v;
            b = v;
        }
    }

    @Test
    void growthCountsTheInstancesAndBytesHeldSinceTheFirstHistogram() {
        HeapHistogram before = HeapHistogram.take();
        assertThat(before).as("the DiagnosticCommand MBean of a HotSpot JVM").isNotNull();
        List<Marker> held = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            held.add(new Marker(i));
        }
        HeapHistogram after = HeapHistogram.take();

        HeapHistogram.Row marker = after.growthSince(before, 1_000).stream()
                .filter(r -> r.className().equals(Marker.class.getName()))
                .findFirst()
                .orElseThrow();
        assertThat(marker.instances()).isEqualTo(10_000);
        assertThat(marker.bytes()).isEqualTo(10_000 * (marker.bytes() / marker.instances()));
        assertThat(marker.bytes() / marker.instances()).isBetween(24L, 40L); // header + two longs
        assertThat(held).hasSize(10_000); // still reachable when the second histogram was taken
    }

    @Test
    void growthIsLargestFirstAndLimited() {
        HeapHistogram before = HeapHistogram.take();
        byte[][] arrays = new byte[200][];
        for (int i = 0; i < arrays.length; i++) {
            arrays[i] = new byte[64 * 1024];
        }
        List<HeapHistogram.Row> grown = HeapHistogram.take().growthSince(before, 3);

        assertThat(grown).hasSizeLessThanOrEqualTo(3);
        assertThat(grown.get(0).className()).isEqualTo("[B");
        assertThat(grown.get(0).bytes()).isGreaterThanOrEqualTo(200L * 64 * 1024);
        for (int i = 1; i < grown.size(); i++) {
            assertThat(grown.get(i).bytes())
                    .isLessThanOrEqualTo(grown.get(i - 1).bytes());
        }
        assertThat(arrays[arrays.length - 1]).hasSize(64 * 1024);
    }
}
