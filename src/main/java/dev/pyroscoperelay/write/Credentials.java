package dev.pyroscoperelay.write;

import io.vertx.core.Future;

/**
 * The Authorization header a writer sends: none, a fixed value, a file read again when it changes, or an OAuth2 token
 * fetched and refreshed. A failure never carries the secret: the client is told which parameter failed, the log why.
 */
interface Credentials {
    Credentials NONE = new Credentials() {
        @Override
        public String current() {
            return null;
        }

        @Override
        public Future<String> next() {
            return Future.succeededFuture();
        }
    };

    /** The header value now, or null for none; throws {@link Unavailable} when there is none yet (OAuth2 fetching). */
    String current();

    /** The header value once there is one (an OAuth2 token fetched if needed); fails with {@link Unavailable}. */
    Future<String> next();

    /** The destination refused {@code header} with 401: true when asking again may give another (a new token). */
    default boolean rejected(String header) {
        return false;
    }

    static Credentials of(AuthSettings auth, DestinationClient client) {
        if (auth.fixed() != null) {
            String value = auth.fixed();
            return new Credentials() {
                @Override
                public String current() {
                    return value;
                }

                @Override
                public Future<String> next() {
                    return Future.succeededFuture(value);
                }
            };
        }
        if (auth.file() != null) {
            return new CredentialsFile(auth.file(), auth.fromFile());
        }
        if (auth.oauth2() != null) {
            return new OAuth2Token(auth.oauth2(), client);
        }
        return NONE;
    }

    /** No credentials to send now; the message names the parameter or endpoint, never a secret. */
    class Unavailable extends RuntimeException {
        Unavailable(String message) {
            super(message, null, false, false);
        }
    }
}
