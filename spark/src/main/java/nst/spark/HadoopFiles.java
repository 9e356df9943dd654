package nst.spark;

import nst.engine.NstException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Files on any Hadoop-compatible file system: bounded reads, and writes that never leave a half-written file at the
 * target name (a temporary name in the same folder, then a rename). Leaves out retries (Spark retries the task).
 */
final class HadoopFiles {
    /** Temporary files carry this suffix (and a leading dot): {@link #removeTemporaries} finds them by it. */
    static final String TMP_SUFFIX = ".nst-tmp";

    private HadoopFiles() {}

    /**
     * The file system of {@code p}; for the local one the raw file system, so no {@code .crc} side files appear
     * beside the outputs (nst batch writes none).
     */
    static FileSystem fs(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        return fs instanceof ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }

    /** A fully qualified path ({@code file:/x}, {@code hdfs://nn/x}) for what the user wrote. */
    static String qualify(String path, Configuration conf) throws IOException {
        Path p = new Path(path);
        return p.getFileSystem(conf).makeQualified(p).toString();
    }

    /** How an input is named in nst:options: a local file by its absolute path (as nst batch), anything else by its URI. */
    static String recordedName(String qualified) {
        Path p = new Path(qualified);
        String scheme = p.toUri().getScheme();
        if (scheme == null || scheme.equals("file"))
            return java.nio.file.Path.of(new File(p.toUri().getPath()).getAbsolutePath()).normalize().toString();
        return p.toString();
    }

    /** The whole file, refused before reading when it is larger than {@code max} bytes. */
    static byte[] read(String file, long max, Configuration conf) throws IOException {
        Path p = new Path(file);
        FileSystem fs = fs(p, conf);
        FileStatus st = fs.getFileStatus(p);
        if (!st.isFile()) throw new NstException(file + " is not a file");
        if (st.getLen() > max) throw new NstException(file + " is " + st.getLen() + " bytes; files over " + max + " bytes are refused");
        byte[] b = new byte[(int) st.getLen()];
        try (FSDataInputStream in = fs.open(p)) {
            in.readFully(0, b);
        }
        return b;
    }

    /** The file's bytes, or null when there is no such file. */
    static byte[] readIfExists(String file, long max, Configuration conf) throws IOException {
        try {
            return read(file, max, conf);
        } catch (FileNotFoundException e) {
            return null;
        }
    }

    /**
     * Writes {@code bytes} to {@code file} through a temporary file in the same folder and a rename. When the rename
     * finds the target there (a speculative twin of this task, or an older output that is made again), identical
     * bytes are left as they are and different ones replaced; either way the target is never half-written.
     *
     * @param tag makes the temporary name unique to this task attempt
     */
    static void writeAtomically(String file, byte[] bytes, String tag, Configuration conf) throws IOException {
        Path target = new Path(file);
        FileSystem fs = fs(target, conf);
        Path tmp = new Path(target.getParent(), "." + target.getName() + "." + tag + TMP_SUFFIX);
        try (FSDataOutputStream out = fs.create(tmp, true)) {
            out.write(bytes);
            out.hsync();
        }
        try {
            if (fs.rename(tmp, target)) return;
            if (!fs.exists(target)) throw new IOException("cannot rename " + tmp + " to " + target);
            byte[] there = readIfExists(file, Integer.MAX_VALUE - 8, conf);
            if (there != null && Arrays.equals(there, bytes)) return;         // a twin wrote the same bits
            fs.delete(target, false);
            if (!fs.rename(tmp, target)) throw new IOException("cannot rename " + tmp + " to " + target);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, false);
        }
    }

    /** Deletes the temporary files that killed task attempts left in {@code dir}; returns how many. */
    static int removeTemporaries(String dir, Configuration conf) throws IOException {
        Path d = new Path(dir);
        FileSystem fs = fs(d, conf);
        if (!fs.exists(d)) return 0;
        int n = 0;
        for (FileStatus st : fs.listStatus(d)) {
            String name = st.getPath().getName();
            if (st.isFile() && name.startsWith(".") && name.endsWith(TMP_SUFFIX) && fs.delete(st.getPath(), false)) n++;
        }
        return n;
    }
}
