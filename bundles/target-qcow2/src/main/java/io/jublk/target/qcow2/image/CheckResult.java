package io.jublk.target.qcow2.image;

import java.util.List;

/**
 * What {@link Qcow2Checker} found: corruptions (a refcount lower than the references, a bad entry, a
 * COPIED flag that lies) make the image unsafe to write; leaks (clusters counted but unused) only waste
 * space.
 *
 * @param messages    the first findings, one line each
 * @param corruptions how many corruptions
 * @param leaks       how many leaked clusters
 * @param clusters    clusters in the file
 */
public record CheckResult(List<String> messages, int corruptions, int leaks, long clusters) {

    public boolean clean() {
        return corruptions == 0;
    }
}
