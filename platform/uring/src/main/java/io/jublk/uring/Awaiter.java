package io.jublk.uring;

/**
 * Picks one user data out of a drain for {@link Ring#awaitCompletion}, passing the rest on.
 * Preallocated per ring, so waiting does not allocate.
 */
final class Awaiter implements CompletionHandler {
    private long target;
    private CompletionHandler others;
    private boolean found;
    private int res;

    void start(long userData, CompletionHandler delegate) {
        target = userData;
        others = delegate;
        found = false;
        res = 0;
    }

    boolean found() {
        return found;
    }

    int res() {
        return res;
    }

    @Override
    public void onCompletion(long userData, int result, int flags) {
        if (!found && userData == target) {
            found = true;
            res = result;
        } else if (others != null) {
            others.onCompletion(userData, result, flags);
        }
    }

    @Override
    public void onWakeup() {
        if (others != null) {
            others.onWakeup();
        }
    }
}
