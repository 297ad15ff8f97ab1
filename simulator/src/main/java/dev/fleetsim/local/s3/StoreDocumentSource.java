package dev.fleetsim.local.s3;

import dev.fleetsim.local.jobs.DocumentSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;

/** {@code documentSource} URLs read from the local store, in any of the forms a placeholder accepts. */
public final class StoreDocumentSource implements DocumentSource {
    /** CreateJob's limit on a document: 32 KB. */
    private static final long MAX_DOCUMENT_BYTES = 32_768;

    private final ObjectStore store;

    public StoreDocumentSource(ObjectStore store) {
        this.store = store;
    }

    @Override
    public String fetch(String url) {
        String[] location = PlaceholderPresigner.location(url);
        if (location == null) {
            throw new IllegalArgumentException("documentSource must be an S3 object URL such as"
                    + " https://s3.<region>.amazonaws.com/<bucket>/<key>, not " + url);
        }
        for (int attempt = 1; ; attempt++) {
            ObjectStore.StoredObject object;
            try {
                object = store.lookup(location[0], location[1]);
            } catch (S3Exception e) {
                throw new IllegalArgumentException("documentSource " + url + " cannot be read: " + e.getMessage());
            }
            if (object.meta().size() > MAX_DOCUMENT_BYTES) {
                throw new IllegalArgumentException("the document at " + url + " is "
                        + object.meta().size() + " bytes; a job document is at most 32 KB");
            }
            try {
                return Files.readString(object.file(), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                if (attempt == 2) {
                    throw new IllegalArgumentException(
                            "documentSource " + url + " cannot be read: it is being" + " replaced; try again");
                }
                // replaced between the lookup and the read: look the new version up
            } catch (IOException e) {
                throw new IllegalArgumentException("documentSource " + url + " cannot be read: " + e.getMessage());
            }
        }
    }
}
