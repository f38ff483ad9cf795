package dev.pyroscoperelay.upload;

import java.util.AbstractMap;
import java.util.List;
import java.util.Set;
import org.apache.camel.Message;

/**
 * The value of the {@code PyroscopeUploadsBy} header: for a label name, the message's upload as one message per value
 * of that label, each a copy of the message (same headers, the routing headers of its own part) for Camel's split EIP,
 * which continues the route once per message:
 *
 * <pre>
 * - split:
 *     simple: "${header.PyroscopeUploadsBy[service_name]}"
 *     steps: [...]
 * </pre>
 *
 * The split is worked out when a route asks for it, not for every request. The map cannot be listed (it has an entry
 * for every label name); only {@link #get} answers.
 */
final class UploadsByLabel extends AbstractMap<String, List<Message>> {
    private final Message message;

    UploadsByLabel(Message message) {
        this.message = message;
    }

    @Override
    public List<Message> get(Object label) {
        ProfileUpload upload = message.getBody(ProfileUpload.class);
        if (upload == null || !(label instanceof String name)) {
            return List.of(message);
        }
        List<ProfileUpload> parts = upload.splitBy(name);
        if (parts.size() == 1 && parts.get(0) == upload) {
            return List.of(message);
        }
        return parts.stream().map(this::messageOf).toList();
    }

    private Message messageOf(ProfileUpload part) {
        Message copy = message.copy();
        copy.setBody(part);
        RoutingHeaders.update(copy);
        return copy;
    }

    @Override
    public boolean containsKey(Object label) {
        return label instanceof String;
    }

    @Override
    public Set<Entry<String, List<Message>>> entrySet() {
        return Set.of();
    }

    @Override
    public String toString() {
        return "the upload split by a label, e.g. ${header.PyroscopeUploadsBy[service_name]}";
    }
}
