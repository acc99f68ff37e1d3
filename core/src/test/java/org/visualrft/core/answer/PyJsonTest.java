package org.visualrft.core.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.visualrft.core.answer.py.PyError;
import org.visualrft.core.answer.py.PyJson;
import org.visualrft.core.answer.py.PyNone;
import org.visualrft.core.answer.py.PyOps;

/** json.loads semantics (CPython 3.11, C scanner), checked case by case against what Python does. */
class PyJsonTest {
    @ParameterizedTest
    @ValueSource(strings = {"0100", ".9", "1.", "+1", "[1,]", "{\"a\":1,}", "[1, ...]", "'a'", "[1] x", "\ufeff[1]",
        "nan", "infinity", "-", "1e", "[\"a\nb\"]", "\"\\x\"", "\"\\u12\"", "{1: 2}", "", "  ", "tru", "[1 2]",
        "\"abc", "--1", "-.5", "0x1"})
    void rejectsWhatPythonRejects(String text) {
        PyError e = assertThrows(PyError.class, () -> PyJson.loads(text));
        assertSame(PyError.JSON_DECODE, e);
    }

    @Test
    void acceptsPythonsExtensionsAndKeepsTypes() {
        assertTrue(((Double) PyJson.loads("NaN")).isNaN());
        assertSame(PyJson.loads("NaN"), PyJson.loads("[NaN]") instanceof List<?> l ? l.get(0) : null,
                "every NaN is the decoder's one shared object");
        assertEquals(Double.POSITIVE_INFINITY, PyJson.loads("Infinity"));
        assertEquals(Double.NEGATIVE_INFINITY, PyJson.loads("-Infinity"));
        assertEquals(Double.POSITIVE_INFINITY, PyJson.loads("1e400"));
        assertEquals(-0.0, (Double) PyJson.loads("-0.0"), 0.0);
        assertEquals(0L, PyJson.loads("-0"));
        assertEquals(100L, PyJson.loads(" 100 "));
        assertEquals(100.0, PyJson.loads("1E2"));
        assertEquals(new BigInteger("123456789012345678901234567890"), PyJson.loads("123456789012345678901234567890"));
        assertEquals(Boolean.TRUE, PyJson.loads("true"));
        assertSame(PyNone.NONE, PyJson.loads("null"));
        assertEquals("é😀\ud800", PyJson.loads("\"\\u00e9\\ud83d\\ude00\\ud800\""));
    }

    @Test
    void duplicateKeysKeepFirstPositionAndLastValue() {
        Object v = PyJson.loads("{\"a\": 1, \"b\": 2, \"a\": 3}");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "b"), List.copyOf(m.keySet()));
        assertEquals(3L, m.get("a"));
    }

    @Test
    void pythonIntStringLimitRaisesValueError() {
        assertTrue(PyJson.loads("1".repeat(4300)) instanceof BigInteger);
        assertSame(PyError.VALUE, assertThrows(PyError.class, () -> PyJson.loads("1".repeat(4301))));
        assertSame(PyError.RECURSION, assertThrows(PyError.class, () -> PyJson.loads("[".repeat(5000))));
    }

    @Test
    void numbersCompareAndHashLikePython() {
        assertTrue(PyOps.eq(1L, 1.0) && PyOps.eq(Boolean.TRUE, 1L) && PyOps.eq(new BigInteger("100000000000000000000"),
                1e20));
        assertTrue(!PyOps.eq(9007199254740993L, 9007199254740992.0), "exact int-float comparison");
        assertEquals(PyOps.hashKey(100L), PyOps.hashKey(100.0));
        assertEquals(PyOps.hashKey(Boolean.TRUE), PyOps.hashKey(1.0));
        assertEquals(1.0 / 3.0, PyOps.truediv(1L, 3L));
        assertEquals(1.0 / 3.0, PyOps.truediv(new BigInteger("1" + "0".repeat(30)),
                new BigInteger("3" + "0".repeat(30))), "correctly rounded big-int division");
        assertSame(PyError.ZERO_DIVISION, assertThrows(PyError.class, () -> PyOps.truediv(1.0, 0L)));
        assertSame(PyError.OVERFLOW, assertThrows(PyError.class, () -> PyOps.add(0.0, BigInteger.TEN.pow(400))));
        assertSame(PyError.TYPE, assertThrows(PyError.class, () -> PyOps.sub(1L, "1")));
        assertSame(PyError.TYPE, assertThrows(PyError.class, () -> PyOps.lt("a", 1L)));
        assertTrue(PyOps.lt("\uffff", "\ud800\udc00"), "strings order by code point");
        assertTrue(PyOps.lt(List.of(1L, 2L), List.of(1L, 3L)));
    }
}
