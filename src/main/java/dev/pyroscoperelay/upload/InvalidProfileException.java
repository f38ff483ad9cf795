package dev.pyroscoperelay.upload;

/** A client sent something the relay refuses to forward; the message is shown to the client with a 4xx. */
public class InvalidProfileException extends RuntimeException {
    private final int status;

    public InvalidProfileException(int status, String message) {
        super(message);
        this.status = status;
    }

    public InvalidProfileException(String message) {
        this(400, message);
    }

    public int status() {
        return status;
    }
}
