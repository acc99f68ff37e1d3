package org.visualrft.core.eval.coco;

import com.fasterxml.jackson.core.JsonToken;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.visualrft.core.BadInputException;
import org.visualrft.core.data.json.JsonSource;

/**
 * Reads the elements of a JSON array of objects (the array's start already read), as the ground-truth and results
 * readers both do: a fault inside an element is re-raised naming that element, e.g. {@code annotations[12]: ...}.
 */
final class JsonObjectArray {
    /** Reads one object; the reader stands on its START_OBJECT. */
    interface ElementReader<T> {
        T read(JsonSource in, int index);
    }

    private JsonObjectArray() {
    }

    /** Reads up to and including END_ARRAY; {@code elementName} names element i in error texts. */
    static <T> List<T> readElements(JsonSource in, IntFunction<String> elementName, ElementReader<T> element) {
        List<T> out = new ArrayList<>();
        while (in.next() != JsonToken.END_ARRAY) {
            int index = out.size();
            if (in.current() != JsonToken.START_OBJECT) {
                throw in.fault(elementName.apply(index) + " must be an object");
            }
            try {
                out.add(element.read(in, index));
            } catch (BadInputException e) {
                // name the element; built only when something is wrong
                throw new BadInputException(e.source(), elementName.apply(index) + ": " + e.fault(), e);
            }
        }
        return out;
    }
}
