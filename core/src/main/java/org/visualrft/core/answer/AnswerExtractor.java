package org.visualrft.core.answer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyOps;
import org.visualrft.core.geometry.Box;

/**
 * The one parser for model answers, shared by the rewards and the evaluators. Never throws on model text.
 *
 * <p>Extraction follows the original Visual-RFT code: detection and classification take the first
 * {@code <answer>…</answer>} that does not span a line break (else the whole completion); grounding allows line
 * breaks (DOTALL). Detection lists are Python-style ({@code 'Position'}, single quotes, {@code [[…]]},
 * {@code No Objects}, cut-off lists repaired at the last {@code },}) and decoded with {@code json.loads} semantics.
 *
 * <pre>{@code
 * DetectionAnswer a = AnswerExtractor.detection(completion);
 * if (a.status() == DetectionAnswer.Status.PREDICTIONS) for (Prediction p : a.predictions()) ...
 * }</pre>
 */
public final class AnswerExtractor {
    private AnswerExtractor() {
    }

    /** The text inside the first {@code <answer>…</answer>} (without DOTALL), or null if there is none. */
    public static String answerText(String completion) {
        return AnswerTags.search(completion, false);
    }

    /** A detection answer read exactly as the training reward reads it. */
    public static DetectionAnswer detection(String completion) {
        long r = AnswerTags.searchRange(completion, false);
        if (r >= 0) {
            int from = PythonText.skipSpace(completion, (int) (r >>> 32), (int) r);
            int to = (int) r;
            while (to > from && PythonText.isSpace(completion.charAt(to - 1))) {
                to--;
            }
            DetectionAnswer fast = simple(completion, from, to, true);
            if (fast != null) {
                return fast;
            }
        }
        String studentAnswer = AnswerTags.answerOrWhole(completion, false);
        return typed(OriginalBoxParsing.studentString(completion), studentAnswer);
    }

    /**
     * A detection answer read as the original COCO/LVIS evaluation script reads a response: first
     * {@code [[}→{@code [}, {@code ]]}→{@code ]}, newlines and {@code , ...} deleted from the whole response, then the
     * reward's extraction. Unlike training, a list written over several lines is read.
     */
    public static DetectionAnswer detectionForEvaluation(String response) {
        String fixed = response.replace("[[", "[").replace("]]", "]").replace("\n", "").replace(", ...", "");
        return detection(fixed);
    }

    /** The ground truth of a detection sample ({@code solution} column) read as the original reads it. */
    public static DetectionAnswer detectionSolution(String solution) {
        String stripped = PythonText.strip(solution);
        int open = stripped.indexOf(AnswerTags.OPEN);
        int end = stripped.indexOf(AnswerTags.CLOSE);
        if (open >= 0 && end >= open + AnswerTags.OPEN.length()) {
            DetectionAnswer fast = simple(stripped, open + AnswerTags.OPEN.length(), end, false);
            if (fast != null) {
                return fast;
            }
        }
        String inner = AnswerTags.search(stripped, false);
        return typed(stripped, PythonText.strip(inner != null ? inner : stripped));
    }

    private static final ThreadLocal<SimpleBoxList> SIMPLE = ThreadLocal.withInitial(SimpleBoxList::new);

    /** The same answer through {@link SimpleBoxList} when the text has the simple shape, else null. */
    private static DetectionAnswer simple(String text, int from, int to, boolean studentFixes) {
        if (to == from || text.charAt(to - 1) != ']') {
            return null;
        }
        if (studentFixes) {
            for (int i = from + 1; i < to; i++) {
                char c = text.charAt(i);
                if ((c == '[' || c == ']') && text.charAt(i - 1) == c) {
                    return null;
                }
            }
        }
        SimpleBoxList list = SIMPLE.get().parse(text, from, to);
        if (list == null) {
            return null;
        }
        List<Prediction> out = new ArrayList<>(list.count);
        double[] c = list.coords;
        int duplicates = 0;
        outer:
        for (int k = 0; k < list.count; k++) {
            int o = k * SimpleBoxList.STRIDE;
            for (Prediction p : out) {
                if (p.x1() == c[o] && p.y1() == c[o + 1] && p.x2() == c[o + 2] && p.y2() == c[o + 3]) {
                    duplicates++;
                    continue outer;
                }
            }
            out.add(new Prediction(c[o], c[o + 1], c[o + 2], c[o + 3], list.confidence[k]));
        }
        return new DetectionAnswer(DetectionAnswer.Status.PREDICTIONS, out, 0, duplicates);
    }

    private static DetectionAnswer typed(String extractInput, String answerText) {
        Object value;
        try {
            value = OriginalBoxParsing.extractBbox(extractInput);
        } catch (PyError e) {
            return DetectionAnswer.unparsable();
        }
        if (!(value instanceof List<?> list)) {
            return isNoObjects(answerText) ? DetectionAnswer.noObjects() : DetectionAnswer.unparsable();
        }
        List<Prediction> out = new ArrayList<>(list.size());
        Set<List<Object>> seen = new HashSet<>();
        int malformed = 0;
        int duplicates = 0;
        for (Object item : list) {
            Prediction p = prediction(item);
            if (p == null) {
                malformed++;
                continue;
            }
            List<Object> key = positionKey(item);
            if (!seen.add(key)) {
                duplicates++;
                continue;
            }
            out.add(p);
        }
        return new DetectionAnswer(DetectionAnswer.Status.PREDICTIONS, out, malformed, duplicates);
    }

    private static boolean isNoObjects(String answerText) {
        String t = PythonText.strip(answerText);
        if (t.startsWith("'") && t.endsWith("'") && t.length() >= 2) {
            t = PythonText.strip(t.substring(1, t.length() - 1));
        }
        if (t.endsWith(".")) {
            t = t.substring(0, t.length() - 1);
        }
        return t.equalsIgnoreCase("no objects") || t.equalsIgnoreCase("no object");
    }

    private static Prediction prediction(Object item) {
        if (!(item instanceof Map<?, ?> m)) {
            return null;
        }
        Object pos = m.get("Position");
        Object conf = m.get("Confidence");
        if (!(pos instanceof List<?> c) || c.size() != 4 || !PyOps.isNumber(conf)) {
            return null;
        }
        double[] v = new double[4];
        for (int i = 0; i < 4; i++) {
            if (!PyOps.isNumber(c.get(i))) {
                return null;
            }
            v[i] = asDouble(c.get(i));
        }
        return new Prediction(v[0], v[1], v[2], v[3], asDouble(conf));
    }

    private static double asDouble(Object number) {
        try {
            return PyOps.toDouble(number);
        } catch (PyError overflow) {
            return PyOps.gt(number, 0L) ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
    }

    private static List<Object> positionKey(Object item) {
        List<?> c = (List<?>) ((Map<?, ?>) item).get("Position");
        List<Object> key = new ArrayList<>(4);
        for (Object x : c) {
            key.add(PyOps.hashKey(x));
        }
        return key;
    }

    /** A classification answer read as the original reads it (no DOTALL; whole completion when untagged). */
    public static ClassificationAnswer classification(String completion) {
        String g = AnswerTags.search(completion, false);
        return new ClassificationAnswer(PythonText.strip(g != null ? g : completion), g != null);
    }

    /** A grounding answer: DOTALL extraction (whole completion when untagged), then every corner pair. */
    public static GroundingAnswer grounding(String completion) {
        String text = AnswerTags.answerOrWhole(completion, true);
        return new GroundingAnswer(text, boxes(text));
    }

    /** Every {@code (x1,y1),(x2,y2)} in a text, as written; stops at a number Python's int() refuses. */
    public static List<Box> boxes(String text) {
        List<Box> out = new ArrayList<>();
        for (String[] g : CornerPairs.findAll(text)) {
            try {
                out.add(new Box(number(g[0]), number(g[1]), number(g[2]), number(g[3])));
            } catch (PyError tooLong) {
                break;
            }
        }
        return out;
    }

    private static double number(String digits) {
        return asDouble(CornerPairs.toInt(digits));
    }
}
