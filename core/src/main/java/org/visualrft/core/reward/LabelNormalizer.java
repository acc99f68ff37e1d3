package org.visualrft.core.reward;

import java.text.Normalizer;
import org.visualrft.core.answer.PythonText;

/** How class labels are compared. */
final class LabelNormalizer {
    private LabelNormalizer() {
    }

    /** The original's normalisation: {@code s.replace(' ', '').replace('_', '').lower()}. */
    static String visualRft(String s) {
        if (s.indexOf(' ') >= 0) {
            s = s.replace(" ", "");
        }
        if (s.indexOf('_') >= 0) {
            s = s.replace("_", "");
        }
        return PythonText.lower(s);
    }

    /**
     * Strict normalisation: NFKC, Python lower-casing, and every whitespace character, underscore and hyphen removed,
     * so {@code Garden_Phlox}, {@code garden phlox} and {@code garden-phlox} are one label.
     */
    static String strict(String s) {
        String t = PythonText.lower(Normalizer.normalize(s, Normalizer.Form.NFKC));
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c != '_' && c != '-' && !PythonText.isSpace(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
