package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** M-RoPE position ids against HF's get_rope_index, including two images and the decode steps. */
class RopeIndexTest {
    static final Qwen2VLConfig CONFIG = Qwen2VLConfig.load(Fixture.DIR.resolve("config.json"));

    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#cases")
    void positionIdsAndDeltaMatch(String name) {
        Map<String, Object> c = Fixture.caseOf(name);
        RopeIndex.Positions p = RopeIndex.compute(Fixture.ints(c.get("input_ids")), grids(c), CONFIG);
        long[] want = Fixture.array(name + ".position_ids").longs();
        assertArrayEquals(want, flat(p.ids()), name);
        assertEquals(((Number) ((List<?>) c.get("rope_deltas")).get(0)).longValue(), p.ropeDelta());
    }

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#cases")
    void decodePositionsMatchGenerate(String name) {
        Map<String, Object> c = Fixture.caseOf(name);
        int[] prompt = Fixture.ints(c.get("input_ids"));
        Map<String, Object> gen = (Map<String, Object>) c.get("generate");
        int[] generated = Fixture.ints(gen.get("generated_ids"));
        RopeIndex.Positions p = RopeIndex.compute(prompt, grids(c), CONFIG);
        // full sequence: prompt ids, then each generated token at cache_position + delta
        long[] full = Fixture.array(name + ".generate.full_sequence_position_ids").longs();
        int n = prompt.length + generated.length;
        for (int axis = 0; axis < 3; axis++) {
            for (int i = 0; i < n; i++) {
                long got = i < prompt.length ? p.ids()[axis][i] : RopeIndex.decodePosition(i, p.ropeDelta());
                assertEquals(full[axis * n + i], got, name + " axis " + axis + " pos " + i);
            }
        }
        // and per step as HF passed them to the model: step s > 0 feeds the token at cache position prompt+s-1
        List<Object> steps = (List<Object>) gen.get("decode_position_ids_per_step");
        for (int s = 1; s < steps.size(); s++) {
            List<Object> axes = (List<Object>) steps.get(s);
            for (int axis = 0; axis < 3; axis++) {
                int[] ids = Fixture.ints(((List<Object>) axes.get(axis)).get(0) instanceof List<?> l ? l : axes.get(axis));
                assertEquals(RopeIndex.decodePosition(prompt.length + s - 1, p.ropeDelta()), ids[ids.length - 1]);
            }
        }
    }

    static List<int[]> grids(Map<String, Object> c) {
        List<int[]> out = new ArrayList<>();
        Object g = c.get("image_grid_thw");
        if (g != null) {
            for (Object row : (List<?>) g) {
                out.add(Fixture.ints(row));
            }
        }
        return out;
    }

    static long[] flat(long[][] a) {
        long[] out = new long[a.length * a[0].length];
        for (int i = 0; i < a.length; i++) {
            System.arraycopy(a[i], 0, out, i * a[0].length, a[0].length);
        }
        return out;
    }
}
