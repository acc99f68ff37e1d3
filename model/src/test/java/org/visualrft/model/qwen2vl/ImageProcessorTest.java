package org.visualrft.model.qwen2vl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.visualrft.core.BadInputException;
import org.visualrft.model.image.PillowBicubic;
import org.visualrft.model.image.RgbImage;
import org.visualrft.model.image.SmartResize;

/** Image preprocessing against HF's Qwen2VLImageProcessor (fixture qwen2vl-tiny). */
class ImageProcessorTest {

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @ValueSource(strings = {"smart_resize", "smart_resize_default_limits"})
    void smartResizeMatchesBothTables(String table) {
        Map<String, Object> t = (Map<String, Object>) Fixture.json().raw().get(table);
        int factor = ((Number) t.get("factor")).intValue();
        long min = ((Number) t.get("min_pixels")).longValue();
        long max = ((Number) t.get("max_pixels")).longValue();
        List<Map<String, Object>> cases = (List<Map<String, Object>>) t.get("cases");
        for (Map<String, Object> c : cases) {
            int h = ((Number) c.get("height")).intValue();
            int w = ((Number) c.get("width")).intValue();
            SmartResize.Size s = SmartResize.compute(h, w, factor, min, max);
            assertEquals(((Number) c.get("resized_height")).intValue(), s.height(), table + " " + h + "x" + w);
            assertEquals(((Number) c.get("resized_width")).intValue(), s.width(), table + " " + h + "x" + w);
        }
    }

    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#images")
    void bicubicResizeIsBitExactWithPillow(String name) {
        Map<String, Object> meta = imageMeta(name);
        RgbImage in = RgbImage.read(Fixture.DIR.resolve((String) meta.get("file")));
        int rw = ((Number) meta.get("resized_width")).intValue();
        int rh = ((Number) meta.get("resized_height")).intValue();
        RgbImage out = PillowBicubic.resize(in, rw, rh);
        assertArrayEquals(Fixture.array(name + ".resized_uint8").bytes(), out.rgb(), "resized bytes (safetensors)");
        RgbImage png = RgbImage.read(Fixture.DIR.resolve((String) meta.get("resized_file")));
        assertArrayEquals(png.rgb(), out.rgb(), "resized bytes (png)");
    }

    @ParameterizedTest
    @MethodSource("org.visualrft.model.qwen2vl.Fixture#images")
    void pixelValuesAndGridAreBitExact(String name) throws Exception {
        ImageProcessor proc = ImageProcessor.load(Fixture.DIR.resolve("preprocessor_config.json"));
        // transformers 4.46's layout (min_pixels/max_pixels): its processor resized with Pillow
        assertEquals(ImageProcessor.Backend.PIL, proc.backend());
        ImageProcessor.Patches p = proc.process(RgbImage.read(Fixture.DIR.resolve((String) imageMeta(name).get("file"))));
        int[] grid = Fixture.ints(((List<?>) imageMeta(name).get("image_grid_thw")).get(0));
        assertArrayEquals(grid, new int[] {p.gridT(), p.gridH(), p.gridW()});
        Fixture.Array want = Fixture.array(name + ".pixel_values");
        assertEquals(want.shape()[0], p.rows());
        assertEquals(want.shape()[1], p.cols());
        assertArrayEquals(want.floats(), p.values(), name + " pixel_values");
        assertEquals(((Number) imageMeta(name).get("num_image_tokens")).intValue(), p.tokenCount(proc.mergeSize()));
    }

    @Test
    void tooSmallOrMissingImagesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> SmartResize.compute(10, 100, 28, 3136, 12544));
        assertThrows(IllegalArgumentException.class, () -> SmartResize.compute(28, 28 * 201, 28, 3136, 1L << 40));
        BadInputException e = assertThrows(BadInputException.class, () -> RgbImage.read(Fixture.DIR.resolve("nope.png")));
        assertEquals(Fixture.DIR.resolve("nope.png").toString(), e.source());
    }

    @Test
    void wrongPreprocessorConfigNamesFileAndKey() throws Exception {
        var f = Files.createTempFile("pre", ".json");
        Files.writeString(f, "{\"resample\": 2}");
        BadInputException e = assertThrows(BadInputException.class, () -> ImageProcessor.load(f));
        assertEquals(f.toString(), e.source());
        Files.delete(f);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"min_pixels\": 3136, \"max_pixels\": 12845056, \"image_processor_type\": \"Qwen2VLImageProcessor\"} | PIL",
        "{\"size\": {\"shortest_edge\": 65536, \"longest_edge\": 16777216}} | TORCHVISION",
        "{\"min_pixels\": 3136, \"max_pixels\": 12845056, \"image_processor_type\": \"Qwen2VLImageProcessorFast\"} | TORCHVISION"})
    void backendFollowsTheFileThatTransformersWrote(String json, ImageProcessor.Backend want) throws Exception {
        var f = Files.createTempFile("pre", ".json");
        Files.writeString(f, json);
        assertEquals(want, ImageProcessor.load(f).backend(), json);
        Files.delete(f);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> imageMeta(String name) {
        return (Map<String, Object>) ((Map<String, Object>) Fixture.json().raw().get("images")).get(name);
    }
}
