package io.tollgate.gateway.routing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Trains the complexity model on the train split of the labelled prompts and writes
 * {@code gateway/src/main/resources/routing/complexity-model.json}. Deterministic: fixed fold
 * assignment (seed {@value #SEED}), Newton's method from a fixed start, so that a re-run writes the
 * same file. The held-out test split is never read here.
 *
 * <p>The model is an ordinal (proportional-odds) logistic regression, {@code P(label <= k) =
 * sigmoid(cut_k - w.x)}, over standardized {@code ln(1 + count)} features with an L2 penalty; the
 * penalty is chosen by {@value #FOLDS}-fold stratified cross-validation on the train split (exact-tier
 * accuracy, then log-loss), and the weights are mapped back to unstandardized features for the file.
 *
 * <pre>
 * java -cp gateway/target/bench-classes:$CP io.tollgate.gateway.routing.ComplexityTraining [--errors] [--write]
 * </pre>
 * Without {@code --write} it prints the cross-validation and the model without writing it;
 * {@code --errors} also lists the train prompts that cross-validation puts in another tier.
 */
public final class ComplexityTraining {

    static final long SEED = 13;
    static final int FOLDS = 5;
    static final double[] PENALTIES = {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1};
    static final Path MODEL_FILE = Path.of("gateway/src/main/resources/routing/complexity-model.json");
    static final String LEXICON = "/routing/prompt-lexicon.txt";
    static final int K = ComplexityFeature.values().length;

    private ComplexityTraining() {
    }

    public static void main(String[] args) throws IOException {
        boolean write = List.of(args).contains("--write");
        List<LabelledPrompts.Prompt> train = LabelledPrompts.load().stream().filter(p -> !p.test()).toList();
        System.out.printf(Locale.ROOT, "train split: %d prompts (%s)%n", train.size(), byLabel(train));

        int[] folds = folds(train);
        System.out.printf(Locale.ROOT, "%d-fold cross-validation on the train split (seed %d):%n", FOLDS, SEED);
        System.out.println("  l2        accuracy  hard->small  easy->large  log-loss");
        double bestPenalty = Double.NaN;
        Metrics best = null;
        for (double penalty : PENALTIES) {
            Metrics m = crossValidate(train, folds, penalty, allFeatures());
            System.out.printf(Locale.ROOT, "  %-8s  %6.1f %%  %8.1f %%  %9.1f %%  %8.3f%n", penalty, 100 * m.accuracy(),
                    100 * m.hardToSmall(), 100 * m.easyToLarge(), m.logLoss());
            if (best == null || m.accuracy() > best.accuracy() + 1e-12
                    || (Math.abs(m.accuracy() - best.accuracy()) <= 1e-12 && m.logLoss() < best.logLoss())) {
                best = m;
                bestPenalty = penalty;
            }
        }
        System.out.printf(Locale.ROOT, "chosen l2 = %s%n", bestPenalty);
        if (List.of(args).contains("--errors")) {
            printErrors(train, folds, bestPenalty);
        }
        boolean[] shapeOnly = allFeatures();
        for (ComplexityFeature f : ComplexityFeature.values()) {
            shapeOnly[f.ordinal()] = f.ordinal() <= ComplexityFeature.QUANTITIES.ordinal();
        }
        Metrics shape = crossValidate(train, folds, bestPenalty, shapeOnly);
        System.out.printf(Locale.ROOT, "  same l2, without the word lists (size, shape, code, math only): accuracy %.1f %%, "
                + "hard->small %.1f %%, easy->large %.1f %%%n", 100 * shape.accuracy(), 100 * shape.hardToSmall(),
                100 * shape.easyToLarge());

        Fit fit = Fit.train(train, bestPenalty, allFeatures());
        Map<String, String> about = new TreeMap<>();
        about.put("trainedOn", "gateway/src/test/resources/routing/prompts.jsonl, split=train, " + train.size()
                + " prompts");
        about.put("trainer", "io.tollgate.gateway.routing.ComplexityTraining (gateway/src/bench/java)");
        about.put("l2", Double.toString(bestPenalty));
        about.put("crossValidationAccuracy", String.format(Locale.ROOT, "%.3f", best.accuracy()));
        about.put("seed", Long.toString(SEED));
        about.put("lexiconSha256", lexiconSha256());
        ComplexityModel model = fit.model(about);
        String json = model.toJson();
        System.out.println();
        System.out.println("weights (per ln(1 + count)), strongest first:");
        List<ComplexityFeature> order = new ArrayList<>(List.of(ComplexityFeature.values()));
        order.sort((a, b) -> Double.compare(Math.abs(fit.standardized[b.ordinal()]), Math.abs(fit.standardized[a.ordinal()])));
        for (ComplexityFeature f : order) {
            System.out.printf(Locale.ROOT, "  %-14s %+8.3f  (standardized %+.3f)%n", f.key(), model.weight(f),
                    fit.standardized[f.ordinal()]);
        }
        System.out.printf(Locale.ROOT, "cuts: lower %.4f, upper %.4f%n", model.lowerCut(), model.upperCut());
        Metrics in = evaluate(model, train);
        System.out.printf(Locale.ROOT, "in-sample (train) accuracy %.1f %%%n", 100 * in.accuracy());
        if (write) {
            Files.writeString(MODEL_FILE, json, StandardCharsets.UTF_8);
            System.out.println("wrote " + MODEL_FILE);
        } else {
            System.out.println("not written (pass --write to write " + MODEL_FILE + ")");
        }
    }

    static boolean[] allFeatures() {
        boolean[] all = new boolean[K];
        java.util.Arrays.fill(all, true);
        return all;
    }

    static String byLabel(List<LabelledPrompts.Prompt> prompts) {
        Map<LabelledPrompts.Label, Integer> n = new TreeMap<>();
        prompts.forEach(p -> n.merge(p.label(), 1, Integer::sum));
        return n.toString();
    }

    /** Fold of each prompt: stratified by label, shuffled with the fixed seed. */
    static int[] folds(List<LabelledPrompts.Prompt> prompts) {
        int[] fold = new int[prompts.size()];
        Random random = new Random(SEED);
        for (LabelledPrompts.Label label : LabelledPrompts.Label.values()) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                if (prompts.get(i).label() == label) {
                    idx.add(i);
                }
            }
            Collections.shuffle(idx, random);
            for (int k = 0; k < idx.size(); k++) {
                fold[idx.get(k)] = k % FOLDS;
            }
        }
        return fold;
    }

    static Metrics crossValidate(List<LabelledPrompts.Prompt> prompts, int[] folds, double penalty, boolean[] use) {
        Metrics.Builder m = new Metrics.Builder();
        for (int f = 0; f < FOLDS; f++) {
            List<LabelledPrompts.Prompt> fitOn = new ArrayList<>();
            List<LabelledPrompts.Prompt> heldOut = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                (folds[i] == f ? heldOut : fitOn).add(prompts.get(i));
            }
            ComplexityModel model = Fit.train(fitOn, penalty, use).model(Map.of());
            for (LabelledPrompts.Prompt p : heldOut) {
                m.add(p.label().ordinal(), model, p.features());
            }
        }
        return m.build();
    }

    /** The train prompts that cross-validation puts in another tier than their label. */
    static void printErrors(List<LabelledPrompts.Prompt> prompts, int[] folds, double penalty) {
        System.out.println("cross-validation errors (label -> predicted, score, deciding features):");
        for (int f = 0; f < FOLDS; f++) {
            List<LabelledPrompts.Prompt> fitOn = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) {
                if (folds[i] != f) {
                    fitOn.add(prompts.get(i));
                }
            }
            ComplexityScorer scorer = new ComplexityScorer(Fit.train(fitOn, penalty, allFeatures()).model(Map.of()));
            for (int i = 0; i < prompts.size(); i++) {
                LabelledPrompts.Prompt p = prompts.get(i);
                if (folds[i] != f) {
                    continue;
                }
                Complexity c = scorer.score(p.features());
                int predicted = c.score() <= 0.35 ? 0 : c.score() <= 0.70 ? 1 : 2;
                if (predicted != p.label().ordinal()) {
                    System.out.printf(Locale.ROOT, "  %-14s %-3s %-6s -> %-6s %.2f  %s%n", p.id(), p.language(), p.label(),
                            LabelledPrompts.Label.values()[predicted], c.score(), c.features());
                }
            }
        }
    }

    static Metrics evaluate(ComplexityModel model, List<LabelledPrompts.Prompt> prompts) {
        Metrics.Builder m = new Metrics.Builder();
        prompts.forEach(p -> m.add(p.label().ordinal(), model, p.features()));
        return m.build();
    }

    static String lexiconSha256() {
        try (InputStream in = ComplexityTraining.class.getResourceAsStream(LEXICON)) {
            if (in == null) {
                throw new IllegalStateException(LEXICON + " is not on the classpath; add gateway/target/classes");
            }
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash " + LEXICON, e);
        }
    }

    /** Exact-tier accuracy (by the model's cuts), the two costly confusions, mean log-loss. */
    record Metrics(double accuracy, double hardToSmall, double easyToLarge, double logLoss) {

        static final class Builder {
            private final int[][] confusion = new int[3][3];
            private double loss;
            private int n;

            void add(int label, ComplexityModel model, PromptFeatures features) {
                double z = model.linear(features);
                int predicted = z <= model.lowerCut() ? 0 : z <= model.upperCut() ? 1 : 2;
                confusion[label][predicted]++;
                loss -= Math.log(Math.max(1e-300, Fit.probability(label, z, model.lowerCut(), model.upperCut())));
                n++;
            }

            Metrics build() {
                int correct = confusion[0][0] + confusion[1][1] + confusion[2][2];
                int hard = confusion[2][0] + confusion[2][1] + confusion[2][2];
                int easy = confusion[0][0] + confusion[0][1] + confusion[0][2];
                return new Metrics((double) correct / n, (double) confusion[2][0] / hard, (double) confusion[0][2] / easy,
                        loss / n);
            }
        }
    }

    /**
     * An ordinal logistic regression fitted by Newton's method (Hessian by central differences of the
     * exact gradient, step halving until the objective drops) on standardized features.
     */
    static final class Fit {
        final double[] mean = new double[K];
        final double[] scale = new double[K];
        final double[] standardized = new double[K];
        double lowerCut;
        double upperCut;

        /** StrictMath: the same bits on every machine, so that a re-run writes the same file. */
        static double sigmoid(double x) {
            return 1 / (1 + StrictMath.exp(-x));
        }

        /** P(label | z) with cuts t1 < t2. */
        static double probability(int label, double z, double t1, double t2) {
            return switch (label) {
                case 0 -> sigmoid(t1 - z);
                case 1 -> sigmoid(t2 - z) - sigmoid(t1 - z);
                default -> sigmoid(z - t2);
            };
        }

        static Fit train(List<LabelledPrompts.Prompt> prompts, double penalty, boolean[] use) {
            int n = prompts.size();
            double[][] x = new double[n][K];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                for (ComplexityFeature f : ComplexityFeature.values()) {
                    x[i][f.ordinal()] = use[f.ordinal()] ? f.value(prompts.get(i).features()) : 0;
                }
                y[i] = prompts.get(i).label().ordinal();
            }
            Fit fit = new Fit();
            for (int j = 0; j < K; j++) {
                double s = 0;
                double ss = 0;
                for (int i = 0; i < n; i++) {
                    s += x[i][j];
                    ss += x[i][j] * x[i][j];
                }
                fit.mean[j] = s / n;
                double var = ss / n - fit.mean[j] * fit.mean[j];
                fit.scale[j] = var > 1e-12 ? Math.sqrt(var) : 1;
                for (int i = 0; i < n; i++) {
                    x[i][j] = (x[i][j] - fit.mean[j]) / fit.scale[j];
                }
            }
            double[] p = new double[K + 2];
            p[K] = -1;
            p[K + 1] = 1;
            Objective objective = new Objective(x, y, penalty);
            for (int iteration = 0; iteration < 200; iteration++) {
                double[] g = objective.gradient(p);
                double norm = 0;
                for (double v : g) {
                    norm = Math.max(norm, Math.abs(v));
                }
                if (norm < 1e-10) {
                    break;
                }
                double[] step = solve(objective.hessian(p), g);
                double current = objective.value(p);
                double t = 1;
                boolean moved = false;
                while (t > 1e-12) {
                    double[] q = p.clone();
                    for (int j = 0; j < q.length; j++) {
                        q[j] -= t * step[j];
                    }
                    if (objective.value(q) < current) {
                        p = q;
                        moved = true;
                        break;
                    }
                    t /= 2;
                }
                if (!moved) {
                    break;
                }
            }
            System.arraycopy(p, 0, fit.standardized, 0, K);
            fit.lowerCut = p[K];
            fit.upperCut = p[K + 1];
            return fit;
        }

        /** The model over unstandardized features: w/scale, and the cuts shifted by sum(w * mean / scale). */
        ComplexityModel model(Map<String, String> about) {
            double[] w = new double[K];
            double shift = 0;
            for (int j = 0; j < K; j++) {
                w[j] = standardized[j] / scale[j];
                shift += standardized[j] * mean[j] / scale[j];
            }
            return new ComplexityModel(w, lowerCut + shift, upperCut + shift, 0.35, 0.70, about);
        }

        /** Solves H d = g by Gaussian elimination with partial pivoting; H gets a small ridge first. */
        private static double[] solve(double[][] h, double[] g) {
            int m = g.length;
            double[][] a = new double[m][m + 1];
            for (int i = 0; i < m; i++) {
                System.arraycopy(h[i], 0, a[i], 0, m);
                a[i][i] += 1e-8;
                a[i][m] = g[i];
            }
            for (int c = 0; c < m; c++) {
                int pivot = c;
                for (int r = c + 1; r < m; r++) {
                    if (Math.abs(a[r][c]) > Math.abs(a[pivot][c])) {
                        pivot = r;
                    }
                }
                double[] tmp = a[c];
                a[c] = a[pivot];
                a[pivot] = tmp;
                for (int r = c + 1; r < m; r++) {
                    double factor = a[r][c] / a[c][c];
                    for (int k = c; k <= m; k++) {
                        a[r][k] -= factor * a[c][k];
                    }
                }
            }
            double[] d = new double[m];
            for (int r = m - 1; r >= 0; r--) {
                double s = a[r][m];
                for (int k = r + 1; k < m; k++) {
                    s -= a[r][k] * d[k];
                }
                d[r] = s / a[r][r];
            }
            return d;
        }
    }

    /** Mean negative log-likelihood plus (penalty / 2) |w|^2; parameters w[0..K), cut1, cut2. */
    private record Objective(double[][] x, int[] y, double penalty) {

        double value(double[] p) {
            if (!(p[K] < p[K + 1])) {
                return Double.POSITIVE_INFINITY;
            }
            double loss = 0;
            for (int i = 0; i < x.length; i++) {
                double z = dot(p, x[i]);
                loss -= StrictMath.log(Math.max(1e-300, Fit.probability(y[i], z, p[K], p[K + 1])));
            }
            double reg = 0;
            for (int j = 0; j < K; j++) {
                reg += p[j] * p[j];
            }
            return loss / x.length + penalty / 2 * reg;
        }

        double[] gradient(double[] p) {
            double[] g = new double[K + 2];
            for (int i = 0; i < x.length; i++) {
                double z = dot(p, x[i]);
                // P = F(a) - F(b) with a = upper cut - z, b = lower cut - z (F(+inf) = 1, F(-inf) = 0)
                double a = y[i] == 2 ? Double.POSITIVE_INFINITY : (y[i] == 0 ? p[K] : p[K + 1]) - z;
                double b = y[i] == 0 ? Double.NEGATIVE_INFINITY : (y[i] == 1 ? p[K] : p[K + 1]) - z;
                double fa = Double.isInfinite(a) ? 1 : Fit.sigmoid(a);
                double fb = Double.isInfinite(b) ? 0 : Fit.sigmoid(b);
                double da = Double.isInfinite(a) ? 0 : fa * (1 - fa);
                double db = Double.isInfinite(b) ? 0 : fb * (1 - fb);
                double prob = Math.max(1e-300, fa - fb);
                double dz = (da - db) / prob; // d(-log P)/dz
                for (int j = 0; j < K; j++) {
                    g[j] += dz * x[i][j];
                }
                int upper = y[i] == 0 ? K : K + 1;
                int lower = y[i] == 1 ? K : K + 1;
                if (y[i] != 2) {
                    g[upper] -= da / prob;
                }
                if (y[i] != 0) {
                    g[lower] += db / prob;
                }
            }
            for (int j = 0; j < g.length; j++) {
                g[j] /= x.length;
            }
            for (int j = 0; j < K; j++) {
                g[j] += penalty * p[j];
            }
            return g;
        }

        double[][] hessian(double[] p) {
            int m = p.length;
            double[][] h = new double[m][m];
            double step = 1e-5;
            for (int j = 0; j < m; j++) {
                double[] up = p.clone();
                double[] down = p.clone();
                up[j] += step;
                down[j] -= step;
                double[] gu = gradient(up);
                double[] gd = gradient(down);
                for (int i = 0; i < m; i++) {
                    h[i][j] = (gu[i] - gd[i]) / (2 * step);
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = i + 1; j < m; j++) {
                    double s = (h[i][j] + h[j][i]) / 2;
                    h[i][j] = s;
                    h[j][i] = s;
                }
            }
            return h;
        }

        private static double dot(double[] p, double[] xi) {
            double z = 0;
            for (int j = 0; j < K; j++) {
                z += p[j] * xi[j];
            }
            return z;
        }
    }
}
