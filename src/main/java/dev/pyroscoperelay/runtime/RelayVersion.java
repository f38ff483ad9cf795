package dev.pyroscoperelay.runtime;

/** The relay's version, from the jar manifest ("dev" when run from classes). */
public final class RelayVersion {
    private static final String VERSION;

    static {
        String v = RelayVersion.class.getPackage().getImplementationVersion();
        VERSION = v == null ? "dev" : v;
    }

    private RelayVersion() {}

    public static String get() {
        return VERSION;
    }
}
