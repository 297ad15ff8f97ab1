package dev.fleetsim.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CreateKeysAndCertificateResponse;

/**
 * A thing registered as an operator registers one for a real device, through the AWS SDK: CreateThing,
 * CreateKeysAndCertificate (active), AttachThingPrincipal; its PEM files written to a folder for agents that read
 * files.
 */
public record RegisteredThing(String name, String arn, CreateKeysAndCertificateResponse keys, Path cert, Path key) {

    public static RegisteredThing register(IotClient iot, String thing, Path dir) throws IOException {
        String arn = iot.createThing(r -> r.thingName(thing)).thingArn();
        CreateKeysAndCertificateResponse keys = iot.createKeysAndCertificate(r -> r.setAsActive(true));
        iot.attachThingPrincipal(r -> r.thingName(thing).principal(keys.certificateArn()));
        Files.createDirectories(dir);
        Path cert = Files.writeString(dir.resolve(thing + "-cert.pem"), keys.certificatePem());
        Path key = Files.writeString(
                dir.resolve(thing + "-key.pem"), keys.keyPair().privateKey());
        return new RegisteredThing(thing, arn, keys, cert, key);
    }
}
