package nst.engine.flow;

/**
 * The Horn–Schunck equations of one warping step, per pixel, for the flow W = (U, V) that the step solves for.
 * With the image derivatives I_x, I_y of the (warped) second image, the temporal difference I_t and the flow
 * (u₀, v₀) the warp used, the linearised brightness constancy is I_x U + I_y V + c = 0 with
 * c = I_t − I_x u₀ − I_y v₀. The Euler–Lagrange equations of Σ (I_x U + I_y V + c)² + α² Σ (|∇U|² + |∇V|²), with
 * the 4-neighbour Laplacian ΔU = 4(Ū − U), give Horn &amp; Schunck's iterative solution (1981, with their
 * weighted 8-neighbour mean replaced by the 4-neighbour mean Ū):
 * <pre>
 *   r = I_x Ū + I_y V̄ + c,      U ← Ū − I_x r / (λ + I_x² + I_y²),      V ← V̄ − I_y r / (λ + I_x² + I_y²),   λ = 4α²
 * </pre>
 * This record holds the coefficients, {@code invD} = 1 / (λ + I_x² + I_y²) precomputed. A pixel with no data
 * (its warp left the image) has I_x = I_y = c = 0: there the iteration only smooths. Leaves out the iteration
 * itself ({@link Relaxation}).
 */
public record LinearSystem(int width, int height, float[] ix, float[] iy, float[] c, float[] invD) {

    public LinearSystem {
        int n = width * height;
        if (ix.length != n || iy.length != n || c.length != n || invD.length != n)
            throw new IllegalArgumentException("linear system arrays do not match " + width + "x" + height);
    }
}
