#!/usr/bin/env Rscript
# MatchIt side of `dayzero-bench matching --r`: times the call a user would make,
#   matchit(treat ~ age + sex_male + bmi, data, method = "nearest", distance = "glm")
# (logistic fit + 1:1 nearest neighbour, m.order = "largest"), then writes the pairs of the
# same matching made on the score multiplied by 2^30 (exact; works around the integer abs()
# of the installed MatchIt 4.5.1, issue #163 — see Tests/DayZeroStatsTests/Fixtures/matching/
# matching.R) for DayZero to compare with its own.
#   Rscript bench/matching.R data.csv pairs.csv
suppressPackageStartupMessages(library(MatchIt))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
f <- treat ~ age + sex_male + bmi
t <- system.time(m <- matchit(f, data = d, method = "nearest", distance = "glm"))[["elapsed"]]
cat(sprintf("matchit_seconds %.3f\n", t))
fixed <- matchit(f, data = d, method = "nearest", distance = unname(m$distance) * 2^30)
mm <- match(fixed$match.matrix[, 1], rownames(d))
mm[is.na(mm)] <- 0L
writeLines(c("control_row", as.character(mm)), args[2])
