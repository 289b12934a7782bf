"""The ranking: a methodology file, the PromQL and inventory it reads, scores, ranks, snapshots."""
