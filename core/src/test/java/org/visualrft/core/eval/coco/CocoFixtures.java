package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The pycocotools oracle cases of {@code fixtures/coco/} (read through the {@code vrft.fixtures} property). */
final class CocoFixtures {
    record Expected(double[] stats, Map<Long, Double> perCategoryAp, List<Long> subset, double subsetMeanAp) {
    }

    private CocoFixtures() {
    }

    static Path root() {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures")).resolve("coco");
    }

    static List<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(root())) {
            return s.filter(p -> Files.isRegularFile(p.resolve("expected.json"))).sorted().toList();
        }
    }

    static Expected expected(Path caseDir) throws IOException {
        double[] stats = null;
        Map<Long, Double> ap = new LinkedHashMap<>();
        List<Long> subset = new ArrayList<>();
        double mean = Double.NaN;
        try (JsonParser p = new JsonFactory().createParser(caseDir.resolve("expected.json").toFile())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String f = p.currentName();
                p.nextToken();
                switch (f) {
                    case "stats" -> {
                        List<Double> v = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            v.add(p.getDoubleValue());
                        }
                        stats = v.stream().mapToDouble(Double::doubleValue).toArray();
                    }
                    case "per_category_ap" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            long id = Long.parseLong(p.currentName());
                            p.nextToken();
                            ap.put(id, p.getDoubleValue());
                        }
                    }
                    case "subset" -> {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            subset.add(p.getLongValue());
                        }
                    }
                    case "subset_mean_ap" -> mean = p.getDoubleValue();
                    default -> p.skipChildren();
                }
            }
        }
        return new Expected(stats, ap, subset, mean);
    }
}
