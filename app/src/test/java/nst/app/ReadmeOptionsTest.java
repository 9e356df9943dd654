package nst.app;

import nst.engine.TransferOption;
import nst.engine.TransferOption.WeightsKind;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/** The README's option table says what the option catalogue says: every option is there, with the catalogue's default. */
class ReadmeOptionsTest {
    static String readme() throws Exception {
        Path p = Path.of("..", "README.md");
        return Files.readString(Files.isRegularFile(p) ? p : Path.of("README.md"));
    }

    @Test void theTableStatesTheCataloguesDefaults() throws Exception {
        String readme = readme();
        int from = readme.indexOf("| option | default | meaning |");
        assertTrue(from >= 0, "the README's option table");
        String table = readme.substring(from, readme.indexOf("\n\n", from));
        Pattern row = Pattern.compile("^\\| `(--[a-z-]+)[^`]*` \\| ([^|]+) \\|", Pattern.MULTILINE);
        Matcher m = row.matcher(table);
        int checked = 0;
        while (m.find()) {
            TransferOption o = TransferOption.find(m.group(1));
            if (o == null || o.defaultText(WeightsKind.PRETRAINED) == null) continue;
            String column = m.group(2).trim();
            if (o.dependsOnWeights()) {
                assertTrue(column.contains(o.defaultText(WeightsKind.PRETRAINED) + " (pretrained") && column.contains(o.defaultText(WeightsKind.RANDOM) + " (random"),
                        o.flag() + ": " + column);
            } else {
                assertTrue(column.startsWith(o.defaultText(WeightsKind.PRETRAINED)), o.flag() + ": README says " + column
                        + ", the catalogue " + o.defaultText(WeightsKind.PRETRAINED));
            }
            checked++;
        }
        assertTrue(checked >= 15, "rows checked: " + checked);
        for (TransferOption o : TransferOption.values())
            assertTrue(Pattern.compile("(?<![a-z-])" + o.flag() + "(?![a-z-])").matcher(readme).find(), o.flag() + " is not in the README");
    }
}
