package nst.app;

import nst.app.web.StudioServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code nst serve}: the web studio (app/STUDIO.md) on an embedded HTTP server until Ctrl-C.
 * Leaves out TLS and authentication: bind it to loopback (the default) or a trusted network.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Start the web studio: upload images, watch the transfer live, step through the algorithm.")
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--port", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = 8080;

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host = "127.0.0.1";

    @Option(names = "--backend", description = "Backend for every job: auto, scalar, simd, opencl[:N] (default: ${DEFAULT-VALUE}).")
    String backend = "auto";

    @Option(names = "--threads", description = "Worker threads per job (default: all cores).")
    int threads = 0;

    @Option(names = "--max-upload-mb", description = "Largest accepted upload per file, in MB (default: ${DEFAULT-VALUE}).")
    double maxUploadMb = 10;

    @Option(names = "--max-megapixels", description = "Largest accepted upload in megapixels (default: ${DEFAULT-VALUE}).")
    double maxMegapixels = 25;

    @Option(names = "--queue", description = "Jobs that may wait behind the running one (default: ${DEFAULT-VALUE}).")
    int queue = 4;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        if (queue < 1) throw new IllegalArgumentException("--queue must be at least 1, got " + queue);
        if (!(maxUploadMb > 0) || !(maxMegapixels > 0)) throw new IllegalArgumentException("--max-upload-mb and --max-megapixels must be positive");
        StudioServer.Config cfg = StudioServer.Config.defaults().withHost(host).withPort(port).withBackend(backend, threads)
                .withLimits((long) (maxUploadMb * 1048576), (long) (maxMegapixels * 1e6)).withQueue(queue);
        StudioServer server;
        try {
            server = StudioServer.start(cfg);
        } catch (RuntimeException e) {
            throw new nst.engine.NstException("cannot start the studio on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stop.countDown();
        }, "nst-serve-stop"));
        System.err.println("nst: studio at " + server.url() + "/  (backend " + backend + "; Ctrl-C stops it)");
        stop.await();
        return 0;
    }
}
