/**
 * The port between a run and what it runs against: {@link dev.fleetsim.target.Target} names the endpoints, clients,
 * trust anchor, signer and clock of a target. The local stack is one implementation ({@code local.LocalTarget});
 * the scenario runner sees only this interface. Thread-safe.
 */
package dev.fleetsim.target;
