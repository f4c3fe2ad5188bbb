package io.jublk.target.qcow2.cache;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertSame;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.Test;

/** {@link TableCache} against a LinkedHashMap in access order: same contents, same eldest. */
public class TableCacheTest {
    @Test
    public void behavesAsAnAccessOrderedMap() {
        Random r = new Random(9);
        TableCache cache = new TableCache(37);
        LinkedHashMap<Long, Table> model = new LinkedHashMap<>(16, 0.75f, true);
        for (int i = 0; i < 50_000; i++) {
            long offset = (long) r.nextInt(120) << 16;
            int op = r.nextInt(4);
            if (op == 0) {
                assertSame(model.get(offset), cache.get(offset));
            } else if (op == 1) {
                assertSame(model.remove(offset), cache.remove(offset));
            } else if (op == 2 && (!cache.full() || model.containsKey(offset))) {
                Table t = new Table(offset, new byte[8]);
                t.dirty(r.nextBoolean());
                model.put(offset, t);
                cache.put(t);
            } else if (cache.full()) {
                Table eldest = model.values().iterator().next();
                assertSame(eldest, cache.eldest());
                Table clean = null;
                for (Map.Entry<Long, Table> e : model.entrySet()) {
                    if (!e.getValue().dirty()) {
                        clean = e.getValue();
                        break;
                    }
                }
                assertSame(clean, cache.eldestClean());
                model.remove(eldest.offset());
                cache.remove(eldest.offset());
            }
            assertEquals(model.size(), cache.size());
        }
    }
}
