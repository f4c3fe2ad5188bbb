import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A JIT-heavy workload for vm/measure-jit-crash: each round generates a class with many
 * small methods of varied shapes, compiles it in-process with javac (a large body of code
 * that the JIT compiles and patches while it runs), loads it and runs its methods hot
 * enough for C1 and C2. Arguments: rounds [calls of each method per round, default 2000]. Prints the checksum and the elapsed time.
 */
public class JitLoad {
    static int calls;
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        calls = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path dir = Files.createTempDirectory("jitload");
        long start = System.nanoTime();
        long sum = 0;
        for (int r = 0; r < rounds; r++) {
            sum += round(javac, dir, r);
        }
        System.out.printf("checksum %d, %d rounds in %.1f s%n", sum, rounds,
                (System.nanoTime() - start) / 1e9);
    }

    static long round(JavaCompiler javac, Path dir, int r) throws Exception {
        String name = "Gen" + r;
        Path src = dir.resolve(name + ".java");
        Files.writeString(src, source(name, r));
        if (javac.run(null, null, null, "-d", dir.toString(), "-nowarn", src.toString()) != 0) {
            throw new IOException("javac failed on " + src);
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()})) {
            Method run = loader.loadClass(name).getMethod("run", int.class);
            return (long) run.invoke(null, calls);
        }
    }

    /** A class with 60 methods of a few shapes, and run(n) that calls them all n times. */
    static String source(String name, int r) {
        StringBuilder s = new StringBuilder("import java.util.*;\npublic class " + name + " {\n");
        for (int m = 0; m < 60; m++) {
            int k = r * 7 + m;
            switch (m % 4) {
                case 0 -> s.append("static long m").append(m).append("(long x) { long a = x;")
                        .append(" for (int i = 0; i < ").append(3 + k % 5).append("; i++) a = a * ")
                        .append(31 + k).append(" + (a >>> ").append(1 + k % 13).append("); return a; }\n");
                case 1 -> s.append("static long m").append(m).append("(long x) { String t = Long.toHexString(x ^ ")
                        .append(k).append("L); return t.hashCode() + t.length(); }\n");
                case 2 -> s.append("static long m").append(m).append("(long x) { List<Long> l = new ArrayList<>();")
                        .append(" for (int i = 0; i < 4; i++) l.add(x + i * ").append(k)
                        .append("); return l.stream().mapToLong(Long::longValue).sum(); }\n");
                default -> s.append("static long m").append(m).append("(long x) { Object o = (x & 1) == 0 ? ")
                        .append("Long.valueOf(x) : (Object) String.valueOf(x); return o instanceof Long v ? v + ")
                        .append(k).append(" : o.hashCode(); }\n");
            }
        }
        s.append("public static long run(int n) { long a = 0; for (int i = 0; i < n; i++) {\n");
        for (int m = 0; m < 60; m++) {
            s.append("a += m").append(m).append("(a + i);\n");
        }
        return s.append("} return a; }\n}\n").toString();
    }
}
