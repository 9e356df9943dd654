package nst.convert;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Download, check and convert the official weights files of one network: the downloads go to {@code DIR/downloads/},
 * the converted weights to {@code DIR/<arch>.safetensors} (vgg19, vgg16, resnet50, adain) (DIR defaults to the engine's weights
 * directory), with the URL and checksum recorded as the metadata "source". Leaves out the download
 * mechanics ({@link Downloader}) and format reading ({@link Converter}).
 */
public final class Fetcher {
    private Fetcher() {}

    public static Converter.Result fetch(OfficialWeights.Entry e, Path dir, boolean keepDownload, Downloader downloader, PrintStream err)
            throws IOException {
        return fetch(List.of(e), dir, keepDownload, downloader, err);
    }

    /**
     * Every file of one network (AdaIN: vgg_normalised.pth and decoder.pth), each downloaded and checked as
     * above (an interrupted one resumes on the next run, a finished one with a published checksum is reused),
     * then converted together to {@code DIR/<arch>.safetensors}.
     */
    public static Converter.Result fetch(List<OfficialWeights.Entry> entries, Path dir, boolean keepDownload, Downloader downloader, PrintStream err)
            throws IOException {
        List<Path> files = new ArrayList<>();
        List<String> sources = new ArrayList<>();
        for (OfficialWeights.Entry e : entries) {
            Path target = dir.resolve("downloads").resolve(e.fileName());
            Downloader.Downloaded d = downloader.fetch(e, target);
            String check = d.verified() ? d.algorithm() + " " + d.digest() + " matches the published " + e.provenance()
                    : "SHA-256 " + d.digest() + " (" + e.provenance() + ")";
            if (!d.verified()) err.println("note: " + e.fileName() + " has no published checksum; its SHA-256 is " + d.digest());
            sources.add(e.source().id() + " " + e.fileName() + " from " + e.url() + "; " + check);
            files.add(d.file());
        }
        String arch = entries.getFirst().arch();
        Converter.Result r = Converter.convert(files, a -> dir.resolve(arch + ".safetensors"), new Converter.Options(arch, null, String.join(" | ", sources)));
        if (!keepDownload) for (Path f : files) Files.deleteIfExists(f);
        return r;
    }
}
