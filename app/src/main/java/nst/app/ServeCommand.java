package nst.app;

import nst.app.web.StudioServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
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

    @Option(names = "--allowed-host", paramLabel = "NAME", description = "A host name the studio answers to besides the address it"
            + " listens on (repeatable; e.g. the machine's name on a LAN). Other Host headers are refused (DNS rebinding).")
    List<String> allowedHosts = new ArrayList<>();

    @Option(names = "--max-event-streams", description = "Open progress streams in all; each job takes at most "
            + "${DEFAULT-VALUE} / 16, and at least 1 (default: ${DEFAULT-VALUE}).")
    int maxStreams = 64;

    @Option(names = "--max-uploads", description = "Job uploads read at once; more are refused with 503 (default: ${DEFAULT-VALUE}).")
    int maxUploads = 4;

    @Option(names = "--idle-timeout", description = "Seconds a silent connection is kept (default: ${DEFAULT-VALUE}).")
    int idleTimeout = 30;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        if (queue < 1) throw new IllegalArgumentException("--queue must be at least 1, got " + queue);
        if (!(maxUploadMb > 0) || !(maxMegapixels > 0)) throw new IllegalArgumentException("--max-upload-mb and --max-megapixels must be positive");
        if (maxStreams < 1 || maxUploads < 1) throw new IllegalArgumentException("--max-event-streams and --max-uploads must be at least 1");
        if (idleTimeout < 5) throw new IllegalArgumentException("--idle-timeout must be at least 5 seconds, got " + idleTimeout);
        StudioServer.Network defaults = StudioServer.Network.defaults();
        StudioServer.Network net = defaults.withAllowedHosts(allowedHosts).withStreams(Math.max(1, maxStreams / 16), maxStreams)
                .withUploads(maxUploads, idleTimeout, defaults.minUploadBytesPerSecond());
        StudioServer.Config cfg = StudioServer.Config.defaults().withHost(host).withPort(port).withBackend(backend, threads)
                .withLimits((long) (maxUploadMb * 1048576), (long) (maxMegapixels * 1e6)).withQueue(queue).withNetwork(net);
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
