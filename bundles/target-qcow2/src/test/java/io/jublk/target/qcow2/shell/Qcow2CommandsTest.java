package io.jublk.target.qcow2.shell;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import io.jublk.target.qcow2.image.Qemu;
import io.jublk.target.qcow2.image.QemuFolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;

/** ublk:qcow2-create and ublk:qcow2-check, judged by qemu-img. */
public class Qcow2CommandsTest {
    @Rule
    public QemuFolder dir = new QemuFolder();

    private static String captured(Runnable command) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            command.run();
        } finally {
            System.setOut(old);
        }
        return out.toString();
    }

    /** What Karaf's command extender registers (the IT types them at the console). */
    @Test
    public void theCommandsAreKarafActionsInTheUblkScope() throws Exception {
        for (Class<?> c : new Class<?>[] {Qcow2CreateCommand.class, Qcow2CheckCommand.class}) {
            assertTrue(c + " is a Karaf service", c.isAnnotationPresent(org.apache.karaf.shell.api.action.lifecycle.Service.class));
            org.apache.karaf.shell.api.action.Command command = c.getAnnotation(org.apache.karaf.shell.api.action.Command.class);
            assertEquals("ublk", command.scope());
            assertTrue(command.name(), command.name().matches("qcow2-(create|check)"));
        }
        // bnd writes the bundle's manifest into target/classes before the tests run
        try (java.io.InputStream in = Files.newInputStream(Path.of("target/classes/META-INF/MANIFEST.MF"))) {
            assertEquals(Qcow2CreateCommand.class.getPackageName(),
                    new java.util.jar.Manifest(in).getMainAttributes().getValue("Karaf-Commands"));
        }
    }

    @Test
    public void createdImagesPassQemuImgCheck() throws Exception {
        Qcow2CreateCommand create = new Qcow2CreateCommand();
        for (String cluster : new String[] {"512", "4K", "64K", "2M"}) {
            Path img = dir.resolve("new-" + cluster + ".qcow2");
            String out = captured(() -> create.create("3G", cluster, "", img.toString()));
            assertTrue(out, out.startsWith("created " + img));
            String check = Qemu.check(img).output();
            assertTrue(check, check.contains("No errors"));
            String info = Qemu.ok("qemu-img", "info", "--output=json", img.toString());
            assertTrue(info, info.contains("\"virtual-size\": 3221225472"));
            assertTrue(info, info.contains("\"cluster-size\": " + io.jublk.target.Sizes.parse("c", cluster)));
            String ours = captured(() -> new Qcow2CheckCommand().check(img.toString()));
            assertTrue(ours, ours.contains("No errors were found on the image."));
        }
    }

    @Test
    public void backingFilesAreNamedAsGivenAndSizeDefaultsToTheirs() throws Exception {
        Files.createDirectories(dir.resolve("images"));
        Path base = dir.resolve("images/base.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "5M");
        Qemu.io(base, "write -P 0x42 0 5M");
        Path top = dir.resolve("images/top.qcow2");
        captured(() -> new Qcow2CreateCommand().create("", "64K", "base.qcow2", top.toString()));
        String info = Qemu.ok("qemu-img", "info", "--output=json", top.toString());
        assertTrue(info, info.contains("\"backing-filename\": \"base.qcow2\""));
        assertTrue(info, info.contains("\"backing-filename-format\": \"qcow2\""));
        assertTrue(info, info.contains("\"virtual-size\": 5242880"));
        assertEquals(0, Qemu.run("qemu-img", "compare", top.toString(), base.toString()).exit());
        Qemu.check(top);
    }

    @Test
    public void badInputIsOneLineAndLeavesNoFile() throws Exception {
        Path img = dir.resolve("x.qcow2");
        String[][] cases = {
            {"", "64K", "", "needs -s SIZE"},
            {"1G", "3K", "", "cluster size must be a power of two"},
            {"1G", "64K", "missing.qcow2", "does not exist"},
            {"lots", "64K", "", "not a size"},
        };
        for (String[] c : cases) {
            try {
                new Qcow2CreateCommand().create(c[0], c[1], c[2], img.toString());
                fail("created with " + String.join(" ", c));
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage(), e.getMessage().contains(c[3]));
            }
            assertTrue(!Files.exists(img));
        }
        Files.write(img, new byte[] {1});
        try {
            new Qcow2CreateCommand().create("1G", "64K", "", img.toString());
            fail("overwrote a file");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("already exists"));
        }
        assertEquals(1, Files.size(img));
    }

    @Test
    public void checkReportsCorruptionAndLeaksLikeQemu() throws Exception {
        Path img = dir.resolve("c.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", img.toString(), "1M");
        Qemu.io(img, "write -P 1 0 64k");
        Qemu.img("snapshot", "-c", "snap one", img.toString());
        String out = captured(() -> new Qcow2CheckCommand().check(img.toString()));
        assertTrue(out, out.contains("snapshot 1 \"snap one\""));
        assertTrue(out, out.contains("No errors"));
        // the refcount block is at cluster 2 (header, refcount table, block): zero every refcount in it
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(2 * 4096);
            f.write(new byte[4096]);
        }
        assertEquals("qemu-img agrees it is corrupt", 2, Qemu.run("qemu-img", "check", img.toString()).exit());
        try {
            captured(() -> new Qcow2CheckCommand().check(img.toString()));
            fail("no corruption found");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("corruption"));
        }
        Path leaky = dir.resolve("leak.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "cluster_size=4k", leaky.toString(), "1M");
        try (RandomAccessFile f = new RandomAccessFile(leaky.toFile(), "rw")) {
            f.seek(2 * 4096 + 2 * 10);
            f.writeShort(1); // cluster 10 counted but unused
            f.setLength(11 * 4096);
        }
        assertEquals(3, Qemu.run("qemu-img", "check", leaky.toString()).exit());
        String leaks = captured(() -> new Qcow2CheckCommand().check(leaky.toString()));
        assertTrue(leaks, leaks.contains("1 leaked cluster(s)"));
    }
}
