package dev.pyroscoperelay.api;

import com.google.protobuf.util.JsonFormat;

/** Protobuf's JSON parser for the Connect APIs, loaded with the first JSON request, not with the relay. */
final class ProtoJson {
    static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private ProtoJson() {}
}
