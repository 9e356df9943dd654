package nst.kernels;

/** The adjoint properties on the scalar reference. */
class ScalarAdjointTest extends AdjointPropertiesTest {
    @Override protected Backend createBackend() { return new ScalarBackend(); }
}
