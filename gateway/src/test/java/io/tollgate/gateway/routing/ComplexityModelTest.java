package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ComplexityModelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ComplexityModel model(double lowerCut, double upperCut) {
        double[] weights = new double[ComplexityFeature.values().length];
        weights[ComplexityFeature.SYSTEMS.ordinal()] = 1.5;
        weights[ComplexityFeature.CHAT.ordinal()] = -2.0;
        return new ComplexityModel(weights, lowerCut, upperCut, 0.35, 0.70, Map.of("seed", "13"));
    }

    @Test
    void shouldMapTheCutPointsOntoTheAnchorsWhenScaling() {
        ComplexityModel m = model(2.0, 5.0);

        assertThat(m.scale(2.0)).isCloseTo(0.35, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.scale(5.0)).isCloseTo(0.70, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.scale(3.5)).isCloseTo(0.525, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(m.scale(-50)).isBetween(0.0, 0.001);
        assertThat(m.scale(50)).isBetween(0.999, 1.0);
    }

    @Test
    void shouldIncreaseWhenTheLinearScoreIncreases() {
        ComplexityModel m = model(-1.0, 1.0);
        double previous = -1;
        for (double z = -10; z <= 10; z += 0.25) {
            double s = m.scale(z);
            assertThat(s).isGreaterThan(previous).isBetween(0.0, 1.0);
            previous = s;
        }
    }

    @Test
    void shouldReadBackWhatItWritesWhenSerialized() throws Exception {
        ComplexityModel m = model(2.0, 5.0);

        ComplexityModel back = ComplexityModel.parse(JSON.readTree(m.toJson()));

        for (ComplexityFeature f : ComplexityFeature.values()) {
            assertThat(back.weight(f)).isEqualTo(m.weight(f));
        }
        assertThat(back.lowerCut()).isEqualTo(2.0);
        assertThat(back.upperCut()).isEqualTo(5.0);
        assertThat(back.about()).containsEntry("seed", "13");
    }

    @Test
    void shouldRejectAModelFileWhenAFeatureHasNoWeight() throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(model(2.0, 5.0).toJson());
        ((ObjectNode) json.get("weights")).remove("systems");

        assertThatThrownBy(() -> ComplexityModel.parse(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'systems'").hasMessageContaining("retrain");
    }

    @Test
    void shouldRejectAModelFileWhenAFeatureIsUnknown() throws Exception {
        ObjectNode json = (ObjectNode) JSON.readTree(model(2.0, 5.0).toJson());
        ((ObjectNode) json.get("weights")).put("sentiment", 1.0);

        assertThatThrownBy(() -> ComplexityModel.parse(json)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'sentiment'");
    }

    @Test
    void shouldRejectCutsWhenNotAscending() {
        assertThatThrownBy(() -> model(5.0, 2.0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5.0").hasMessageContaining("2.0");
    }

    @Test
    void shouldLoadTheShippedModelWhenAsked() {
        ComplexityModel shipped = ComplexityModel.shipped();

        assertThat(shipped.lowerCut()).isLessThan(shipped.upperCut());
        assertThat(shipped.lowerAnchor()).isEqualTo(0.35);
        assertThat(shipped.upperAnchor()).isEqualTo(0.70);
        assertThat(shipped.about()).containsKeys("trainedOn", "lexiconSha256", "seed");
    }
}
