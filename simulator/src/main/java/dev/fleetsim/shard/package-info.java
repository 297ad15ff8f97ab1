/**
 * Sharded runs: one scenario played by a coordinator ({@code fleetsim run --role coordinator}, which makes things,
 * groups and artifacts, creates the jobs and writes the one report) and N device shards ({@code --role devices --shard
 * i/N}, each connecting every N-th device), as pods of a Kubernetes Indexed Job or as children of one {@code fleetsim
 * run --shards N}. The two talk JSON over HTTP ({@link dev.fleetsim.shard.ShardWire}): shards long-poll the
 * coordinator's events (connect, job starting, device actions, stop) and post what their devices observed once a
 * second (counts, first notifications, accepted statuses, HdrHistogram intervals), which the coordinator merges
 * exactly into the run's observer.
 */
package dev.fleetsim.shard;
