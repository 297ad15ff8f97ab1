/**
 * Device identities of the local stack: a certificate authority created in the state folder on first start, the
 * broker's TLS key store and trust store, and device certificates for {@code CreateKeysAndCertificate}.
 *
 * <p>Threading: {@link dev.fleetsim.local.identity.LocalCa#issue()} is thread-safe; file set-up happens once at start.
 */
package dev.fleetsim.local.identity;
