package nst.convert;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes Keras HDF5 files through KerasReader, as far as we control it: the walk over groups and
 * datasets is ours, the HDF5 parsing is jhdf's, whose exceptions the reader turns into one line.
 * Seeds: KerasFuzzTestInputs/hdf5.
 */
class KerasFuzzTest {

    @FuzzTest
    void hdf5(byte[] input) {
        FuzzRead.as(Format.KERAS_HDF5, input, ".h5");
    }
}
