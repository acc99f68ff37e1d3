package org.visualrft.core.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;

/**
 * The streaming path copies each input line to the output undecoded, so a line that is not well-formed UTF-8 is
 * refused (file and line named) rather than passed through: what it writes is always valid UTF-8. Jackson decodes
 * only the fields the rewards read and accepts overlong forms, surrogates and code points above U+10FFFF even there.
 */
class JsonlRewarderUtf8Test {
    private static final String GOOD = "{\"task\": \"classification\", \"completion\": \"<answer>a</answer>\","
            + " \"solution\": \"<answer>a</answer>\"}\n";

    /** A line with {@code bad} inside the completion or inside a field no reward reads. */
    private static byte[] line(byte[] bad, boolean inCompletion) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String head = inCompletion ? "{\"task\": \"classification\", \"completion\": \"<answer>" : "{\"note\": \"";
        String tail = inCompletion ? "</answer>\", \"solution\": \"<answer>a</answer>\"}\n"
                : "\", \"task\": \"classification\", \"completion\": \"a\", \"solution\": \"<answer>a</answer>\"}\n";
        b.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        b.writeBytes(bad);
        b.writeBytes(tail.getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static byte[] score(byte[] input, int threads) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new JsonlRewarder("in.jsonl", null, t -> RewardRegistry.defaults(t, RewardMode.STRICT, RewardOptions.DEFAULT))
                .run(new LineBatches(new ByteArrayInputStream(input), 64), out, threads);
        return out.toByteArray();
    }

    private static void assertValidUtf8(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
        } catch (CharacterCodingException e) {
            throw new AssertionError("output is not valid UTF-8", e);
        }
    }

    @Test
    void malformedSequencesAnywhereInALineAreRefusedWithFileAndLine() throws IOException {
        byte[][] malformed = {
            bytes(0xC0, 0xAF), // overlong '/'
            bytes(0xE0, 0x80, 0xAF), // overlong '/' in three bytes
            bytes(0xED, 0xA0, 0x80), // a surrogate (U+D800)
            bytes(0xF4, 0x90, 0x80, 0x80), // above U+10FFFF
            bytes(0xF8, 0x88, 0x80, 0x80, 0x80), // a five-byte form
            bytes(0x80), // a continuation byte alone
            bytes(0xE2, 0x82), // a truncated sequence
        };
        for (byte[] bad : malformed) {
            for (boolean inCompletion : new boolean[] {true, false}) {
                ByteArrayOutputStream in = new ByteArrayOutputStream();
                in.writeBytes(GOOD.getBytes(StandardCharsets.UTF_8));
                in.writeBytes(line(bad, inCompletion));
                in.writeBytes(GOOD.getBytes(StandardCharsets.UTF_8));
                for (int threads : new int[] {1, 2}) {
                    BadInputException e = assertThrows(BadInputException.class, () -> score(in.toByteArray(),
                            threads), () -> String.format("%02X... accepted", bad[0]));
                    String m = e.getMessage();
                    assertTrue(m.contains("in.jsonl") && m.contains("line 2: not valid UTF-8") && !m.contains("\n"),
                            m);
                }
            }
        }
    }

    @Test
    void wellFormedTextOfEveryLengthIsCopiedThrough() throws IOException {
        String text = "é ✓ 😀 \u0800 \uFFFD \uD7FF \uE000 \uDBFF\uDFFF"; // 2, 3 and 4 bytes; the edges of each range
        byte[] in = line(text.getBytes(StandardCharsets.UTF_8), false);
        byte[] out = score(in, 1);
        assertValidUtf8(out);
        assertTrue(new String(out, StandardCharsets.UTF_8).contains(text));
        assertEquals(1, new String(out, StandardCharsets.UTF_8).lines().count());
    }
}
