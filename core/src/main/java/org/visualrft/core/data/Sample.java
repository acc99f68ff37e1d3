package org.visualrft.core.data;

import java.util.Map;
import org.visualrft.core.geometry.ImageSize;

/**
 * One dataset record as trainers, evaluators and the demo use it (the ViRFT schema plus what evaluation needs).
 *
 * @param id       stable identifier within its dataset (a JSONL line's {@code id}, else its 1-based line number;
 *                 an image folder's relative path; a COCO image and category pair)
 * @param image    the image
 * @param problem  the full prompt text (may be empty when the caller builds prompts itself)
 * @param solution the expected answer, {@code <answer>…</answer>}
 * @param size     the image's width and height in pixels, or null when the source does not say
 * @param task     {@code detection}, {@code classification}, {@code grounding}, or null when unknown
 * @param columns  any other scalar columns of the source, as text (e.g. {@code label}, {@code category_id})
 */
public record Sample(String id, ImageRef image, String problem, String solution, ImageSize size, String task,
        Map<String, String> columns) {
    public Sample {
        columns = Map.copyOf(columns);
    }

    /** The class this sample belongs to for per-class splits: a {@code label} column, else the answer text. */
    public String classLabel() {
        String label = columns.get("label");
        if (label != null) {
            return label;
        }
        String s = solution == null ? "" : solution;
        int a = s.indexOf("<answer>");
        int b = a < 0 ? -1 : s.indexOf("</answer>", a);
        return (a >= 0 && b >= 0 ? s.substring(a + "<answer>".length(), b) : s).strip();
    }
}
