package org.visualrft.core.reward;

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

/**
 * Reads {@code rewards/visual_rft_rewards.jsonl} from the fixtures folder ({@code vrft.fixtures}); public for the
 * evaluation tests that check themselves against the same oracle cases.
 */
public final class RewardFixtures {
    public record Case(String id, String task, String completion, String solution, Map<String, Double> expected) {
    }

    private RewardFixtures() {
    }

    static Path file() {
        return Path.of(System.getProperty("vrft.fixtures", "../fixtures"), "rewards",
                "visual_rft_rewards.jsonl");
    }

    public static List<Case> load() throws IOException {
        List<Case> out = new ArrayList<>();
        JsonFactory f = new JsonFactory();
        for (String line : Files.readAllLines(file())) {
            if (line.isBlank()) {
                continue;
            }
            try (JsonParser p = f.createParser(line)) {
                String id = null;
                String task = null;
                String completion = null;
                String solution = null;
                Map<String, Double> expected = new LinkedHashMap<>();
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken t = p.nextToken();
                    switch (name) {
                        case "id" -> id = p.getText();
                        case "task" -> task = p.getText();
                        case "completion" -> completion = p.getText();
                        case "solution" -> solution = p.getText();
                        case "expected" -> {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                p.nextToken();
                                expected.put(k, p.getDoubleValue());
                            }
                        }
                        default -> {
                            if (t.isStructStart()) {
                                p.skipChildren();
                            }
                        }
                    }
                }
                out.add(new Case(id, task, completion, solution, expected));
            }
        }
        return out;
    }
}
