import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Build step of jublk-karaf-jdk25, run by the JDK's source launcher from Maven (see pom.xml), in three parts:
 * <ol>
 * <li>apply: for each {@code patches/<artifactId>.patch}, copy the pristine files it touches from the unpacked
 *     {@code sources/<artifactId>/} into {@code work/src} and apply it there ({@code patch -p1}, no fuzz);</li>
 * <li>compile: those files plus jublk's helpers ({@code helpers}) with javac {@code --release}, against the
 *     original bundles and the jars in {@code classpath};</li>
 * <li>repack: for each original bundle jar, replace every class compiled here (with its inner classes), add
 *     jublk's new classes to the jars that embed their package, keep everything else (the manifest first,
 *     unchanged); write {@code out/<prefix>-<name>.jar}.</li>
 * </ol>
 * Arguments are {@code key=value}: patches, sources, helpers, originals, classpath, work, out, prefix, release.
 */
public class PatchKaraf {

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            a.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        Path work = Path.of(a.get("work"));
        Path src = work.resolve("src");
        Path classes = work.resolve("classes");
        deleteTree(work);
        apply(Path.of(a.get("patches")), Path.of(a.get("sources")), src);
        List<Path> originals = list(Path.of(a.get("originals")), ".jar");
        List<Path> classpath = new ArrayList<>(originals);
        classpath.addAll(list(Path.of(a.get("classpath")), ".jar"));
        compile(List.of(src, Path.of(a.get("helpers"))), classpath, classes, a.get("release"));
        repack(classes, originals, Path.of(a.get("out")), a.get("prefix"));
    }

    // ---- apply ------------------------------------------------------------------------------------------

    static void apply(Path patches, Path sources, Path out) throws IOException, InterruptedException {
        Map<String, String> owner = new HashMap<>();
        for (Path patch : list(patches, ".patch")) {
            String artifact = strip(patch.getFileName().toString(), ".patch");
            Path pristine = sources.resolve(artifact);
            if (!Files.isDirectory(pristine)) {
                throw new IllegalStateException(patch + ": no unpacked sources at " + pristine);
            }
            for (String file : touchedFiles(patch)) {
                String previous = owner.put(file, artifact);
                if (previous != null) {
                    throw new IllegalStateException(file + " is patched by both " + previous + " and " + artifact);
                }
                Path target = out.resolve(file);
                Files.createDirectories(target.getParent());
                Files.copy(pristine.resolve(file), target, StandardCopyOption.REPLACE_EXISTING);
            }
            run("patch", "--batch", "--forward", "--fuzz=0", "--no-backup-if-mismatch", "--strip=1",
                    "--directory=" + out, "--input=" + patch.toAbsolutePath());
            System.out.println("[karaf-jdk25] applied " + patch.getFileName());
        }
    }

    static List<String> touchedFiles(Path patch) throws IOException {
        List<String> files = new ArrayList<>();
        for (String line : Files.readAllLines(patch)) {
            if (line.startsWith("+++ b/")) {
                files.add(line.substring("+++ b/".length()).split("\t")[0].trim());
            }
        }
        if (files.isEmpty()) {
            throw new IllegalStateException(patch + " touches no file");
        }
        return files;
    }

    static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).inheritIO().start();
        if (process.waitFor() != 0) {
            throw new IllegalStateException("failed: " + String.join(" ", command));
        }
    }

    // ---- compile ----------------------------------------------------------------------------------------

    static void compile(List<Path> sourceRoots, List<Path> classpath, Path classes, String release)
            throws IOException {
        List<String> files = new ArrayList<>();
        for (Path root : sourceRoots) {
            try (Stream<Path> walk = Files.walk(root)) {
                walk.filter(p -> p.toString().endsWith(".java")).forEach(p -> files.add(p.toString()));
            }
        }
        Files.createDirectories(classes);
        List<String> javac = new ArrayList<>(List.of("--release", release, "-d", classes.toString(),
                "-encoding", "UTF-8", "-proc:none", "-implicit:none",
                // Karaf's code uses deprecated-for-removal security APIs; those warnings are not ours to fix.
                "-Xlint:none", "-nowarn",
                "-classpath", String.join(File.pathSeparator, classpath.stream().map(Path::toString).toList())));
        javac.addAll(files);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        if (compiler.run(null, null, null, javac.toArray(String[]::new)) != 0) {
            throw new IllegalStateException("javac failed");
        }
        System.out.println("[karaf-jdk25] compiled " + files.size() + " sources with --release " + release);
    }

    static void deleteTree(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    // ---- repack -----------------------------------------------------------------------------------------

    static void repack(Path classes, List<Path> originals, Path out, String prefix) throws IOException {
        // top-level class entry name (a/b/C.class) -> compiled entries (a/b/C.class, a/b/C$1.class, ...)
        Map<String, List<String>> compiled = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(classes)) {
            walk.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                String entry = classes.relativize(p).toString().replace('\\', '/');
                compiled.computeIfAbsent(topLevel(entry), k -> new ArrayList<>()).add(entry);
            });
        }
        // A compiled class that no original jar holds is one of jublk's helpers (new); the rest replace.
        Set<String> anywhere = new TreeSet<>();
        for (Path jar : originals) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                zip.stream().forEach(e -> anywhere.add(e.getName()));
            }
        }
        Set<String> landed = new TreeSet<>();
        Files.createDirectories(out);
        for (Path jar : originals) {
            String name = bundleName(jar.getFileName().toString());
            Path target = out.resolve(prefix + "-" + name + ".jar");
            List<String> changed = repackOne(jar, target, classes, compiled, anywhere);
            if (changed.isEmpty()) {
                throw new IllegalStateException(jar + ": no patched class belongs to it; drop it from pom.xml");
            }
            landed.addAll(changed);
            System.out.println("[karaf-jdk25] " + target.getFileName() + " <- " + jar.getFileName() + " with "
                    + String.join(", ", changed.stream().map(c -> c.replaceAll("\\.class$", "").replace('/', '.')).toList()));
        }
        Set<String> stray = new TreeSet<>(compiled.keySet());
        stray.removeAll(landed);
        if (!stray.isEmpty()) {
            throw new IllegalStateException("compiled but in no bundle: " + stray);
        }
    }

    /** Writes the patched copy of one jar; returns the top-level classes it replaced or added. */
    static List<String> repackOne(Path jar, Path target, Path classes, Map<String, List<String>> compiled,
                                  Set<String> anywhere) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile());
             ZipOutputStream zos = new ZipOutputStream(Files.newOutputStream(target))) {
            Set<String> packages = new TreeSet<>();
            Set<String> present = new TreeSet<>();
            zip.stream().forEach(e -> {
                present.add(e.getName());
                int slash = e.getName().lastIndexOf('/');
                if (e.getName().endsWith(".class") && slash > 0) {
                    packages.add(e.getName().substring(0, slash));
                }
            });
            List<String> changed = new ArrayList<>();
            for (String top : compiled.keySet()) {
                boolean replaces = present.contains(top);
                // jublk's own helpers go into every bundle that embeds their package.
                boolean isNew = !anywhere.contains(top) && packages.contains(top.substring(0, top.lastIndexOf('/')));
                if (replaces || isNew) {
                    changed.add(top);
                }
            }
            Set<String> replacedTops = new TreeSet<>(changed);
            long time = zip.entries().nextElement().getTime();
            // Original entries in their order, minus the old builds of the replaced classes.
            for (ZipEntry e : zip.stream().toList()) {
                if (e.getName().endsWith(".class") && replacedTops.contains(topLevel(e.getName()))) {
                    continue;
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                zos.putNextEntry(copy);
                try (InputStream in = zip.getInputStream(e)) {
                    in.transferTo(zos);
                }
                zos.closeEntry();
            }
            for (String top : replacedTops) {
                for (String entry : compiled.get(top)) {
                    ZipEntry add = new ZipEntry(entry);
                    add.setTime(time);
                    zos.putNextEntry(add);
                    zos.write(Files.readAllBytes(classes.resolve(entry)));
                    zos.closeEntry();
                }
            }
            return changed;
        }
    }

    static String topLevel(String entry) {
        int dollar = entry.indexOf('$', entry.lastIndexOf('/') + 1);
        return dollar < 0 ? entry : entry.substring(0, dollar) + ".class";
    }

    /** org.apache.karaf.shell.core-4.4.10.jar -> shell-core */
    static String bundleName(String fileName) {
        return fileName.replaceFirst("-\\d[^-]*\\.jar$", "").replaceFirst("^org\\.apache\\.karaf\\.", "")
                .replace('.', '-');
    }

    static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }

    static String strip(String s, String suffix) {
        return s.substring(0, s.length() - suffix.length());
    }
}
