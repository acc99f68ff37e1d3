package org.visualrft.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Set;
import org.visualrft.model.policy.ModelFamily;
import org.visualrft.model.policy.Policy;

/** The built-in {@code vrft-tiny} family for the model registry. */
public final class TinyFamily implements ModelFamily {
    @Override
    public Set<String> modelTypes() {
        return Set.of("vrft-tiny");
    }

    @Override
    public Policy load(Path dir, JsonNode config) {
        return TinyVlm.load(dir);
    }
}
