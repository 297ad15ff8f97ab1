/**
 * Netty plumbing both sides share: the event loop groups and channel classes (epoll when the native transport loads),
 * and the port checks servers make before they bind. Any thread; no state of its own.
 */
package dev.fleetsim.net;
