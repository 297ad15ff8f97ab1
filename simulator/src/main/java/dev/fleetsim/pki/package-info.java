/** PEM and key helpers shared by the local stack's CA and the devices (certificate rotation). Stateless. */
package dev.fleetsim.pki;
