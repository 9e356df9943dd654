package nst.convert;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Download, check and convert one official weights file: the download goes to {@code DIR/downloads/},
 * the converted weights to {@code DIR/<arch>.safetensors} (DIR defaults to the engine's weights
 * directory), with the URL and checksum recorded as the metadata "source". Leaves out the download
 * mechanics ({@link Downloader}) and format reading ({@link Converter}).
 */
public final class Fetcher {
    private Fetcher() {}

    public static Converter.Result fetch(OfficialWeights.Entry e, Path dir, boolean keepDownload, Downloader downloader, PrintStream err)
            throws IOException {
        Path target = dir.resolve("downloads").resolve(e.fileName());
        Downloader.Downloaded d = downloader.fetch(e, target);
        String check = d.verified() ? d.algorithm() + " " + d.digest() + " matches the published " + e.provenance()
                : "SHA-256 " + d.digest() + " (" + e.provenance() + ")";
        if (!d.verified()) err.println("note: " + e.fileName() + " has no published checksum; its SHA-256 is " + d.digest());
        String source = e.source().id() + " " + e.fileName() + " from " + e.url() + "; " + check;
        Converter.Result r = Converter.convert(d.file(), dir.resolve(e.arch() + ".safetensors"), new Converter.Options(e.arch(), null, source));
        if (!keepDownload) Files.deleteIfExists(d.file());
        return r;
    }
}
