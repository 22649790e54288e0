package dev.shoal.scheduler;

/** What placement needs to know of one node at one instant. */
public record NodeSnapshot(String id, String name, boolean healthy, int containers) { }
