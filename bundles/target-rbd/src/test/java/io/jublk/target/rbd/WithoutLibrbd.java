package io.jublk.target.rbd;

import io.jublk.target.TargetException;
import io.jublk.target.TargetOptions;
import java.util.Map;

/** Run by {@link LibrbdAbsenceTest} in a JVM that cannot load librbd: prints the description, then the open error. */
public final class WithoutLibrbd {
    private WithoutLibrbd() {
    }

    public static void main(String[] args) {
        RbdTargetFactory factory = new RbdTargetFactory();
        System.out.println(factory.description());
        try {
            factory.open(new TargetOptions(Map.of("pool", "rbd", "image", "x"))).close();
            System.out.println("OPENED");
        } catch (TargetException e) {
            System.out.println(e.getMessage());
        }
    }
}
