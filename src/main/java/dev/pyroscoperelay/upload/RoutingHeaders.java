package dev.pyroscoperelay.upload;

import dev.pyroscoperelay.runtime.RelayNames;
import org.apache.camel.Message;

/**
 * What routes may choose by, as exchange headers: the upload's service, the labels all its series share (the
 * tenant is the X-Scope-OrgID header), and the upload split by a label for the split EIP. None of them is ever sent
 * to a destination.
 */
public final class RoutingHeaders {
    private RoutingHeaders() {}

    /**
     * Sets the headers from the message's upload; {@link RelayNames#SERVICE_NAME_HEADER} is removed when there is no
     * one service.
     */
    public static void update(Message message) {
        ProfileUpload upload = message.getBody(ProfileUpload.class);
        message.setHeader(RelayNames.UPLOADS_BY_HEADER, new UploadsByLabel(message));
        message.setHeader(RelayNames.LABELS_HEADER, upload == null ? java.util.Map.of() : upload.commonLabels());
        String service = upload == null ? null : upload.serviceName();
        if (service == null) {
            message.removeHeader(RelayNames.SERVICE_NAME_HEADER);
        } else {
            message.setHeader(RelayNames.SERVICE_NAME_HEADER, service);
        }
    }
}
