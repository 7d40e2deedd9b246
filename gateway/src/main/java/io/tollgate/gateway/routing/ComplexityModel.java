package io.tollgate.gateway.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * An ordinal logistic regression over {@link ComplexityFeature}s: one linear score
 * {@code z = sum(weight x value)} and two cut points; a prompt is easy below the lower cut, hard
 * above the upper one, medium between. {@link #scale(double)} maps {@code z} onto 0..1 so that the
 * cut points land on the anchors (0.35 and 0.70, the default {@code routing.complexity_tiers}).
 * Trained offline from the labelled prompts and shipped as {@value #RESOURCE}; immutable.
 */
public final class ComplexityModel {

    public static final String RESOURCE = "/routing/complexity-model.json";
    public static final String KIND = "ordinal-logistic";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final double[] weights;
    private final double lowerCut;
    private final double upperCut;
    private final double lowerAnchor;
    private final double upperAnchor;
    private final Map<String, String> about;

    /**
     * @param weights one per {@link ComplexityFeature}, by ordinal
     * @param about   free-form provenance written into the file (training set, seed, lexicon hash, ...)
     */
    public ComplexityModel(double[] weights, double lowerCut, double upperCut, double lowerAnchor, double upperAnchor,
                           Map<String, String> about) {
        if (weights.length != ComplexityFeature.values().length) {
            throw new IllegalArgumentException("expected " + ComplexityFeature.values().length
                    + " weights (one per ComplexityFeature), got " + weights.length);
        }
        if (!(lowerCut < upperCut)) {
            throw new IllegalArgumentException("cut points " + lowerCut + " and " + upperCut
                    + " are not ascending; expected lower < upper");
        }
        if (!(0 < lowerAnchor && lowerAnchor < upperAnchor && upperAnchor < 1)) {
            throw new IllegalArgumentException("anchors " + lowerAnchor + " and " + upperAnchor
                    + " are out of order; expected 0 < lower < upper < 1");
        }
        for (int i = 0; i < weights.length; i++) {
            if (!Double.isFinite(weights[i])) {
                throw new IllegalArgumentException("weight of " + ComplexityFeature.values()[i].key() + " is "
                        + weights[i] + "; expected a finite number");
            }
        }
        this.weights = weights.clone();
        this.lowerCut = lowerCut;
        this.upperCut = upperCut;
        this.lowerAnchor = lowerAnchor;
        this.upperAnchor = upperAnchor;
        this.about = Map.copyOf(about);
    }

    /** The model shipped in the gateway jar. */
    public static ComplexityModel shipped() {
        try (InputStream in = ComplexityModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " is missing from the gateway jar; rebuild it "
                        + "(the training command is in gateway/README.md)");
            }
            return parse(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public static ComplexityModel parse(JsonNode json) {
        if (!KIND.equals(json.path("kind").asText())) {
            throw new IllegalArgumentException("complexity model kind is '" + json.path("kind").asText()
                    + "'; expected '" + KIND + "'");
        }
        JsonNode w = json.path("weights");
        double[] weights = new double[ComplexityFeature.values().length];
        boolean[] seen = new boolean[weights.length];
        for (Iterator<Map.Entry<String, JsonNode>> it = w.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ComplexityFeature f = ComplexityFeature.byKey(e.getKey());
            weights[f.ordinal()] = e.getValue().asDouble();
            seen[f.ordinal()] = true;
        }
        for (ComplexityFeature f : ComplexityFeature.values()) {
            if (!seen[f.ordinal()]) {
                throw new IllegalArgumentException("complexity model has no weight for '" + f.key()
                        + "'; retrain it with the current features (gateway/README.md)");
            }
        }
        Map<String, String> about = new java.util.TreeMap<>();
        json.path("about").fields().forEachRemaining(e -> about.put(e.getKey(), e.getValue().asText()));
        return new ComplexityModel(weights, required(json, "cuts", "lower"), required(json, "cuts", "upper"),
                required(json, "anchors", "lower"), required(json, "anchors", "upper"), about);
    }

    private static double required(JsonNode json, String object, String field) {
        JsonNode v = json.path(object).path(field);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("complexity model lacks the number " + object + "." + field);
        }
        return v.asDouble();
    }

    /** The model file: weights by feature key, cut points, anchors, provenance. */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("kind", KIND);
        root.put("doc", "z = sum over features of weight * ln(1 + count); easy below cuts.lower, hard above "
                + "cuts.upper; the score maps cuts.lower to anchors.lower and cuts.upper to anchors.upper (see "
                + "ComplexityModel.scale). Written by ComplexityTraining; do not edit by hand.");
        ObjectNode a = root.putObject("about");
        new java.util.TreeMap<>(about).forEach(a::put);
        ObjectNode cuts = root.putObject("cuts");
        cuts.put("lower", round(lowerCut));
        cuts.put("upper", round(upperCut));
        ObjectNode anchors = root.putObject("anchors");
        anchors.put("lower", lowerAnchor);
        anchors.put("upper", upperAnchor);
        ObjectNode w = root.putObject("weights");
        for (ComplexityFeature f : ComplexityFeature.values()) {
            w.put(f.key(), round(weights[f.ordinal()]));
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Six decimals: the file stays readable and re-parses to the same decisions. */
    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    public double weight(ComplexityFeature feature) {
        return weights[feature.ordinal()];
    }

    public double lowerCut() {
        return lowerCut;
    }

    public double upperCut() {
        return upperCut;
    }

    public double lowerAnchor() {
        return lowerAnchor;
    }

    public double upperAnchor() {
        return upperAnchor;
    }

    public Map<String, String> about() {
        return about;
    }

    /** {@code z} of a prompt. */
    public double linear(PromptFeatures features) {
        double z = 0;
        for (ComplexityFeature f : ComplexityFeature.values()) {
            z += weights[f.ordinal()] * f.value(features);
        }
        return z;
    }

    /**
     * 0..1, increasing in {@code z}: logistic below the lower cut (reaching the lower anchor at the
     * cut), linear between the cuts, logistic above the upper cut (towards 1).
     */
    public double scale(double z) {
        if (z <= lowerCut) {
            return lowerAnchor * 2 * sigmoid(z - lowerCut);
        }
        if (z <= upperCut) {
            return lowerAnchor + (upperAnchor - lowerAnchor) * (z - lowerCut) / (upperCut - lowerCut);
        }
        return upperAnchor + (1 - upperAnchor) * (2 * sigmoid(z - upperCut) - 1);
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    @Override
    public String toString() {
        return KIND + Arrays.toString(weights) + " cuts " + lowerCut + "/" + upperCut;
    }
}
