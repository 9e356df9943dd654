package nst.app.web;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The studio page in real headless Chromium (the system's /usr/bin/chromium and /usr/bin/chromedriver,
 * never a downloaded one), driven by Selenium: upload, start, live progress, result, step-through heatmaps,
 * cancel, the 413 and 400 messages, the method selector with AdaIN's preview and "Refine with Gatys". Screenshots go
 * to app/target/screenshots/. Skips itself when Chromium is absent, unless NST_REQUIRE_BROWSER=true. Leaves out other browsers.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class StudioBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "screenshots");
    static StudioServer server;
    static ChromeDriver driver;
    static Path tmp;
    static final java.util.logging.Logger SELENIUM_LOG = java.util.logging.Logger.getLogger("org.openqa.selenium");

    @BeforeAll
    static void start() throws IOException {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        if (!present && "true".equals(System.getenv("NST_REQUIRE_BROWSER")))
            fail("NST_REQUIRE_BROWSER=true but " + CHROMIUM + " or " + DRIVER + " is missing (apt-get install chromium chromium-driver)");
        Assumptions.assumeTrue(present, "browser tests skipped: " + CHROMIUM + " or " + DRIVER
                + " is missing (apt-get install chromium chromium-driver; set NST_REQUIRE_BROWSER=true to make this a failure)");
        server = StudioServer.start(StudioServer.Config.defaults().withPort(0).withBackend(System.getProperty("nst.studio.test.backend", "scalar"), 1).withLimits(256 * 1024, 4_000_000));
        tmp = Files.createTempDirectory("nst-browser");
        Files.createDirectories(SHOTS);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1600",
                "--user-data-dir=" + tmp.resolve("profile"));
        SELENIUM_LOG.setLevel(java.util.logging.Level.SEVERE);     // no CDP-version warnings: the tests use WebDriver only
        driver = new ChromeDriver(service, o);
    }

    @AfterAll
    static void stop() {
        if (driver != null) driver.quit();
        if (server != null) server.close();
    }

    @BeforeEach
    void open() {
        driver.get(server.url() + "/");
        waitFor(Duration.ofSeconds(30), () -> driver.findElements(By.cssSelector("#style-examples img")).size() == 5
                && "true".equals(driver.findElement(By.id("options")).getAttribute("data-loaded")));
    }

    @Test
    void uploadStartWatchAndStepThrough() throws Exception {
        Path photo = tmp.resolve("photo.png");
        Files.write(photo, StudioApiTest.png(64, 48));
        driver.findElement(By.id("content-file")).sendKeys(photo.toString());
        assertTrue(text("content-chosen").contains("photo.png (upload)"));
        options(Map.of("size", "32", "iterations", "6", "weights", "random", "saveEvery", "2"));
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofMinutes(3), () -> text("status").matches("running · iteration [1-9].*"));
        waitFor(Duration.ofMinutes(4), () -> driver.findElement(By.id("result-image")).isDisplayed() && loaded("result-image"));
        assertTrue(text("status").startsWith("done · iteration 6/6"), text("status"));
        assertTrue(text("message").startsWith("Done in"), text("message"));
        assertTrue(text("loss-legend").contains("total"), text("loss-legend"));
        assertFalse(driver.findElement(By.id("download")).getAttribute("class").contains("disabled"));
        // The step-through: every style layer shows its Gram target and current heatmaps, decoded.
        waitFor(Duration.ofSeconds(60), () -> (Long) js("return [...document.querySelectorAll('#inspect-layers img.gram')]"
                + ".filter(i => i.complete && i.naturalWidth > 0).length") >= 10);
        assertEquals(6L, js("return document.querySelectorAll('#inspect-layers .layer').length"));
        assertTrue(text("scrub-label").contains("iteration 6"), text("scrub-label"));
        assertTrue((Long) js("return document.querySelectorAll('#inspect-layers svg.spark').length") >= 5, "per-layer loss curves");
        shot("studio-done");
        // Scrub back to the first saved iteration.
        js("const s = document.getElementById('scrubber'); s.value = 0; s.dispatchEvent(new Event('input'));");
        waitFor(Duration.ofSeconds(30), () -> text("scrub-label").startsWith("iteration 1 "));
        Files.copy(driver.findElement(By.id("inspect")).getScreenshotAs(OutputType.FILE).toPath(), SHOTS.resolve("step-through.png"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void aControlFromMoreOptionsAndASecondStyleUpload() throws Exception {
        Path paint = tmp.resolve("paint.png");
        Files.write(paint, StudioApiTest.png(40, 40));
        driver.findElement(By.id("style-files")).sendKeys(paint.toString());
        assertEquals("style: paint.png (upload), starry_night", text("style-chosen"), "uploads first, as the server takes them");
        driver.findElement(By.cssSelector("#options details summary")).click();
        new Select(driver.findElement(By.name("preserveColors"))).selectByValue("luminance");
        assertEquals(2L, js("return document.querySelectorAll('#masks .mask-row').length"), "a mask upload per style");
        options(Map.of("size", "32", "iterations", "3", "weights", "random", "saveEvery", "1", "scales", "24,32",
                "contentLayers", "relu2_2", "styleLayers", "relu1_1,relu2_1"));
        shot("studio-more-options");
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofMinutes(4), () -> driver.findElement(By.id("result-image")).isDisplayed() && loaded("result-image"));
        assertTrue(text("status").startsWith("done · iteration 6/6 · scale 2/2, 32×24"), text("status"));
        waitFor(Duration.ofSeconds(60), () -> text("scrub-label").startsWith("iteration 6 · scale 2/2, 32×24, its iteration 3"));
        js("document.getElementById('inspect').scrollIntoView()");
        shot("studio-controls-done");
        // The downloaded PNG says what the page sent.
        Path png = tmp.resolve("download.png");
        Files.write(png, new Http(server.url()).get(driver.findElement(By.id("download")).getAttribute("href").replace(server.url(), "")).body());
        String recorded = nst.engine.image.Images.readPngText(png).get("nst:options");
        assertTrue(recorded.contains("--preserve-colors luminance") && recorded.contains("--style paint.png --style examples/starry_night.jpg"), recorded);
    }

    /**
     * Every field of the form starts at the engine's (and CLI's) default for the weights "auto" means on this server
     * (the content layers and TV weight depend on them), and every API field is on the page.
     */
    @Test
    void pageDefaultsAreTheEngineDefaults() {
        nst.engine.image.Image im = new nst.engine.image.Image(16, 16, new float[3 * 16 * 16]);
        nst.engine.StyleOptions o = nst.engine.StyleOptions.builder().content(im).style(im).build();
        nst.engine.Controls k = o.controls();
        @SuppressWarnings("unchecked")
        Map<String, Object> page = (Map<String, Object>) js("const m = {}; for (const e of document.getElementById('options').elements)"
                + " if (e.name) m[e.name] = e.type === 'checkbox' ? e.checked : e.type === 'file' ? e.files.length : e.value; return m;");
        Map<String, Object> want = new java.util.TreeMap<>();
        want.put("size", nst.engine.TransferOption.quickStart().get(nst.engine.TransferOption.SIZE));  // nst demo's, not 512 × 500
        want.put("iterations", nst.engine.TransferOption.quickStart().get(nst.engine.TransferOption.ITERATIONS));
        want.put("weights", o.weights());
        want.put("model", o.model());
        want.put("pooling", o.pooling().name().toLowerCase(java.util.Locale.ROOT));
        want.put("optimizer", o.optimizer());
        want.put("learningRate", "");                     // blank: the optimiser's own default (1 for L-BFGS, 0.02 for Adam)
        want.put("history", o.history());
        want.put("contentWeight", o.contentWeight());
        want.put("styleWeight", o.styleWeight());
        want.put("tvWeight", o.tvWeight());
        want.put("contentLayers", nst.engine.loss.LayerWeight.format(o.contentLayers()));
        want.put("styleLayers", nst.engine.loss.LayerWeight.format(o.styleLayers()));
        want.put("styleBlend", "");                       // blank: equal weights
        want.put("init", o.init().name().toLowerCase(java.util.Locale.ROOT));
        want.put("seed", o.seed());
        want.put("saveEvery", JobForm.DEFAULT_SAVE_EVERY); // the studio's own (the CLI saves no intermediates by default)
        want.put("preserveColors", k.preserveColors().id());
        want.put("styleScale", k.styleScale());
        want.put("scales", k.scales().length == 0 ? "" : "?");
        want.put("tile", k.tile());
        want.put("tileIterations", k.tileIterations());
        want.put("normalizeGradients", k.normalizeGradients());
        want.put("initImage", 0);                          // no file: the init option decides
        want.put("method", o.method());
        want.put("alpha", o.alpha());
        want.put("adainWeights", o.adainWeights());
        want.put("featureTransform", o.featureTransform().id());
        assertEquals(want.keySet(), new java.util.TreeSet<>(page.keySet()), "the page's fields");
        assertTrue(page.keySet().containsAll(JobForm.OPTION_FIELDS), "every API option is on the page");
        for (Map.Entry<String, Object> e : want.entrySet()) {
            Object got = page.get(e.getKey());
            if (e.getValue() instanceof Number n)
                assertEquals(n.doubleValue(), Double.parseDouble(String.valueOf(got)), e.getKey() + " = " + got);
            else
                assertEquals(String.valueOf(e.getValue()), String.valueOf(got), e.getKey());
        }
    }

    /**
     * The method selector (issue 15): AdaIN shows its options and hides Gatys's, its result is shown at once as a
     * preview, and "Refine with Gatys" runs a Gatys job from that preview (sent as the initial image).
     */
    @Test
    void adainPreviewThenRefineWithGatys() throws Exception {
        assertTrue(driver.findElement(By.name("iterations")).isDisplayed());
        assertFalse(driver.findElement(By.name("alpha")).isDisplayed(), "alpha is AdaIN's");
        new Select(driver.findElement(By.name("method"))).selectByValue("adain");
        assertFalse(driver.findElement(By.name("iterations")).isDisplayed(), "iterations are Gatys's");
        assertTrue(driver.findElement(By.name("alpha")).isDisplayed());
        options(Map.of("size", "32", "weights", "random", "alpha", "0.8"));
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofMinutes(2), () -> driver.findElement(By.id("result-image")).isDisplayed() && loaded("result-image"));
        assertTrue(text("result-caption").startsWith("AdaIN preview"), text("result-caption"));
        assertTrue(driver.findElement(By.id("refine")).isDisplayed());
        shot("studio-adain-preview");
        options(Map.of("iterations", "2", "contentLayers", "relu2_2", "styleLayers", "relu1_1,relu2_1"));
        driver.findElement(By.id("refine")).click();
        waitFor(Duration.ofMinutes(3), () -> text("status").startsWith("done · iteration") && loaded("result-image")
                && text("result-caption").startsWith("result after"));
        assertEquals("gatys", new Select(driver.findElement(By.name("method"))).getFirstSelectedOption().getAttribute("value"));
        assertFalse(driver.findElement(By.id("refine")).isDisplayed());
        Path png = tmp.resolve("refined.png");
        Files.write(png, new Http(server.url()).get(driver.findElement(By.id("download")).getAttribute("href").replace(server.url(), "")).body());
        String recorded = nst.engine.image.Images.readPngText(png).get("nst:options");
        assertTrue(recorded.contains("--method gatys") && recorded.contains("--init-image adain-preview.png") && recorded.contains("--iterations 2"), recorded);
    }

    @Test
    void cancelStopsTheJob() throws IOException {
        options(Map.of("size", "32", "iterations", "300", "weights", "random", "styleLayers", "relu1_1,relu2_1", "contentLayers", "relu2_2"));
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofMinutes(3), () -> text("status").matches("running · iteration [1-9].*"));
        driver.findElement(By.id("cancel")).click();
        waitFor(Duration.ofMinutes(2), () -> text("status").startsWith("cancelled"));
        assertTrue(text("message").startsWith("Cancelled at iteration"), text("message"));
        assertFalse(driver.findElement(By.id("start")).getAttribute("disabled") != null, "Start is enabled again");
        shot("studio-cancelled");
    }

    @Test
    void oversizeUploadShowsItsMessage() throws Exception {
        Path big = tmp.resolve("huge.jpg");
        byte[] b = new byte[300 * 1024];
        new java.util.Random(3).nextBytes(b);
        Files.write(big, b);
        driver.findElement(By.id("content-file")).sendKeys(big.toString());
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofSeconds(30), () -> driver.findElement(By.id("message")).isDisplayed() && text("message").contains("limit"));
        String m = text("message");
        assertTrue(m.startsWith("Upload too large:") && m.contains("huge.jpg") && m.contains("256.0 KB"), m);
        assertTrue(driver.findElement(By.id("message")).getAttribute("class").contains("error"));
        shot("studio-413");
    }

    @Test
    void badOptionShowsWhichOne() {
        options(Map.of("size", "8"));
        driver.findElement(By.id("start")).click();
        waitFor(Duration.ofSeconds(30), () -> text("message").startsWith("Bad option"));
        assertTrue(text("message").contains("--size"), text("message"));
    }

    /** Opt-in (-Dnst.docs.screenshots=true, a few minutes): the README's docs/studio.png and docs/step-through.png. */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "nst.docs.screenshots", matches = "true")
    void docsScreenshots() throws Exception {
        driver.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
        try {
            // sized for the simd backend (-Dnst.studio.test.backend=simd); on scalar use a smaller size
            String size = System.getProperty("nst.docs.size", "256"), iterations = System.getProperty("nst.docs.iterations", "40");
            options(Map.of("size", size, "iterations", iterations, "weights", "random", "saveEvery", "5",
                    "contentLayers", "relu2_2", "styleWeight", "1e6", "tvWeight", "1e-5"));
            driver.findElement(By.id("start")).click();
            waitFor(Duration.ofMinutes(8), () -> driver.findElement(By.id("result-image")).isDisplayed() && loaded("result-image"));
            waitFor(Duration.ofSeconds(60), () -> text("scrub-label").contains("iteration " + iterations));
            Thread.sleep(1000);
            Path docs = Path.of("..", "docs");
            Files.createDirectories(docs);
            js("window.scrollTo(0, 0)");
            writeSmall(((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES), docs.resolve("studio.png"), 4000, 4000);
            js("document.getElementById('inspect').scrollIntoView()");
            Thread.sleep(300);
            writeSmall(((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES), docs.resolve("step-through.png"), 1110, 580);
        } finally {
            driver.manage().window().setSize(new org.openqa.selenium.Dimension(1400, 1600));
        }
    }

    /** Writes a screenshot (cropped to at most maxW × maxH, the top left) as PNG, scaled down until it is under 300 KB. */
    static void writeSmall(byte[] png, Path out, int maxW, int maxH) throws IOException {
        Files.write(SHOTS.resolve("raw-" + out.getFileName()), png);
        java.awt.image.BufferedImage full = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
        java.awt.image.BufferedImage img = full.getSubimage(0, 0, Math.min(maxW, full.getWidth()), Math.min(maxH, full.getHeight()));
        for (double scale = 1.0; ; scale *= 0.85) {
            int w = (int) (img.getWidth() * scale), h = (int) (img.getHeight() * scale);
            java.awt.image.BufferedImage s = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
            java.awt.Graphics2D g = s.createGraphics();
            g.setRenderingHint(java.awt.RenderingHints.KEY_INTERPOLATION, java.awt.RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(img, 0, 0, w, h, null);
            g.dispose();
            java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
            javax.imageio.ImageIO.write(s, "png", bos);
            if (bos.size() < 300 * 1024 || scale < 0.3) {
                Files.write(out, bos.toByteArray());
                return;
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    static void options(Map<String, String> values) {
        values.forEach((k, v) -> js("const e = document.querySelector('#options [name=\"" + k + "\"]'); e.value = arguments[0];"
                + " e.dispatchEvent(new Event('change'));", v));
    }

    static String text(String id) { return driver.findElement(By.id(id)).getText(); }

    static boolean loaded(String id) {
        return (Boolean) js("const i = document.getElementById(arguments[0]); return i.complete && i.naturalWidth > 0;", id);
    }

    static Object js(String script, Object... args) { return ((JavascriptExecutor) driver).executeScript(script, args); }

    static void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void waitFor(Duration d, java.util.function.BooleanSupplier cond) {
        new WebDriverWait(driver, d, Duration.ofMillis(250)).until(x -> cond.getAsBoolean());
    }

    @SuppressWarnings("unused")
    private static WebElement el(String id) { return driver.findElement(By.id(id)); }
}
