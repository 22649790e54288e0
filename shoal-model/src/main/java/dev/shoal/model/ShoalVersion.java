package dev.shoal.model;

/** Version facts shared by every part. */
public final class ShoalVersion {
    public static final String VERSION = "0.1.0";
    /** The Docker Engine API version the manager speaks by default. */
    public static final String API_VERSION = "1.41";
    /** The oldest API version a client may ask for. */
    public static final String MIN_API_VERSION = "1.12";

    private ShoalVersion() {}
}
