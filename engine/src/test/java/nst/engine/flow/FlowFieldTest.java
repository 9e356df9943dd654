package nst.engine.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class FlowFieldTest {

    @Test void endPointErrorIsTheMeanDistanceOverTheInnerPixels() {
        FlowField truth = FlowField.zero(4, 3);
        FlowField f = FlowField.zero(4, 3);
        f.u()[f.index(1, 1)] = 3;
        f.v()[f.index(1, 1)] = 4;    // error 5 at (1,1)
        f.u()[f.index(0, 0)] = 100;  // on the border: outside margin 1
        assertEquals(5.0 / 2, f.endPointError(truth, 1), 1e-12);   // inner pixels (1,1), (2,1)
        assertEquals((5.0 + 100) / 12, f.endPointError(truth, 0), 1e-12);
    }

    @Test void badSizesAreNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new FlowField(3, 2, new float[6], new float[5]));
        assertEquals("flow field 3x2 needs 6 values per component, has u 6, v 5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowField.zero(0, 2));
        assertEquals("flow field size 0x2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowField.zero(3, 2).endPointError(FlowField.zero(2, 3), 0));
        assertEquals("flow fields differ in size: 3x2 and 2x3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowField.zero(3, 2).endPointError(FlowField.zero(3, 2), 1));
        assertEquals("margin 1 leaves no pixel of a 3x2 field", e.getMessage());
    }
}
