package org.visualrft.train.grpo;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.visualrft.model.tensor.ProcessGroup;

/**
 * A data-parallel step's {@code completions.jsonl} records, gathered on rank 0: each rank holds the groups of its own
 * prompts and sends their records (as JSON, with each group's place in the step's global order), and rank 0 puts them
 * in that order, so the file is the same as a one-rank run's.
 */
final class CompletionRecords {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<Map<String, Object>>> ENTRIES = new TypeReference<>() {
    };

    private CompletionRecords() {
    }

    /**
     * Every rank's records of step {@code step} on rank 0, in the order of {@code groups} (the step's global order;
     * null where another rank holds a group); an empty list on the other ranks. Every rank must call it.
     */
    static List<Map<String, Object>> gather(int step, List<ScoredGroup> groups, ProcessGroup group,
            BiFunction<Integer, ScoredGroup, List<Map<String, Object>>> records) {
        List<Map<String, Object>> mine = new ArrayList<>();
        for (int i = 0; i < groups.size(); i++) {
            if (groups.get(i) != null) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("prompt", i);
                entry.put("records", records.apply(step, groups.get(i)));
                mine.add(entry);
            }
        }
        try {
            List<byte[]> all = group.gatherBytes(JSON.writeValueAsBytes(mine), 0);
            if (!group.isMain()) {
                return List.of();
            }
            TreeMap<Integer, List<Map<String, Object>>> byPrompt = new TreeMap<>();
            for (byte[] rank : all) {
                for (Map<String, Object> entry : JSON.readValue(rank, ENTRIES)) {
                    @SuppressWarnings("unchecked")
                    List<Map<String, Object>> recs = (List<Map<String, Object>>) entry.get("records");
                    byPrompt.put(((Number) entry.get("prompt")).intValue(), recs);
                }
            }
            List<Map<String, Object>> out = new ArrayList<>();
            byPrompt.values().forEach(out::addAll);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
