package nst.app;

import nst.app.web.Job;
import nst.app.web.JobManager;
import nst.engine.StyleOptions;
import nst.engine.image.Images;
import nst.engine.network.Preprocess;
import nst.engine.network.VggSpec;
import nst.engine.network.VggWeights;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A studio job whose accelerator fails mid-run fails with the device's message and keeps the last good image. */
class StudioDeviceFailureTest {

    static Path example(String name) {
        Path p = Path.of("..", "examples", name);
        return Files.isRegularFile(p) ? p : Path.of("examples", name);
    }

    @Test void deviceFailureKeepsTheLastImage() throws Exception {
        StyleOptions o = StyleOptions.builder().content(Images.read(example("tubingen.jpg"))).style(Images.read(example("starry_night.jpg")))
                .size(32).iterations(10).weightsData(VggWeights.random(VggSpec.vgg19().withWidths(4, 6, 8, 8, 8), 3, Preprocess.TORCHVISION))
                .backend("faulty:device-at=80").build();
        try (JobManager m = new JobManager(2, 10, 10)) {
            Job job = m.submit(o);
            long until = System.nanoTime() + 60_000_000_000L;
            while (!job.status().terminal() && System.nanoTime() < until) Thread.sleep(20);
            System.out.println(job.state());
            assertEquals(Job.Status.FAILED, job.status());
            String error = String.valueOf(job.state().get("error"));
            assertTrue(error.contains("the compute device failed at iteration") && error.contains("CL_OUT_OF_RESOURCES"), error);
            assertNotNull(job.resultPng(), "the last good image is kept");
            assertEquals(32, Images.decode(job.resultPng(), "result.png").width());
        }
    }
}
