package nst.spark;

import nst.engine.NstException;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Finding a Spark batch's jobs on the driver: manifests (CSV, JSON lines), contents × styles, output names. No Spark. */
class JobsTest {
    @TempDir Path dir;
    final Configuration conf = new Configuration();

    @Test
    void aCsvManifestWithQuotesAndPerJobOptionsGivesItsJobsInOrder() throws Exception {
        Files.writeString(dir.resolve("jobs.csv"), "content,style,output,options\n"
                + "a.jpg,/abs/s.png,,\n"
                + "\"b, 2.png\",s.png,mine.png,\"--size 256 --style-weight 1e5\"\r\n");
        List<SparkJob> j = Jobs.manifest(dir.resolve("jobs.csv").toString(), dir.resolve("out").toString(), Jobs.DEFAULT_PATTERN, conf);
        assertEquals(2, j.size());
        assertEquals(dir.toUri().toString() + "a.jpg", j.get(0).content().replace("file:/", "file:///"));
        assertEquals("file:/abs/s.png", j.get(0).style());
        assertTrue(j.get(0).output().endsWith("/out/a_s.png"), j.get(0).output());
        assertTrue(j.get(1).content().endsWith("/b, 2.png"), j.get(1).content());
        assertTrue(j.get(1).output().endsWith("/out/mine.png"));
        assertEquals("--size 256 --style-weight 1e5", j.get(1).options());
    }

    @Test
    void nstBatchsOwnManifestIsAnInputManifestAndKeepsItsOutputNames() throws Exception {
        Files.writeString(dir.resolve("manifest.jsonl"),
                "{\"content\":\"/x/c.png\",\"style\":\"/x/s.png\",\"output\":\"/old/place/c_in_s.png\",\"status\":\"done\",\"seconds\":1.5}\n");
        List<SparkJob> j = Jobs.manifest(dir.resolve("manifest.jsonl").toString(), dir.toString(), Jobs.DEFAULT_PATTERN, conf);
        assertEquals(List.of(new SparkJob("file:/x/c.png", "file:/x/s.png", "file:" + dir + "/c_in_s.png", "")), j);
    }

    @Test
    void hostileManifestsAreRefusedWithOneLineNamingTheProblem() throws Exception {
        Map<String, String> bad = Map.of(
                "a.jsonl", "{\"content\":\"c.png\"}\n",
                "b.jsonl", "[1,2]\n",
                "c.jsonl", "{\"content\":\"c.png\",\"style\":\"s.png\",\"output\":\"up.jpg\"}\n",
                "d.csv", "content,output\nc.png,x.png\n",
                "e.csv", "content,style\n\"c.png,s.png\n",
                "f.jsonl", "{\"content\":\"c.png\",\"style\":\"s.png\"}\n{\"content\":\"c.png\",\"style\":\"s.png\"}\n",
                "g.jsonl", "{\"content\":3,\"style\":\"s.png\"}\n");
        for (var e : bad.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue());
            var ex = assertThrows(NstException.class,
                    () -> Jobs.manifest(dir.resolve(e.getKey()).toString(), dir.resolve("out").toString(), Jobs.DEFAULT_PATTERN, conf), e.getKey());
            assertFalse(ex.getMessage().contains("\n"), ex.getMessage());
        }
        assertThrows(NstException.class, () -> Jobs.manifest(dir.resolve("f.jsonl").toString(), dir.toString(), "{content}/x.png", conf));
    }

    @Test
    void contentsTimesStylesExpandFoldersAndGlobsAndNameOutputsByThePattern() throws Exception {
        Path c = Files.createDirectories(dir.resolve("c")), s = Files.createDirectories(dir.resolve("s"));
        for (String n : List.of("b.png", "a.jpg", "notes.txt")) Files.writeString(c.resolve(n), "x");
        for (String n : List.of("x.png", "y.gif")) Files.writeString(s.resolve(n), "x");
        List<SparkJob> j = Jobs.cross(List.of(c.toString()), List.of(s + "/*.png"), dir.resolve("out").toString(), "{style}-{content}.png", conf);
        assertEquals(List.of("x-a.png", "x-b.png"), j.stream().map(x -> x.output().substring(x.output().lastIndexOf('/') + 1)).toList());
        assertThrows(NstException.class, () -> Jobs.cross(List.of(c.toString()), List.of(s.toString()), dir.toString(), "same.png", conf));
        assertThrows(NstException.class, () -> Jobs.cross(List.of(dir + "/none/*.png"), List.of(s.toString()), dir.toString(), Jobs.DEFAULT_PATTERN, conf));
    }

    @Test
    void localInputsAreRecordedByTheirPathAsNstBatchRecordsThemOthersByTheirUri() {
        assertEquals("/data/a b.png", HadoopFiles.recordedName("file:/data/a%20b.png".replace("%20", " ")));
        assertEquals("hdfs://nn:8020/data/a.png", HadoopFiles.recordedName("hdfs://nn:8020/data/a.png"));
    }
}
