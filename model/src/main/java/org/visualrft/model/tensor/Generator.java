package org.visualrft.model.tensor;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * A seeded libtorch random generator (CPU, mt19937). Every random tensor op takes one explicitly, so a
 * run is reproducible from its seeds; the engine's global generator is never used by project code.
 * Owned by its creator and closed explicitly (no {@link NativeScope} frees it).
 */
public final class Generator implements AutoCloseable {
    private final org.bytedeco.pytorch.Generator raw;

    private Generator(org.bytedeco.pytorch.Generator raw) {
        this.raw = raw;
    }

    public static Generator seeded(long seed) {
        Engine.load();
        org.bytedeco.pytorch.Generator g = torch.createCPUGenerator(seed);
        g.retainReference(); // outlives any open scope: its owner closes it
        return new Generator(g);
    }

    public long initialSeed() {
        return raw.current_seed();
    }

    GeneratorOptional optional() {
        return new GeneratorOptional(raw);
    }

    @Override
    public void close() {
        raw.close();
    }
}
