package nst.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import nst.engine.NstException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The jobs of a Spark batch, found on the driver: every content in every style (files, folders, globs on any Hadoop
 * file system, outputs named by a pattern as nst batch names them), or a manifest of jobs. Outputs always lie
 * directly in the output folder, and two jobs never share one.
 *
 * <p>A manifest is JSON lines (one object per line with {@code content}, {@code style}, optional {@code output} and
 * {@code options}: nst batch's {@code manifest.jsonl} is one) or CSV with a header naming those columns. Relative
 * input paths are relative to the manifest's folder; {@code output} is a file name in the output folder
 * (default: the name pattern); {@code options} are stylize options in shell words, after the batch's own.
 */
public final class Jobs {
    public static final String DEFAULT_PATTERN = "{content}_{style}.png";
    public static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");
    /** A manifest larger than this is refused before it is read. */
    public static final long MAX_MANIFEST_BYTES = 64L << 20;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{(content|style)}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Jobs() {}

    /** Every content image in every style image, named by {@code pattern} in {@code outDir}. */
    public static List<SparkJob> cross(List<String> contents, List<String> styles, String outDir, String pattern, Configuration conf)
            throws IOException {
        String err = patternError(pattern);
        if (err != null) throw new NstException("--name-pattern: " + err);
        List<String> c = expand(contents, "--content", conf), s = expand(styles, "--style", conf);
        String dir = HadoopFiles.qualify(outDir, conf);
        List<SparkJob> jobs = new ArrayList<>();
        for (String ci : c) for (String si : s) jobs.add(new SparkJob(ci, si, outputIn(dir, outputName(pattern, ci, si)), ""));
        checkDistinct(jobs);
        return jobs;
    }

    /** The jobs of a manifest (JSON lines, or CSV when the file name ends in .csv). */
    public static List<SparkJob> manifest(String manifest, String outDir, String pattern, Configuration conf) throws IOException {
        String err = patternError(pattern);
        if (err != null) throw new NstException("--name-pattern: " + err);
        String file = HadoopFiles.qualify(manifest, conf);
        String text = new String(HadoopFiles.read(file, MAX_MANIFEST_BYTES, conf), StandardCharsets.UTF_8);
        Path base = new Path(file).getParent();
        String dir = HadoopFiles.qualify(outDir, conf);
        List<Map<String, String>> rows = file.toLowerCase(Locale.ROOT).endsWith(".csv") ? csv(text, file) : jsonLines(text, file);
        List<SparkJob> jobs = new ArrayList<>();
        int line = 0;
        for (Map<String, String> r : rows) {
            line++;
            String c = r.get("content"), s = r.get("style");
            if (c == null || c.isBlank() || s == null || s.isBlank())
                throw new NstException(file + ": job " + line + " has no content or no style");
            String cq = resolve(base, c, conf), sq = resolve(base, s, conf);
            String out = r.get("output");
            String name;
            if (out == null || out.isBlank()) name = outputName(pattern, cq, sq);
            else {
                name = new Path(out).getName();                   // nst batch's manifest records whole paths; the name is kept
                String e = patternError(name);
                if (e != null) throw new NstException(file + ": job " + line + ": output " + e);
            }
            jobs.add(new SparkJob(cq, sq, outputIn(dir, name), r.getOrDefault("options", "")));
        }
        if (jobs.isEmpty()) throw new NstException(file + ": no jobs");
        checkDistinct(jobs);
        return jobs;
    }

    private static String resolve(Path base, String p, Configuration conf) throws IOException {
        Path path = new Path(p);
        if (!path.isAbsolute() && path.toUri().getScheme() == null) path = new Path(base, p);
        return HadoopFiles.qualify(path.toString(), conf);
    }

    private static String outputIn(String dir, String name) {
        Path out = new Path(new Path(dir), name);
        if (!out.getParent().equals(new Path(dir))) throw new NstException("output outside the output folder: " + out);
        return out.toString();
    }

    private static void checkDistinct(List<SparkJob> jobs) {
        Map<String, SparkJob> byOutput = new HashMap<>();
        for (SparkJob j : jobs) {
            SparkJob before = byOutput.put(j.output(), j);
            if (before != null)
                throw new NstException(before.content() + " in " + before.style() + " and " + j.content() + " in " + j.style()
                        + " would both be written to " + j.output() + "; use a pattern with {content} and {style}");
        }
    }

    /** Why a name pattern (or an output name) is refused, or null: outputs never leave the output folder. */
    static String patternError(String pattern) {
        if (pattern.contains("/") || pattern.contains("\\") || pattern.contains(".."))
            return "'" + pattern + "' must be a file name (no path separator, no '..'): outputs stay in the output folder";
        if (!pattern.toLowerCase(Locale.ROOT).endsWith(".png")) return "'" + pattern + "' must end in .png (nst writes PNG)";
        return null;
    }

    /** The pattern with {content} and {style} replaced (in one pass) by the file names without extension. */
    static String outputName(String pattern, String content, String style) {
        Matcher m = PLACEHOLDER.matcher(pattern);
        return m.replaceAll(r -> Matcher.quoteReplacement(stem(r.group(1).equals("content") ? content : style)));
    }

    static String stem(String path) {
        String name = new Path(path).getName();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    static boolean isImage(Path p) {
        String name = p.getName().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /** Files, folders (the images directly in them, sorted) and globs (Hadoop's globStatus), in order, each once. */
    static List<String> expand(List<String> args, String flag, Configuration conf) throws IOException {
        Set<String> found = new LinkedHashSet<>();
        for (String a : args) {
            Path p = new Path(a);
            FileSystem fs = HadoopFiles.fs(p, conf);
            FileStatus[] matched = fs.globStatus(p);
            if (matched == null || matched.length == 0) throw new NstException(flag + ": " + a + ": no such file, folder or match");
            boolean glob = a.chars().anyMatch(ch -> "*?[{".indexOf(ch) >= 0);
            List<String> here = new ArrayList<>();
            for (FileStatus st : matched) {
                if (st.isDirectory() && !glob) {
                    FileStatus[] in = fs.listStatus(st.getPath());
                    Arrays.sort(in);
                    for (FileStatus f : in) if (f.isFile() && isImage(f.getPath())) here.add(f.getPath().toString());
                    if (here.isEmpty()) throw new NstException(flag + ": no image (" + String.join(" ", IMAGE_EXTENSIONS) + ") in folder " + a);
                } else if (st.isFile() && (!glob || isImage(st.getPath()))) here.add(st.getPath().toString());
            }
            if (here.isEmpty()) throw new NstException(flag + ": no image matches " + a);
            found.addAll(here);
        }
        return new ArrayList<>(found);
    }

    private static List<Map<String, String>> jsonLines(String text, String file) {
        List<Map<String, String>> rows = new ArrayList<>();
        String[] lines = text.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            JsonNode n;
            try {
                n = JSON.readTree(lines[i]);
            } catch (IOException e) {
                throw new NstException(file + ": line " + (i + 1) + " is not JSON");
            }
            if (n == null || !n.isObject()) throw new NstException(file + ": line " + (i + 1) + " is not a JSON object");
            Map<String, String> r = new HashMap<>();
            for (String k : List.of("content", "style", "output", "options")) {
                JsonNode v = n.get(k);
                if (v == null || v.isNull()) continue;
                if (!v.isTextual()) throw new NstException(file + ": line " + (i + 1) + ": \"" + k + "\" must be a string");
                r.put(k, v.asText());
            }
            rows.add(r);
        }
        return rows;
    }

    /** RFC 4180 CSV: a header row naming the columns, fields in double quotes when they hold a comma, quote or newline. */
    static List<Map<String, String>> csv(String text, String file) {
        List<List<String>> records = new ArrayList<>();
        List<String> rec = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false, any = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') { f.append('"'); i++; }
                else if (ch == '"') quoted = false;
                else f.append(ch);
            } else if (ch == '"') { quoted = true; any = true; }
            else if (ch == ',') { rec.add(f.toString()); f.setLength(0); any = true; }
            else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') i++;
                if (any || f.length() > 0) { rec.add(f.toString()); records.add(rec); }
                rec = new ArrayList<>(); f.setLength(0); any = false;
            } else { f.append(ch); any = true; }
        }
        if (quoted) throw new NstException(file + ": a quoted field is not closed");
        if (any || f.length() > 0) { rec.add(f.toString()); records.add(rec); }
        if (records.isEmpty()) throw new NstException(file + ": empty");
        List<String> header = records.get(0).stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).toList();
        if (!header.contains("content") || !header.contains("style"))
            throw new NstException(file + ": the header must name the columns content and style (and may name output, options)");
        List<Map<String, String>> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> v = records.get(r);
            if (v.size() != header.size())
                throw new NstException(file + ": row " + (r + 1) + " has " + v.size() + " fields, the header " + header.size());
            Map<String, String> m = new HashMap<>();
            for (int k = 0; k < header.size(); k++) m.put(header.get(k), v.get(k));
            rows.add(m);
        }
        return rows;
    }
}
