package nst.convert;

import nst.engine.fuzz.FuzzFiles;
import nst.engine.fuzz.FuzzProperty;

/**
 * What the converter's fuzz targets do with an input: write it to a file, read it as one format (not
 * detected: a mutated zip should stay a zip), check it as {@link Converter} does, read every tensor, all
 * under {@link FuzzProperty}. Leaves out writing the output (SafeTensors.write, covered by its own tests).
 */
final class FuzzRead {
    private FuzzRead() {}

    static void as(Format format, byte[] input, String suffix) {
        var file = FuzzFiles.write(input, suffix);
        FuzzProperty.check(() -> {
            try (SourceModel m = format.read(file, null)) {
                if (!m.isVgg()) { // ResNet-50 or one AdaIN half: its layout check, then every tensor
                    java.util.Map<String, int[]> shapes = new java.util.LinkedHashMap<>();
                    for (var e : m.named().entrySet()) shapes.put(e.getKey(), e.getValue().shape());
                    if (m.arch().equals("resnet50")) ResNetLayout.check(file.toString(), shapes);
                    for (var e : m.named().entrySet()) Converter.readTensor(file.toString(), e.getKey(), e.getValue());
                    return;
                }
                Converter.check(file.toString(), m);
                for (var e : m.convs().entrySet()) {
                    Converter.readTensor(file.toString(), e.getKey() + ".weight", e.getValue().weight());
                    Converter.readTensor(file.toString(), e.getKey() + ".bias", e.getValue().bias());
                }
            }
        });
    }
}
