package nst.convert;

import nst.engine.WeightsException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A checked, resumable HTTP download (java.net.http): bytes go to {@code <file>.part}; an interrupted
 * download is resumed with an HTTP Range request from the part's length; the finished file is hashed and
 * compared with the published checksum (a mismatch deletes it) before it is renamed into place. Progress
 * (bytes, percent, rate) goes to stderr. Leaves out parallel segments and proxies beyond the JDK defaults.
 */
public final class Downloader {
    private final HttpClient client;
    private final PrintStream err;

    public Downloader(PrintStream err) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build(), err);
    }

    public Downloader(HttpClient client, PrintStream err) {
        this.client = client;
        this.err = err;
    }

    /** What arrived: the file, its hex digest under the entry's algorithm (SHA-256 where none), whether checked. */
    public record Downloaded(Path file, String algorithm, String digest, boolean verified) {}

    /**
     * Downloads {@code e.url()} to {@code target} (resuming {@code target.part}), then checks the checksum.
     * A target that already exists and matches is reused without a request.
     */
    public Downloaded fetch(OfficialWeights.Entry e, Path target) throws IOException {
        String algorithm = e.algorithm() != null ? e.algorithm() : "SHA-256";
        Files.createDirectories(target.toAbsolutePath().getParent());
        if (Files.isRegularFile(target) && e.hasChecksum()) {
            String have = digest(target, algorithm);
            if (matches(e, have)) {
                err.println("using " + target + " (" + algorithm + " checked)");
                return new Downloaded(target, algorithm, have, true);
            }
        }
        Path part = target.resolveSibling(target.getFileName() + ".part");
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpRequest.Builder req = HttpRequest.newBuilder(e.url()).GET().timeout(Duration.ofMinutes(5));
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (ConnectException | HttpConnectTimeoutException | java.net.UnknownHostException | java.nio.channels.UnresolvedAddressException ex) {
            throw offline(e.url(), ex);
        } catch (IOException ex) {
            if (ex.getCause() instanceof ConnectException || ex.getCause() instanceof java.nio.channels.UnresolvedAddressException) throw offline(e.url(), ex);
            throw new WeightsException("download of " + e.url() + " failed: " + ex.getMessage() + "; run the same command again to retry");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new WeightsException("download of " + e.url() + " interrupted");
        }
        int status = resp.statusCode();
        long total;
        boolean append;
        if (status == 206 && have > 0) {
            String range = resp.headers().firstValue("Content-Range").orElse("");
            if (!range.startsWith("bytes " + have + "-")) {
                resp.body().close();
                throw new WeightsException("download of " + e.url() + ": the server resumed at '" + range + "', not at byte " + have
                        + "; delete " + part + " and try again");
            }
            total = parseTotal(range, have + resp.headers().firstValueAsLong("Content-Length").orElse(-1));
            append = true;
            err.println("resuming " + e.url() + " at " + human(have));
        } else if (status == 416 && have > 0) {  // the part is already complete
            resp.body().close();
            total = have;
            append = true;
        } else if (status == 200) {
            total = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
            append = false;
            have = 0;
        } else {
            resp.body().close();
            throw new WeightsException("download of " + e.url() + " failed: HTTP status " + status);
        }
        if (status != 416) copy(resp.body(), part, append, have, total, e.url());
        long got = Files.size(part);
        if (total >= 0 && got != total)
            throw new WeightsException("download of " + e.url() + " interrupted at " + human(got) + " of " + human(total)
                    + "; run the same command again to resume from " + part);
        String digest = digest(part, algorithm);
        if (e.hasChecksum() && !matches(e, digest)) {
            Files.deleteIfExists(part);
            throw new WeightsException("checksum mismatch for " + e.url() + ": expected " + algorithm + " " + e.expected()
                    + (e.expected().length() < 32 ? "…" : "") + ", got " + digest + "; the download was deleted");
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING);
        return new Downloaded(target, algorithm, digest, e.hasChecksum());
    }

    private static boolean matches(OfficialWeights.Entry e, String digest) {
        return digest.startsWith(e.expected().toLowerCase(Locale.ROOT));
    }

    private static WeightsException offline(URI url, Exception ex) {
        return new WeightsException("cannot reach " + url + " (" + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                + "); without network, get the file another way and run 'nst weights convert FILE'");
    }

    private static long parseTotal(String contentRange, long fallback) {
        int slash = contentRange.lastIndexOf('/');
        if (slash >= 0) {
            try {
                return Long.parseLong(contentRange.substring(slash + 1).trim());
            } catch (NumberFormatException ignored) {
                // "*": unknown total
            }
        }
        return fallback;
    }

    private void copy(InputStream body, Path part, boolean append, long start, long total, URI url) throws IOException {
        long done = start, t0 = System.nanoTime(), lastPrint = 0;
        byte[] buf = new byte[1 << 16];
        try (InputStream in = body;
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int r; (r = in.read(buf)) > 0; ) {
                out.write(buf, 0, r);
                done += r;
                long now = System.nanoTime();
                if (now - lastPrint > 200_000_000L) {
                    progress(done, start, total, now - t0);
                    lastPrint = now;
                }
            }
        } catch (IOException ex) {
            err.println();
            throw new WeightsException("download of " + url + " interrupted at " + human(Files.size(part)) + (total >= 0 ? " of " + human(total) : "")
                    + " (" + ex.getMessage() + "); run the same command again to resume from " + part);
        }
        progress(done, start, total, System.nanoTime() - t0);
        err.println();
    }

    private void progress(long done, long start, long total, long nanos) {
        double rate = (done - start) / Math.max(1e-9, nanos / 1e9);
        int width = 30;
        String bar = "";
        if (total > 0) {
            int fill = (int) Math.min(width, width * done / total);
            bar = "[" + "#".repeat(fill) + " ".repeat(width - fill) + "] " + String.format(Locale.ROOT, "%3d%% ", 100 * done / total);
        }
        err.print("\r" + bar + human(done) + (total > 0 ? " / " + human(total) : "") + "  " + human((long) rate) + "/s   ");
        err.flush();
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        if (bytes < 1024L * 1024 * 1024) return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
        return String.format(Locale.ROOT, "%.2f GiB", bytes / 1073741824.0);
    }

    /** Hex digest of a file. */
    public static String digest(Path file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1 << 20);
            while (ch.read(b) > 0) {
                b.flip();
                md.update(b);
                b.clear();
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
