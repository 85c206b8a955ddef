package io.limiter.redis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

/**
 * Certificates for TLS tests, made with the JDK alone (no keytool, no openssl, no BouncyCastle): a CA, and
 * certificates it signs for host names and IP addresses, written as PEM files that both redis-server (OpenSSL) and
 * Lettuce read. EC P-256 keys, SHA-256 with ECDSA, valid from an hour ago for a day. The DER is written by hand: an
 * X.509 v3 certificate is a handful of nested sequences. Not thread-safe; one test thread makes its certificates.
 */
public final class TestCertificates {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final byte[] ECDSA_WITH_SHA256 = seq(oid("1.2.840.10045.4.3.2"));

  /** A certificate and its key, as PEM files. */
  public record Issued(Path certificate, Path privateKey, X509Certificate x509, KeyPair keys, String name) {
  }

  private final Path dir;

  /** @param dir where the PEM files go */
  public TestCertificates(Path dir) {
    this.dir = dir;
  }

  /**
   * @param prefix the start of the directory's name
   * @return certificates written to a new directory under {@code target/}
   */
  public static TestCertificates inNewDirectory(String prefix) {
    try {
      Files.createDirectories(Path.of("target"));
      return new TestCertificates(Files.createTempDirectory(Path.of("target").toAbsolutePath(), prefix));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a directory for certificates", e);
    }
  }

  /** @return a self-signed CA named {@code name} */
  public Issued authority(String name) {
    KeyPair keys = keyPair();
    byte[] basicConstraints = extension("2.5.29.19", true, seq(bool(true)));
    byte[] keyUsage = extension("2.5.29.15", true, bitString(new byte[] {0x06})); // keyCertSign, cRLSign
    return write(name, keys, sign(name, name, keys, keys, List.of(basicConstraints, keyUsage)));
  }

  /**
   * @param issuer the CA that signs
   * @param name the subject's common name (also the file name)
   * @param dnsNames host names the certificate is for
   * @param ipAddresses IP addresses it is for
   * @return the certificate
   */
  public Issued issue(Issued issuer, String name, List<String> dnsNames, List<String> ipAddresses) {
    KeyPair keys = keyPair();
    ByteArrayOutputStream names = new ByteArrayOutputStream();
    for (String dns : dnsNames) {
      names.writeBytes(tlv(0x82, dns.getBytes(StandardCharsets.US_ASCII)));
    }
    for (String ip : ipAddresses) {
      try {
        names.writeBytes(tlv(0x87, InetAddress.getByName(ip).getAddress()));
      } catch (IOException e) {
        throw new IllegalArgumentException(ip, e);
      }
    }
    byte[] san = extension("2.5.29.17", false, tlv(0x30, names.toByteArray()));
    return write(name, keys, sign(name, issuer.name(), keys, issuer.keys(), List.of(san)));
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] sign(String subject, String issuer, KeyPair subjectKeys, KeyPair issuerKeys,
      List<byte[]> extensions) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    extensions.forEach(all::writeBytes);
    byte[] tbs = seq(
        tlv(0xA0, integer(BigInteger.TWO)), // version 3
        integer(new BigInteger(63, RANDOM).add(BigInteger.ONE)),
        ECDSA_WITH_SHA256,
        name(issuer),
        seq(time(now.minus(1, ChronoUnit.HOURS)), time(now.plus(1, ChronoUnit.DAYS))),
        name(subject),
        subjectKeys.getPublic().getEncoded(), // SubjectPublicKeyInfo, DER already
        tlv(0xA3, tlv(0x30, all.toByteArray())));
    try {
      Signature signature = Signature.getInstance("SHA256withECDSA");
      signature.initSign(issuerKeys.getPrivate(), RANDOM);
      signature.update(tbs);
      return seq(tbs, ECDSA_WITH_SHA256, bitString(signature.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private Issued write(String name, KeyPair keys, byte[] der) {
    try {
      X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(der));
      Files.createDirectories(dir);
      Path certificate = dir.resolve(name + ".crt");
      Path key = dir.resolve(name + ".key");
      Files.writeString(certificate, pem("CERTIFICATE", der), StandardCharsets.US_ASCII);
      Files.writeString(key, pem("PRIVATE KEY", keys.getPrivate().getEncoded()), StandardCharsets.US_ASCII);
      return new Issued(certificate, key, x509, keys, name);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write certificate " + name, e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  // ---- DER ---------------------------------------------------------------------------------------------------------

  private static byte[] extension(String oid, boolean critical, byte[] value) {
    return critical ? seq(oid(oid), bool(true), tlv(0x04, value)) : seq(oid(oid), tlv(0x04, value));
  }

  private static byte[] name(String commonName) {
    return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
  }

  private static byte[] time(Instant instant) {
    String text = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC).format(instant);
    return tlv(0x17, text.getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] bool(boolean value) {
    return tlv(0x01, new byte[] {(byte) (value ? 0xFF : 0)});
  }

  private static byte[] integer(BigInteger value) {
    return tlv(0x02, value.toByteArray());
  }

  private static byte[] bitString(byte[] bits) {
    byte[] content = new byte[bits.length + 1]; // no unused bits
    System.arraycopy(bits, 0, content, 1, bits.length);
    return tlv(0x03, content);
  }

  private static byte[] oid(String dotted) {
    String[] parts = dotted.split("\\.");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(Integer.parseInt(parts[0]) * 40 + Integer.parseInt(parts[1]));
    for (int i = 2; i < parts.length; i++) {
      long value = Long.parseLong(parts[i]);
      int groups = Math.max(1, (64 - Long.numberOfLeadingZeros(value) + 6) / 7);
      for (int g = groups - 1; g >= 0; g--) {
        out.write((int) ((value >>> (7 * g)) & 0x7F) | (g > 0 ? 0x80 : 0));
      }
    }
    return tlv(0x06, out.toByteArray());
  }

  private static byte[] seq(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return tlv(0x30, out.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = content.length;
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(content);
    return out.toByteArray();
  }
}
