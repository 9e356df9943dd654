package nst.engine.loss;

import nst.engine.NstException;

import java.util.Locale;

/** What the loss units see of a layer's activation F: F itself, or SWAG's softmax σ(F) ({@link SoftmaxTransform}). */
public enum FeatureTransform {
    NONE, SOFTMAX;

    public String id() { return name().toLowerCase(Locale.ROOT); }

    public static FeatureTransform of(String id) {
        for (FeatureTransform t : values()) if (t.id().equals(id == null ? "" : id.trim().toLowerCase(Locale.ROOT))) return t;
        throw new NstException("unknown feature transform '" + id + "'; known: none, softmax");
    }
}
