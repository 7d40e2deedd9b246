package io.tollgate.localstack.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Runs another class's {@code main} and ends the JVM (gracefully, through {@link System#exit}) when standard
 * input reaches its end: {@link JavaProcess} keeps the child's input open, so the child goes when the JVM that
 * started it dies without stopping it, instead of running on unnoticed.
 * Arguments: the main class, then its arguments.
 */
public final class ParentWatch {

    private ParentWatch() {
    }

    public static void main(String[] args) throws Throwable {
        if (args.length == 0) {
            System.err.println("ParentWatch: give the main class to run, then its arguments");
            System.exit(2);
        }
        Thread.ofPlatform().daemon().name("parent-watch").start(ParentWatch::exitWhenInputEnds);
        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitWhenInputEnds() {
        InputStream in = System.in;
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // nothing is sent on purpose; whatever comes is ignored
            }
        } catch (IOException e) {
            // a broken pipe means the same as its end
        }
        System.err.println("ParentWatch: the parent process is gone; stopping");
        System.exit(1);
    }
}
