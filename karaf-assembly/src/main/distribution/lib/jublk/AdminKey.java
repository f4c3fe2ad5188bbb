import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;

/**
 * jublk: creates the local administrator's ssh key pair (run by bin/setenv at first start, with the JDK's
 * source launcher, so that no other tool is needed).
 * <p>
 * Usage: {@code java AdminKey.java PRIVATE_KEY KEYS_PROPERTIES USER}. Writes PRIVATE_KEY (PKCS#8 PEM, readable
 * by its owner only), PRIVATE_KEY.pub (OpenSSH format), and appends USER with the admin group to
 * KEYS_PROPERTIES, which Karaf's PublickeyLoginModule reads at each login. RSA, because that module mis-parses
 * EC points whose top bit is set.
 */
public class AdminKey {

    public static void main(String[] args) throws Exception {
        Path privateKey = Path.of(args[0]);
        Path keysProperties = Path.of(args[1]);
        String user = args[2];

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072);
        KeyPair pair = generator.generateKeyPair();

        // Created with owner-only permissions, so the key is never readable by others, not even briefly.
        Files.writeString(Files.createFile(privateKey,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
                pem(pair.getPrivate().getEncoded()));

        String blob = Base64.getEncoder().encodeToString(sshRsaBlob((RSAPublicKey) pair.getPublic()));
        Files.writeString(Path.of(privateKey + ".pub"), "ssh-rsa " + blob + " jublk-" + user + "\n");
        Files.writeString(keysProperties, "\n# jublk: administrator key created " + Instant.now()
                        + " (private key " + privateKey + ")\n" + user + " = " + blob + ",_g_:admingroup\n",
                StandardOpenOption.APPEND);
    }

    static String pem(byte[] pkcs8) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** RFC 4253 public key blob: string "ssh-rsa", mpint e, mpint n. */
    static byte[] sshRsaBlob(RSAPublicKey key) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        for (byte[] field : new byte[][] {
                "ssh-rsa".getBytes(StandardCharsets.US_ASCII),
                key.getPublicExponent().toByteArray(),
                key.getModulus().toByteArray()}) {
            data.writeInt(field.length);
            data.write(field);
        }
        return out.toByteArray();
    }
}
